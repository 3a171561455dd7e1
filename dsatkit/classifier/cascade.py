"""The default detection path of `extract`: heuristics and the trained head on every turn, the LLM judge only
on the uncertain middle.

The head gives every turn k >= 1 a calibrated P(DSAT). Where it is sure (P < low or P >= high) it decides:
it adds DSAT turns no cue caught (a silent rephrase, a polite correction) and overrules cue words that fired
on a turn that is not DSAT ("no, that's all, thanks"). In the uncertain middle the judge decides when it is
on, else the cue rules do. The head overrules only cue labels it saw in training: a head that never saw a
revision request does not get to veto one.

Confidence is the probability that the DSAT / not-DSAT call is right: P for a DSAT call, 1 - P otherwise,
with P calibrated on the head's training data (so 0.8 means right about 80% of the time there). Where the
judge decided, its own confidence is kept.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import polars as pl

from dsatkit.detect.base import SIGNAL_SCHEMA, Detector, combine
from dsatkit.records import DSAT_LABELS

MODES = ("cascade", "heuristics")
# A turn "reads as English" when it holds one of these words; short cue-only turns ("longer", "continue")
# hold none, and there the cue rules are better placed to judge than an embedding of one word.
_ENGLISH_WORDS = (
    r"(?i)\b(the|a|an|is|are|was|were|it|its|you|your|i|me|my|we|that|this|not|no|what|how|why|can|do|does|did|"
    r"please|and|of|to|in|for|with|but|be|have|has)\b"
)


@dataclass
class CascadeConfig:
    detectors: str = field(
        default="cascade",
        metadata={"help": "'cascade': heuristics + trained head (+ judge on uncertain turns); 'heuristics': cue rules only."},
    )
    head: str | None = field(
        default=None, metadata={"help": "Folder of a head from `dsatkit train-classifier`; default: the packaged head."}
    )
    embedding_model: str | None = field(
        default=None,
        metadata={"help": "sentence-transformers folder or hub id; default: the head's model (packaged all-MiniLM-L6-v2)."},
    )
    # Defaults read the calibrated P(DSAT) literally: overrule a cue only when the head puts the chance of
    # DSAT under 1%, add a DSAT call no cue made only when DSAT is more likely than not.
    low: float = field(
        default=0.01, metadata={"help": "P(DSAT) below which the head calls a turn not DSAT, overruling cue words."}
    )
    high: float = field(
        default=0.5, metadata={"help": "P(DSAT) at or above which the head calls a turn DSAT even with no cue."}
    )
    english_only: bool = field(
        default=True,
        metadata={"help": "Let the head decide only on turns that read as English (the packaged model and head are "
                  "English-only); elsewhere the cue rules (or the judge) decide."},
    )
    judge: bool = field(default=False, metadata={"help": "Ask the LLM judge about turns in the uncertain middle."})
    judge_budget: int = field(
        default=1000, metadata={"help": "Most turns the judge may see in the run, the most uncertain first."}
    )
    rephrase_threshold: float = field(
        default=0.85, metadata={"help": "Cosine with an earlier request at or above which a DSAT turn is a rephrase."}
    )
    batch_size: int = field(default=64, metadata={"help": "Texts per embedding batch."})
    max_seq_length: int | None = field(
        default=None, metadata={"help": "Tokens of each text the embedding model reads; default: as the head was trained."}
    )
    device: str = field(default="cpu", metadata={"help": "Device of the embedding model ('cpu', 'cuda')."})

    def __post_init__(self) -> None:
        if self.detectors not in MODES:
            raise ValueError(f"detectors {self.detectors!r} is unknown: use one of {', '.join(MODES)}")
        if not 0.0 <= self.low <= self.high <= 1.0:
            raise ValueError(f"the uncertain middle needs 0 <= low <= high <= 1, got low={self.low}, high={self.high}")
        if self.judge_budget < 0:
            raise ValueError(f"judge_budget must be >= 0, got {self.judge_budget}")
        if not 0.0 < self.rephrase_threshold < 1.0:
            raise ValueError(f"rephrase_threshold must be a cosine in (0, 1), got {self.rephrase_threshold}")

    def to_dict(self) -> dict:
        return asdict(self)


def _best_labels(outputs: dict[str, pl.DataFrame], n: int) -> tuple[list, list, list]:
    """Per turn: the most confident heuristic DSAT label, its confidence, and the most confident non-DSAT
    label other than neutral (positive, clarification)."""
    dsat, dsat_conf, other = [None] * n, [0.0] * n, [None] * n
    other_conf = [0.0] * n
    for out in outputs.values():
        fired = out.with_row_index("row").filter(pl.col("label").is_not_null())
        for row, label, conf in fired.select("row", "label", "confidence").iter_rows():
            conf = conf or 0.0
            if label in DSAT_LABELS:
                if dsat[row] is None or conf > dsat_conf[row]:
                    dsat[row], dsat_conf[row] = label, conf
            elif label != "neutral" and (other[row] is None or conf > other_conf[row]):
                other[row], other_conf[row] = label, conf
    return dsat, dsat_conf, other


class Cascade:
    """Callable over a batch of turns; returns SIGNAL_SCHEMA signals. Keeps counters across batches."""

    def __init__(self, config: CascadeConfig, heuristics: list[Detector], head=None, judge=None) -> None:
        self.config = config
        self.heuristics = heuristics
        self.head = head  # HeadDetector, or None in heuristics mode
        self.judge = judge  # object with judge_turns(turns) -> label/confidence/evidence/error, or None
        self.low, self.high = config.low, config.high
        seen = head.head.meta.get("train_labels") if head is not None else None
        # Cue labels the head may overrule: those its training data held (all DSAT labels if unknown).
        self.vetoable = frozenset(DSAT_LABELS if seen is None else [lab for lab in DSAT_LABELS if seen.get(lab)])
        self.counts = {"added": 0, "vetoed": 0, "kept_unvetoable": 0, "middle": 0, "head_dsat": 0}
        self.judge_used = 0
        self.judge_errors = 0
        self.judge_changed = 0
        self.head_seconds = 0.0
        self.judge_seconds = 0.0

    def __call__(self, turns: pl.DataFrame) -> pl.DataFrame:
        outputs = {d.name: d(turns) for d in self.heuristics}
        base = combine(turns, outputs)
        if self.head is None:
            return base
        start = time.perf_counter()
        # A head trained without heuristic features must see them as it did in training: absent.
        pred = self.head.predict(turns, outputs if self.head.head.meta.get("heuristics", True) else {})
        self.head_seconds += time.perf_counter() - start
        n = turns.height
        heur_dsat, _, heur_other = _best_labels(outputs, n)
        p = pred.p_dsat
        label = base["label"].to_list()
        is_dsat = base["is_dsat"].to_list()
        conf = base["confidence"].to_numpy().copy()
        source: list[str | None] = [None] * n
        evidence = [None] * n
        middle = []
        english = (
            turns["text"].fill_null("").str.contains(_ENGLISH_WORDS).to_numpy()
            if self.config.english_only
            else np.ones(n, dtype=bool)
        )
        for row in np.flatnonzero(pred.rows):
            pr = float(p[row])
            if not english[row]:
                middle.append(row)
                is_dsat[row] = heur_dsat[row] is not None
                label[row] = heur_dsat[row] or heur_other[row] or pred.other_label[row]
                source[row] = "heuristics"
            elif pr >= self.high:
                is_dsat[row], label[row], source[row] = True, heur_dsat[row] or pred.dsat_label[row], "head"
                self.counts["added"] += heur_dsat[row] is None
            elif pr < self.low:
                if heur_dsat[row] is not None and heur_dsat[row] not in self.vetoable:
                    is_dsat[row], label[row], source[row] = True, heur_dsat[row], "heuristics"
                    self.counts["kept_unvetoable"] += 1
                else:
                    self.counts["vetoed"] += heur_dsat[row] is not None
                    is_dsat[row], label[row], source[row] = False, heur_other[row] or pred.other_label[row], "head"
            else:
                middle.append(row)
                is_dsat[row] = heur_dsat[row] is not None
                label[row] = heur_dsat[row] or heur_other[row] or pred.other_label[row]
                source[row] = "heuristics"
            conf[row] = pr if is_dsat[row] else 1.0 - pr
        self.counts["middle"] += len(middle)
        if self.judge is not None and middle:
            self._ask_judge(turns, np.array(middle), p, label, conf, source, evidence)
        self.counts["head_dsat"] += sum(1 for row in np.flatnonzero(pred.rows) if source[row] == "head" and label[row] in DSAT_LABELS)
        return self._signals(turns, base, pred, label, conf, source, evidence)

    def _ask_judge(self, turns, middle, p, label, conf, source, evidence) -> None:
        left = self.config.judge_budget - self.judge_used
        if left <= 0:
            return
        # Most uncertain first: P closest to one half.
        chosen = np.sort(middle[np.argsort(-(p[middle] * (1.0 - p[middle])), kind="stable")][:left])
        start = time.perf_counter()
        verdicts = self.judge.judge_turns(turns[chosen])
        self.judge_seconds += time.perf_counter() - start
        self.judge_used += len(chosen)
        for row, v in zip(chosen, verdicts.iter_rows(named=True)):
            if v.get("error") or v.get("label") is None:
                self.judge_errors += 1
                continue
            if (v["label"] in DSAT_LABELS) != (label[row] in DSAT_LABELS):
                self.judge_changed += 1
            label[row] = v["label"]
            conf[row] = float(v["confidence"]) if v.get("confidence") is not None else 0.5
            source[row] = "judge"
            evidence[row] = v.get("evidence")

    def _signals(self, turns, base, pred, label, conf, source, judge_evidence) -> pl.DataFrame:
        detectors = base["detectors"].to_list()
        evidence = base["evidence"].to_list()
        for row in np.flatnonzero(pred.rows):
            parts = [f"head P(DSAT)={pred.p_dsat[row]:.2f}"]
            if source[row] == "judge":
                parts.append(f"judge: {judge_evidence[row] or ''}")
            if pred.rephrase_cosine[row] >= self.config.rephrase_threshold:
                detectors[row] = [*detectors[row], "embedding_rephrase"]
                parts.append(f"cosine {pred.rephrase_cosine[row]:.2f} with user turn {pred.rephrase_turn[row]}")
            if source[row] in ("head", "judge"):
                detectors[row] = [*detectors[row], source[row]]
            if evidence[row]:
                parts.append(evidence[row])
            evidence[row] = "; ".join(parts)
        frame = pl.DataFrame(
            {
                "label": pl.Series(label, dtype=pl.String),
                "confidence": pl.Series(conf, dtype=pl.Float64).fill_nan(None),
                "detectors": pl.Series(detectors, dtype=pl.List(pl.String)),
                "evidence": pl.Series(evidence, dtype=pl.String),
            }
        )
        return _apply_turn_rules(turns, frame)

    def stats(self) -> dict[str, Any]:
        """Per-detector stats for stats.json's `detectors` key: {name: {fired, seconds, ...settings}}."""
        out = {d.name: d.stats() for d in self.heuristics}
        if self.head is not None:
            out["head"] = {
                "fired": self.counts["head_dsat"],
                "seconds": round(self.head_seconds, 3),
                "low": self.low,
                "high": self.high,
                "added_dsat": self.counts["added"],
                "vetoed_cues": self.counts["vetoed"],
                "kept_unvetoable_cues": self.counts["kept_unvetoable"],
                "uncertain_turns": self.counts["middle"],
                "vetoable_labels": sorted(self.vetoable),
                **self.head.settings(),
            }
        if self.judge is not None:
            out["judge"] = {
                "fired": self.judge_used - self.judge_errors,
                "seconds": round(self.judge_seconds, 3),
                "asked": self.judge_used,
                "errors": self.judge_errors,
                "changed_dsat_call": self.judge_changed,
                "budget": self.config.judge_budget,
            }
        return out


def _apply_turn_rules(turns: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """The rules `combine` applies too: turn 0 is neutral; a turn the source marks DSAT keeps a DSAT label."""
    turn0 = turns["turn"] == 0
    given = turns["given_dsat"].fill_null(False)
    is_dsat_label = frame["label"].is_in(sorted(DSAT_LABELS)).fill_null(False)
    empty = pl.lit([], dtype=pl.List(pl.String))
    out = frame.with_columns(turn0.alias("__t0"), given.alias("__given"), is_dsat_label.alias("__dsat")).select(
        pl.when("__t0").then(pl.lit("neutral"))
        .when(pl.col("__given") & ~pl.col("__dsat")).then(pl.lit("complaint"))
        .otherwise(pl.col("label").fill_null("neutral")).alias("label"),
        pl.when("__t0").then(pl.lit(1.0))
        .when(pl.col("__given") & ~pl.col("__dsat")).then(pl.lit(1.0))
        .otherwise(pl.col("confidence").fill_null(1.0)).clip(0.0, 1.0).alias("confidence"),
        pl.when("__t0").then(empty).otherwise(pl.col("detectors")).alias("detectors"),
        pl.when("__t0").then(pl.lit(""))
        .when(pl.col("__given") & ~pl.col("__dsat")).then(pl.lit("marked DSAT by the source"))
        .otherwise(pl.col("evidence")).alias("evidence"),
    )
    return pl.DataFrame(
        {
            "conversation_id": turns["conversation_id"],
            "turn": turns["turn"],
            "message_index": turns["message_index"],
            "label": out["label"],
            "is_dsat": out["label"].is_in(sorted(DSAT_LABELS)),
            "confidence": out["confidence"],
            "detectors": out["detectors"],
            "evidence": out["evidence"],
        }
    ).select([pl.col(c).cast(t) for c, t in SIGNAL_SCHEMA.items()])


def build_cascade(
    config: CascadeConfig | None = None,
    heuristics: list[Detector] | None = None,
    judge_config=None,
    *,
    embedder=None,
    judge=None,
) -> Cascade:
    """Build the detection path `extract` runs. Fails before any work when an extra is missing.

    `heuristics` defaults to `dsatkit.detect.heuristics.default_heuristics()`; `judge_config` (a JudgeConfig)
    is used only when `config.judge` is on. `embedder` and `judge` replace the built ones (tests, reuse).
    """
    config = config or CascadeConfig()
    if heuristics is None:
        from dsatkit.detect.heuristics import default_heuristics

        heuristics = default_heuristics()
    if config.detectors == "heuristics":
        return Cascade(config, heuristics)
    from dsatkit.classifier.head import Head, HeadDetector, default_head_dir
    from dsatkit.embed import DEFAULT_EMBEDDING_MODEL, Embedder, require_embed_extra

    require_embed_extra()
    head = Head.load(config.head or default_head_dir())
    model = config.embedding_model or head.embedding_model
    if config.embedding_model and config.embedding_model != head.embedding_model:
        from dsatkit.classifier.head import HeadFormatError

        raise HeadFormatError(
            f"the head was trained on embeddings of '{head.embedding_model}', not '{config.embedding_model}': "
            f"train a head for that model with `dsatkit train-classifier --embedding-model {config.embedding_model}` "
            "and pass it with `--head`"
        )
    if embedder is None:
        embedder = Embedder(
            None if model == DEFAULT_EMBEDDING_MODEL else model,
            device=config.device,
            batch_size=config.batch_size,
            max_seq_length=config.max_seq_length or int(head.meta.get("max_seq_length", 128)),
        )
    detector = HeadDetector(head, embedder=embedder, rephrase_threshold=config.rephrase_threshold)
    if config.judge and judge is None:
        from dsatkit.judge import Judge, JudgeConfig

        judge = Judge(judge_config or JudgeConfig())
    return Cascade(config, heuristics, head=detector, judge=judge if config.judge else None)
