from __future__ import annotations

from collections import Counter

import pytest
from anchor_fixtures import anchor
from pii_corpus import NEGATIVES, PLANTED, generate

from dsatkit.filters.pii import PiiConfigError, PiiDetector, PiiScrubber
from dsatkit.filters.pii_recognizers import PATTERN_ENTITIES, looks_random


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    return PiiDetector(ner_model="none")


def scrubbed(detector: PiiDetector, text: str) -> str:
    return detector.redact(text, detector.find(text))[0]


@pytest.mark.parametrize(("entity", "text", "planted"), PLANTED, ids=[f"{e}-{i}" for i, (e, _, _) in enumerate(PLANTED)])
def test_each_hand_planted_value_is_replaced_by_its_typed_placeholder(detector, entity, text, planted):
    out = scrubbed(detector, text)
    assert planted not in out
    assert f"<{entity}>" in out


@pytest.mark.parametrize("entity", [e for e in PATTERN_ENTITIES if e != "PRIVATE_KEY"])
def test_recall_on_generated_values_is_at_least_95_percent(detector, entity):
    cases = [c for c in generate(n_per_type=40, seed=7) if c[0] == entity]
    removed = sum(planted not in scrubbed(detector, text) for _, text, planted in cases)
    assert removed / len(cases) >= 0.95, f"{entity}: {removed}/{len(cases)}"


@pytest.mark.parametrize("text", NEGATIVES)
def test_look_alikes_are_left_untouched(detector, text):
    assert detector.find(text) == []


@pytest.mark.parametrize(
    ("token", "random_"),
    [("Zx8Qp2Lm9Rt4Vw7Ys1Kd6Hf3Jg5Nb0Tc", True), ("Lfm2VlCausalLMOutputWithPast", False),
     ("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", False), ("Qwen3OmniMoeCode2WavAttention", False),
     ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1A", False), ("Short1aB", False)],
)
def test_looks_random(token, random_):
    assert looks_random(token) is random_


def pii_anchor() -> dict:
    a = anchor(
        "p",
        request="My email is maria.lopez@gmail.com, why does my login fail?",
        rejected="Try resetting the password for maria.lopez@gmail.com.",
        feedback="I already did, my number is +1 (415) 555-0132 if you need it",
        chosen="Then call support; do not share 4111 1111 1111 1111 here.",
        system="You are helpful.",
    )
    return a


def test_redact_mode_scrubs_every_text_field_and_counts_entities():
    f = PiiScrubber(mode="redact", ner_model="none")
    a = pii_anchor()
    assert f(a) == (True, None)
    assert a["prompt"][1]["content"] == "My email is <EMAIL>, why does my login fail?"
    assert a["rejected"][0]["content"] == "Try resetting the password for <EMAIL>."
    assert a["feedback"]["content"] == "I already did, my number is <PHONE> if you need it"
    assert a["chosen"][0]["content"] == "Then call support; do not share <CREDIT_CARD> here."
    assert a["prompt"][0]["content"] == "You are helpful."
    stats = f.stats()
    assert stats["entities"] == {"CREDIT_CARD": 1, "EMAIL": 2, "PHONE": 1}
    assert stats["anchors_with_pii"] == 1
    assert stats["mode"] == "redact" and stats["ner_model"] is None


def test_drop_mode_drops_anchors_with_pii_and_keeps_clean_ones_untouched():
    f = PiiScrubber(mode="drop", ner_model="none")
    clean = anchor("c")
    before = repr(clean)
    assert f(pii_anchor()) == (False, "pii")
    assert f(clean) == (True, None)
    assert repr(clean) == before
    assert f.stats()["dropped_by_reason"] == {"pii": 1}


def test_off_mode_changes_nothing():
    a = pii_anchor()
    before = repr(a)
    assert PiiScrubber(mode="off")(a) == (True, None)
    assert repr(a) == before


def test_unknown_mode_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="use one of redact, drop, off"):
        PiiScrubber(mode="mask")


def test_null_chosen_and_short_texts_are_fine():
    f = PiiScrubber(mode="redact", ner_model="none")
    a = anchor("s", rejected="no", feedback="why?")
    assert a["chosen"] is None
    assert f(a) == (True, None)


def test_an_ner_model_that_is_not_installed_says_how_to_install_it():
    with pytest.raises(PiiConfigError, match="python -m spacy download en_core_web_trf_missing"):
        PiiDetector(ner_model="en_core_web_trf_missing")


def test_auto_without_any_spacy_model_falls_back_to_patterns_only(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name.startswith("en_core_web") else real(name, *a))
    d = PiiDetector(ner_model="auto")
    assert d.ner_model is None and "PERSON" not in d.entities


@pytest.fixture(scope="module")
def tiny_ner_model(tmp_path_factory) -> str:
    """A spaCy pipeline whose NER is a rule list: exercises the NER path without downloading a model."""
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "PERSON", "pattern": [{"LOWER": "alice"}, {"LOWER": "johnson"}]},
        {"label": "GPE", "pattern": "Lyon"},
        {"label": "ORG", "pattern": "Acme"},
        {"label": "DATE", "pattern": "Monday"},
    ])
    path = tmp_path_factory.mktemp("ner") / "tiny_ner"
    nlp.to_disk(path)
    return str(path)


def test_ner_model_adds_person_and_location_only(tiny_ner_model):
    f = PiiScrubber(mode="redact", ner_model=tiny_ner_model)
    a = anchor("n", request="I am Alice Johnson from Lyon, I work at Acme since Monday.")
    f(a)
    assert a["prompt"][0]["content"] == "I am <PERSON> from <LOCATION>, I work at Acme since Monday."
    assert Counter(f.stats()["entities"]) == Counter({"PERSON": 1, "LOCATION": 1})


def test_without_ner_names_stay(detector):
    assert detector.find("I am Alice Johnson from Lyon") == []


def test_one_engine_is_shared_between_detectors():
    assert PiiDetector(ner_model="none")._analyzer is PiiDetector(ner_model="none")._analyzer


def test_text_shared_by_anchors_of_one_conversation_is_scanned_once_and_redacted_in_each(monkeypatch):
    f = PiiScrubber(mode="redact", ner_model="none")
    calls = Counter()
    find = f.detector.find
    monkeypatch.setattr(f.detector, "find", lambda text, *a: calls.update([text]) or find(text, *a))
    first, second = pii_anchor(), pii_anchor()
    f(first)
    f(second)
    assert max(calls.values()) == 1
    assert first["prompt"][1]["content"] == second["prompt"][1]["content"] == "My email is <EMAIL>, why does my login fail?"
    assert f.stats()["entities"]["EMAIL"] == 4
