import pytest

from dsatkit.judge.parse import DEFAULT_CONFIDENCE, JudgeParseError, canonical_label, parse_judgement, read_confidence
from dsatkit.records import LABELS


@pytest.mark.parametrize(
    "text",
    [
        '{"label": "correction", "confidence": 0.8, "evidence": "it is 56"}',
        '```json\n{"label": "correction", "confidence": 0.8, "evidence": "it is 56"}\n```',
        '```\n{"label": "correction", "confidence": 0.8, "evidence": "it is 56"}\n```',
        'Sure! Here is my judgement:\n{"label": "correction", "confidence": 0.8, "evidence": "it is 56"}\nHope it helps.',
        "{'label': 'correction', 'confidence': 0.8, 'evidence': 'it is 56'}",
        '{"label": "correction", "confidence": 0.8, "evidence": "it is 56",}',
        '{"label": "Correction", "confidence": "0.8", "evidence": "it is 56"}',
        '{"label": "CORRECTION", "confidence": "80%", "evidence": "it is 56"}',
        '{"label": "correction", "confidence": 80, "evidence": "it is 56"}',
        "<think>the user fixes the number</think>{\"label\": \"correction\", \"confidence\": 0.8, \"evidence\": \"it is 56\"}",
        '{"Label": "correction", "Score": 0.8, "Quote": "it is 56"}',
    ],
)
def test_lenient_forms_give_the_same_judgement(text):
    judgement = parse_judgement(text)
    assert (judgement.label, judgement.confidence, judgement.evidence) == ("correction", 0.8, "it is 56")


def test_braces_and_quotes_inside_strings_do_not_break_the_object():
    text = 'The user\'s turn {is} here: {"label": "complaint", "confidence": 0.7, "evidence": "it\'s {not} right"}'
    assert parse_judgement(text).evidence == "it's {not} right"


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ("Negative Feedback", "complaint"),
        ("re-ask", "rephrase"),
        ("request_for_modification", "revision"),
        ("gratitude", "positive"),
        ("complaint (DSAT)", "complaint"),
        ("New request", "neutral"),
        (" Clarification ", "clarification"),
    ],
)
def test_label_synonyms_and_case_map_to_the_taxonomy(raw, label):
    assert canonical_label(raw) == label


@pytest.mark.parametrize("label", LABELS)
def test_every_taxonomy_label_reads_as_itself(label):
    assert parse_judgement(f'{{"label": "{label}", "confidence": 1}}').label == label


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (0.35, 0.35),
        (7, 0.7),  # a 1-10 score
        (85, 0.85),  # a percentage
        (250, 1.0),
        (-0.2, 0.0),
        ("high", DEFAULT_CONFIDENCE),
        (None, DEFAULT_CONFIDENCE),
        (True, DEFAULT_CONFIDENCE),
        (float("nan"), DEFAULT_CONFIDENCE),
    ],
)
def test_confidence_is_rescaled_clamped_or_defaulted(raw, value):
    assert read_confidence(raw) == pytest.approx(value)


def test_missing_confidence_and_evidence_get_defaults():
    judgement = parse_judgement('{"label": "positive"}')
    assert (judgement.confidence, judgement.evidence) == (DEFAULT_CONFIDENCE, "")


def test_answer_cut_off_after_the_label_is_salvaged():
    judgement = parse_judgement('{"label": "complaint", "confidence": 0.9, "evidence": "this is so wro')
    assert (judgement.label, judgement.confidence, judgement.evidence) == ("complaint", 0.9, "")


def test_bare_label_answer_is_accepted():
    assert parse_judgement('"Revision."').label == "revision"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        (None, "empty"),
        ("   \n", "empty"),
        ("I think the user is unhappy with the answer.", "no_json"),
        ('{"confidence": 0.9, "evidence": "the answer is broken and', "truncated"),
        ('{"label": complaint confidence}', "bad_json"),
        ('{"confidence": 0.9, "evidence": "x"}', "missing_label"),
        ('{"label": "angry", "confidence": 0.9}', "unknown_label"),
    ],
)
def test_unreadable_answers_raise_with_a_reason(text, reason):
    with pytest.raises(JudgeParseError) as info:
        parse_judgement(text)
    assert info.value.reason == reason
    assert "unparseable judge output" in str(info.value)


def test_unknown_label_error_lists_the_valid_labels():
    with pytest.raises(JudgeParseError, match="rephrase, correction, complaint, revision, clarification, positive, neutral"):
        parse_judgement('{"label": "angry"}')
