"""Generation backends: batched transformers generate, an OpenAI-compatible endpoint (stubbed), vLLM's guard."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from drift.config import load_config
from drift.errors import DriftError, MissingDependencyError
from drift.generate import OpenAIBackend, Request, TransformersBackend, make_backend
from drift.prompts import render_ids


def _requests(tokenizer):
    questions = ["What is two plus two?", "What do bees make?", "Name a primary colour."]
    requests = []
    for q in questions:
        messages = [{"role": "user", "content": q}]
        requests.append(Request(messages, render_ids(tokenizer, messages)))
    return requests


@pytest.fixture
def model_tokenizer(tiny_model):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    return tiny_model, tokenizer


def test_transformers_backend_returns_n_finished_samples_per_prompt(model_tokenizer):
    model, tokenizer = model_tokenizer
    backend = TransformersBackend(load_config(args=["--max_new_tokens", "24"]), str(model), tokenizer)
    samples = backend.generate(_requests(tokenizer), n=2, seed=0)
    backend.close()
    assert [len(group) for group in samples] == [2, 2, 2]
    # the tiny model was taught the chat format: it stops on <|end|> well before 24 tokens
    assert all(s.finished and s.text and 0 < s.tokens < 24 for group in samples for s in group)
    assert not any("<|end|>" in s.text for group in samples for s in group)


def test_token_limit_marks_samples_unfinished(model_tokenizer):
    model, tokenizer = model_tokenizer
    backend = TransformersBackend(load_config(args=["--max_new_tokens", "2"]), str(model), tokenizer)
    samples = backend.generate(_requests(tokenizer), n=1, seed=0)
    assert all(not group[0].finished and group[0].tokens == 2 for group in samples)


def test_same_seed_same_samples(model_tokenizer):
    model, tokenizer = model_tokenizer
    config = load_config(args=["--max_new_tokens", "24", "--temperature", "1.0"])
    backend = TransformersBackend(config, str(model), tokenizer)
    first = backend.generate(_requests(tokenizer), n=2, seed=7)
    again = backend.generate(_requests(tokenizer), n=2, seed=7)
    assert [[s.text for s in g] for g in first] == [[s.text for s in g] for g in again]


def test_greedy_decoding_with_temperature_zero(model_tokenizer):
    model, tokenizer = model_tokenizer
    config = load_config(args=["--max_new_tokens", "24", "--temperature", "0"])
    backend = TransformersBackend(config, str(model), tokenizer)
    a = backend.generate(_requests(tokenizer), n=1, seed=1)
    b = backend.generate(_requests(tokenizer), n=1, seed=2)
    assert [g[0].text for g in a] == [g[0].text for g in b]


class StubCompletions:
    def __init__(self, fail=False):
        self.calls = []
        self.fail = fail

    def create(self, **kwargs):
        self.calls.append(kwargs)
        if self.fail:
            raise ConnectionError("connection refused")
        choices = [
            SimpleNamespace(message=SimpleNamespace(content=" Four. "), finish_reason="stop"),
            SimpleNamespace(message=SimpleNamespace(content="Four and"), finish_reason="length"),
        ]
        return SimpleNamespace(choices=choices[: kwargs["n"]])


def _stub_client(fail=False):
    return SimpleNamespace(chat=SimpleNamespace(completions=StubCompletions(fail)))


def test_openai_backend_sends_messages_and_reads_finish_reason(tiny_tokenizer):
    config = load_config(args=["--backend", "openai", "--api_base", "http://localhost:1/v1", "--api_model", "policy"])
    client = _stub_client()
    backend = OpenAIBackend(config, "/run/iter_1/model", tiny_tokenizer, client=client)
    samples = backend.generate(_requests(tiny_tokenizer), n=2, seed=5)
    assert [(s.text, s.finished) for s in samples[0]] == [("Four.", True), ("Four and", False)]
    call = client.chat.completions.calls[0]
    assert call["model"] == "policy" and call["messages"][-1]["role"] == "user"
    assert (call["temperature"], call["top_p"], call["max_tokens"], call["n"]) == (0.7, 0.9, 512, 2)


def test_openai_backend_defaults_to_the_policy_path(tiny_tokenizer):
    config = load_config(args=["--backend", "openai", "--api_base", "http://localhost:1/v1"])
    backend = OpenAIBackend(config, "/run/iter_1/model", tiny_tokenizer, client=_stub_client())
    backend.generate(_requests(tiny_tokenizer)[:1], n=1, seed=0)
    assert backend.client.chat.completions.calls[0]["model"] == "/run/iter_1/model"


def test_openai_backend_failure_says_what_to_check(tiny_tokenizer):
    config = load_config(args=["--backend", "openai", "--api_base", "http://localhost:1/v1"])
    backend = OpenAIBackend(config, "m", tiny_tokenizer, client=_stub_client(fail=True))
    with pytest.raises(DriftError, match=r"endpoint http://localhost:1/v1 failed .* check that the server runs"):
        backend.generate(_requests(tiny_tokenizer)[:1], n=1, seed=0)


def test_vllm_backend_without_vllm_says_how_to_install(tiny_tokenizer):
    pytest.importorskip("torch")
    import importlib.util

    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vllm is installed here")
    expected = r"--backend vllm needs the Python package 'vllm': install it with `pip install vllm`"
    with pytest.raises(MissingDependencyError, match=expected):
        make_backend(load_config(args=["--backend", "vllm"]), "m", tiny_tokenizer)
