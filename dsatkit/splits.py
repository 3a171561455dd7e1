"""Deterministic train/test assignment by id hash: the same anchor lands in the same split on every run
and machine, and adding logs never moves an existing anchor to the other split."""

from __future__ import annotations

import hashlib

SPLITS: tuple[str, ...] = ("train", "test")


def split_of(anchor_id: str, test_size: float) -> str:
    """"test" for about `test_size` of ids, "train" for the rest.

    The id's sha256 (not Python's salted hash) mapped to [0, 1): a larger test_size only moves anchors
    from train to test, never the other way.
    """
    if not 0.0 <= test_size < 1.0:
        raise ValueError(f"test_size is {test_size}: use a share in [0, 1), e.g. 0.1")
    if test_size == 0.0:
        return "train"
    bucket = int.from_bytes(hashlib.sha256(anchor_id.encode("utf-8")).digest()[:8], "big") / 2**64
    return "test" if bucket < test_size else "train"
