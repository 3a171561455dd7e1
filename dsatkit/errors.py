"""User-facing errors: each says what was wrong and what to do; the CLI prints them without a traceback."""

from __future__ import annotations


class DsatkitError(Exception):
    """Base of errors caused by user input or environment, never by a bug."""


class InputNotFoundError(DsatkitError):
    pass


class OutputExistsError(DsatkitError):
    pass


class BadRecordError(DsatkitError):
    """Raised instead of quarantining when the run is --strict."""


class BadGoldError(DsatkitError):
    pass


class NotAnExtractOutputError(DsatkitError):
    pass
