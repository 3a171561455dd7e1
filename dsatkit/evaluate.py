"""`eval`: score an extract output's per-turn signals against gold turn labels (SPEC §5)."""

from __future__ import annotations

from pathlib import Path

import orjson
import polars as pl

from dsatkit.errors import BadGoldError, NotAnExtractOutputError
from dsatkit.records import DSAT_LABELS, LABELS

MISSING = "neutral"  # a gold turn absent from the output counts as predicted not-DSAT


def read_gold(path: str | Path) -> pl.DataFrame:
    """Gold JSONL: {"conversation_id": str, "turn": int, "label": str} per line; errors name the line."""
    path = Path(path)
    if not path.is_file():
        raise BadGoldError(f"gold file '{path}' does not exist; expected JSONL with conversation_id, turn, label")
    rows = []
    seen: set[tuple[str, int]] = set()
    with open(path, "rb") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise BadGoldError(f"{path}:{lineno}: not valid JSON ({exc})") from None
            if not isinstance(row, dict):
                raise BadGoldError(f"{path}:{lineno}: expected a JSON object, found {type(row).__name__}")
            missing = [k for k in ("conversation_id", "turn", "label") if k not in row]
            if missing:
                raise BadGoldError(
                    f"{path}:{lineno}: missing {', '.join(missing)}; expected conversation_id, turn, label "
                    f"(found keys: {', '.join(map(str, row)) or 'none'})"
                )
            turn = row["turn"]
            if isinstance(turn, bool) or not isinstance(turn, int) or turn < 0:
                raise BadGoldError(f"{path}:{lineno}: 'turn' must be an integer >= 0, found {turn!r}")
            label = row["label"]
            if label not in LABELS:
                raise BadGoldError(f"{path}:{lineno}: unknown label {label!r}; expected one of {', '.join(LABELS)}")
            key = (str(row["conversation_id"]), turn)
            if key in seen:
                raise BadGoldError(f"{path}:{lineno}: turn {turn} of conversation {key[0]!r} is labelled twice")
            seen.add(key)
            rows.append({"conversation_id": key[0], "turn": turn, "label": label})
    if not rows:
        raise BadGoldError(f"gold file '{path}' holds no labelled turns")
    return pl.DataFrame(rows, schema={"conversation_id": pl.String, "turn": pl.Int32, "label": pl.String})


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def evaluate_frames(gold: pl.DataFrame, signals: pl.DataFrame) -> dict:
    """Metrics of `signals` (conversation_id, turn, label) against `gold` (conversation_id, turn, label)."""
    pred = signals.select(
        pl.col("conversation_id").cast(pl.String), pl.col("turn").cast(pl.Int32), pl.col("label").alias("predicted")
    ).unique(subset=["conversation_id", "turn"], keep="first", maintain_order=True)
    joined = gold.join(pred, on=["conversation_id", "turn"], how="left")
    missing = joined["predicted"].null_count()
    joined = joined.with_columns(pl.col("predicted").fill_null(MISSING))
    dsat = list(DSAT_LABELS)
    gold_dsat = joined["label"].is_in(dsat)
    pred_dsat = joined["predicted"].is_in(dsat)
    tp = int((gold_dsat & pred_dsat).sum())
    fp = int((~gold_dsat & pred_dsat).sum())
    fn = int((gold_dsat & ~pred_dsat).sum())
    per_label = {}
    for label in LABELS:
        g = joined["label"] == label
        p = joined["predicted"] == label
        per_label[label] = {
            **_prf(int((g & p).sum()), int((~g & p).sum()), int((g & ~p).sum())),
            "support": int(g.sum()),
            "predicted": int(p.sum()),
        }
    confusion = {
        gold_label: {pred_label: 0 for pred_label in LABELS} for gold_label in LABELS
    }
    for gold_label, pred_label, n in joined.group_by(["label", "predicted"]).len().iter_rows():
        confusion[gold_label][pred_label] = n
    return {
        "turns": joined.height,
        "missing_in_output": missing,
        "dsat": {**_prf(tp, fp, fn), "support": int(gold_dsat.sum()), "predicted": int(pred_dsat.sum()),
                 "tp": tp, "fp": fp, "fn": fn},
        "accuracy": round(float((joined["label"] == joined["predicted"]).mean()), 4),
        "per_label": per_label,
        "confusion": confusion,
    }


def evaluate(gold_path: str | Path, out_dir: str | Path) -> dict:
    signals_path = Path(out_dir) / "signals.parquet"
    if not signals_path.is_file():
        raise NotAnExtractOutputError(
            f"'{out_dir}' has no signals.parquet; expected the folder written by `dsatkit extract LOGS -o {out_dir}`"
        )
    report = evaluate_frames(read_gold(gold_path), pl.read_parquet(signals_path))
    report["gold"] = str(gold_path)
    report["output"] = str(out_dir)
    return report
