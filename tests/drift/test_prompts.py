"""Sampling and training prompts: the model's chat template, and left truncation that keeps the feedback."""

from __future__ import annotations

import pytest

from drift.anchors import Anchor
from drift.config import DEFAULT_IMPROVE_INSTRUCTION
from drift.errors import DriftError
from drift.prompts import fit_messages, guided_messages, render_ids, sampling_prompt, training_prompt


def _anchor(turns: int = 1) -> Anchor:
    prompt = [{"role": "system", "content": "You are a helpful assistant."}]
    for i in range(turns):
        prompt.append({"role": "user", "content": f"What is the capital of France? ({i})"})
        if i < turns - 1:
            prompt.append({"role": "assistant", "content": "The capital of France is Paris."})
    return Anchor("a1", prompt, "The capital of France is Rome.", "No, that is wrong. Please answer again.")


def test_guided_prompt_ends_with_feedback_and_instruction():
    messages = guided_messages(_anchor(), DEFAULT_IMPROVE_INSTRUCTION)
    assert messages[-2] == {"role": "assistant", "content": "The capital of France is Rome."}
    assert messages[-1]["role"] == "user"
    assert messages[-1]["content"].startswith("No, that is wrong.")
    assert messages[-1]["content"].endswith(DEFAULT_IMPROVE_INSTRUCTION)


def test_prompts_use_the_models_chat_template(tiny_tokenizer):
    rendered = sampling_prompt(tiny_tokenizer, _anchor(), guided=True, instruction="Do better.", budget=512)
    text = tiny_tokenizer.decode(rendered.ids)
    assert text.startswith("<s><|system|>")
    assert text.endswith("Do better.<|end|><|assistant|>")
    assert "User:" not in text


def test_training_prompt_is_the_conversation_only(tiny_tokenizer):
    anchor = _anchor(turns=2)
    assert training_prompt(tiny_tokenizer, anchor, budget=None) == anchor.prompt


def test_long_prompt_loses_oldest_messages_but_keeps_system_and_feedback(tiny_tokenizer):
    anchor = _anchor(turns=12)
    full = render_ids(tiny_tokenizer, guided_messages(anchor, "Do better."))
    budget = len(full) // 2
    rendered = sampling_prompt(tiny_tokenizer, anchor, guided=True, instruction="Do better.", budget=budget)
    assert len(rendered.ids) <= budget and rendered.dropped_messages > 0 and rendered.cut_tokens == 0
    assert rendered.messages[0]["role"] == "system"
    assert rendered.messages[1]["role"] == "user"  # templates expect a user turn first
    assert rendered.messages[-1]["content"].endswith("Do better.")
    assert tiny_tokenizer.decode(rendered.ids).endswith("Do better.<|end|><|assistant|>")


def test_tail_over_budget_is_cut_from_the_left(tiny_tokenizer):
    anchor = _anchor()
    anchor.rejected = "The capital of France is Rome. " * 40
    rendered = sampling_prompt(tiny_tokenizer, anchor, guided=True, instruction="Do better.", budget=40)
    assert len(rendered.ids) == 40 and rendered.cut_tokens > 0
    assert tiny_tokenizer.decode(rendered.ids).endswith("Please answer again.\n\nDo better.<|end|><|assistant|>")


@pytest.mark.parametrize("turns", [1, 3])
def test_prompt_within_budget_is_untouched(tiny_tokenizer, turns):
    anchor = _anchor(turns)
    rendered = fit_messages(tiny_tokenizer, anchor.prompt, 10_000)
    assert rendered.messages == anchor.prompt and rendered.dropped_messages == 0


def test_tokenizer_without_chat_template(tiny_tokenizer):
    import copy

    plain = copy.deepcopy(tiny_tokenizer)
    plain.chat_template = None
    with pytest.raises(DriftError, match="has no chat template: use an instruct/chat model"):
        render_ids(plain, [{"role": "user", "content": "hi"}])
