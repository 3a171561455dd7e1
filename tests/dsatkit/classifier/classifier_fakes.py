"""A tiny, deterministic stand-in for the embedding model, and hand-written turns for classifier tests."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import polars as pl

from dsatkit.detect.base import Detector
from dsatkit.records import Conversation, Message
from dsatkit.turns import turns_table


class BagOfWordsEmbedder:
    """Hashes each lower-cased word to a fixed unit vector and averages: equal word sets, cosine 1."""

    model_name = "fake-bow"

    def __init__(self, dim: int = 32) -> None:
        self.dim = dim
        self.calls: list[list] = []
        self.encoded = 0

    def _word(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "little")
        v = np.random.default_rng(seed).standard_normal(self.dim)
        return v / np.linalg.norm(v)

    def encode(self, texts) -> np.ndarray:
        texts = list(texts)
        self.calls.append(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            words = re.findall(r"\w+", (text or "").lower())
            if words:
                self.encoded += 1
                v = np.sum([self._word(w) for w in words], axis=0)
                out[i] = v / np.linalg.norm(v)
        return out

    def stats(self) -> dict:
        return {"embedding_model": self.model_name, "texts_encoded": self.encoded}


def conversation(cid: str, *texts: str, given_dsat: int | None = None) -> Conversation:
    roles = ("user", "assistant")
    return Conversation(cid, [Message(roles[i % 2], t) for i, t in enumerate(texts)], "test", 1, given_dsat=given_dsat)


def table(*conversations: Conversation) -> pl.DataFrame:
    return turns_table(list(conversations))


class KeywordDetector(Detector):
    """Stands in for the heuristics: a fixed label and confidence per keyword found in the turn."""

    name = "keyword"

    def __init__(self, rules: dict[str, tuple[str, float]]) -> None:
        super().__init__()
        self.rules = rules

    def detect(self, turns: pl.DataFrame) -> pl.DataFrame:
        labels, confs, evidence = [], [], []
        for text in turns["text"].to_list():
            hit = next((k for k in self.rules if k in text.lower()), None)
            labels.append(self.rules[hit][0] if hit else None)
            confs.append(self.rules[hit][1] if hit else None)
            evidence.append(hit)
        return pl.DataFrame(
            {"label": labels, "confidence": confs, "evidence": evidence},
            schema={"label": pl.String, "confidence": pl.Float64, "evidence": pl.String},
        )


def cue_driven_head(dim: int = 32, train_labels: dict | None = None):
    """A hand-set head: P(DSAT) = sigmoid(10 * (best DSAT cue + positive cue) - 5).

    It follows the DSAT cues, and has "learned" that the positive cue means DSAT, so a turn with only that
    cue shows the head adding a DSAT call no DSAT cue made.
    """
    from dsatkit.classifier.features import FeatureConfig
    from dsatkit.classifier.head import Head

    config = FeatureConfig(scalars=True, prototypes=False, reaction=False)
    n = len(config.names(dim))
    coef = np.zeros((3, n))
    coef[0, 0] = 10.0  # complaint row, heur_dsat column
    coef[0, 1] = 10.0  # complaint row, heur_positive column
    coef[1, 2] = 10.0  # clarification row, heur_clarification column
    return Head(
        classes=["complaint", "clarification", "neutral"],
        mean=np.zeros(n), scale=np.ones(n), coef=coef, intercept=np.array([-5.0, -5.0, 0.0]),
        calibration={"method": "sigmoid", "a": 1.0, "b": 0.0},
        feature_config=config, embedding_model="fake-bow", embedding_dim=dim, threshold=0.5,
        meta={"train_labels": train_labels} if train_labels else {},
    )


class FakeJudge:
    """Labels every turn it is shown; records what it saw."""

    def __init__(self, label: str = "correction", confidence: float = 0.9, error: str | None = None) -> None:
        self.label, self.confidence, self.error = label, confidence, error
        self.seen: list[str] = []

    def judge_turns(self, turns: pl.DataFrame) -> pl.DataFrame:
        self.seen += turns["text"].to_list()
        n = turns.height
        return pl.DataFrame(
            {
                "label": [None if self.error else self.label] * n,
                "confidence": [None if self.error else self.confidence] * n,
                "evidence": [None if self.error else "judge saw it"] * n,
                "error": [self.error] * n,
            },
            schema={"label": pl.String, "confidence": pl.Float64, "evidence": pl.String, "error": pl.String},
        )
