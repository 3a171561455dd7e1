"""`train-classifier`: fit the head on a user's own labelled turns, score it on a held-out split, write a card.

Gold turns are joined to the logs by (conversation_id, turn). The held-out split is by conversation, so
no turn of a scored conversation was seen in training. The weights written are refit on every labelled
turn (more data, same recipe); the figures on the card come from the model that did not see the split.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import polars as pl

from dsatkit.classifier.features import FeatureConfig, build_features
from dsatkit.classifier.head import Head, HeadConfig, fit_head
from dsatkit.embed import DEFAULT_EMBEDDING_MODEL
from dsatkit.errors import BadGoldError, DsatkitError, OutputExistsError
from dsatkit.records import DSAT_LABELS, LABELS, Conversation


@dataclass
class TrainConfig:
    embedding_model: str | None = field(
        default=None, metadata={"help": "sentence-transformers folder or hub id; default: packaged all-MiniLM-L6-v2."}
    )
    test_size: float = field(
        default=0.2, metadata={"help": "Share of conversations held out to score the head (stratified by DSAT)."}
    )
    seed: int = field(default=0, metadata={"help": "Seed of the held-out split and the folds."})
    refit_on_all: bool = field(
        default=True, metadata={"help": "Write weights refit on every labelled turn (figures stay held-out ones)."}
    )
    heuristics: bool = field(default=True, metadata={"help": "Feed the heuristic detectors' outputs as features."})
    features: FeatureConfig = field(default_factory=FeatureConfig)
    head: HeadConfig = field(default_factory=HeadConfig)
    batch_size: int = field(default=64, metadata={"help": "Texts per embedding batch."})
    max_seq_length: int = field(default=128, metadata={"help": "Tokens of each text the embedding model reads."})
    overwrite: bool = field(default=False, metadata={"help": "Replace an existing output folder."})

    def __post_init__(self) -> None:
        if not 0.05 <= self.test_size <= 0.5:
            raise ValueError(f"test_size must be in [0.05, 0.5], got {self.test_size}; 0.2 holds out a fifth")


@dataclass(slots=True)
class LabelledTurns:
    turns: pl.DataFrame  # TURN_SCHEMA rows that have a gold label
    labels: np.ndarray  # object array of SPEC labels, aligned with turns
    unmatched_gold: int  # gold rows whose conversation/turn is not in the logs
    sources: list[str] = field(default_factory=list)


def join_gold(turns: pl.DataFrame, gold: pl.DataFrame) -> LabelledTurns:
    """Keep the turns that have a gold label; a conversation id seen twice in the logs keeps its first copy."""
    first = turns.filter(pl.col("conv_index") == pl.col("conv_index").min().over("conversation_id")) if "conv_index" in turns.columns else turns
    joined = first.join(gold.rename({"label": "__gold"}), on=["conversation_id", "turn"], how="inner", maintain_order="left")
    unmatched = gold.height - joined.height
    if joined.height == 0:
        sample = ", ".join(f"{c}#{t}" for c, t in gold.select("conversation_id", "turn").head(3).iter_rows())
        raise BadGoldError(
            f"none of the {gold.height} gold turns ({sample}, ...) is in the logs: gold `conversation_id` must equal "
            "the logs' conversation ids (`id`, `conversation_id` or `conversation_hash`) and `turn` counts user turns from 0"
        )
    return LabelledTurns(joined.drop("__gold"), joined["__gold"].to_numpy().astype(object), unmatched)


def conversations_of(log_inputs: Sequence[str]) -> tuple[list[Conversation], int]:
    from dsatkit.io import read_conversations
    from dsatkit.records import Quarantined

    conversations, quarantined = [], 0
    for item in read_conversations(list(log_inputs)):
        if isinstance(item, Quarantined):
            quarantined += 1
        else:
            conversations.append(item)
    return conversations, quarantined


def calibration_table(p: np.ndarray, y: np.ndarray, bins: int = 5) -> tuple[list[dict], float]:
    """Reliability of P(DSAT): per bin the mean prediction and the observed DSAT rate; and the ECE."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows, ece = [], 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (p >= lo) & ((p < hi) if hi < 1.0 else (p <= hi))
        if not mask.any():
            continue
        mean_p, rate = float(p[mask].mean()), float(y[mask].mean())
        ece += mask.sum() / len(p) * abs(mean_p - rate)
        rows.append({"bin": f"{lo:.1f}-{hi:.1f}", "turns": int(mask.sum()), "mean_p": round(mean_p, 3), "dsat_rate": round(rate, 3)})
    return rows, round(float(ece), 4)


def score(p: np.ndarray, y: np.ndarray, threshold: float) -> dict:
    """Binary DSAT figures of calibrated probabilities `p` against truth `y` at `threshold`."""
    from sklearn.metrics import roc_auc_score

    pred = p >= threshold
    tp, fp, fn = int(np.sum(pred & y)), int(np.sum(pred & ~y)), int(np.sum(~pred & y))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    table, ece = calibration_table(p, y)
    auc = float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None
    # Right-call confidence: p for turns called DSAT, 1 - p otherwise; its mean vs accuracy checks calibration.
    conf = np.where(pred, p, 1 - p)
    return {
        "turns": int(len(y)), "dsat_support": int(y.sum()), "predicted_dsat": int(pred.sum()),
        "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
        "auc": round(auc, 4) if auc is not None else None, "ece": ece, "reliability": table,
        "mean_confidence": round(float(conf.mean()), 4), "accuracy": round(float((pred == y).mean()), 4),
    }


def packaged_reaction_probe(embedding_model: str):
    """The reaction probe inside the packaged head, if it was trained on this embedding model."""
    from dsatkit.classifier.head import default_head_dir

    folder = default_head_dir()
    if not (folder / "head.npz").is_file():
        return None
    head = Head.load(folder)
    return head.reaction if head.embedding_model == embedding_model else None


def featurise(
    turns: pl.DataFrame, embedder, feature_config: FeatureConfig, heuristics: bool = True, detectors=None, reaction_probe=None
):
    """Features of `turns`; the heuristics (`detectors`, default: the packaged ones) feed the scalars if on."""
    outputs = {}
    if heuristics:
        if detectors is None:
            from dsatkit.detect.heuristics import default_heuristics

            detectors = default_heuristics()
        outputs = {d.name: d(turns) for d in detectors}
    return build_features(turns, embedder, outputs, feature_config, reaction_probe)


def train_on_turns(
    data: LabelledTurns,
    out_dir: str | Path,
    config: TrainConfig | None = None,
    *,
    embedder=None,
    trained_on: Sequence[dict] = (),
    features=None,
    heuristics=None,
    reaction_probe=None,
) -> dict:
    """Fit, score on a held-out split of conversations, refit, save the head and its card. Returns the report.

    `trained_on` describes the data for the card (name, licence, turns); `features` (a TurnFeatures of
    `data.turns`) skips featurising again when the caller already has it; `heuristics` (detectors)
    replaces the packaged ones; `reaction_probe` the packaged reaction probe (used when the embedding model
    matches; otherwise the reaction feature is left out and the report says so).
    """
    from sklearn.model_selection import StratifiedGroupKFold

    from dsatkit.classifier.card import write_model_card
    from dsatkit.embed import Embedder

    config = config or TrainConfig()
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()) and not config.overwrite:
        raise OutputExistsError(f"'{out}' exists and is not empty: pass --overwrite or choose another -o")
    started = time.perf_counter()
    embedder = embedder or Embedder(config.embedding_model, batch_size=config.batch_size, max_seq_length=config.max_seq_length)
    notes = []
    feature_config = config.features
    if feature_config.reaction and reaction_probe is None:
        reaction_probe = packaged_reaction_probe(embedder.model_name)
        if reaction_probe is None:
            feature_config = replace(feature_config, reaction=False)
            notes.append(
                f"reaction feature left out: the packaged reaction probe reads {DEFAULT_EMBEDDING_MODEL} embeddings, "
                f"not {embedder.model_name}"
            )
    feats = features or featurise(data.turns, embedder, feature_config, config.heuristics, heuristics, reaction_probe)
    keep = feats.rows
    x, labels = feats.matrix[keep], data.labels[keep]
    groups = data.turns["conversation_id"].to_numpy()[keep]
    y = np.array([lab in DSAT_LABELS for lab in labels])
    if len(np.unique(groups)) < 5:
        raise DsatkitError(f"training needs labelled turns from at least 5 conversations, got {len(np.unique(groups))}")
    common = {
        "embedding_model": embedder.model_name,
        "embedding_dim": embedder.dim,
        "feature_config": feature_config,
        "config": config.head,
        "reaction": reaction_probe if feature_config.reaction else None,
    }
    # Stratified by conversation: DSAT turns are rare, a plain split can leave the held-out part without any.
    split = StratifiedGroupKFold(n_splits=max(2, round(1 / config.test_size)), shuffle=True, random_state=config.seed)
    train_idx, test_idx = next(split.split(x, y, groups))
    if y[test_idx].sum() == 0 or y[train_idx].sum() < config.head.folds:
        raise DsatkitError(
            f"the held-out split got {int(y[test_idx].sum())} DSAT turns and training {int(y[train_idx].sum())}: "
            f"label more DSAT turns (found {int(y.sum())} in all), or change --test-size / --seed"
        )
    held_head, cv = fit_head(x[train_idx], labels[train_idx], groups[train_idx], **common)
    held_out = score(held_head.dsat_probability(x[test_idx]), y[test_idx], held_head.threshold)
    held_out["per_label"] = _per_label(held_head, x[test_idx], labels[test_idx])
    head, cv_all = fit_head(x, labels, groups, **common) if config.refit_on_all else (held_head, cv)
    head.meta = {
        "trained_on": list(trained_on),
        "train_turns": int(len(y)),
        "train_labels": dict(Counter(labels.tolist()).most_common()),
        "chosen_c": cv_all["chosen_c"],
        "held_out": {k: v for k, v in held_out.items() if k != "reliability"},
        "refit_on_all": config.refit_on_all,
        "max_seq_length": getattr(embedder, "max_seq_length", config.max_seq_length),
        "heuristics": config.heuristics,
    }
    head.save(out)
    report = {
        "out_dir": str(out),
        "turns": int(len(y)),
        "dsat_turns": int(y.sum()),
        "unmatched_gold": data.unmatched_gold,
        "labels": head.meta["train_labels"],
        "classes": head.classes,
        "threshold": head.threshold,
        "chosen_c": cv_all["chosen_c"],
        "cross_validation": score(cv_all["oof_calibrated"], cv_all["oof_is_dsat"], head.threshold),
        "held_out": held_out,
        "embedding": embedder.stats(),
        "notes": notes,
        "seconds": round(time.perf_counter() - started, 2),
    }
    write_model_card(out, head, report, trained_on)
    return report


def _per_label(head: Head, x: np.ndarray, labels: np.ndarray) -> dict:
    """Recall of each gold label's DSAT side (the head decides DSAT / not; labels come from cues)."""
    p = head.dsat_probability(x)
    out = {}
    for label in LABELS:
        mask = labels == label
        if mask.any():
            called = p[mask] >= head.threshold
            hit = called if label in DSAT_LABELS else ~called
            out[label] = {"support": int(mask.sum()), "side_recall": round(float(hit.mean()), 4)}
    return out


def train_classifier(
    gold_path: str | Path,
    log_inputs: Sequence[str],
    out_dir: str | Path,
    config: TrainConfig | None = None,
    *,
    embedder=None,
) -> dict:
    """Train a head on the gold turns of `log_inputs` and write it (head.npz, head.json, README.md) to `out_dir`.

    `embedder` (anything with `encode(texts)`, `dim`, `model_name`, `stats()`) replaces the sentence-transformers model.
    """
    from dsatkit.evaluate import read_gold
    from dsatkit.turns import turns_table

    config = config or TrainConfig()
    gold = read_gold(gold_path)
    conversations, quarantined = conversations_of(log_inputs)
    data = join_gold(turns_table(conversations), gold)
    report = train_on_turns(
        data,
        out_dir,
        config,
        embedder=embedder,
        trained_on=[{"name": str(gold_path), "logs": [str(i) for i in log_inputs], "gold_turns": gold.height}],
    )
    report["quarantined_records"] = quarantined
    return report
