"""Rephrase detection by meaning: a user turn that says again what an earlier user turn asked.

A silent rephrase carries no cue word ("no", "I said"), so the heuristics miss it; its embedding sits
close to the request it repeats. Only turns k >= 1 with earlier requests are encoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import polars as pl

from dsatkit.detect.base import Detector

# How many earlier requests (the most recent ones) a turn is compared with: rephrases repeat recent
# requests, and the cap keeps the cost linear in very long conversations.
MAX_EARLIER = 8


@dataclass(slots=True)
class RephraseSimilarity:
    """Per turn: the best cosine with an earlier request, and which user turn that was (-1: none)."""

    max_cosine: np.ndarray  # float32, 0 where the turn has no earlier request
    best_turn: np.ndarray  # int32 user-turn index of the closest earlier request, -1 where none


def needs_embedding(turns: pl.DataFrame) -> np.ndarray:
    """Turns a classifier must look at: k >= 1 with non-empty text (turn 0 is never DSAT)."""
    return ((turns["turn"] >= 1) & turns["text"].fill_null("").str.len_chars().gt(0)).to_numpy()


def rephrase_similarity(embedder, turns: pl.DataFrame, user_vectors: np.ndarray | None = None) -> RephraseSimilarity:
    """Cosine of each user turn with the earlier user turns of its conversation (vectors are unit-norm).

    `user_vectors` (one row per turn, zero rows for turns not encoded) saves encoding the turns twice.
    """
    n = turns.height
    max_cos = np.zeros(n, dtype=np.float32)
    best = np.full(n, -1, dtype=np.int32)
    mask = needs_embedding(turns) & (turns["earlier_requests"].list.len().fill_null(0).to_numpy() > 0)
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return RephraseSimilarity(max_cos, best)
    if user_vectors is None:
        user = embedder.encode(turns["text"].gather(rows).to_list())
    else:
        user = user_vectors[rows]
    earlier = turns["earlier_requests"].gather(rows).list.tail(MAX_EARLIER)
    counts = earlier.list.len().to_numpy()
    flat = embedder.encode(earlier.explode().to_list())
    owner = np.repeat(np.arange(rows.size), counts)
    sims = np.einsum("ij,ij->i", flat, user[owner])
    # Segment max: sort by (owner, -sim) and take each owner's first row.
    order = np.lexsort((-sims, owner))
    first = np.ones(order.size, dtype=bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    winners = order[first]
    max_cos[rows] = sims[winners]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    turn_ids = turns["turn"].gather(rows).to_numpy()
    # Position inside the tail -> user-turn index: the tail holds the last `counts` of `turn_ids` earlier turns.
    best[rows] = (turn_ids - counts) + (winners - starts)
    return RephraseSimilarity(max_cos, best)


class EmbeddingRephraseDetector(Detector):
    """Labels `rephrase` when a user turn's embedding is within `threshold` cosine of an earlier request."""

    name: ClassVar[str] = "embedding_rephrase"
    requires: ClassVar[tuple[tuple[str, str], ...]] = (("sentence_transformers", "embed"),)

    def __init__(self, embedder=None, threshold: float = 0.85, min_chars: int = 8) -> None:
        super().__init__()
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"rephrase threshold must be a cosine in (0, 1), got {threshold}; 0.85 is the default")
        if embedder is None:
            from dsatkit.embed import Embedder

            embedder = Embedder()
        self.embedder = embedder
        self.threshold = threshold
        # Very short turns ("ok", "yes") sit close to each other whatever they mean.
        self.min_chars = min_chars

    def detect(self, turns: pl.DataFrame) -> pl.DataFrame:
        sim = rephrase_similarity(self.embedder, turns)
        long_enough = turns["text"].fill_null("").str.len_chars().to_numpy() >= self.min_chars
        fire = (sim.max_cosine >= self.threshold) & long_enough
        # Confidence rises from 0.6 at the threshold to 0.95 at an exact repeat.
        span = max(1e-6, 1.0 - self.threshold)
        conf = 0.6 + 0.35 * np.clip((sim.max_cosine - self.threshold) / span, 0.0, 1.0)
        evidence = [
            f"cosine {c:.2f} with user turn {t}" if f else None
            for f, c, t in zip(fire, sim.max_cosine, sim.best_turn)
        ]
        fired = pl.Series("fire", fire)
        return pl.DataFrame({"fire": fired, "conf": conf, "evidence": evidence}).select(
            pl.when("fire").then(pl.lit("rephrase")).alias("label"),
            pl.when("fire").then(pl.col("conf")).alias("confidence"),
            pl.col("evidence").cast(pl.String),
        )

    def settings(self) -> dict:
        return {"threshold": self.threshold, "min_chars": self.min_chars, "embedding_model": self.embedder.model_name}
