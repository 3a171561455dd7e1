from __future__ import annotations

import pytest

from dsatkit.splits import split_of

IDS = [f"anchor-{i}" for i in range(4000)]


def test_same_id_same_split():
    assert [split_of(i, 0.2) for i in IDS[:50]] == [split_of(i, 0.2) for i in IDS[:50]]


def test_zero_test_size_puts_everything_in_train():
    assert {split_of(i, 0.0) for i in IDS} == {"train"}


@pytest.mark.parametrize("test_size", [0.05, 0.1, 0.3, 0.5])
def test_share_of_test_is_close_to_test_size(test_size):
    share = sum(split_of(i, test_size) == "test" for i in IDS) / len(IDS)
    assert abs(share - test_size) < 0.03


def test_a_larger_test_size_only_moves_anchors_into_test():
    small = {i for i in IDS if split_of(i, 0.1) == "test"}
    large = {i for i in IDS if split_of(i, 0.2) == "test"}
    assert small < large


def test_matches_the_documented_sha256_rule():
    import hashlib

    bucket = int.from_bytes(hashlib.sha256(b"abc").digest()[:8], "big") / 2**64
    assert split_of("abc", bucket + 1e-9) == "test"
    assert split_of("abc", bucket - 1e-9) == "train"


@pytest.mark.parametrize("test_size", [-0.1, 1.0, 2])
def test_bad_test_size_says_the_range(test_size):
    with pytest.raises(ValueError, match=r"use a share in \[0, 1\)"):
        split_of("x", test_size)
