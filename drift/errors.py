"""User-facing errors of `drift`: each says what was wrong, what was found and what to do."""

from __future__ import annotations

from dsatkit.errors import DsatkitError


class DriftError(DsatkitError):
    """Bad input, options or run folder. The CLI prints it on one line, without a traceback."""


class MissingDependencyError(DriftError, ImportError):
    """An optional package (vLLM, openai, peft) that the chosen option needs is not installed."""


def require(module: str, why: str, install: str) -> None:
    """Fail before any work starts when `module` is not importable."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingDependencyError(f"{why} needs the Python package '{module}': install it with `{install}`")
