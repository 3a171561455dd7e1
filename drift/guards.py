"""Pair guards: a pair whose two answers do not differ, or whose new answer is empty or cut off, teaches nothing.

Each guard returns the reason a pair is dropped; the trainer counts drops by reason in the iteration's metrics
and keeps every dropped sample, with its reason, in `dropped.parquet`.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

REASONS = ("empty", "truncated", "identical", "near_identical", "too_few_samples")

_WORD = re.compile(r"\w+|[^\w\s]")


def normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def similarity(a: str, b: str) -> float:
    """Word-level similarity in [0, 1] (difflib ratio over word and punctuation tokens, case folded)."""
    wa, wb = _WORD.findall(a.casefold()), _WORD.findall(b.casefold())
    if not wa and not wb:
        return 1.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def sample_reason(text: str, finished: bool, *, drop_truncated: bool) -> str | None:
    """Why a single sample is unusable: empty, or cut off at the token limit."""
    if not text.strip():
        return "empty"
    if drop_truncated and not finished:
        return "truncated"
    return None


def pair_reason(answer: str, other: str, *, threshold: float) -> str | None:
    """Why two answers of a pair are too alike to contrast: identical after folding, or near-identical."""
    if normalise(answer) == normalise(other):
        return "identical"
    if threshold < 1.0 and similarity(answer, other) >= threshold:
        return "near_identical"
    return None
