"""Pair building per method: what is chosen, what is rejected, and what is dropped."""

from __future__ import annotations

from drift.anchors import Anchor
from drift.generate import Sample
from drift.pairs import drift_pairs, iterdpo_pairs, seed_pairs, spin_pairs

GUARDS = {"drop_truncated": True, "threshold": 0.9}


def _anchors():
    return [
        Anchor("a", [{"role": "user", "content": "Capital of France?"}], "Rome.", "Wrong.", chosen="Paris."),
        Anchor("b", [{"role": "user", "content": "Two plus two?"}], "Five.", "Wrong again.", chosen=None),
        Anchor("c", [{"role": "user", "content": "Colour of the sky?"}], "Green.", "No.", chosen="Blue."),
    ]


def _prompts(anchors):
    return [a.prompt for a in anchors]


def test_drift_pairs_chosen_is_the_sample_rejected_the_dsat_answer():
    anchors = _anchors()
    samples = [[Sample("Paris is the capital.", True)], [Sample("Five.", True)], [Sample("Blue", False)]]
    pairs = drift_pairs(anchors, _prompts(anchors), samples, **GUARDS)
    assert len(pairs.rows) == 1
    row = pairs.rows[0]
    assert row["prompt"] == anchors[0].prompt  # no feedback, no instruction
    assert row["chosen"] == [{"role": "assistant", "content": "Paris is the capital."}]
    assert row["rejected"] == [{"role": "assistant", "content": "Rome."}]
    assert pairs.dropped_by_reason() == {"identical": 1, "truncated": 1}


def test_spin_pairs_chosen_is_the_natural_answer_rejected_the_sample():
    anchors = [a for a in _anchors() if a.chosen]
    samples = [[Sample("Rome, I think.", True)], [Sample("blue.", True)]]
    pairs = spin_pairs(anchors, _prompts(anchors), samples, **GUARDS)
    pairs_text = [(r["chosen"][0]["content"], r["rejected"][0]["content"]) for r in pairs.rows]
    assert pairs_text == [("Paris.", "Rome, I think.")]
    assert pairs.dropped_by_reason() == {"identical": 1}


def test_seed_pairs_use_only_natural_sat_answers():
    anchors = _anchors()
    pairs = seed_pairs(anchors, _prompts(anchors))
    assert [(r["id"], r["chosen"][0]["content"], r["rejected"][0]["content"]) for r in pairs.rows] == [
        ("a", "Paris.", "Rome."),
        ("c", "Blue.", "Green."),
    ]


def test_iterdpo_ranks_samples_with_the_reward():
    anchors = _anchors()
    samples = [
        [Sample("short", True), Sample("a much longer answer", True)],
        [Sample("", True), Sample("Four.", True)],
        [Sample("Blue.", True), Sample("blue.", True)],
    ]
    seen = []

    def score(conversations):
        seen.extend(conversations)
        return [float(len(c[-1]["content"])) for c in conversations]  # longer is better

    pairs = iterdpo_pairs(anchors, _prompts(anchors), samples, score, **GUARDS)
    assert [(r["chosen"][0]["content"], r["rejected"][0]["content"]) for r in pairs.rows] == [
        ("a much longer answer", "short")
    ]
    assert pairs.dropped_by_reason() == {"empty": 1, "too_few_samples": 1, "identical": 1}
    assert seen[0][:-1] == anchors[0].prompt  # the reward model sees the conversation, not the feedback
