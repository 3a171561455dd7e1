"""Settings of the LLM judge, and where the endpoint, model and key come from when not given."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from dsatkit.errors import DsatkitError

BACKENDS = ("openai", "transformers")
JSON_MODES = ("auto", "on", "off")
REDACTED = "***"

# Servers that need no key (vLLM, Ollama, llama.cpp) still make the openai client ask for one.
PLACEHOLDER_KEY = "EMPTY"


class JudgeConfigError(DsatkitError):
    """The judge settings cannot work: says which setting and how to fix it."""


@dataclass
class JudgeConfig:
    backend: str = field(
        default="openai",
        metadata={
            "help": "'openai': any OpenAI-compatible endpoint (vLLM, Ollama, OpenAI); 'transformers': a local model."
        },
    )
    model: str | None = field(
        default=None,
        metadata={
            "help": "Model name on the endpoint, or local model path for 'transformers'. Env: DSATKIT_JUDGE_MODEL."
        },
    )
    base_url: str | None = field(
        default=None,
        metadata={
            "help": "Endpoint, e.g. http://localhost:8000/v1. Env: DSATKIT_JUDGE_BASE_URL, then OPENAI_BASE_URL."
        },
    )
    # Never logged nor written: repr hides it and to_dict() redacts it.
    api_key: str | None = field(
        default=None,
        repr=False,
        metadata={"help": "API key. Prefer the env: DSATKIT_JUDGE_API_KEY, then OPENAI_API_KEY.", "secret": True},
    )
    max_concurrency: int = field(default=8, metadata={"help": "Requests in flight at once (openai backend)."})
    timeout_s: float = field(default=60.0, metadata={"help": "Seconds before one request is abandoned and retried."})
    max_retries: int = field(
        default=4, metadata={"help": "Retries of one request on 429, 5xx, timeouts and connection errors."}
    )
    retry_backoff_s: float = field(
        default=1.0, metadata={"help": "First retry delay; doubles each retry, with jitter, capped at 60 s."}
    )
    budget: int | None = field(
        default=None,
        metadata={"help": "Most turns the judge may see in this run (cache hits included); the rest stay unjudged."},
    )
    use_cache: bool = field(default=True, metadata={"help": "Reuse and store responses in the on-disk cache."})
    cache_dir: str | None = field(
        default=None,
        metadata={
            "help": "Cache folder. Default: DSATKIT_JUDGE_CACHE_DIR, else $XDG_CACHE_HOME (or ~/.cache)/dsatkit/judge."
        },
    )
    max_context_chars: int = field(
        default=6000,
        metadata={
            "help": "Characters of conversation shown per turn (previous request, answer, judged turn); "
            "longer texts are cut in the middle."
        },
    )
    temperature: float = field(default=0.0, metadata={"help": "Sampling temperature; 0 makes reruns repeatable."})
    max_tokens: int = field(default=256, metadata={"help": "Most tokens the judge may write per turn."})
    json_mode: str = field(
        default="auto",
        metadata={
            "help": "Ask the server for a JSON response_format: 'auto' (drop it if the server refuses), 'on', 'off'."
        },
    )
    batch_size: int = field(default=8, metadata={"help": "Prompts per generate() call (transformers backend)."})
    device: str | None = field(
        default=None, metadata={"help": "Device of the local model (transformers backend); default cuda if available."}
    )
    progress: bool = field(default=True, metadata={"help": "Show a progress bar (only on a terminal)."})

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise JudgeConfigError(f"judge backend {self.backend!r} is unknown: use one of {', '.join(BACKENDS)}")
        if self.json_mode not in JSON_MODES:
            raise JudgeConfigError(f"judge json_mode {self.json_mode!r} is unknown: use one of {', '.join(JSON_MODES)}")
        positive = {
            "max_concurrency": self.max_concurrency,
            "timeout_s": self.timeout_s,
            "max_tokens": self.max_tokens,
            "batch_size": self.batch_size,
        }
        for name, value in positive.items():
            if value <= 0:
                raise JudgeConfigError(f"judge {name} is {value}: it must be > 0")
        if self.max_retries < 0 or self.retry_backoff_s < 0:
            raise JudgeConfigError(
                f"judge max_retries={self.max_retries}, retry_backoff_s={self.retry_backoff_s}: both must be >= 0"
            )
        if self.budget is not None and self.budget < 0:
            raise JudgeConfigError(f"judge budget is {self.budget}: give a number of turns >= 0, or none for no cap")
        if self.max_context_chars < 500:
            raise JudgeConfigError(
                f"judge max_context_chars is {self.max_context_chars}: below 500 the judge cannot see the answer "
                "it judges; raise it"
            )
        if not 0.0 <= self.temperature <= 2.0:
            raise JudgeConfigError(f"judge temperature is {self.temperature}: it must be in [0, 2]")

    def to_dict(self) -> dict:
        """The settings as plain values for stats.json and cards, with the key redacted."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("secret"):
                value = REDACTED if value else None
            out[f.name] = value
        out["base_url"] = safe_url(self.base_url)
        return out


@dataclass(frozen=True)
class Endpoint:
    """The resolved endpoint of the openai backend; the key stays out of repr."""

    base_url: str | None
    model: str
    api_key: str = field(repr=False)


def _env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def resolve_model(config: JudgeConfig) -> str:
    model = config.model or _env("DSATKIT_JUDGE_MODEL")
    if not model:
        where = "a local model folder" if config.backend == "transformers" else "the model name the endpoint serves"
        raise JudgeConfigError(f"no judge model given: pass --judge-model ({where}) or set DSATKIT_JUDGE_MODEL")
    return model


def resolve_endpoint(config: JudgeConfig) -> Endpoint:
    """Options first, then DSATKIT_JUDGE_* env, then the OPENAI_* env the openai client itself reads."""
    base_url = config.base_url or _env("DSATKIT_JUDGE_BASE_URL", "OPENAI_BASE_URL")
    api_key = config.api_key or _env("DSATKIT_JUDGE_API_KEY", "OPENAI_API_KEY")
    if not api_key:
        if base_url is None:
            raise JudgeConfigError(
                "no API key for the OpenAI API: set OPENAI_API_KEY (or DSATKIT_JUDGE_API_KEY), "
                "or point --judge-base-url at a local server such as vLLM or Ollama"
            )
        api_key = PLACEHOLDER_KEY
    return Endpoint(base_url=base_url, model=resolve_model(config), api_key=api_key)


def safe_url(url: str | None) -> str | None:
    """The URL without user:password and query string, which may carry credentials."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def resolve_cache_dir(config: JudgeConfig) -> Path:
    if config.cache_dir:
        return Path(config.cache_dir).expanduser()
    env = _env("DSATKIT_JUDGE_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    root = _env("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root).expanduser() / "dsatkit" / "judge"
