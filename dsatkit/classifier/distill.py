"""`distill`: the judge labels a sample of the user's own logs, the head learns from it, the head runs on all.

SPUR (Lin et al., arXiv 2403.12388) reports that rubric judgements distil into embedding classifiers with
AUC 0.92-0.98; this gives a cheap detector tuned to one product. The sample is uniform over user turns
k >= 1 (reservoir sampling while streaming the logs), so the head's calibration matches the logs' own
DSAT rate; the judge sees only the sample.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import polars as pl

from dsatkit.classifier.train import LabelledTurns, TrainConfig, train_on_turns
from dsatkit.errors import DsatkitError, OutputExistsError
from dsatkit.records import DSAT_LABELS
from dsatkit.turns import TURN_SCHEMA, turns_table


@dataclass
class DistillConfig:
    sample_size: int = field(default=2_000, metadata={"help": "User turns (k >= 1) the judge labels for training."})
    seed: int = field(default=0, metadata={"help": "Seed of the sample."})
    run_extract: bool = field(default=True, metadata={"help": "Run extract with the distilled head over all logs."})
    batch_size: int = field(default=2_000, metadata={"help": "Conversations read per batch while sampling."})
    train: TrainConfig = field(default_factory=lambda: TrainConfig(overwrite=True))
    overwrite: bool = field(default=False, metadata={"help": "Replace an existing output folder."})

    def __post_init__(self) -> None:
        if self.sample_size < 50:
            raise ValueError(f"sample_size must be >= 50 to train and hold out a split, got {self.sample_size}")


def sample_turns(log_inputs: Sequence[str], size: int, seed: int = 0, batch_size: int = 2_000) -> tuple[pl.DataFrame, int]:
    """Uniform sample of `size` user turns k >= 1 with an answer before them; and how many there were."""
    from dsatkit.io import read_conversations
    from dsatkit.records import Quarantined

    rng = random.Random(seed)
    reservoir: list[dict] = []
    seen = 0
    batch = []

    def flush() -> None:
        nonlocal seen
        turns = turns_table(batch).filter((pl.col("turn") >= 1) & pl.col("prev_answer").is_not_null())
        for row in turns.iter_rows(named=True):
            seen += 1
            if len(reservoir) < size:
                reservoir.append(row)
            else:
                j = rng.randrange(seen)
                if j < size:
                    reservoir[j] = row
        batch.clear()

    for item in read_conversations(list(log_inputs)):
        if isinstance(item, Quarantined):
            continue
        batch.append(item)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    frame = pl.DataFrame(reservoir, schema=TURN_SCHEMA) if reservoir else pl.DataFrame(schema=TURN_SCHEMA)
    return frame.sort("conv_index", "turn") if "conv_index" in frame.columns else frame, seen


def distill(
    log_inputs: Sequence[str],
    out_dir: str | Path,
    judge_config=None,
    sample_size: int | None = None,
    *,
    config: DistillConfig | None = None,
    judge=None,
    embedder=None,
    heuristics=None,
) -> dict:
    """Write OUT/judge_labels.jsonl, OUT/head/ (weights + card) and, unless turned off, OUT/extract/.

    `judge` (anything with `judge_turns(turns) -> label/confidence/evidence/error`) replaces the one built
    from `judge_config`; `embedder` and `heuristics` replace the default ones (tests pass fakes).
    """
    config = config or DistillConfig()
    if sample_size is not None:
        config.sample_size = sample_size
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()) and not config.overwrite:
        raise OutputExistsError(f"'{out}' exists and is not empty: pass --overwrite or choose another -o")
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if judge is None:
        from dsatkit.judge import Judge, JudgeConfig

        judge = Judge(judge_config or JudgeConfig())
    sample, population = sample_turns(log_inputs, config.sample_size, config.seed)
    if sample.height == 0:
        raise DsatkitError(f"the logs {list(log_inputs)} hold no user turn after an assistant answer: nothing to label")
    verdicts = judge.judge_turns(sample)
    ok = verdicts["error"].is_null() & verdicts["label"].is_not_null()
    labelled = sample.filter(ok)
    labels = verdicts.filter(ok)
    _write_labels(out / "judge_labels.jsonl", labelled, labels)
    n_dsat = int(labels["label"].is_in(sorted(DSAT_LABELS)).sum())
    if n_dsat < 2 * config.train.head.folds:
        raise DsatkitError(
            f"the judge found {n_dsat} DSAT turns in {labelled.height} labelled ones: too few to train "
            f"(need {2 * config.train.head.folds}); raise --sample-size (labels kept in {out / 'judge_labels.jsonl'})"
        )
    data = LabelledTurns(labelled, labels["label"].to_numpy().astype(object), 0)
    judge_name = getattr(getattr(judge, "config", None), "model", None) or "LLM judge"
    train_report = train_on_turns(
        data,
        out / "head",
        config.train,
        embedder=embedder,
        heuristics=heuristics,
        trained_on=[{"name": f"{labelled.height} turns of {', '.join(map(str, log_inputs))} labelled by {judge_name}"}],
    )
    report = {
        "population_turns": population,
        "sampled": sample.height,
        "judged": labelled.height,
        "judge_errors": sample.height - labelled.height,
        "judged_dsat": n_dsat,
        "train": train_report,
    }
    if config.run_extract:
        from dsatkit.classifier.cascade import CascadeConfig, build_cascade
        from dsatkit.pipeline import ExtractConfig, extract

        labeler = build_cascade(
            CascadeConfig(head=str(out / "head"), embedding_model=config.train.embedding_model),
            heuristics=heuristics,
            embedder=embedder,
        )
        stats = extract(list(log_inputs), out / "extract", ExtractConfig(detectors="cascade", overwrite=True), labeler=labeler)
        report["extract"] = {k: stats[k] for k in ("user_turns", "dsat_turns", "anchors", "labels")}
    report["seconds"] = round(time.perf_counter() - started, 2)
    (out / "distill_report.json").write_bytes(
        orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY, default=str)
    )
    return report


def _write_labels(path: Path, turns: pl.DataFrame, verdicts: pl.DataFrame) -> None:
    """The judge's labels as a gold file (plus confidence and evidence): reusable with train-classifier / eval."""
    with path.open("wb") as fh:
        for (cid, turn), v in zip(turns.select("conversation_id", "turn").iter_rows(), verdicts.iter_rows(named=True)):
            row = {"conversation_id": cid, "turn": int(turn), "label": v["label"], "confidence": v["confidence"],
                   "evidence": v["evidence"]}
            fh.write(orjson.dumps(row) + b"\n")


__all__ = ["DistillConfig", "distill", "sample_turns"]
