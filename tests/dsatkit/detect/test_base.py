import polars as pl
import pytest

from dsatkit.detect.base import Detector, MissingDependencyError, combine
from dsatkit.records import Conversation, Message
from dsatkit.turns import turns_table


def turns(given_dsat=None):
    texts = ["q", "a", "that is wrong", "b", "thanks"]
    msgs = [Message("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(texts)]
    return turns_table([Conversation("c", msgs, "s", 1, given_dsat=given_dsat)])


def out(*rows):
    return pl.DataFrame(list(rows), schema={"label": pl.String, "confidence": pl.Float64, "evidence": pl.String},
                        orient="row")


def test_most_confident_label_wins_and_all_firing_detectors_are_listed():
    t = turns()
    signals = combine(t, {
        "a": out((None, None, None), ("complaint", 0.7, "wrong"), (None, None, None)),
        "b": out((None, None, None), ("correction", 0.9, "is wrong"), ("positive", 0.8, "thanks")),
    })
    assert signals["label"].to_list() == ["neutral", "correction", "positive"]
    assert signals["detectors"].to_list()[1] == ["b", "a"]
    assert signals["evidence"].to_list()[1] == "is wrong"
    assert signals["is_dsat"].to_list() == [False, True, False]


def test_tie_goes_to_the_more_specific_label():
    signals = combine(turns(), {
        "a": out((None, None, None), ("complaint", 0.8, "x"), (None, None, None)),
        "b": out((None, None, None), ("correction", 0.8, "y"), (None, None, None)),
    })
    assert signals["label"][1] == "correction"


def test_turn_zero_is_never_dsat():
    signals = combine(turns(), {"a": out(("complaint", 0.99, "q"), (None, None, None), (None, None, None))})
    assert (signals["label"][0], signals["is_dsat"][0], signals["detectors"][0].to_list()) == ("neutral", False, [])


def test_turn_marked_dsat_by_the_source_stays_dsat():
    signals = combine(turns(given_dsat=2), {"a": out((None, None, None), ("clarification", 0.7, "?"), (None, None, None))})
    assert signals["label"][1] == "complaint" and signals["is_dsat"][1]


def test_detector_with_missing_dependency_fails_at_construction_with_the_extra():
    class NeedsNothingReal(Detector):
        name = "needy"
        requires = (("surely_not_installed_pkg", "judge"),)

        def detect(self, turns):  # pragma: no cover - never reached
            raise AssertionError

    with pytest.raises(MissingDependencyError, match=r"pip install 'dsatkit\[judge\]'"):
        NeedsNothingReal()


def test_detector_returning_wrong_row_count_is_caught():
    class Broken(Detector):
        name = "broken"

        def detect(self, turns):
            return out((None, None, None))

    with pytest.raises(RuntimeError, match="returned 1 rows for 3 turns"):
        Broken()(turns())
