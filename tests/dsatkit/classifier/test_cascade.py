import polars as pl
import pytest
from classifier_fakes import FakeJudge, KeywordDetector, conversation, cue_driven_head, table

from dsatkit.classifier.cascade import Cascade, CascadeConfig
from dsatkit.classifier.head import HeadDetector
from dsatkit.detect.base import SIGNAL_SCHEMA, combine

# P(DSAT) of the cue-driven head is sigmoid(10 * cue - 5). Zones: P < 0.01 head says no, P >= 0.5 head says
# yes, in between the cues (or the judge) decide.
RULES = {
    "wrong": ("complaint", 0.9),  # P 0.98: confident DSAT
    "shorter": ("revision", 0.9),
    "meh": ("complaint", 0.45),  # P 0.38: uncertain middle
    "huh": ("complaint", 0.47),  # P 0.43: uncertain middle
    "nope": ("complaint", 0.02),  # P 0.008: a cue the head overrules
    "redo": ("revision", 0.02),  # P 0.008, but this head never saw a revision turn
    "cheers": ("positive", 0.9),  # P 0.98: the head reads this cue as DSAT
    "what do you mean": ("clarification", 0.9),
}


def make(fake_embedder, judge=None, train_labels=None, **config) -> Cascade:
    cfg = CascadeConfig(judge=judge is not None, low=0.01, high=0.5, **config)
    head = HeadDetector(cue_driven_head(train_labels=train_labels), embedder=fake_embedder)
    return Cascade(cfg, [KeywordDetector(RULES)], head=head, judge=judge)


def turns_of(*user_turns: str, cid: str = "c", given_dsat: int | None = None) -> pl.DataFrame:
    texts = []
    for i, text in enumerate(user_turns):
        texts += [text, f"answer {i}"]
    return table(conversation(cid, *texts, given_dsat=given_dsat))


def second_turn(cascade: Cascade, text: str) -> dict:
    return next(r for r in cascade(turns_of("plan a trip", text)).iter_rows(named=True) if r["turn"] == 1)


def test_signals_follow_the_signal_schema(fake_embedder):
    signals = make(fake_embedder)(turns_of("plan a trip", "that is wrong", "ok next"))
    assert signals.schema == pl.Schema(SIGNAL_SCHEMA)
    assert signals.height == 3


def test_confident_dsat_call_keeps_its_calibrated_probability(fake_embedder):
    row = second_turn(make(fake_embedder), "that is wrong")
    assert (row["label"], row["is_dsat"]) == ("complaint", True)
    assert row["confidence"] == pytest.approx(0.982, abs=1e-3)
    assert row["detectors"] == ["keyword", "head"]


def test_not_dsat_confidence_is_one_minus_p(fake_embedder):
    row = second_turn(make(fake_embedder), "and then a hotel")
    assert (row["label"], row["is_dsat"]) == ("neutral", False)
    assert row["confidence"] == pytest.approx(1 - 0.0067, abs=1e-3)


def test_head_overrules_a_cue_it_is_sure_about(fake_embedder):
    cascade = make(fake_embedder)
    row = second_turn(cascade, "nope, that is all")
    assert row["is_dsat"] is False
    assert cascade.stats()["head"]["vetoed_cues"] == 1


@pytest.mark.parametrize("text", ["nope", "nope, o problema não é esse"])
def test_head_leaves_turns_that_do_not_read_as_english_to_the_cues(fake_embedder, text):
    row = second_turn(make(fake_embedder), text)
    assert (row["label"], row["is_dsat"]) == ("complaint", True)


def test_english_only_can_be_turned_off(fake_embedder):
    assert second_turn(make(fake_embedder, english_only=False), "nope")["is_dsat"] is False


def test_head_does_not_overrule_a_cue_label_it_never_saw(fake_embedder):
    cascade = make(fake_embedder, train_labels={"complaint": 5, "neutral": 50})
    row = second_turn(cascade, "redo it")
    assert (row["label"], row["is_dsat"]) == ("revision", True)
    assert cascade.stats()["head"]["kept_unvetoable_cues"] == 1


def test_head_adds_a_dsat_call_no_cue_made(fake_embedder):
    cascade = make(fake_embedder)
    row = second_turn(cascade, "cheers to you")
    assert (row["label"], row["is_dsat"]) == ("complaint", True)
    assert cascade.stats()["head"]["added_dsat"] == 1


def test_cues_decide_the_uncertain_middle_without_a_judge(fake_embedder):
    row = second_turn(make(fake_embedder), "meh, it is ok")
    assert (row["label"], row["is_dsat"]) == ("complaint", True)
    assert row["confidence"] == pytest.approx(0.376, abs=1e-3)  # calibrated P, not the cue's 0.45


@pytest.mark.parametrize(("text", "label"), [("make it shorter", "revision"), ("what do you mean", "clarification")])
def test_cue_label_names_the_call_on_its_side(fake_embedder, text, label):
    assert second_turn(make(fake_embedder), text)["label"] == label


def test_turn_zero_is_neutral_whatever_fires(fake_embedder):
    row = make(fake_embedder)(turns_of("this is wrong already", "fine")).row(0, named=True)
    assert (row["label"], row["confidence"], row["detectors"]) == ("neutral", 1.0, [])


def test_turn_marked_dsat_by_the_source_stays_dsat(fake_embedder):
    row = make(fake_embedder)(turns_of("plan a trip", "and a hotel", given_dsat=2)).row(1, named=True)
    assert (row["label"], row["evidence"]) == ("complaint", "marked DSAT by the source")


def test_judge_sees_only_the_uncertain_middle(fake_embedder):
    judge = FakeJudge(label="correction")
    signals = make(fake_embedder, judge=judge)(turns_of("plan a trip", "that is wrong", "meh, it is ok", "thanks for that", "nope, that is all"))
    assert judge.seen == ["meh, it is ok"]
    row = signals.row(2, named=True)
    assert (row["label"], row["confidence"]) == ("correction", 0.9)
    assert "judge" in row["detectors"] and "head" not in row["detectors"]


def test_judge_budget_caps_turns_and_takes_the_most_uncertain_first(fake_embedder):
    judge = FakeJudge()
    cascade = make(fake_embedder, judge=judge, judge_budget=1)
    cascade(turns_of("plan a trip", "meh, it is ok", "huh, is it"))
    cascade(turns_of("plan a trip", "meh, it is ok", cid="d"))
    assert judge.seen == ["huh, is it"]  # P=0.43 is closer to one half than 0.38; the second batch finds the budget spent
    assert cascade.stats()["judge"]["asked"] == 1


def test_judge_errors_leave_the_cue_call(fake_embedder):
    cascade = make(fake_embedder, judge=FakeJudge(error="timeout"))
    row = second_turn(cascade, "meh, it is ok")
    assert row["is_dsat"] is True and "judge" not in row["detectors"]
    assert cascade.stats()["judge"]["errors"] == 1


def test_close_repeat_of_an_earlier_request_is_a_rephrase(fake_embedder):
    cascade = make(fake_embedder)
    signals = cascade(turns_of("book a flight to rome cheers", "book a flight to rome cheers"))
    row = signals.row(1, named=True)
    assert row["label"] == "rephrase"  # added by the head; the repeat names the label
    assert "embedding_rephrase" in row["detectors"]
    assert "cosine 1.00 with user turn 0" in row["evidence"]


def test_heuristics_mode_is_the_plain_combine(fake_embedder):
    turns = turns_of("plan a trip", "that is wrong", "what do you mean")
    got = Cascade(CascadeConfig(detectors="heuristics"), [KeywordDetector(RULES)])(turns)
    expected = combine(turns, {"keyword": KeywordDetector(RULES)(turns)})
    assert got.equals(expected)


def test_stats_report_each_stage(fake_embedder):
    cascade = make(fake_embedder, judge=FakeJudge())
    cascade(turns_of("plan a trip", "that is wrong", "meh, it is ok"))
    stats = cascade.stats()
    assert set(stats) == {"keyword", "head", "judge"}
    assert stats["head"]["uncertain_turns"] == 1
    assert (stats["head"]["low"], stats["head"]["high"]) == (0.01, 0.5)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"detectors": "magic"}, "detectors 'magic' is unknown"),
        ({"low": 0.8, "high": 0.2}, "low=0.8, high=0.2"),
        ({"judge_budget": -1}, "judge_budget must be >= 0"),
        ({"rephrase_threshold": 1.2}, "rephrase_threshold must be a cosine"),
    ],
)
def test_config_rejects_bad_values(bad, message):
    with pytest.raises(ValueError, match=message):
        CascadeConfig(**bad)
