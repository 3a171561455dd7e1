"""Columnar building blocks the heuristic detectors share: cue regexes, text normalisation, word
overlap, and turning a few hit rows back into a full-length detection frame.

Detectors filter in stages on eager frames (cheap test first, expensive one on the survivors):
a lazy query would fuse the filters and run the expensive expression on every row.
"""

from __future__ import annotations

import re

import polars as pl

from dsatkit.detect import cues as C
from dsatkit.detect.base import DETECTION_SCHEMA, LABEL_PRIORITY

# Curly, back-tick and acute apostrophes all stand for "'" in typed chat.
APOSTROPHES = "’‘`´"
STOPWORDS = sorted(C.STOPWORDS)

_LEAD_ONE = rf"(?:(?:{C.LEAD_WORDS}){C.PUNCT}+|(?:{C.LEAD_CJK}){C.PUNCT}*)?"
LEAD = rf"^{C.PUNCT}*{_LEAD_ONE}{_LEAD_ONE}"
TRAIL = rf"(?:{C.PUNCT}*(?:{C.TRAIL_WORDS}))*{C.PUNCT}*$"

_LEFT_B = re.compile(r"(^|\||\(\?:|\()\\b")
_RIGHT_B = re.compile(r"\\b($|\||\))")
# Word characters of the covered spaced languages, as a small explicit class (text is lowercased):
# a Unicode \\w costs a lot to compile, and polars recompiles often.
_WORD = "0-9a-z_à-ɏа-яё"
NOT_WORD_LEFT = rf"(?:^|[^{_WORD}])"
NOT_WORD_RIGHT = rf"(?:[^{_WORD}]|$)"


# Characters a match may carry at its edges (consumed word boundaries), trimmed from evidence.
EVIDENCE_EDGES = " .,;:!?¿¡\"'()[]{}«»“”‘’-–—…*~/\x01\x02"
# Quoted text inside a request is content ("translate 'this is wrong'"), not the user's voice.
QUOTED = r"[\"“«][^\"”»\n]{0,160}[\"”»]|(?:^| )'[^'\n]{1,80}'(?:[ .,!?;:]|$)"


def fast_boundaries(pattern: str) -> str:
    """Word boundaries the lazy DFA can run.

    A Unicode \\b makes Rust's DFA give up on any text with a non-ASCII character and fall back to
    an engine ten times slower, and an ASCII \\b never sees the accented or Cyrillic letter at a
    cue's edge ("pedí", "неверно"). So a boundary at a pattern's edge becomes a consumed non-word
    character or the text's edge (stripped from evidence); one inside a pattern is dropped.
    """
    pattern = _LEFT_B.sub(lambda m: m.group(1) + NOT_WORD_LEFT, pattern)
    pattern = _RIGHT_B.sub(lambda m: NOT_WORD_RIGHT + m.group(1), pattern)
    return pattern.replace(r"\b", "")


def cue_alternation(pattern: str | list[str], at: str = "any", exact: bool = True) -> str:
    """The cues as one alternation, without the lead and trail `cue_regex` adds for `at`."""
    parts = [pattern] if isinstance(pattern, str) else list(pattern)
    if at != "any":  # the lead already ends at a separator or the start of the turn
        parts = [p.removeprefix(r"\b") for p in parts]
    if exact:
        parts = [fast_boundaries(p).replace(" ", " +") for p in parts]
    else:
        parts = [p.replace("'", "['’]").replace(r"\b", "") for p in parts]
    return parts[0] if len(parts) == 1 else "|".join(f"(?:{p})" for p in parts)


def cue_regex(pattern: str | list[str], at: str = "any", exact: bool = True) -> str:
    """Rust regex for a cue, or for an alternation of cues that share `at`.

    Exact regexes run on `normalised` text: a space in a pattern becomes " +". `exact=False` gives
    the loose form that picks candidate turns on merely lowercased text: no word boundaries, any
    apostrophe; it matches a superset and keeps the lazy DFA small. Lead and trail are added once
    around the alternation: repeated per cue they made compiling cost more than matching a batch.
    """
    p = cue_alternation(pattern, at, exact)
    if at == "start":
        return f"{LEAD}(?:{p})"
    if at == "whole":
        return f"{LEAD}(?:{p}){TRAIL}"
    return p


def straight_apostrophes(text: pl.Expr) -> pl.Expr:
    """Every apostrophe as "'" (literal replaces: no regex to compile)."""
    for mark in APOSTROPHES:
        text = text.str.replace_all(mark, "'", literal=True)
    return text


def normalised(text: pl.Expr) -> pl.Expr:
    """Lowercase, each whitespace character a space, each curly apostrophe a straight one.

    Exact cues run on this so they need neither (?i) nor \\s: both make regexes slow to compile, and
    polars compiles a regex again on every batch once its small regex cache is full.
    """
    text = text.str.to_lowercase()
    for space in "\n\t\r\u00a0":
        text = text.str.replace_all(space, " ", literal=True)
    return straight_apostrophes(text)



def asks_question(answer: pl.Expr) -> pl.Expr:
    """The answer ends by asking the user something real (not "anything else I can help with?")."""
    tail = answer.fill_null("").str.slice(-100).str.strip_chars_end()
    ends_q = tail.str.ends_with("?") | tail.str.ends_with("？")
    closing = tail.str.to_lowercase().str.contains_any(
        ["anything else", "other questions", "more questions", "further questions", "can i help", "can i assist",
         "help you with", "assist you", "let me know"]
    )
    return ends_q & ~closing


def later_turns(turns: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """`columns` (not null) of the turns k >= 1, with their row number in __row.

    Selecting first matters: filtering the whole turn table copies every answer and history.
    """
    cond = pl.col("turn") >= 1
    for col in columns:
        cond = cond & pl.col(col).is_not_null()
    return turns.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("__row"), "turn", *columns).filter(cond)


def no_detection(n: int) -> pl.DataFrame:
    return pl.DataFrame({c: pl.Series(c, [None] * n, dtype=t) for c, t in DETECTION_SCHEMA.items()})


def scatter(n: int, hits: pl.DataFrame) -> pl.DataFrame:
    """Full-length detection frame from `hits` (columns __row, label, confidence, evidence)."""
    out = no_detection(n)
    if hits.height == 0:
        return out
    rows = hits["__row"]
    return pl.DataFrame([out[c].scatter(rows, hits[c].cast(t)) for c, t in DETECTION_SCHEMA.items()])


def best_per_row(hits: pl.DataFrame) -> pl.DataFrame:
    """One hit per row: the most confident, ties to the more specific label."""
    return (
        hits.with_columns(
            pl.col("label").replace_strict(LABEL_PRIORITY, default=len(LABEL_PRIORITY), return_dtype=pl.Int32).alias("__o")
        )
        .sort(["__row", "confidence", "__o"], descending=[False, True, False])
        .unique("__row", keep="first", maintain_order=True)
        .drop("__o")
    )


def content_words(text: pl.Expr, max_chars: int) -> pl.Expr:
    """Unique lowercase words of 2+ letters minus stop words, cut to their first 5 letters (a crude
    stemmer: invade/invaded/invading agree); a CJK character counts as a word."""
    return (
        text.fill_null("")
        .str.slice(0, max_chars)
        .str.to_lowercase()
        .str.extract_all(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]|\w{2,}")
        .list.eval(pl.element().filter(~pl.element().is_in(STOPWORDS)).str.slice(0, 5))
        .list.unique()
    )



def overlap(a: str, b: str) -> list[pl.Expr]:
    """Columns __shared (list), __jaccard, __new (words only in a), __gone (words only in b)."""
    shared = pl.col(a).list.set_intersection(pl.col(b))
    n_shared = shared.list.len()
    union = pl.col(a).list.len() + pl.col(b).list.len() - n_shared
    return [
        shared.alias("__shared"),
        (n_shared / pl.max_horizontal(union, 1)).alias("__jaccard"),
        (pl.col(a).list.len() - n_shared).alias("__new"),
        (pl.col(b).list.len() - n_shared).alias("__gone"),
    ]


def request_key(text: pl.Expr) -> pl.Expr:
    """Comparison key for "the same request again": case and surrounding spaces and punctuation
    (pass a head: lowercasing a whole pasted document for an equality test is wasted work)."""
    return text.str.to_lowercase().str.strip_chars(" \t\n.!?？。！")
