"""Shared CLI plumbing: one table from exception types to one-line messages, and the consoles."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def _error_table() -> dict[type[BaseException], str]:
    """Exception type -> prefix. User errors print without a traceback; bugs keep theirs."""
    from dsatkit.detect.base import MissingDependencyError
    from dsatkit.errors import DsatkitError

    table: dict[type[BaseException], str] = {
        DsatkitError: "error",
        MissingDependencyError: "missing dependency",
        ValueError: "invalid option",
        FileNotFoundError: "not found",
    }
    try:
        from dsatkit.publish import PublishError

        table[PublishError] = "publish failed"
    except ImportError:
        pass
    return table


def friendly_errors(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except KeyboardInterrupt:
            err_console.print("[red]interrupted[/red]: nothing was written to the output folder")
            raise typer.Exit(130) from None
        except Exception as exc:
            for kind, prefix in _error_table().items():
                if isinstance(exc, kind):
                    err_console.print(f"[red]{prefix}[/red]: {exc}", highlight=False, soft_wrap=True)
                    raise typer.Exit(2) from None
            raise

    return wrapper


def progress_wanted(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()
