"""Pair guards: which samples and pairs are dropped, and under which reason."""

from __future__ import annotations

import pytest

from drift.guards import pair_reason, sample_reason, similarity

LONG = "The capital of France is Paris, of course."


@pytest.mark.parametrize(
    ("text", "finished", "drop_truncated", "reason"),
    [
        ("", True, True, "empty"),
        ("   \n", True, True, "empty"),
        ("A good answer.", False, True, "truncated"),
        ("A good answer.", False, False, None),
        ("A good answer.", True, True, None),
    ],
)
def test_sample_reason(text, finished, drop_truncated, reason):
    assert sample_reason(text, finished, drop_truncated=drop_truncated) == reason


@pytest.mark.parametrize(
    ("answer", "other", "threshold", "reason"),
    [
        ("The capital is Paris.", "The capital is Paris.", 0.9, "identical"),
        ("The capital is  PARIS.", "the capital is paris.", 1.0, "identical"),
        (LONG, LONG.replace(".", "!"), 0.9, "near_identical"),
        (LONG, LONG.replace(".", "!"), 1.0, None),
        ("The capital of France is Paris.", "Bees make honey in summer.", 0.9, None),
    ],
)
def test_pair_reason(answer, other, threshold, reason):
    assert pair_reason(answer, other, threshold=threshold) == reason


def test_similarity_bounds():
    assert similarity("a b c", "a b c") == 1.0
    assert similarity("a b c", "x y z") == 0.0
    assert 0 < similarity("the cat sat", "the dog sat") < 1
