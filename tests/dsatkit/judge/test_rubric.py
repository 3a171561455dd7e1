import pytest

from dsatkit.judge.rubric import NO_REQUEST, SYSTEM_PROMPT, build_messages, clip_middle, fit_context
from dsatkit.records import LABELS


@pytest.mark.parametrize("label", LABELS)
def test_system_prompt_defines_every_label(label):
    assert f'- "{label}":' in SYSTEM_PROMPT


def test_messages_hold_request_answer_and_turn_in_order():
    system, user = build_messages("No, 7 x 8 is 56.", "7 x 8 is 54.", "What is 7 x 8?", 6000)
    assert (system["role"], user["role"]) == ("system", "user")
    body = user["content"]
    assert body.index("What is 7 x 8?") < body.index("7 x 8 is 54.") < body.index("No, 7 x 8 is 56.")


def test_missing_previous_request_is_said_not_left_blank():
    _, user = build_messages("Thanks!", "Hello, how can I help?", None, 6000)
    assert NO_REQUEST in user["content"]


@pytest.mark.parametrize("length", [10, 999, 1000, 1001, 50_000])
def test_clip_middle_never_exceeds_the_limit(length):
    text = "a" * (length // 2) + "b" * (length - length // 2)
    clipped = clip_middle(text, 1000)
    assert len(clipped) <= 1000
    if length > 1000:
        assert clipped.startswith("a") and clipped.endswith("b") and "characters cut" in clipped
    else:
        assert clipped == text


@pytest.mark.parametrize(
    ("turn", "answer", "prev"),
    [(10, 10, 10), (50_000, 10, 10), (10, 50_000, 10), (10, 10, 50_000), (50_000, 50_000, 50_000)],
)
def test_context_fits_the_budget_and_keeps_the_turn(turn, answer, prev):
    parts = fit_context("t" * turn, "a" * answer, "r" * prev, 2000)
    assert sum(len(p) for p in parts) <= 2000
    assert parts[0].count("t") >= min(turn, 900)  # the judged turn keeps up to half
    if turn + answer + prev <= 2000:
        assert parts == ("t" * turn, "a" * answer, "r" * prev)


def test_short_answer_leaves_its_share_to_a_long_request():
    _, answer, request = fit_context("turn", "short answer", "r" * 5000, 2000)
    assert answer == "short answer"
    assert len(request) > 1500
