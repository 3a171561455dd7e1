"""An answer that ignored an explicit constraint, which the user then states again.

The turn carries a constraint ("in 50 words", "as a table", "in Spanish", "only the code", "don't use
X") that an earlier request of the conversation already carried, and the answer just before breaks
it (too long, no table, wrong script, extra prose, uses X). Repeating it is then a correction: it
says exactly what to do. Both conditions are needed: templated logs repeat constraints that the
answers kept.
"""

from __future__ import annotations

from typing import ClassVar

import polars as pl

from dsatkit.detect import cues as C
from dsatkit.detect.base import Detector
from dsatkit.detect.columnar import EVIDENCE_EDGES, cue_regex, later_turns, normalised, scatter

KINDS = ("count", "only", "format", "language", "exclusion")

_TABLE = r"(?:table|tabla|tableau|tabelle|tabela|表格|таблиц\w*)"
_LIST = r"(?:list|bullet points|bulleted list|numbered list|lista|liste|列表|списк\w*)"


def _first(patterns: list[str], group: int) -> pl.Expr:
    found = pl.coalesce([pl.col("__head").str.extract(cue_regex(p), group) for p in patterns])
    return found.str.strip_chars(EVIDENCE_EDGES)


def _canonical_unit(unit: pl.Expr) -> pl.Expr:
    expr = pl.when(unit == "字").then(pl.lit("hanzi"))
    for canon, alternatives in C.COUNT_UNITS.items():
        expr = expr.when(unit.str.contains(f"^(?:{alternatives})$")).then(pl.lit(canon))
    return expr


def _measure(unit: pl.Expr, answer: pl.Expr) -> pl.Expr:
    """How much of `unit` the answer holds."""
    return (
        pl.when(unit == "hanzi").then(answer.str.count_matches(r"\p{Han}"))
        .when(unit == "word").then(answer.str.count_matches(r"\S+"))
        .when(unit == "sentence").then(answer.str.count_matches(r"[.!?。！？]+(?:\s|$)"))
        .when(unit == "line").then(answer.str.count_matches(r"(?m)^\s*\S"))
        .when(unit == "paragraph").then(answer.str.count_matches(r"\n\s*\n") + 1)
        .when(unit == "character").then(answer.str.len_chars())
        .when(unit == "item").then(answer.str.count_matches(r"(?m)^\s*(?:[-*•]|\d+[.)])\s"))
    )


class RepeatedConstraintDetector(Detector):
    """Labels `correction` when a turn repeats a constraint that the answer before it broke."""

    name: ClassVar[str] = "repeated_constraint"

    def __init__(self, head_chars: int = 600, count_slack: float = 1.25) -> None:
        super().__init__()
        if head_chars < 20:
            raise ValueError(f"head_chars={head_chars} is too short to hold a constraint; use at least 20 (default 600)")
        if count_slack < 1.0:
            raise ValueError(f"count_slack={count_slack} would flag answers within the limit; use >= 1.0 (default 1.25)")
        self.head_chars = head_chars
        self.count_slack = count_slack
        self._any = cue_regex([p for kind in KINDS for p in C.CONSTRAINTS[kind]], exact=False)

    def settings(self) -> dict:
        return {"head_chars": self.head_chars, "count_slack": self.count_slack}

    def detect(self, turns: pl.DataFrame) -> pl.DataFrame:
        K = C.CONSTRAINTS
        answer = pl.col("prev_answer")
        low_answer = answer.str.to_lowercase()
        obj = pl.col("__obj").str.to_lowercase()
        cand = later_turns(turns, "text", "prev_answer", "earlier_requests").filter(
            pl.col("earlier_requests").list.len() > 0
        )
        cand = cand.with_columns(pl.col("text").str.slice(0, self.head_chars).alias("__head"))
        cand = cand.filter(pl.col("__head").str.to_lowercase().str.contains(self._any))
        cand = (
            cand.with_columns(normalised(pl.col("__head")).alias("__head"))
            .with_columns(
                _first(K["count"], 1).cast(pl.Int64, strict=False).alias("__n"),
                _canonical_unit(_first(K["count"], 2).str.to_lowercase()).alias("__unit"),
                *[_first(K[k], 1).alias(f"__{k}") for k in KINDS[1:]],
                *[_first(K[k], 0).alias(f"__span_{k}") for k in KINDS],
                pl.col("earlier_requests").list.join("\n").str.to_lowercase().alias("__earlier"),
            )
            .with_columns(
                pl.when(pl.col("__n").is_not_null() & pl.col("__unit").is_not_null()).then(pl.lit("count"))
                .when(pl.col("__only").is_not_null()).then(pl.lit("only"))
                .when(pl.col("__format").is_not_null()).then(pl.lit("format"))
                .when(pl.col("__language").is_not_null()).then(pl.lit("language"))
                .when(pl.col("__exclusion").is_not_null()).then(pl.lit("exclusion"))
                .alias("__kind"),
            )
            .filter(pl.col("__kind").is_not_null())
            .with_columns(
                pl.coalesce(pl.col("__only"), pl.col("__format"), pl.col("__language"), pl.col("__exclusion"))
                .alias("__obj"),
                pl.coalesce([pl.when(pl.col("__kind") == k).then(pl.col(f"__span_{k}")) for k in KINDS])
                .alias("evidence"),
            )
        )
        if cand.height == 0:
            return scatter(turns.height, cand.select("__row", "evidence").clear())
        # The earlier requests carried the same constraint: same number and unit, or the same words.
        earlier_counts = pl.col("__earlier").str.replace_all(r"(\d+)\s*-?\s*", "${1} ")
        unit_words = pl.coalesce(
            [pl.when(pl.col("__unit") == c).then(pl.lit(f"(?:{a})")) for c, a in C.COUNT_UNITS.items()]
            + [pl.lit("字")]
        )
        repeated = (
            pl.when(pl.col("__kind") == "count")
            .then(earlier_counts.str.contains(pl.lit(r"(?:^|\D)") + pl.col("__n").cast(pl.String) + pl.lit(" ") + unit_words))
            .otherwise(pl.col("__earlier").str.contains(pl.col("evidence").str.to_lowercase(), literal=True))
        )
        prose = answer.str.replace_all(r"(?s)```.*?```", "").str.strip_chars().str.len_chars()
        code_like = obj.str.contains(r"^(?:code|json|sql|query|command)$")
        marker = obj.replace_strict(C.LANGUAGE_MARKERS, default=None, return_dtype=pl.String)
        violated = (
            pl.when(pl.col("__kind") == "count")
            .then(_measure(pl.col("__unit"), answer) > pl.col("__n") * self.count_slack + 1)
            .when(pl.col("__kind") == "only")
            .then(pl.when(code_like).then(prose > C.ONLY_MAX_CHARS).otherwise(answer.str.len_chars() > C.ONLY_MAX_CHARS))
            .when(pl.col("__kind") == "format")
            .then(
                pl.when(obj.str.contains(f"^{_TABLE}$")).then(~answer.str.contains(r"\|[^\n]*\||\t"))
                .when(obj.str.contains(f"^{_LIST}$")).then(~answer.str.contains(r"(?m)^\s*(?:[-*•]|\d+[.)])\s"))
                .when(obj == "json").then(~answer.str.contains(r"[{\[]"))
                .when(obj == "code block").then(~answer.str.contains("```", literal=True))
                .otherwise(pl.lit(False))
            )
            .when(pl.col("__kind") == "language")
            .then(pl.when(marker.is_not_null()).then(~answer.str.slice(0, 500).str.contains(marker)).otherwise(False))
            .when(pl.col("__kind") == "exclusion")
            .then(low_answer.str.contains(obj, literal=True))
        )
        hits = cand.filter(repeated.fill_null(False) & violated.fill_null(False)).select(
            "__row", pl.lit("correction").alias("label"), pl.lit(0.85).alias("confidence"), "evidence"
        )
        return scatter(turns.height, hits)
