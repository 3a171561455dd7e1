"""Rephrase by shared words: the user turn restates the previous request because the answer missed it.

A cheap probe runs first (a restatement keeps the first or last long word of the request) so only
a few turns are tokenised. Word overlap alone confuses three things with a rephrase, handled here:
- a swap of one or two words keeps the frame and changes the subject ("... the GH1 gene?" then
  "... the IGF-1 gene?"): a new request, a "parallel move" in query-reformulation terms;
- templated work (the same instruction over new inputs, three or more times in a row) overlaps a lot
  while every answer differs. A run of long similar requests counts only while the assistant keeps
  giving about the same answer, which is what a user re-asking a stuck assistant looks like;
- a long fixed instruction with a new payload after it: a long request must also end like the
  previous one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from dsatkit.detect.base import Detector
from dsatkit.detect.columnar import content_words, later_turns, overlap, request_key, scatter

# "Please continue this story with ..." each turn builds a story: not a rephrase.
CONTINUES = ["continue", "go on", "keep going", "next part", "next chapter", "继续", "продолж", "continu", "weiter"]
# A long word (or three CJK characters): a restatement almost always keeps its first or last one.
PROBE = r"[a-zа-яё]{5,}|[\p{Han}\p{Hangul}\p{Hiragana}\p{Katakana}]{3}"


@dataclass(frozen=True, slots=True)
class RephraseRule:
    short_words: int = 25  # turns with at most this many content words are "short"
    short_jaccard: float = 0.6  # word overlap that makes a short turn a rephrase
    long_jaccard: float = 0.9  # long turns must be near copies (templates overlap a lot)
    max_swap: int = 2  # up to this many words swapped each way is a new subject, not a rephrase
    run_jaccard: float = 0.5  # overlap that makes consecutive requests part of a run
    template_words: int = 12  # a run of requests this long (content words) is templated work
    stuck_jaccard: float = 0.6  # answers this alike mean the assistant is stuck, not the user templating
    max_chars: int = 300  # words are read from this many leading characters

    def __post_init__(self) -> None:
        for name in ("short_jaccard", "long_jaccard", "run_jaccard", "stuck_jaccard"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ValueError(f"{name} is a word-overlap ratio in (0, 1], got {value}")
        if self.short_words < 3 or self.max_chars < 20:
            raise ValueError(
                f"short_words={self.short_words} and max_chars={self.max_chars} are too small; "
                "use short_words >= 3 and max_chars >= 20 (defaults 25 and 300)"
            )


class LexicalRephraseDetector(Detector):
    """Labels `rephrase` when a turn restates the previous user request (Jaccard over content words)."""

    name: ClassVar[str] = "lexical_rephrase"

    def __init__(self, rule: RephraseRule | None = None) -> None:
        super().__init__()
        self.rule = rule or RephraseRule()

    def settings(self) -> dict:
        r = self.rule
        return {"short_words": r.short_words, "short_jaccard": r.short_jaccard, "long_jaccard": r.long_jaccard,
                "max_swap": r.max_swap, "run_jaccard": r.run_jaccard, "template_words": r.template_words,
                "stuck_jaccard": r.stuck_jaccard}

    def detect(self, turns: pl.DataFrame) -> pl.DataFrame:
        r = self.rule
        n = turns.height
        cand = later_turns(turns, "text", "prev_request", "prev_answer")
        la, lb = pl.col("text").str.len_chars(), pl.col("prev_request").str.len_chars()
        # Restatements have comparable lengths.
        cand = cand.filter((la <= 2.5 * lb + 20) & (lb <= 2.5 * la + 20))
        cand = cand.with_columns(
            pl.col("text").str.slice(0, r.max_chars).str.to_lowercase().alias("__head"),
            pl.col("prev_request").str.slice(0, r.max_chars).str.to_lowercase().alias("__prev_head"),
        )
        head, prev_head = pl.col("__head"), pl.col("__prev_head")
        cand = cand.with_columns(
            # Same text up to case and edge punctuation: compare the heads, and the lengths for the rest.
            ((request_key(head) == request_key(prev_head)) & ((la - lb).abs() <= 3)).alias("__same"),
            head.str.extract(PROBE, 0).alias("__probe"),
            head.str.extract(f".*({PROBE})", 1).alias("__probe_last"),
            # Templated requests share their opening or closing instruction: cheap evidence of a run.
            (
                (pl.col("text").str.slice(0, 40) == pl.col("prev_request").str.slice(0, 40))
                | (pl.col("text").str.slice(-60) == pl.col("prev_request").str.slice(-60))
            ).alias("__similar"),
        )
        shared_edges = cand.select("__row", "__similar")
        # A cheap probe before tokenising: a restatement keeps its first or last long word.
        cand = cand.filter(
            pl.col("__same")
            | prev_head.str.contains(pl.col("__probe").fill_null("\x00"), literal=True)
            | prev_head.str.contains(pl.col("__probe_last").fill_null("\x00"), literal=True)
        )
        cand = cand.filter(~head.str.slice(0, 200).str.contains_any(CONTINUES))
        cand = (
            cand.with_columns(
                content_words(pl.col("text"), r.max_chars).alias("__a"),
                content_words(pl.col("prev_request"), r.max_chars).alias("__b"),
            )
            .rechunk()  # list set operations want one chunk per column
            .with_columns(overlap("__a", "__b"))
        )
        # Templates put a new payload after a long fixed instruction: a long request must also end
        # like the previous one.
        long = (pl.col("text").str.len_chars() > r.max_chars) | (pl.col("prev_request").str.len_chars() > r.max_chars)
        tails = cand.filter(long & ~pl.col("__same")).select(
            "__row",
            content_words(pl.col("text").str.slice(-r.max_chars), r.max_chars).alias("__ta"),
            content_words(pl.col("prev_request").str.slice(-r.max_chars), r.max_chars).alias("__tb"),
        )
        tails = tails.rechunk().select("__row", (overlap("__ta", "__tb")[1] >= r.long_jaccard).alias("__tail_ok"))
        cand = (
            cand.join(tails, on="__row", how="left")
            .with_columns(pl.col("__tail_ok").fill_null(True))
            .with_columns(
                pl.max_horizontal(pl.col("__a").list.len(), pl.col("__b").list.len()).alias("__n"),
                (pl.col("__new").is_between(1, r.max_swap) & pl.col("__gone").is_between(1, r.max_swap)).alias("__swap"),
            )
            .with_columns(((pl.col("__n") >= 3) & (pl.col("__n") <= r.short_words) & ~pl.col("__swap")).alias("__short"))
            .with_columns(
                # Two content words at least: a repeated "what?" or "hi, how are you?" is not a request.
                pl.when(pl.col("__same") & (pl.col("__a").list.len() >= 2)).then(0.75)
                .when(~pl.col("__tail_ok")).then(None)
                .when(pl.col("__short") & (pl.col("__jaccard") >= 0.8)).then(0.75)
                # Three content words are too few to tell a restatement from a new request.
                .when(pl.col("__short") & (pl.col("__n") >= 4) & (pl.col("__jaccard") >= r.short_jaccard)).then(0.7)
                .when((pl.col("__n") > r.short_words) & (pl.col("__jaccard") >= r.long_jaccard)).then(0.65)
                .alias("confidence"),
                (pl.col("__similar") | pl.col("__same") | (pl.col("__jaccard") >= r.run_jaccard)).alias("__similar"),
            )
        )
        hits = cand.filter(pl.col("confidence").is_not_null())
        if hits.height == 0:
            return scatter(n, hits.select("__row", "confidence"))
        similar = pl.concat(
            [shared_edges.join(cand.select("__row"), on="__row", how="anti"), cand.select("__row", "__similar")]
        )
        hits = hits.filter(~self._template_run(turns, similar, hits))
        hits = hits.select(
            "__row",
            pl.lit("rephrase").alias("label"),
            "confidence",
            pl.when(pl.col("__same"))
            .then(pl.lit("same request again: ") + pl.col("prev_request").str.slice(0, 80))
            .otherwise(pl.lit("restates: ") + pl.col("__shared").list.head(12).list.join(" "))
            .alias("evidence"),
        )
        return scatter(n, hits)

    def _template_run(self, turns: pl.DataFrame, similar_rows: pl.DataFrame, hits: pl.DataFrame) -> pl.Series:
        """Per hit: part of a run of 3+ similar requests whose last two answers differ."""
        n = turns.height
        similar = pl.Series([False] * n).scatter(similar_rows["__row"], similar_rows["__similar"])
        conv = turns["conversation_id"]
        before = similar.shift(1, fill_value=False) & (conv.shift(1) == conv).fill_null(False)
        after = similar.shift(-1, fill_value=False) & (conv.shift(-1) == conv).fill_null(False)
        rows = hits["__row"]
        # Short requests asked again and again are a user re-asking, not a template.
        in_run = (before | after).gather(rows) & (hits["__n"] >= self.rule.template_words)
        if not in_run.any():
            return in_run
        # The answer before the previous request: the previous turn's prev_answer.
        earlier_answer = turns["prev_answer"].shift(1).gather(rows)
        answers = pl.DataFrame({"a": hits["prev_answer"], "b": earlier_answer}).select(
            content_words(pl.col("a"), self.rule.max_chars).alias("__a"),
            content_words(pl.col("b"), self.rule.max_chars).alias("__b"),
        )
        stuck = answers.rechunk().select(overlap("__a", "__b")[1])["__jaccard"] >= self.rule.stuck_jaccard
        return in_run & ~stuck

