"""The cue lexicons are well-formed data, and the literals that pick candidate turns are sound."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsatkit.detect import cues as C
from dsatkit.detect.columnar import cue_regex, fast_boundaries, normalised
from dsatkit.detect.heuristics import compile_cues
from dsatkit.detect.literals import python_regex, required_literals
from dsatkit.records import LABELS

CUE_IDS = [f"{c.label}-{c.lang}-{i}" for i, c in enumerate(C.CUES)]


@pytest.mark.parametrize("cue", C.CUES, ids=CUE_IDS)
def test_cue_fields_are_valid(cue):
    assert cue.label in LABELS and cue.label not in ("rephrase", "neutral")
    assert cue.lang in C.LANGUAGES
    assert cue.at in C.AT
    assert 0.5 <= cue.confidence <= 0.95


@pytest.mark.parametrize("lang", C.LANGUAGES)
@pytest.mark.parametrize("label", ["complaint", "correction", "revision", "clarification", "positive"])
def test_every_language_has_cues_for_every_label(lang, label):
    assert any(c.lang == lang and c.label == label for c in C.CUES)


@pytest.mark.parametrize("cue", C.CUES, ids=CUE_IDS)
def test_cue_pattern_is_lowercase(cue):
    # Exact cues run on lowercased text: an uppercase letter could never match.
    bare = re.sub(r"\\x\{[0-9A-Fa-f]+\}|\\p\{\w+\}|\\[A-Za-z]", "", cue.pattern)
    assert bare == bare.lower()


@pytest.mark.parametrize("cue", C.CUES, ids=CUE_IDS)
def test_cue_compiles_in_rust_regex(cue):
    probe = pl.Series(["a probe text"])
    probe.str.contains(cue_regex(cue.pattern, cue.at))
    probe.str.contains(cue_regex(cue.pattern, cue.at, exact=False))


@pytest.mark.parametrize("veto", C.VETOES, ids=lambda v: f"{v.label}-{v.lang}")
def test_veto_targets_a_cue_label_and_compiles(veto):
    assert any(c.label == veto.label for c in C.CUES)
    pl.Series(["a probe text"]).str.contains(cue_regex(veto.pattern))


def _alphabet(pattern: str) -> str:
    # ASCII letters plus the pattern's own letters: enough to spell every cue, and no exotic
    # characters whose word-boundary status differs between Python and Rust.
    return "abcdefghijklmnopqrstuvwxyz0123456789 ',.!?" + "".join(sorted(set(pattern) - set("\\")))


@pytest.mark.parametrize("cue", C.CUES, ids=CUE_IDS)
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_text_matching_a_cue_holds_one_of_its_literals_and_matches_in_rust(cue, data):
    text = data.draw(st.from_regex(python_regex(cue.pattern), fullmatch=True, alphabet=_alphabet(cue.pattern)))
    norm = pl.select(normalised(pl.lit(text))).item()
    if cue.at == "any":
        literals = required_literals(cue.pattern)
        assert any(lit in norm for lit in literals), (text, sorted(literals)[:10])
    assert pl.Series([norm]).str.contains(cue_regex(cue.pattern, cue.at)).item()


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\bthat(?:'s| is) wrong\b", {"that's wrong", "that is wrong"}),
        (r"\b(?:still|again) wrong\b", {"still wrong", "again wrong"}),
        (r"[^.?!\n]*\binstead\b", {"instead"}),
        (r"不对|错了", {"不对", "错了"}),
        (r"\bwrong (?:answer|result)?", {"wrong "}),
    ],
)
def test_required_literals_of_simple_patterns(pattern, expected):
    assert required_literals(pattern) == frozenset(expected)


def test_required_literals_is_none_when_nothing_is_required():
    assert required_literals(r"\w+") is None


def test_free_cues_compile_to_a_literal_prefilter():
    compiled = compile_cues()
    assert compiled.literals and all(compiled.literals)


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        (r"\bwrong\b", "that is wrong!", True),
        (r"\bwrong\b", "wrongly", False),
        (r"\bне так\b", "это не так.", True),
        (r"\bне так\b", "мне таких", False),
        (r"\bestá mal\b", "eso está mal", True),
    ],
)
def test_fast_boundaries_keep_word_boundaries(pattern, text, matches):
    assert pl.Series([text]).str.contains(fast_boundaries(pattern)).item() is matches


@pytest.mark.parametrize("lang", C.LANGUAGES)
def test_compile_cues_keeps_only_the_requested_languages(lang):
    compiled = compile_cues((lang,))
    labels = {m.label for m in compiled.matchers}
    assert labels == {c.label for c in C.CUES if c.lang == lang}


def test_every_refusal_opening_holds_a_refusal_word():
    words = [w.lower() for w in C.REFUSAL_WORDS]
    for literal in required_literals(C.REFUSAL):
        assert any(w in literal for w in words), literal
