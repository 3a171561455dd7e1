from __future__ import annotations

import pytest
from anchor_fixtures import anchor

from dsatkit.filters.base import run_filters
from dsatkit.filters.dedup import ExactDedup, NearDedup

LONG_REQUEST = (
    "I am planning a two week trip through northern Italy in October with my parents who cannot walk far, "
    "and we want to see Venice, Verona, Lake Garda and Milan without renting a car. Please suggest a route "
    "with train connections, how many nights in each place, and hotels close to the stations."
)
LONG_ANSWER = (
    "Start in Milan for three nights, then take the train to Verona for two nights, continue to Lake Garda "
    "by bus for three nights, and finish with four nights in Venice near Santa Lucia station."
)


def drops(f, anchors):
    return [reason for _, _, reason in run_filters([f], anchors)]


@pytest.mark.parametrize(
    "variant",
    [
        anchor("b"),
        anchor("b", request="How do I reverse a list in Python?  "),
        anchor("b", request="HOW DO I REVERSE A LIST IN PYTHON?", rejected="use LIST.SORT()."),
        anchor("b", request="How do I reverse a list\nin Python?", label="complaint", language="de"),
    ],
)
def test_exact_dedup_drops_normalised_repeats(variant):
    assert drops(ExactDedup(), [anchor("a"), variant]) == [None, "exact_duplicate"]


def test_exact_dedup_keeps_a_different_feedback():
    assert drops(ExactDedup(), [anchor("a"), anchor("b", feedback="Wrong method.")]) == [None, None]


def test_exact_dedup_fields_do_not_run_into_each_other():
    a = anchor("a", request="ab", rejected="c")
    b = anchor("b", request="a", rejected="bc")
    assert drops(ExactDedup(), [a, b]) == [None, None]


def test_near_dedup_drops_a_one_word_edit():
    a = anchor("a", request=LONG_REQUEST, rejected=LONG_ANSWER, feedback="You ignored that my parents cannot walk far.")
    b = anchor("b", request=LONG_REQUEST.replace("October", "November"), rejected=LONG_ANSWER,
               feedback="You ignored that my parents cannot walk far.")
    assert drops(NearDedup(threshold=0.8), [a, b]) == [None, "near_duplicate"]


def test_near_dedup_keeps_different_anchors():
    a = anchor("a", request=LONG_REQUEST, rejected=LONG_ANSWER, feedback="You ignored that my parents cannot walk far.")
    assert drops(NearDedup(), [a, anchor("b"), anchor("c", request="What is 2+2?", rejected="5", feedback="wrong")]) == [None] * 3


def test_near_dedup_high_threshold_keeps_a_one_word_edit():
    a = anchor("a", request=LONG_REQUEST, rejected=LONG_ANSWER, feedback="You ignored my parents.")
    b = anchor("b", request=LONG_REQUEST.replace("October", "November"), rejected=LONG_ANSWER, feedback="You ignored my parents.")
    assert drops(NearDedup(threshold=0.99), [a, b]) == [None, None]


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.0, 1.5])
def test_near_dedup_rejects_a_threshold_outside_0_1(threshold):
    with pytest.raises(ValueError, match=r"use a Jaccard similarity in \(0, 1\)"):
        NearDedup(threshold=threshold)


def test_near_dedup_keeps_two_anchors_of_one_growing_conversation():
    history = LONG_REQUEST + " " + LONG_ANSWER
    first = anchor("a", request=LONG_REQUEST, rejected=LONG_ANSWER, feedback="No, my parents cannot walk far.")
    second = anchor("b", request=history, rejected="Then take taxis between stations.", feedback="Too expensive.")
    second["prompt"] = first["prompt"] + first["rejected"] + [first["feedback"]] + second["prompt"]
    second["prompt"][-1]["content"] = "Any cheaper option?"
    assert drops(NearDedup(threshold=0.5), [first, second]) == [None, None]
