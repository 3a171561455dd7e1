"""Answer log-likelihoods: the same numbers as a plain full log-softmax, batched or not."""

from __future__ import annotations

import pytest

from drift.logps import answer_logps, tokenize_pair

PROMPTS = [
    [{"role": "user", "content": "What is two plus two?"}],
    [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "What do bees make?"}],
]
ANSWERS = ["Two plus two is four.", "Bees make honey, and a lot of it."]


@pytest.fixture(scope="module")
def model_and_tokenizer(tiny_model):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return AutoModelForCausalLM.from_pretrained(tiny_model).eval(), AutoTokenizer.from_pretrained(tiny_model)


def _naive(model, tokenizer, prompt, answer):
    import torch

    ids, start = tokenize_pair(tokenizer, prompt, answer, None)
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0]
    logprobs = torch.log_softmax(logits.float(), -1)
    return sum(logprobs[i - 1, ids[i]].item() for i in range(start, len(ids))), len(ids) - start


def test_answer_starts_after_the_generation_prompt(tiny_tokenizer):
    ids, start = tokenize_pair(tiny_tokenizer, PROMPTS[0], ANSWERS[0], None)
    assert tiny_tokenizer.decode(ids[:start]).endswith("<|assistant|>")
    assert tiny_tokenizer.decode(ids[start:]) == "Two plus two is four.<|end|>"


@pytest.mark.parametrize("batch_size", [1, 2])
def test_matches_a_full_log_softmax(model_and_tokenizer, batch_size):
    model, tokenizer = model_and_tokenizer
    scored = answer_logps(model, tokenizer, PROMPTS, ANSWERS, batch_size=batch_size)
    for s, prompt, answer in zip(scored, PROMPTS, ANSWERS, strict=True):
        logp, tokens = _naive(model, tokenizer, prompt, answer)
        assert s.tokens == tokens
        assert s.logp == pytest.approx(logp, abs=1e-4)


def test_max_length_keeps_the_start(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    full_ids, start = tokenize_pair(tokenizer, PROMPTS[1], ANSWERS[1], None)
    scored = answer_logps(model, tokenizer, PROMPTS[1:], ANSWERS[1:], max_length=start + 3)
    assert scored[0].tokens == 3
