"""Features of one user turn for the trained head: embeddings plus a few scalars that transfer across products.

Few, robust features on purpose: the default head is trained on older chatbot dialogues and judged on
LLM chat logs, so features tied to one corpus (turn position, per-detector identities) are left out.
Heuristic evidence enters grouped by what it means (any DSAT cue, thanks, a question about the answer),
so a weight learned from complaint cues also serves revision cues the training data rarely shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import numpy as np
import polars as pl

from dsatkit.classifier.prototypes import PROTOTYPE_LABELS, PROTOTYPES
from dsatkit.classifier.reaction import ReactionProbe
from dsatkit.detect.embedding import RephraseSimilarity, needs_embedding, rephrase_similarity
from dsatkit.records import DSAT_LABELS

SCALAR_FEATURES: tuple[str, ...] = (
    "heur_dsat",  # highest confidence of a heuristic DSAT label (0 when none fired)
    "heur_positive",
    "heur_clarification",
    "heur_fired",  # 1 when any heuristic fired on the turn
    "cos_earlier_max",  # best cosine with an earlier user request (rephrase)
    "cos_prev_request",
    "jaccard_prev_request",  # word overlap with the previous request
    "log_chars",  # length of the turn
)
# Left out on purpose: answer length, "the answer ends with a question" and the turn/answer cosine took
# weights on the training dialogues that say which corpus a turn came from rather than how the user
# reacted, and encoding long LLM answers would triple the cost of the embedding stage.


PROTOTYPE_FEATURES: tuple[str, ...] = tuple(f"proto_{label}" for label in PROTOTYPE_LABELS)


@dataclass(frozen=True)
class FeatureConfig:
    scalars: bool = field(default=True, metadata={"help": "Include the heuristic, similarity and length scalars."})
    prototypes: bool = field(
        default=True, metadata={"help": "Include the turn's best cosine with each label's example reactions."}
    )
    reaction: bool = field(
        default=True,
        metadata={"help": "Include the reaction probe's score (does the turn read like a reaction to a broken answer)."},
    )
    user_embedding: bool = field(default=False, metadata={"help": "Include the raw embedding of the user turn."})
    answer_embedding: bool = field(
        default=False, metadata={"help": "Include the raw embedding of the assistant answer before the turn."}
    )
    answer_chars: int = field(
        default=600, metadata={"help": "Characters of the answer encoded (its opening says what it did)."}
    )

    def __post_init__(self) -> None:
        if not (self.scalars or self.prototypes or self.reaction or self.user_embedding or self.answer_embedding):
            raise ValueError("FeatureConfig turns every feature block off: enable at least one")
        if self.answer_chars < 1:
            raise ValueError(f"answer_chars must be >= 1, got {self.answer_chars}")

    def names(self, dim: int) -> list[str]:
        out: list[str] = []
        if self.scalars:
            out += list(SCALAR_FEATURES)
        if self.prototypes:
            out += list(PROTOTYPE_FEATURES)
        if self.reaction:
            out.append("reaction")
        if self.user_embedding:
            out += [f"user_{i}" for i in range(dim)]
        if self.answer_embedding:
            out += [f"answer_{i}" for i in range(dim)]
        return out

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class TurnFeatures:
    matrix: np.ndarray  # (turns, features) float32; zero rows where `rows` is False
    rows: np.ndarray  # bool: the turn was featurised (k >= 1, non-empty text)
    names: list[str]
    rephrase: RephraseSimilarity


def heuristic_scalars(outputs: Mapping[str, pl.DataFrame], n: int) -> np.ndarray:
    """(n, 4): best DSAT / positive / clarification confidence over the heuristics, and whether any fired."""
    out = np.zeros((n, 4), dtype=np.float32)
    for frame in outputs.values():
        if frame.height != n:
            raise ValueError(f"a heuristic output has {frame.height} rows for {n} turns")
        label = frame["label"]
        conf = frame["confidence"].fill_null(0.0).to_numpy().astype(np.float32)
        fired = label.is_not_null().to_numpy()
        for col, mask in enumerate(
            (
                label.is_in(sorted(DSAT_LABELS)).fill_null(False).to_numpy(),
                (label == "positive").fill_null(False).to_numpy(),
                (label == "clarification").fill_null(False).to_numpy(),
            )
        ):
            out[:, col] = np.maximum(out[:, col], np.where(mask, conf, 0.0))
        out[:, 3] = np.maximum(out[:, 3], fired.astype(np.float32))
    return out


def _jaccard(a: pl.Series, b: pl.Series) -> np.ndarray:
    words_a = a.fill_null("").str.to_lowercase().str.extract_all(r"\w+").list.unique()
    words_b = b.fill_null("").str.to_lowercase().str.extract_all(r"\w+").list.unique()
    frame = pl.DataFrame({"a": words_a, "b": words_b})
    inter = frame.select(pl.col("a").list.set_intersection("b").list.len()).to_series()
    union = frame.select(pl.col("a").list.set_union("b").list.len()).to_series()
    return (inter / union.clip(lower_bound=1)).fill_null(0.0).to_numpy().astype(np.float32)


def prototype_similarity(embedder, user: np.ndarray) -> np.ndarray:
    """(n, labels): each turn's best cosine with the prototypes of each label, in PROTOTYPE_LABELS order."""
    sentences = [s for label in PROTOTYPE_LABELS for s in PROTOTYPES[label]]
    owner = np.array([i for i, label in enumerate(PROTOTYPE_LABELS) for _ in PROTOTYPES[label]])
    sims = user @ embedder.encode(sentences).T
    return np.column_stack([sims[:, owner == i].max(axis=1) for i in range(len(PROTOTYPE_LABELS))])


def build_features(
    turns: pl.DataFrame,
    embedder,
    heuristic_outputs: Mapping[str, pl.DataFrame],
    config: FeatureConfig | None = None,
    reaction_probe: ReactionProbe | None = None,
) -> TurnFeatures:
    """Featurise the turns a classifier must judge (k >= 1); only those are encoded (batched, cached)."""
    config = config or FeatureConfig()
    if config.reaction and reaction_probe is None:
        raise ValueError("FeatureConfig.reaction is on but no reaction probe was given")
    n = turns.height
    rows = needs_embedding(turns)
    idx = np.flatnonzero(rows)
    dim = embedder.dim
    names = config.names(dim)
    matrix = np.zeros((n, len(names)), dtype=np.float32)
    user = np.zeros((n, dim), dtype=np.float32)
    if idx.size:
        user[idx] = embedder.encode(turns["text"].gather(idx).to_list())
    rephrase = rephrase_similarity(embedder, turns, user_vectors=user)
    if idx.size == 0:
        return TurnFeatures(matrix, rows, names, rephrase)
    sub = turns[idx]
    u = user[idx]
    blocks: list[np.ndarray] = []
    if config.scalars:
        prev_req = np.zeros(idx.size, dtype=np.float32)
        has_prev = sub["prev_request"].is_not_null().to_numpy()
        if has_prev.any():
            prev_vecs = embedder.encode(sub["prev_request"].filter(pl.Series(has_prev)).to_list())
            prev_req[has_prev] = np.einsum("ij,ij->i", prev_vecs, u[has_prev])
        blocks.append(
            np.column_stack(
                [
                    heuristic_scalars(heuristic_outputs, n)[idx],
                    rephrase.max_cosine[idx],
                    prev_req,
                    _jaccard(sub["text"], sub["prev_request"]),
                    np.log1p(sub["text"].fill_null("").str.len_chars().to_numpy()),
                ]
            )
        )
    if config.prototypes:
        blocks.append(prototype_similarity(embedder, u))
    if config.reaction:
        blocks.append(reaction_probe.score(u)[:, None])
    if config.user_embedding:
        blocks.append(u)
    if config.answer_embedding:
        answers = [a[: config.answer_chars] if a else a for a in sub["prev_answer"].to_list()]
        blocks.append(embedder.encode(answers))
    matrix[idx] = np.concatenate(blocks, axis=1).astype(np.float32)
    return TurnFeatures(matrix, rows, names, rephrase)
