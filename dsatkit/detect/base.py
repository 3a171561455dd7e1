"""The one base class every detector shares, and the rule that merges their outputs into signals."""

from __future__ import annotations

import importlib.util
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import ClassVar

import polars as pl

from dsatkit.records import DSAT_LABELS

# What `Detector.detect` returns: one row per input turn, in the same order. A detector that does
# not fire on a row leaves all three columns null there.
DETECTION_SCHEMA: dict[str, pl.DataType] = {
    "label": pl.String,
    "confidence": pl.Float64,
    "evidence": pl.String,
}

# When two detectors fire with the same confidence, the more specific label wins.
LABEL_PRIORITY: dict[str, int] = {
    "correction": 0, "complaint": 1, "revision": 2, "rephrase": 3, "clarification": 4, "positive": 5, "neutral": 6,
}

# Confidence of "neutral" when no detector fired: the heuristics see most DSAT turns as neutral.
NO_SIGNAL_CONFIDENCE = 0.6

SIGNAL_SCHEMA: dict[str, pl.DataType] = {
    "conversation_id": pl.String,
    "turn": pl.Int32,
    "message_index": pl.Int32,
    "label": pl.String,
    "is_dsat": pl.Boolean,
    "confidence": pl.Float64,
    "detectors": pl.List(pl.String),
    "evidence": pl.String,
}


class MissingDependencyError(ImportError):
    """An optional dependency of a detector is not installed."""


def require_packages(owner: str, requires: tuple[tuple[str, str], ...]) -> None:
    """Fail at construction, not halfway through a run, when an optional dependency is missing."""
    for module, extra in requires:
        if importlib.util.find_spec(module) is None:
            raise MissingDependencyError(
                f"{owner} needs the Python package '{module}': install it with `pip install 'dsatkit[{extra}]'`"
            )


class Detector(ABC):
    """Base of every detector.

    Subclasses set `name`, optionally `requires` ((module, extra) pairs, checked at construction so a
    missing extra fails before the run starts) and implement `detect`.
    """

    name: ClassVar[str]
    requires: ClassVar[tuple[tuple[str, str], ...]] = ()

    def __init__(self) -> None:
        require_packages(f"detector '{self.name}'", self.requires)
        self.seconds = 0.0
        self.fired = 0

    @abstractmethod
    def detect(self, turns: pl.DataFrame) -> pl.DataFrame:
        """Return a frame with DETECTION_SCHEMA columns, one row per row of `turns`."""

    def settings(self) -> dict:
        """Options worth recording in stats.json and the data card."""
        return {}

    def __call__(self, turns: pl.DataFrame) -> pl.DataFrame:
        start = time.perf_counter()
        out = self.detect(turns)
        self.seconds += time.perf_counter() - start
        if out.height != turns.height:
            raise RuntimeError(f"detector '{self.name}' returned {out.height} rows for {turns.height} turns")
        out = out.select([pl.col(c).cast(t) for c, t in DETECTION_SCHEMA.items()])
        self.fired += out.height - out["label"].null_count()
        return out

    def stats(self) -> dict:
        return {"fired": self.fired, "seconds": round(self.seconds, 3), **self.settings()}


def combine(turns: pl.DataFrame, outputs: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """Merge detector outputs into one signal per turn (SIGNAL_SCHEMA).

    The most confident label wins (ties go to the more specific label); `detectors` lists every
    detector that fired on the turn, whatever its label. Turn 0 has no answer before it: always
    neutral. A turn the source marked as DSAT keeps a DSAT label ("complaint" if no detector gave one).
    """
    n = turns.height
    names = list(outputs)
    frame = pl.DataFrame({"__row": pl.int_range(0, n, eager=True)})
    cands = []
    for name in names:
        out = outputs[name]
        cands.append(
            pl.concat([frame, out], how="horizontal")
            .filter(pl.col("label").is_not_null())
            .with_columns(pl.lit(name).alias("detector"))
        )
    if cands:
        long = pl.concat(cands)
    else:
        long = pl.DataFrame(schema={"__row": pl.Int64, **DETECTION_SCHEMA, "detector": pl.String})
    prio = pl.col("label").replace_strict(LABEL_PRIORITY, default=9, return_dtype=pl.Int32)
    best = (
        long.with_columns(prio.alias("__prio"))
        .sort(["__row", "confidence", "__prio"], descending=[False, True, False])
        .group_by("__row", maintain_order=True)
        .agg(
            pl.col("label").first(),
            pl.col("confidence").first(),
            pl.col("evidence").first(),
            pl.col("detector").unique(maintain_order=True).alias("detectors"),
            pl.col("label").filter(pl.col("label").is_in(list(DSAT_LABELS))).first().alias("__dsat_label"),
        )
    )
    merged = frame.join(best, on="__row", how="left")
    turn0 = turns["turn"] == 0
    given = turns["given_dsat"]
    label = (
        pl.when(turn0)
        .then(pl.lit("neutral"))
        .when(given & ~pl.col("label").is_in(list(DSAT_LABELS)).fill_null(False))
        .then(pl.coalesce("__dsat_label", pl.lit("complaint")))
        .otherwise(pl.coalesce("label", pl.lit("neutral")))
    )
    conf = (
        pl.when(turn0)
        .then(pl.lit(1.0))
        .when(pl.col("label").is_null() & given)
        .then(pl.lit(1.0))
        .otherwise(pl.coalesce("confidence", pl.lit(NO_SIGNAL_CONFIDENCE)))
    )
    evidence = (
        pl.when(turn0).then(pl.lit("")).otherwise(
            pl.coalesce("evidence", pl.when(given).then(pl.lit("marked DSAT by the source")), pl.lit(""))
        )
    )
    detectors = pl.when(turn0).then(pl.lit([], dtype=pl.List(pl.String))).otherwise(
        pl.col("detectors").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )
    result = merged.with_columns(
        given.alias("__given"), turn0.alias("__turn0")
    ).select(
        turns["conversation_id"].alias("conversation_id"),
        turns["turn"].alias("turn"),
        turns["message_index"].alias("message_index"),
        label.alias("label"),
        conf.clip(0.0, 1.0).alias("confidence"),
        detectors.alias("detectors"),
        evidence.alias("evidence"),
    )
    return result.with_columns(pl.col("label").is_in(list(DSAT_LABELS)).alias("is_dsat")).select(
        [pl.col(c).cast(t) for c, t in SIGNAL_SCHEMA.items()]
    )
