"""Fixtures of the judge tests; the helpers they share live in judge_fakes.py."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# importlib import mode: test modules are not importable by each other, so share helpers by path.
sys.path.insert(0, str(Path(__file__).parent))

from judge_fakes import SECRET_KEY, FakeOpenAI  # noqa: E402

from dsatkit.judge.config import JudgeConfig  # noqa: E402


@pytest.fixture
def fake_openai():
    fake = FakeOpenAI()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No endpoint, key or cache location leaks in from the machine; nothing is written to ~/.cache."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "DSATKIT_JUDGE_API_KEY",
        "DSATKIT_JUDGE_BASE_URL",
        "DSATKIT_JUDGE_MODEL",
        "DSATKIT_JUDGE_CACHE_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def http_config(fake_openai, tmp_path) -> Callable[..., JudgeConfig]:
    def make(**overrides) -> JudgeConfig:
        options = {
            "backend": "openai",
            "model": "judge-test",
            "base_url": fake_openai.url,
            "api_key": SECRET_KEY,
            "max_concurrency": 4,
            "timeout_s": 5.0,
            "max_retries": 2,
            "retry_backoff_s": 0.01,
            "cache_dir": str(tmp_path / "judge-cache"),
            "progress": False,
        }
        options.update(overrides)
        return JudgeConfig(**options)

    return make
