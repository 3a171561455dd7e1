"""The one base class every anchor filter shares, and the loop that runs a chain of them.

A filter looks at one anchor (a SPEC §4 row as a dict) and either keeps it, possibly after editing it
in place (PII redaction), or drops it with a short reason. The base owns the plumbing: it checks
optional dependencies at construction, counts total / kept / dropped by reason, and times itself,
so every dropped anchor is counted and the counts land in stats.json.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import ClassVar

from dsatkit.detect.base import require_packages


class AnchorFilter(ABC):
    """Base of every anchor filter.

    Subclasses set `name`, optionally `requires` ((module, extra) pairs, checked at construction so a
    missing extra fails before the run starts), and implement `filter`.
    """

    name: ClassVar[str]
    requires: ClassVar[tuple[tuple[str, str], ...]] = ()

    def __init__(self) -> None:
        require_packages(f"filter '{self.name}'", self.requires)
        self.total = 0
        self.kept = 0
        self.dropped_by_reason: Counter[str] = Counter()
        self.seconds = 0.0

    @abstractmethod
    def filter(self, anchor: dict) -> bool | tuple[bool, str]:
        """Return True to keep the anchor, or (False, reason) to drop it. May edit `anchor` in place."""

    def settings(self) -> dict:
        """Options worth recording in stats.json and the data card."""
        return {}

    def __call__(self, anchor: dict) -> tuple[bool, str | None]:
        start = time.perf_counter()
        verdict = self.filter(anchor)
        self.seconds += time.perf_counter() - start
        self.total += 1
        keep, reason = (verdict, None) if isinstance(verdict, bool) else verdict
        if keep:
            self.kept += 1
            return True, None
        reason = reason or self.name
        self.dropped_by_reason[reason] += 1
        return False, reason

    def stats(self) -> dict:
        return {
            "total": self.total,
            "kept": self.kept,
            "dropped": self.total - self.kept,
            "dropped_by_reason": dict(sorted(self.dropped_by_reason.items())),
            "seconds": round(self.seconds, 3),
            **self.settings(),
        }


def run_filters(
    filters: list[AnchorFilter], anchors: Iterable[dict]
) -> Iterator[tuple[dict, str | None, str | None]]:
    """Pass each anchor through the chain in order; yield (anchor, dropped_by or None, reason or None).

    An anchor dropped by one filter is not shown to the filters after it, so each anchor is counted
    as dropped exactly once, by the first filter that rejects it.
    """
    for anchor in anchors:
        dropped_by = reason = None
        for f in filters:
            keep, why = f(anchor)
            if not keep:
                dropped_by, reason = f.name, why
                break
        yield anchor, dropped_by, reason


def dropped_by_reason(filters: list[AnchorFilter]) -> dict[str, int]:
    """All filters' drop counts in one {reason: n} map (reasons are unique across filters)."""
    total: Counter[str] = Counter()
    for f in filters:
        total.update(f.dropped_by_reason)
    return dict(sorted(total.items()))


def filter_stats(filters: list[AnchorFilter]) -> dict[str, dict]:
    """{filter name: its stats()} for stats.json's `filters` key."""
    return {f.name: f.stats() for f in filters}
