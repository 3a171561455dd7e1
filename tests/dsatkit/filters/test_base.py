from __future__ import annotations

import pytest
from anchor_fixtures import anchor

from dsatkit.detect.base import MissingDependencyError
from dsatkit.filters.base import AnchorFilter, dropped_by_reason, filter_stats, run_filters


class DropIfFeedbackHas(AnchorFilter):
    name = "word"

    def __init__(self, word: str, reason: str | None = "has_word") -> None:
        super().__init__()
        self.word, self.reason = word, reason

    def filter(self, anchor: dict):
        if self.word in anchor["feedback"]["content"]:
            return (False, self.reason) if self.reason else False
        return True


class Shout(AnchorFilter):
    name = "shout"

    def filter(self, anchor: dict):
        anchor["feedback"]["content"] = anchor["feedback"]["content"].upper()
        return True


def test_kept_anchors_come_out_with_no_drop_and_edits_applied():
    out = list(run_filters([Shout()], [anchor("a", feedback="wrong")]))
    assert [(a["feedback"]["content"], by, why) for a, by, why in out] == [("WRONG", None, None)]


def test_dropped_anchor_names_the_first_filter_and_its_reason():
    first, second = DropIfFeedbackHas("bad", "first_reason"), DropIfFeedbackHas("bad", "second_reason")
    out = list(run_filters([first, second], [anchor("a", feedback="bad answer")]))
    assert [(by, why) for _, by, why in out] == [("word", "first_reason")]
    assert second.total == 0  # never shown an anchor already dropped


def test_bare_false_uses_the_filter_name_as_reason():
    f = DropIfFeedbackHas("bad", reason=None)
    list(run_filters([f], [anchor("a", feedback="bad")]))
    assert f.dropped_by_reason == {"word": 1}


def test_counts_total_kept_and_dropped_by_reason():
    f = DropIfFeedbackHas("bad")
    anchors = [anchor("a", feedback="bad"), anchor("b", feedback="fine but wrong"), anchor("c", feedback="bad too")]
    list(run_filters([f], anchors))
    stats = f.stats()
    assert (stats["total"], stats["kept"], stats["dropped"]) == (3, 1, 2)
    assert stats["dropped_by_reason"] == {"has_word": 2}
    assert stats["seconds"] >= 0


def test_stats_helpers_merge_filters():
    a, b = DropIfFeedbackHas("x", "rx"), DropIfFeedbackHas("y", "ry")
    list(run_filters([a, b], [anchor("1", feedback="x"), anchor("2", feedback="y"), anchor("3", feedback="y")]))
    assert dropped_by_reason([a, b]) == {"rx": 1, "ry": 2}
    assert set(filter_stats([Shout(), a])) == {"shout", "word"}


def test_missing_dependency_fails_at_construction_with_the_extra():
    class NeedsNothingThere(AnchorFilter):
        name = "ghost"
        requires = (("no_such_module_dsatkit", "pii"),)

        def filter(self, anchor):
            return True

    with pytest.raises(MissingDependencyError, match=r"pip install 'dsatkit\[pii\]'"):
        NeedsNothingThere()
