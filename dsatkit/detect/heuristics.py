"""Heuristic DSAT detectors: multilingual cue words and conversation structure.

Everything runs as polars expressions over the turn table (regex in Rust, list set operations for
word overlap), never a Python loop per turn, so the heuristics keep pace with reading the log.
Cues are compiled regexes rather than spaCy's PhraseMatcher: on the same cues they run one to two
orders of magnitude faster (benchmarks/heuristics_speed.py) and need no tokenizer per language.
Cue lexicons live in `dsatkit.detect.cues`. Turn 0 never fires: it has no answer to react to.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import polars as pl

from dsatkit.detect import cues as C
from dsatkit.detect.base import Detector
from dsatkit.detect.columnar import (
    APOSTROPHES,
    EVIDENCE_EDGES,
    LEAD,
    QUOTED,
    TRAIL,
    asks_question,
    best_per_row,
    content_words,
    cue_alternation,
    cue_regex,
    later_turns,
    no_detection,
    normalised,
    overlap,
    request_key,
    scatter,
    straight_apostrophes,
)
from dsatkit.detect.constraints import RepeatedConstraintDetector
from dsatkit.detect.lexical_rephrase import LexicalRephraseDetector, RephraseRule
from dsatkit.detect.literals import required_literals

__all__ = [
    "CutoffContinueDetector",
    "LexicalCueDetector",
    "LexicalRephraseDetector",
    "RefusalInsistDetector",
    "RepeatedConstraintDetector",
    "RephraseRule",
    "default_heuristics",
]

# Cues are looked for in the first characters of a turn: feedback comes first, and a document
# pasted further down is content, not feedback.
HEAD_CHARS = 240
# Cues anchored at the start of a turn are short and open it: they are picked from this many characters.
ANCHORED_CHARS = 80
# A turn that opens with quoted speech or a stage direction, maybe after a "Name:" speaker label.
ROLE_PLAY = r"^\s*(?:[A-Za-z_0-9]+:\s*)?[\"“*(]"


# Firing conditions travel in the text the exact cues read, so one regex per label covers them:
# ASKED opens the text when the answer before asked the user something ("no, ..." then answers it);
# SHORT closes it when the whole turn fits the head (whole-turn cues need the turn's real end).
ASKED, SHORT = "\x01", "\x02"


@dataclass(frozen=True, slots=True)
class CueMatcher:
    """All exact cues of one label as one regex over the marked, normalised head.

    Each confidence tier is a named group (g0, g1, ...); the leftmost cue that matches names its
    tier. Evidence is the tier group's text, without the filler a "start" cue may follow.
    """

    label: str
    regex: str
    confidences: dict[str, float]  # group name -> confidence
    veto: str | None  # regex that suppresses the label on a turn
    unasked_only: bool = False  # free cues that must not follow a question: run on those turns only


@dataclass(frozen=True, slots=True)
class CompiledCues:
    literals: list[str]  # one of these is in every match of a free cue (Aho-Corasick pass)
    anchored: str  # loose regex for cues at the start of a turn
    matchers: list[CueMatcher]


def _tier(parts: list[str], at: str, after_question: bool, group: str) -> str:
    body = f"(?P<{group}>{cue_alternation(parts, at)})"
    body = body.replace("$", f"{SHORT}?$")  # a cue anchored at the end of the head
    opening = "^" if not after_question else f"^{ASKED}?"
    lead = LEAD.removeprefix("^")
    if at == "start":
        return f"{opening}{lead}{body}"
    if at == "whole":
        return f"{opening}{lead}{body}{TRAIL.removesuffix('$')}{SHORT}$"
    return body


@lru_cache(maxsize=8)
def compile_cues(languages: tuple[str, ...] = C.LANGUAGES) -> CompiledCues:
    cues = [c for c in C.CUES if c.lang in languages]
    literals: set[str] = set()
    for c in cues:
        if c.at == "any":
            found = required_literals(c.pattern)
            if found is None:
                raise ValueError(f"cue {c.pattern!r} ({c.label}, {c.lang}) has no required literal; add one")
            literals |= found
    starts = [c.pattern for c in cues if c.at == "start"]
    wholes = [c.pattern for c in cues if c.at == "whole"]
    anchored = f"{LEAD}(?:{cue_regex(starts, exact=False)}|(?:{cue_regex(wholes, exact=False)}){TRAIL})"
    tiers: dict[tuple, list[str]] = defaultdict(list)
    for c in cues:
        tiers[(c.label, c.confidence, c.at, c.after_question)].append(c.pattern)
    # Anchored cues carry the "not after a question" rule in the ASKED marker; free cues with that
    # rule get a matcher of their own, run on unasked turns only.
    by_label: dict[tuple[str, bool], list[tuple]] = defaultdict(list)
    for (label, conf, at, aq), parts in tiers.items():
        by_label[(label, at == "any" and not aq)].append((conf, at, aq, parts))
    veto_parts: dict[str, list[str]] = defaultdict(list)
    for v in C.VETOES:
        if v.lang in languages:
            veto_parts[v.label].append(v.pattern)
    matchers = []
    for (label, unasked_only), items in by_label.items():
        items.sort(key=lambda item: -item[0])
        regex = "|".join(_tier(parts, at, aq, f"g{i}") for i, (_, at, aq, parts) in enumerate(items))
        veto = cue_regex(veto_parts[label]) if veto_parts.get(label) else None
        confidences = {f"g{i}": item[0] for i, item in enumerate(items)}
        matchers.append(CueMatcher(label, regex, confidences, veto, unasked_only))
    return CompiledCues(sorted(_spellings(literals)), anchored, matchers)


def _spellings(literals: set[str]) -> set[str]:
    """Each literal with every apostrophe: on lowercased text they find what straightened text would
    (cheaper than straightening every head; the Aho-Corasick automaton is rebuilt per batch)."""
    return {lit.replace("'", mark) for lit in literals for mark in ("'", *APOSTROPHES)}


class LexicalCueDetector(Detector):
    """Cue words for complaint, correction, revision, clarification and positive, in 7 languages.

    Two stages. Candidates: one Aho-Corasick pass of literals (every free cue needs one of them)
    and one anchored pass for cues that open a turn, on the lowercased head. Then the exact cues,
    one regex per label, run on the candidates only. Few regexes matter: polars keeps only a
    handful compiled, and recompiling big ones on every batch would cost more than matching.
    """

    name: ClassVar[str] = "lexical_cues"

    def __init__(self, languages: tuple[str, ...] = C.LANGUAGES, head_chars: int = HEAD_CHARS) -> None:
        super().__init__()
        unknown = sorted(set(languages) - set(C.LANGUAGES))
        if unknown:
            raise ValueError(f"no cue lexicon for languages {unknown}; covered: {', '.join(C.LANGUAGES)}")
        if head_chars < 20:
            raise ValueError(f"head_chars={head_chars} is too short to hold a cue; use at least 20 (default {HEAD_CHARS})")
        self.languages = tuple(languages)
        self.head_chars = head_chars
        self.cues = compile_cues(self.languages)

    def settings(self) -> dict:
        return {"languages": list(self.languages), "head_chars": self.head_chars,
                "cues": sum(1 for c in C.CUES if c.lang in self.languages)}

    def detect(self, turns: pl.DataFrame) -> pl.DataFrame:
        cand = later_turns(turns, "text").with_columns(pl.col("text").str.slice(0, self.head_chars).alias("__head"))
        # Literals come with every apostrophe, so the head needs only lowercasing; the anchored cues
        # read the first characters only.
        low = pl.col("__head").str.to_lowercase()
        opening = straight_apostrophes(low.str.slice(0, ANCHORED_CHARS))
        cand = cand.filter(low.str.contains_any(self.cues.literals) | opening.str.contains(self.cues.anchored))
        # In-character speech ("\"That's wrong,\" she said", "*smiles*", "(walks in)") is role play, not
        # feedback on the answer; an out-of-character [bracket] remark still counts.
        cand = cand.filter(~pl.col("__head").str.contains(ROLE_PLAY))
        # The answer before matters only for the few candidates: fetch it for them alone.
        asked = asks_question(turns["prev_answer"].gather(cand["__row"]))
        short = cand["text"].str.len_chars() <= self.head_chars
        cand = cand.with_columns(
            (
                pl.when(asked).then(pl.lit(ASKED)).otherwise(pl.lit(""))
                + normalised(pl.col("__head")).str.replace_all(QUOTED, " \"\" ")
                + pl.when(short).then(pl.lit(SHORT)).otherwise(pl.lit(""))
            ).alias("__head"),
            asked.alias("__asked"),
        )
        found = []
        for m in self.cues.matchers:
            rows = cand.filter(~pl.col("__asked")) if m.unasked_only else cand
            tiers = (
                rows.select("__row", "__head", pl.col("__head").str.extract_groups(m.regex).alias("__m"))
                .unnest("__m")
                .unpivot(index=["__row", "__head"], variable_name="g", value_name="evidence")
                .filter(pl.col("evidence").is_not_null())
            )
            if m.veto is not None and tiers.height:
                tiers = tiers.filter(~pl.col("__head").str.contains(m.veto))
            found.append(
                tiers.select(
                    "__row",
                    pl.lit(m.label).alias("label"),
                    pl.col("g").replace_strict(m.confidences, return_dtype=pl.Float64).alias("confidence"),
                    pl.col("evidence").str.strip_chars(EVIDENCE_EDGES),
                )
            )
        found = [f for f in found if f.height]
        if not found:
            return no_detection(turns.height)
        return scatter(turns.height, best_per_row(pl.concat(found)))


class CutoffContinueDetector(Detector):
    """'continue' right after an answer that was cut off: a revision (finish the answer).

    After an answer that ended cleanly, 'continue' builds on it (a story's next chapter): not DSAT.
    """

    name: ClassVar[str] = "cutoff_continue"

    def __init__(self, min_answer_chars: int = 200) -> None:
        super().__init__()
        if min_answer_chars < 0:
            raise ValueError(f"min_answer_chars must be >= 0, got {min_answer_chars}")
        self.min_answer_chars = min_answer_chars
        self._continues = cue_regex(C.CONTINUE_REQUEST, "whole")

    def settings(self) -> dict:
        return {"min_answer_chars": self.min_answer_chars}

    def detect(self, turns: pl.DataFrame) -> pl.DataFrame:
        cand = later_turns(turns, "text", "prev_answer").filter(pl.col("text").str.len_chars() <= 80)
        cand = cand.filter(normalised(pl.col("text")).str.contains(self._continues))
        answer = pl.col("prev_answer").str.strip_chars_end()
        # A streaming marker, an unclosed code fence, or a long answer ending mid-sentence.
        broken = answer.str.ends_with("▌") | ((answer.str.count_matches("```", literal=True) % 2) == 1)
        mid_sentence = ~answer.str.contains(r"[.!?。！？…\"'”’»)\]}>*`:;」』\x{2600}-\x{27BF}\x{1F300}-\x{1FAFF}]$") & (
            answer.str.len_chars() >= self.min_answer_chars
        )
        hits = (
            cand.with_columns(pl.when(broken).then(0.9).when(mid_sentence).then(0.85).alias("confidence"))
            .filter(pl.col("confidence").is_not_null())
            .select(
                "__row",
                pl.lit("revision").alias("label"),
                "confidence",
                (pl.col("text").str.strip_chars() + pl.lit(" (after a cut-off answer)")).alias("evidence"),
            )
        )
        return scatter(turns.height, hits)


class RefusalInsistDetector(Detector):
    """The user insists after a refusal: restating the request (rephrase) or pushing back (complaint).

    Such anchors often are jailbreak attempts: a training filter should judge whether the refusal was
    right before DRIFT learns from them.
    """

    name: ClassVar[str] = "refusal_insist"

    def __init__(self, restate_jaccard: float = 0.55) -> None:
        super().__init__()
        if not 0 < restate_jaccard <= 1:
            raise ValueError(f"restate_jaccard is a word-overlap ratio in (0, 1], got {restate_jaccard}")
        self.restate_jaccard = restate_jaccard
        self._refusal = cue_regex(C.REFUSAL)
        self._insist = cue_regex(C.INSIST)

    def settings(self) -> dict:
        return {"restate_jaccard": self.restate_jaccard}

    def detect(self, turns: pl.DataFrame) -> pl.DataFrame:
        opening = pl.col("prev_answer").str.slice(0, 200)
        cand = later_turns(turns, "text", "prev_answer", "prev_request")
        cand = cand.filter(opening.str.contains_any(C.REFUSAL_WORDS, ascii_case_insensitive=True))
        cand = cand.filter(normalised(opening).str.contains(self._refusal))
        insist = pl.col("__head").str.extract(self._insist, 0)
        restated = (pl.col("__jaccard") >= self.restate_jaccard) | (
            request_key(pl.col("text").str.slice(0, 300)) == request_key(pl.col("prev_request").str.slice(0, 300))
        )
        hits = (
            cand.with_columns(
                normalised(pl.col("text").str.slice(0, HEAD_CHARS)).alias("__head"),
                content_words(pl.col("text"), 300).alias("__a"),
                content_words(pl.col("prev_request"), 300).alias("__b"),
            )
            .rechunk()
            .with_columns(overlap("__a", "__b"))
            .with_columns(
                pl.when(restated.fill_null(False) & (pl.col("__a").list.len() >= 2)).then(pl.lit("rephrase"))
                .when(insist.is_not_null()).then(pl.lit("complaint"))
                .alias("label")
            )
            .filter(pl.col("label").is_not_null())
            .select(
                "__row",
                "label",
                pl.when(pl.col("label") == "rephrase").then(0.8).otherwise(0.75).alias("confidence"),
                pl.when(pl.col("label") == "rephrase")
                .then(pl.lit("asks again after a refusal: ") + pl.col("__shared").list.head(12).list.join(" "))
                .otherwise(insist)
                .alias("evidence"),
            )
        )
        return scatter(turns.height, hits)


def default_heuristics() -> list[Detector]:
    """The heuristic detector set `dsatkit extract` runs by default."""
    return [
        LexicalCueDetector(),
        LexicalRephraseDetector(),
        CutoffContinueDetector(),
        RefusalInsistDetector(),
        RepeatedConstraintDetector(),
    ]
