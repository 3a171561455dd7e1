"""Remove anchors that repeat across logs: exact repeats, then near repeats (MinHash LSH).

The key of an anchor is its prompt, rejected answer and feedback: the same complaint about the same
answer to the same conversation is one preference signal, whatever log or id it came from.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import ClassVar

from dsatkit.filters.anchor_text import field_text, last_user_request
from dsatkit.filters.base import AnchorFilter

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)
_FIELD_SEPARATOR = "\x1f"  # a character no chat text contains, so fields cannot run into each other


def normalise(text: str) -> str:
    """Unicode NFKC, casefold, whitespace collapsed: trivial re-encodings hash alike."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def anchor_key_text(anchor: dict) -> str:
    return _FIELD_SEPARATOR.join(normalise(field_text(anchor, f)) for f in ("prompt", "rejected", "feedback"))


def anchor_near_text(anchor: dict) -> str:
    """The last request, the rejected answer and the feedback, without the earlier history.

    With the whole prompt, two anchors of one long conversation would look alike (the later prompt
    contains the earlier anchor whole), though each is its own preference signal.
    """
    parts = (last_user_request(anchor), field_text(anchor, "rejected"), field_text(anchor, "feedback"))
    return _FIELD_SEPARATOR.join(normalise(p) for p in parts)


class ExactDedup(AnchorFilter):
    """Keeps the first anchor of each normalised (prompt, rejected, feedback); drops the rest."""

    name: ClassVar[str] = "exact_dedup"

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[bytes] = set()  # 16-byte digests: ~100 bytes per anchor with set overhead

    def filter(self, anchor: dict) -> bool | tuple[bool, str]:
        digest = hashlib.blake2b(anchor_key_text(anchor).encode("utf-8"), digest_size=16).digest()
        if digest in self._seen:
            return False, "exact_duplicate"
        self._seen.add(digest)
        return True


class NearDedup(AnchorFilter):
    """Drops an anchor whose word n-gram MinHash has Jaccard >= threshold with an earlier kept one,
    compared on the last request, rejected answer and feedback (`anchor_near_text`).

    LSH finds candidates; each candidate is confirmed with the MinHash Jaccard estimate, so a drop
    always means an estimated similarity at or above the threshold.
    """

    name: ClassVar[str] = "near_dedup"
    requires = (("datasketch", "dedup"),)

    def __init__(self, threshold: float = 0.85, num_perm: int = 128, ngram: int = 5) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError(
                f"near-dup threshold is {threshold}: use a Jaccard similarity in (0, 1), e.g. 0.85 (exact repeats are ExactDedup's job)"
            )
        if ngram < 1:
            raise ValueError(f"near-dup ngram is {ngram}: use 1 or more words per shingle, e.g. 5")
        super().__init__()
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.num_perm = num_perm
        self.ngram = ngram
        # Weighted against false negatives: every candidate is confirmed below, so extra candidates
        # cost a comparison, while a missed candidate is a duplicate left in the dataset.
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(0.1, 0.9))
        self._kept: list = []  # hash values of kept anchors (LSH key = index), to confirm candidates

    def _minhash(self, text: str):
        from datasketch import MinHash

        words = _WORD.findall(text)
        n = min(self.ngram, len(words)) or 1
        shingles = {" ".join(words[i : i + n]).encode("utf-8") for i in range(max(len(words) - n + 1, 1))}
        m = MinHash(num_perm=self.num_perm)
        m.update_batch(list(shingles))
        return m

    def filter(self, anchor: dict) -> bool | tuple[bool, str]:
        m = self._minhash(anchor_near_text(anchor))
        for key in self._lsh.query(m):
            if float((m.hashvalues == self._kept[key]).mean()) >= self.threshold:
                return False, "near_duplicate"
        self._lsh.insert(len(self._kept), m)
        self._kept.append(m.hashvalues)
        return True

    def settings(self) -> dict:
        return {"threshold": self.threshold, "num_perm": self.num_perm, "ngram": self.ngram}
