import pytest
from judge_fakes import SECRET_KEY

from dsatkit.judge.config import (
    PLACEHOLDER_KEY,
    REDACTED,
    JudgeConfig,
    JudgeConfigError,
    resolve_cache_dir,
    resolve_endpoint,
    safe_url,
)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"backend": "anthropic"}, "judge backend 'anthropic' is unknown: use one of openai, transformers"),
        ({"json_mode": "yes"}, "judge json_mode 'yes' is unknown"),
        ({"max_concurrency": 0}, "judge max_concurrency is 0: it must be > 0"),
        ({"timeout_s": -1}, "judge timeout_s is -1: it must be > 0"),
        ({"max_retries": -1}, "max_retries=-1"),
        ({"budget": -5}, "judge budget is -5"),
        ({"max_context_chars": 100}, "judge max_context_chars is 100: below 500"),
        ({"temperature": 3.0}, "judge temperature is 3.0"),
    ],
)
def test_bad_settings_are_refused_with_the_value_and_the_fix(overrides, message):
    with pytest.raises(JudgeConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        JudgeConfig(**overrides)


def test_key_is_hidden_from_repr_and_dict():
    config = JudgeConfig(model="m", api_key=SECRET_KEY)
    assert SECRET_KEY not in repr(config)
    assert config.to_dict()["api_key"] == REDACTED
    assert SECRET_KEY not in str(config.to_dict())


def test_options_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("DSATKIT_JUDGE_BASE_URL", "http://env:1/v1")
    monkeypatch.setenv("DSATKIT_JUDGE_MODEL", "env-model")
    monkeypatch.setenv("OPENAI_API_KEY", "env-key")
    endpoint = resolve_endpoint(JudgeConfig(model="opt-model", base_url="http://opt:2/v1", api_key="opt-key"))
    assert (endpoint.base_url, endpoint.model, endpoint.api_key) == ("http://opt:2/v1", "opt-model", "opt-key")


def test_environment_fills_what_options_leave_out(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://openai-env:3/v1")
    monkeypatch.setenv("DSATKIT_JUDGE_MODEL", "env-model")
    monkeypatch.setenv("OPENAI_API_KEY", "env-key")
    endpoint = resolve_endpoint(JudgeConfig())
    assert (endpoint.base_url, endpoint.model, endpoint.api_key) == ("http://openai-env:3/v1", "env-model", "env-key")
    assert "env-key" not in repr(endpoint)


def test_dsatkit_env_wins_over_openai_env(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://openai-env:3/v1")
    monkeypatch.setenv("DSATKIT_JUDGE_BASE_URL", "http://dsatkit-env:4/v1")
    assert resolve_endpoint(JudgeConfig(model="m")).base_url == "http://dsatkit-env:4/v1"


def test_local_server_needs_no_key():
    endpoint = resolve_endpoint(JudgeConfig(model="m", base_url="http://127.0.0.1:8000/v1"))
    assert endpoint.api_key == PLACEHOLDER_KEY


def test_openai_without_key_says_which_variable_to_set():
    with pytest.raises(JudgeConfigError, match="set OPENAI_API_KEY"):
        resolve_endpoint(JudgeConfig(model="gpt-4o-mini"))


def test_missing_model_says_which_option_to_pass():
    with pytest.raises(JudgeConfigError, match="pass --judge-model .* or set DSATKIT_JUDGE_MODEL"):
        resolve_endpoint(JudgeConfig(base_url="http://127.0.0.1:8000/v1"))


def test_safe_url_drops_credentials_and_query():
    assert safe_url("https://user:pw@host.example:8443/v1?key=abc") == "https://host.example:8443/v1"


def test_cache_dir_default_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert resolve_cache_dir(JudgeConfig()) == tmp_path / "dsatkit" / "judge"
    monkeypatch.setenv("DSATKIT_JUDGE_CACHE_DIR", str(tmp_path / "env"))
    assert resolve_cache_dir(JudgeConfig()) == tmp_path / "env"
    assert resolve_cache_dir(JudgeConfig(cache_dir=str(tmp_path / "opt"))) == tmp_path / "opt"
