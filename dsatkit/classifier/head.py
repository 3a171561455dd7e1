"""The trained head: a regularised multinomial logistic regression over turn features, with a calibrated P(DSAT).

Saved as numpy arrays (`head.npz`, loaded with allow_pickle=False) plus `head.json` metadata, so loading
a head someone sent you runs no code. Inference is plain numpy; scikit-learn is needed only to train.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import polars as pl

from dsatkit.classifier.features import SCALAR_FEATURES, FeatureConfig
from dsatkit.classifier.prototypes import prototype_fingerprint
from dsatkit.classifier.reaction import ReactionProbe
from dsatkit.detect.base import Detector
from dsatkit.embed import DEFAULT_EMBEDDING_MODEL as DEFAULT_MODEL_NAME
from dsatkit.errors import DsatkitError
from dsatkit.records import DSAT_LABELS, LABELS

HEAD_FORMAT = "dsatkit-head/1"
# DSAT labels a prototype can stand for (a rephrase is about an earlier request, not about wording).
DSAT_PROTOTYPE_LABELS = ("correction", "complaint", "revision")
CALIBRATIONS = ("sigmoid", "isotonic")


class HeadFormatError(DsatkitError):
    """A head folder is missing, incomplete, or was made for other features."""


@dataclass
class HeadConfig:
    c_grid: tuple[float, ...] = field(
        default=(0.01, 0.03, 0.1, 0.3, 1.0),
        metadata={"help": "Inverse L2 strengths tried by grouped cross-validation; smaller is stronger."},
    )
    folds: int = field(default=5, metadata={"help": "Cross-validation folds, grouped by conversation."})
    calibration: str = field(
        default="sigmoid",
        metadata={"help": "'sigmoid' (Platt, 2 parameters, robust) or 'isotonic' (needs thousands of turns)."},
    )
    balanced: bool = field(default=True, metadata={"help": "Weight classes inversely to their frequency."})
    min_class_count: int = field(
        default=5, metadata={"help": "Labels with fewer training turns than this are merged into neutral/complaint."}
    )
    max_iter: int = field(default=2000, metadata={"help": "Solver iterations."})
    seed: int = field(default=0, metadata={"help": "Seed of the fold assignment."})

    def __post_init__(self) -> None:
        if self.calibration not in CALIBRATIONS:
            raise ValueError(f"calibration {self.calibration!r} is unknown: use one of {', '.join(CALIBRATIONS)}")
        if self.folds < 2:
            raise ValueError(f"folds must be >= 2 to calibrate on out-of-fold predictions, got {self.folds}")
        if not self.c_grid or min(self.c_grid) <= 0:
            raise ValueError(f"c_grid must hold positive values, got {self.c_grid}")


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


@dataclass
class Head:
    classes: list[str]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray  # (classes,)
    calibration: dict  # {"method": "sigmoid", "a", "b"} or {"method": "isotonic"} + iso_x/iso_y arrays
    feature_config: FeatureConfig
    embedding_model: str
    embedding_dim: int
    threshold: float = 0.5  # DSAT decision threshold chosen on out-of-fold predictions
    meta: dict = field(default_factory=dict)  # training summary for the model card
    iso_x: np.ndarray | None = None
    iso_y: np.ndarray | None = None
    reaction: ReactionProbe | None = None  # feeds the "reaction" feature; saved inside the head

    @property
    def feature_names(self) -> list[str]:
        return self.feature_config.names(self.embedding_dim)

    def proba(self, features: np.ndarray) -> np.ndarray:
        """Uncalibrated class probabilities, columns in `classes` order."""
        if features.shape[1] != self.coef.shape[1]:
            raise HeadFormatError(
                f"the head expects {self.coef.shape[1]} features, got {features.shape[1]}: it was trained with "
                f"embedding model '{self.embedding_model}' ({self.embedding_dim} dims); use that model or retrain "
                "with `dsatkit train-classifier`"
            )
        z = ((features - self.mean) / self.scale) @ self.coef.T + self.intercept
        return _softmax(z)

    def dsat_mask(self) -> np.ndarray:
        return np.array([c in DSAT_LABELS for c in self.classes])

    def calibrate(self, raw_dsat: np.ndarray) -> np.ndarray:
        if self.calibration["method"] == "sigmoid":
            return 1.0 / (1.0 + np.exp(-(self.calibration["a"] * _logit(raw_dsat) + self.calibration["b"])))
        return np.interp(raw_dsat, self.iso_x, self.iso_y)

    def dsat_probability(self, features: np.ndarray) -> np.ndarray:
        return self.calibrate(self.proba(features)[:, self.dsat_mask()].sum(axis=1))

    def save(self, out_dir: str | Path) -> Path:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        arrays = {"mean": self.mean, "scale": self.scale, "coef": self.coef, "intercept": self.intercept}
        if self.iso_x is not None:
            arrays |= {"iso_x": self.iso_x, "iso_y": self.iso_y}
        if self.reaction is not None:
            arrays |= {"reaction_w": self.reaction.weights, "reaction_b": np.array([self.reaction.bias])}
        np.savez(out / "head.npz", **{k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()})
        meta = {
            "format": HEAD_FORMAT,
            "classes": self.classes,
            "calibration": self.calibration,
            "feature_config": self.feature_config.to_dict(),
            "scalar_features": list(SCALAR_FEATURES),
            "prototypes": prototype_fingerprint(),
            "embedding_model": self.embedding_model,
            "embedding_dim": self.embedding_dim,
            "threshold": self.threshold,
            "meta": self.meta,
        }
        (out / "head.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        return out

    @classmethod
    def load(cls, head_dir: str | Path) -> Head:
        folder = Path(head_dir)
        npz, js = folder / "head.npz", folder / "head.json"
        if not npz.is_file() or not js.is_file():
            found = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else "no such folder"
            raise HeadFormatError(
                f"{folder} is not a dsatkit head: expected head.npz and head.json, found {found}; "
                "make one with `dsatkit train-classifier` or leave `--head` out for the packaged head"
            )
        meta = json.loads(js.read_text())
        if meta.get("format") != HEAD_FORMAT:
            raise HeadFormatError(f"{js} has format {meta.get('format')!r}, this dsatkit reads {HEAD_FORMAT!r}: retrain it")
        if meta.get("scalar_features") != list(SCALAR_FEATURES):
            raise HeadFormatError(
                f"{folder} was trained on other scalar features ({meta.get('scalar_features')}); this dsatkit computes "
                f"{list(SCALAR_FEATURES)}: retrain it with `dsatkit train-classifier`"
            )
        if meta["feature_config"].get("prototypes") and meta.get("prototypes") != prototype_fingerprint():
            raise HeadFormatError(
                f"{folder} was trained with prototype set {meta.get('prototypes')!r}, this dsatkit has "
                f"{prototype_fingerprint()!r}: retrain it with `dsatkit train-classifier`"
            )
        unknown = set(meta["classes"]) - set(LABELS)
        if unknown:
            raise HeadFormatError(f"{js} lists labels outside the taxonomy: {sorted(unknown)}")
        with np.load(npz, allow_pickle=False) as arrays:
            data = {k: arrays[k].astype(np.float64) for k in arrays.files}
        reaction = None
        if "reaction_w" in data:
            reaction = ReactionProbe(data["reaction_w"], float(data["reaction_b"][0]), meta["embedding_model"])
        elif meta["feature_config"].get("reaction"):
            raise HeadFormatError(f"{npz} uses the reaction feature but holds no reaction probe (reaction_w): retrain it")
        return cls(
            classes=list(meta["classes"]),
            mean=data["mean"],
            scale=data["scale"],
            coef=data["coef"],
            intercept=data["intercept"],
            calibration=meta["calibration"],
            feature_config=FeatureConfig(**meta["feature_config"]),
            embedding_model=meta["embedding_model"],
            embedding_dim=int(meta["embedding_dim"]),
            threshold=float(meta.get("threshold", 0.5)),
            meta=meta.get("meta", {}),
            iso_x=data.get("iso_x"),
            iso_y=data.get("iso_y"),
            reaction=reaction,
        )

    def summary(self) -> dict:
        return {"classes": self.classes, "threshold": self.threshold, "calibration": self.calibration["method"],
                "embedding_model": self.embedding_model, "features": len(self.mean)}


def merge_rare_labels(labels: np.ndarray, min_count: int) -> np.ndarray:
    """Labels seen fewer than `min_count` times join the broad class of their side (complaint / neutral)."""
    out = labels.copy()
    values, counts = np.unique(labels, return_counts=True)
    for value, count in zip(values, counts):
        if count < min_count:
            out[labels == value] = "complaint" if value in DSAT_LABELS else "neutral"
    return out


def best_f1_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """Threshold on P(DSAT) that maximises DSAT F1 on (out-of-fold) predictions."""
    best_t, best_f1 = 0.5, -1.0
    for t in np.linspace(0.05, 0.95, 91):
        pred = p >= t
        tp = float(np.sum(pred & y))
        denom = float(pred.sum() + y.sum())
        f1 = 2 * tp / denom if denom else 0.0
        if f1 > best_f1 + 1e-9:
            best_t, best_f1 = float(t), f1
    return round(best_t, 2)


def _fit_calibration(raw: np.ndarray, y: np.ndarray, method: str) -> tuple[dict, np.ndarray | None, np.ndarray | None]:
    if method == "sigmoid":
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=1e4, max_iter=1000).fit(_logit(raw)[:, None], y)
        return {"method": "sigmoid", "a": float(lr.coef_[0, 0]), "b": float(lr.intercept_[0])}, None, None
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y)
    return {"method": "isotonic"}, np.asarray(iso.X_thresholds_), np.asarray(iso.y_thresholds_)


def fit_head(
    features: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray,
    *,
    embedding_model: str,
    embedding_dim: int,
    feature_config: FeatureConfig,
    config: HeadConfig | None = None,
    reaction: ReactionProbe | None = None,
) -> tuple[Head, dict]:
    """Choose C by grouped CV, calibrate P(DSAT) on the out-of-fold predictions, refit on all rows.

    Returns the head and the cross-validation report (per-C scores, chosen C, out-of-fold F1).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score
    from sklearn.model_selection import GroupKFold

    config = config or HeadConfig()
    labels = merge_rare_labels(np.asarray(labels, dtype=object), config.min_class_count)
    is_dsat = np.array([lab in DSAT_LABELS for lab in labels])
    if is_dsat.sum() < config.folds or (~is_dsat).sum() < config.folds:
        raise ValueError(
            f"training needs at least {config.folds} DSAT and {config.folds} non-DSAT turns, got "
            f"{int(is_dsat.sum())} and {int((~is_dsat).sum())}: label more turns"
        )
    classes = [c for c in LABELS if c in set(labels)]
    y = np.array([classes.index(c) for c in labels])
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale < 1e-6] = 1.0
    x = (features - mean) / scale
    dsat_cols = np.array([c in DSAT_LABELS for c in classes])
    n_groups = len(np.unique(groups))
    folds = min(config.folds, n_groups)
    splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=config.seed)
    splits = list(splitter.split(x, y, groups))
    weight = "balanced" if config.balanced else None

    def make(c: float):
        return LogisticRegression(C=c, class_weight=weight, max_iter=config.max_iter)

    scores: dict[float, float] = {}
    oof_by_c: dict[float, np.ndarray] = {}
    for c in config.c_grid:
        oof = np.zeros(len(y))
        for train_idx, test_idx in splits:
            model = make(c).fit(x[train_idx], y[train_idx])
            proba = np.zeros((len(test_idx), len(classes)))
            proba[:, model.classes_] = model.predict_proba(x[test_idx])
            oof[test_idx] = proba[:, dsat_cols].sum(axis=1)
        oof_by_c[c] = oof
        scores[c] = float(average_precision_score(is_dsat, oof))
    best_c = max(scores, key=lambda c: (scores[c], -c))  # ties go to the stronger regularisation
    calibration, iso_x, iso_y = _fit_calibration(oof_by_c[best_c], is_dsat.astype(int), config.calibration)
    final = make(best_c).fit(x, y)
    coef = np.zeros((len(classes), x.shape[1]))
    intercept = np.zeros(len(classes))
    if len(classes) == 2 and final.coef_.shape[0] == 1:  # sklearn's binary case: one row for class 1
        coef[1], intercept[1] = final.coef_[0], final.intercept_[0]
    else:
        coef[final.classes_], intercept[final.classes_] = final.coef_, final.intercept_
    head = Head(
        classes=classes,
        mean=mean,
        scale=scale,
        coef=coef,
        intercept=intercept,
        calibration=calibration,
        feature_config=feature_config,
        embedding_model=embedding_model,
        embedding_dim=embedding_dim,
        iso_x=iso_x,
        iso_y=iso_y,
        reaction=reaction,
    )
    calibrated_oof = head.calibrate(oof_by_c[best_c])
    head.threshold = best_f1_threshold(calibrated_oof, is_dsat)
    report = {
        "c_scores_average_precision": {str(c): round(s, 4) for c, s in scores.items()},
        "chosen_c": best_c,
        "folds": folds,
        "oof_calibrated": calibrated_oof,
        "oof_is_dsat": is_dsat,
        "threshold": head.threshold,
        "classes": classes,
        "train_turns": int(len(y)),
        "train_dsat_turns": int(is_dsat.sum()),
    }
    return head, report


def default_head_dir() -> Path:
    """The head that ships inside the package (trained on EURTAD and DBDC3 only; see its README.md)."""
    from importlib.resources import files

    return Path(str(files("dsatkit") / "resources" / "head"))


@dataclass(slots=True)
class HeadPrediction:
    p_dsat: np.ndarray  # calibrated P(DSAT), NaN where the turn was not featurised (turn 0, empty text)
    label: list[str | None]  # best DSAT label where p >= threshold, else best non-DSAT label; None if not featurised
    dsat_label: list[str | None]  # the label the turn gets if it is DSAT
    other_label: list[str | None]  # the label the turn gets if it is not
    rows: np.ndarray  # bool: featurised
    rephrase_cosine: np.ndarray
    rephrase_turn: np.ndarray


class HeadDetector(Detector):
    """The trained head as a detector: labels every turn k >= 1, confidence = calibrated P(its DSAT call is right)."""

    name: ClassVar[str] = "head"
    requires: ClassVar[tuple[tuple[str, str], ...]] = (("sentence_transformers", "embed"),)

    def __init__(
        self,
        head: Head | str | Path | None = None,
        *,
        embedder=None,
        heuristics: list[Detector] | None = None,
        threshold: float | None = None,
        rephrase_threshold: float = 0.85,
    ) -> None:
        super().__init__()
        self.rephrase_threshold = rephrase_threshold
        self.head = head if isinstance(head, Head) else Head.load(head or default_head_dir())
        if embedder is None:
            from dsatkit.embed import Embedder

            model = None if self.head.embedding_model == DEFAULT_MODEL_NAME else self.head.embedding_model
            embedder = Embedder(model, max_seq_length=int(self.head.meta.get("max_seq_length", 128)))
        self.embedder = embedder
        self.heuristics = heuristics
        self.threshold = self.head.threshold if threshold is None else threshold
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"head threshold must be in (0, 1), got {self.threshold}")

    def predict(self, turns: pl.DataFrame, heuristic_outputs: Mapping[str, pl.DataFrame]) -> HeadPrediction:
        from dsatkit.classifier.features import build_features

        feats = build_features(turns, self.embedder, heuristic_outputs, self.head.feature_config, self.head.reaction)
        n = turns.height
        p = np.full(n, np.nan)
        labels: list[str | None] = [None] * n
        dsat_labels: list[str | None] = [None] * n
        other_labels: list[str | None] = [None] * n
        idx = np.flatnonzero(feats.rows)
        if idx.size:
            proba = self.head.proba(feats.matrix[idx])
            dsat_cols = self.head.dsat_mask()
            p_rows = self.head.calibrate(proba[:, dsat_cols].sum(axis=1))
            p[idx] = p_rows
            classes = np.array(self.head.classes)
            best_dsat = self._dsat_labels(proba, feats, idx)
            best_other = classes[~dsat_cols][proba[:, ~dsat_cols].argmax(axis=1)]
            for i, row in enumerate(idx):
                dsat_labels[row], other_labels[row] = str(best_dsat[i]), str(best_other[i])
                labels[row] = dsat_labels[row] if p_rows[i] >= self.threshold else other_labels[row]
        return HeadPrediction(
            p, labels, dsat_labels, other_labels, feats.rows, feats.rephrase.max_cosine, feats.rephrase.best_turn
        )

    def _dsat_labels(self, proba: np.ndarray, feats, idx: np.ndarray) -> np.ndarray:
        """Which DSAT label a turn gets if it is DSAT.

        A close repeat of an earlier request is a rephrase. Otherwise the head's own DSAT classes decide;
        a head trained with one DSAT class (small data merges the rare ones) falls back on the nearest
        DSAT prototype.
        """
        dsat_cols = self.head.dsat_mask()
        dsat_classes = np.array(self.head.classes, dtype=object)[dsat_cols]
        out = dsat_classes[proba[:, dsat_cols].argmax(axis=1)]
        if len(dsat_classes) == 1 and self.head.feature_config.prototypes:
            cols = [feats.names.index(f"proto_{label}") for label in DSAT_PROTOTYPE_LABELS]
            out = np.array(DSAT_PROTOTYPE_LABELS, dtype=object)[feats.matrix[idx][:, cols].argmax(axis=1)]
        out[feats.rephrase.max_cosine[idx] >= self.rephrase_threshold] = "rephrase"
        return out

    def detect(self, turns: pl.DataFrame) -> pl.DataFrame:
        outputs = {d.name: d(turns) for d in self.heuristics or []}
        pred = self.predict(turns, outputs)
        conf = np.where(np.nan_to_num(pred.p_dsat) >= self.threshold, pred.p_dsat, 1.0 - pred.p_dsat)
        return pl.DataFrame(
            {
                "label": pl.Series(pred.label, dtype=pl.String),
                "confidence": pl.Series(conf).fill_nan(None),
                "evidence": pl.Series([None if np.isnan(v) else f"head P(DSAT)={v:.2f}" for v in pred.p_dsat], dtype=pl.String),
            }
        )

    def settings(self) -> dict:
        return {"threshold": self.threshold, "rephrase_threshold": self.rephrase_threshold, **self.head.summary(),
                **self.embedder.stats()}
