"""Heuristics vs trained head vs cascade (judge off) on the labelled dev sets, and the speed of the classifiers.

Quality: for each set, DSAT precision / recall / F1 and per-label figures of three detectors on the same turns:
  - heuristics: the cue rules alone (`--detectors heuristics`);
  - head: the trained head alone (DSAT when P(DSAT) >= the head's threshold);
  - cascade: heuristics + head, the default of `extract` (no judge).
The packaged head was trained on EURTAD, so EURTAD figures are cross-fitted: the turns of each fold of
conversations are scored by a head trained, with the same recipe, on the other folds only. USS is never
trained on; DBDC3 has no SPEC gold (its flag rates after a breakdown vs after a fine answer are shown;
the reaction probe inside the head was trained on those DBDC3 turns, so they are not held out).

Speed: turns/s of the embedding stage (encode + features, batched, only turns k >= 1) on CPU, on the
LMSYS sample and on the synthetic log of benchmarks/throughput.py; and the whole `extract` rate with
heuristics only and with the cascade on that log (the cascade on its first `--cascade-n` conversations).

    python benchmarks/classifiers.py                          # all sets, speed on 200k synthetic
    python benchmarks/classifiers.py --sets eurtad --no-speed
Figures print as markdown and go to OUT/classifiers.md and OUT/classifiers.json; timings are never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from devsets import DevSet, build_devsets  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DSAT = ("rephrase", "correction", "complaint", "revision")
DETECTORS = ("heuristics", "head", "cascade")
FOLDS = 5


def _turns(folder: Path) -> pl.DataFrame:
    from dsatkit.classifier.train import conversations_of
    from dsatkit.turns import turns_table

    conversations, _ = conversations_of([str(folder / "conversations.jsonl")])
    return turns_table(conversations)


def _head_signals(turns: pl.DataFrame, detector, outputs) -> pl.DataFrame:
    """The head alone, as a detector merged by `combine` (so turn 0 and source marks follow the same rules)."""
    from dsatkit.detect.base import combine

    pred = detector.predict(turns, outputs)
    p = pred.p_dsat
    conf = np.where(np.nan_to_num(p) >= detector.threshold, p, 1.0 - p)
    out = pl.DataFrame(
        {
            "label": pl.Series(pred.label, dtype=pl.String),
            "confidence": pl.Series(conf, dtype=pl.Float64).fill_nan(None),
            "evidence": pl.Series([""] * turns.height, dtype=pl.String),
        }
    )
    return combine(turns, {"head": out})


def score_with_head(turns: pl.DataFrame, head, embedder, heuristics) -> dict[str, pl.DataFrame]:
    """Signals of the three detectors on `turns`, the head given."""
    from dsatkit.classifier.cascade import Cascade, CascadeConfig
    from dsatkit.classifier.head import HeadDetector
    from dsatkit.detect.base import combine

    outputs = {d.name: d(turns) for d in heuristics}
    detector = HeadDetector(head, embedder=embedder)
    cascade = Cascade(CascadeConfig(), heuristics, head=detector)
    return {
        "heuristics": combine(turns, outputs),
        "head": _head_signals(turns, detector, outputs),
        "cascade": cascade(turns),
    }


def cross_fitted_heads(pool: list[tuple[pl.DataFrame, pl.DataFrame]], shipped, embedder, heuristics, seed: int = 0):
    """Heads for the sets the shipped head was trained on: fold f's head never saw fold f's conversations.

    `pool` holds (turns, gold) of every training set; folds are drawn over all their conversations, and each
    head is fit with the shipped head's recipe on the other folds. Returns the heads and conversation -> fold.
    """
    from sklearn.model_selection import GroupKFold

    from dsatkit.classifier.head import HeadConfig, fit_head
    from dsatkit.classifier.train import featurise, join_gold

    xs, ys, gs = [], [], []
    for turns, gold in pool:
        data = join_gold(turns, gold)
        feats = featurise(data.turns, embedder, shipped.feature_config, True, heuristics, shipped.reaction)
        xs.append(feats.matrix[feats.rows])
        ys.append(data.labels[feats.rows])
        gs.append(data.turns["conversation_id"].to_numpy()[feats.rows])
    x, labels, groups = np.concatenate(xs), np.concatenate(ys), np.concatenate(gs)
    conversations = np.unique(np.concatenate([t["conversation_id"].unique().to_numpy() for t, _ in pool]))
    fold_of, heads = {}, []
    splitter = GroupKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    for fold, (_, test_conv) in enumerate(splitter.split(conversations, groups=conversations)):
        fold_of.update(dict.fromkeys(conversations[test_conv].tolist(), fold))
        train = ~np.isin(groups, conversations[test_conv])
        head, _ = fit_head(
            x[train], labels[train], groups[train], embedding_model=shipped.embedding_model,
            embedding_dim=shipped.embedding_dim, feature_config=shipped.feature_config, config=HeadConfig(),
            reaction=shipped.reaction,
        )
        values, counts = np.unique(labels[train], return_counts=True)
        head.meta = {**shipped.meta, "train_labels": {str(v): int(c) for v, c in zip(values, counts)}}
        heads.append(head)
    return heads, fold_of


def score_cross_fitted(turns: pl.DataFrame, heads, fold_of: dict, embedder, heuristics) -> dict[str, pl.DataFrame]:
    parts: dict[str, list] = {d: [] for d in DETECTORS}
    folds = turns["conversation_id"].replace_strict(fold_of, return_dtype=pl.Int64)
    for fold, head in enumerate(heads):
        part = turns.filter(folds == fold)
        if part.height:
            for name, signals in score_with_head(part, head, embedder, heuristics).items():
                parts[name].append(signals)
    return {name: pl.concat(frames) for name, frames in parts.items()}


def breakdown_rates(signals: pl.DataFrame, devset: DevSet) -> dict:
    marks = pl.DataFrame(devset.breakdown).select("conversation_id", pl.col("turn").cast(pl.Int32), "after")
    joined = marks.join(signals.select("conversation_id", "turn", "is_dsat"), on=["conversation_id", "turn"], how="left")
    rates = {}
    for after in ("breakdown", "clean", "unclear"):
        part = joined.filter(pl.col("after") == after)
        rates[after] = round(float(part["is_dsat"].fill_null(False).mean()), 4) if part.height else None
    return rates


def quality(sets: list[DevSet], devset_dir: Path, head_dir: str | None) -> list[dict]:
    from dsatkit.classifier.head import Head, default_head_dir
    from dsatkit.detect.heuristics import default_heuristics
    from dsatkit.embed import Embedder
    from dsatkit.evaluate import evaluate_frames, read_gold

    shipped = Head.load(head_dir or default_head_dir())
    embedder = Embedder(cache_size=300_000, max_seq_length=int(shipped.meta.get("max_seq_length", 128)))
    heuristics = default_heuristics()
    turns_of = {d.name: _turns(devset_dir / d.name) for d in sets}
    gold_of = {d.name: read_gold(devset_dir / d.name / "gold.jsonl") for d in sets if d.gold}
    trained_on = [d.name for d in sets if d.name.startswith("eurtad") and d.name in gold_of]
    heads, fold_of = ([], {})
    if trained_on:
        heads, fold_of = cross_fitted_heads([(turns_of[n], gold_of[n]) for n in trained_on], shipped, embedder, heuristics)
    rows = []
    for devset in sets:
        start = time.perf_counter()
        turns = turns_of[devset.name]
        row = {"set": devset.name, "binary_only": devset.binary_only, "conversations": len(devset.records),
               "cross_fitted": devset.name in trained_on}
        if row["cross_fitted"]:
            signals = score_cross_fitted(turns, heads, fold_of, embedder, heuristics)
        else:
            signals = score_with_head(turns, shipped, embedder, heuristics)
        if devset.name in gold_of:
            row["reports"] = {name: evaluate_frames(gold_of[devset.name], s) for name, s in signals.items()}
        if devset.breakdown:
            row["breakdown"] = {name: breakdown_rates(s, devset) for name, s in signals.items()}
        row["seconds"] = round(time.perf_counter() - start, 1)
        print(f"{devset.name}: {row['seconds']}s", file=sys.stderr, flush=True)
        rows.append(row)
    return rows


def embedding_rate(turns: pl.DataFrame, head_dir: str | None) -> dict:
    """Turns/s of the embedding stage (encode + features) over the turns k >= 1, cold cache, CPU."""
    from dsatkit.classifier.features import build_features
    from dsatkit.classifier.head import Head, default_head_dir
    from dsatkit.detect.embedding import needs_embedding
    from dsatkit.detect.heuristics import default_heuristics
    from dsatkit.embed import Embedder

    head = Head.load(head_dir or default_head_dir())
    embedder = Embedder(max_seq_length=int(head.meta.get("max_seq_length", 128)))
    embedder.encode(["warm up the model"])
    outputs = {d.name: d(turns) for d in default_heuristics()}
    start = time.perf_counter()
    build_features(turns, embedder, outputs, head.feature_config, head.reaction)
    seconds = time.perf_counter() - start
    n = int(needs_embedding(turns).sum())
    return {"turns_embedded": n, "seconds": round(seconds, 2), "turns_per_s": round(n / seconds, 1),
            "texts_encoded": embedder.encoded, "threads": _threads()}


def _threads() -> int:
    import torch

    return torch.get_num_threads()


def extract_rate(log: Path, out: Path, detectors: str, head_dir: str | None) -> dict:
    from dsatkit.classifier.cascade import CascadeConfig, build_cascade
    from dsatkit.pipeline import ExtractConfig, extract

    labeler = build_cascade(CascadeConfig(detectors=detectors, head=head_dir))
    start = time.perf_counter()
    stats = extract([str(log)], out, ExtractConfig(detectors=detectors, overwrite=True), labeler=labeler)
    seconds = time.perf_counter() - start
    return {"detectors": detectors, "conversations": stats["conversations"], "user_turns": stats["user_turns"],
            "dsat_turns": stats["dsat_turns"], "seconds": round(seconds, 1),
            "conversations_per_s": round(stats["conversations"] / seconds, 1),
            "turns_per_s": round(stats["user_turns"] / seconds, 1)}


def speed(data_dir: Path, out: Path, synthetic_n: int, cascade_n: int, head_dir: str | None) -> dict:
    import itertools

    from throughput import generate

    result = {}
    lmsys = data_dir / "lmsys-chat-1000" / "lmsys_1000.jsonl"
    if lmsys.exists():
        result["embedding_lmsys"] = embedding_rate(_turns_of_file(lmsys), head_dir)
    out.mkdir(parents=True, exist_ok=True)
    log = out / f"synthetic-{synthetic_n}.jsonl"
    generate(log, synthetic_n)
    head_log = out / f"synthetic-{synthetic_n}-first-{cascade_n}.jsonl"
    with open(log, "rb") as src, open(head_log, "wb") as dst:
        dst.writelines(itertools.islice(src, cascade_n))
    result["embedding_synthetic"] = embedding_rate(_turns_of_file(head_log), head_dir)
    result["extract_heuristics"] = extract_rate(log, out / "extract-heuristics", "heuristics", head_dir)
    result["extract_heuristics_slice"] = extract_rate(head_log, out / "extract-heuristics-slice", "heuristics", head_dir)
    result["extract_cascade_slice"] = extract_rate(head_log, out / "extract-cascade-slice", "cascade", head_dir)
    log.unlink()
    return result


def _turns_of_file(path: Path) -> pl.DataFrame:
    from dsatkit.classifier.train import conversations_of
    from dsatkit.turns import turns_table

    conversations, _ = conversations_of([str(path)])
    return turns_table(conversations)


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def markdown(rows: list[dict], speed_result: dict | None) -> str:
    lines = [
        "DSAT = rephrase, correction, complaint, revision (SPEC §3). Judge off. EURTAD rows are cross-fitted "
        f"({FOLDS} folds of conversations); USS is never trained on (binary gold: mean rating <= 2).",
        "",
        "| set | DSAT support | heuristics P / R / F1 | head P / R / F1 | cascade P / R / F1 |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        if "reports" not in row:
            continue
        cells = []
        for name in DETECTORS:
            d = row["reports"][name]["dsat"]
            precision = d["precision"] if d["predicted"] else None
            recall = d["recall"] if d["support"] else None
            f1 = d["f1"] if d["predicted"] and d["support"] else None
            cells.append(f"{_fmt(precision)} / {_fmt(recall)} / {_fmt(f1)} ({d['predicted']})")
        support = row["reports"]["heuristics"]["dsat"]["support"]
        lines.append(f"| {row['set']} | {support} | " + " | ".join(cells) + " |")
    lines += ["", "(n) = turns predicted DSAT; '-' = undefined (nothing predicted or nothing to find).", ""]
    per_label = [r for r in rows if "reports" in r and not r["binary_only"]]
    if per_label:
        lines += ["Per label, recall (support), EURTAD:", "", "| set | detector | " + " | ".join(DSAT) + " | clarification |",
                  "|---|---|" + "---|" * (len(DSAT) + 1)]
        for row in per_label:
            for name in DETECTORS:
                labels = row["reports"][name]["per_label"]
                cells = [
                    "-" if not labels[lab]["support"] else f"{labels[lab]['recall']:.2f} ({labels[lab]['support']})"
                    for lab in (*DSAT, "clarification")
                ]
                lines.append(f"| {row['set']} | {name} | " + " | ".join(cells) + " |")
        lines.append("")
    for row in rows:
        if "breakdown" in row:
            lines += [f"{row['set']}: share of user turns flagged DSAT after a breakdown / after a fine answer / neither:", "",
                      "| detector | breakdown | fine | neither |", "|---|---|---|---|"]
            for name, r in row["breakdown"].items():
                lines.append(f"| {name} | {_fmt(r['breakdown'])} | {_fmt(r['clean'])} | {_fmt(r['unclear'])} |")
            lines.append("")
    if speed_result:
        lines += ["Speed (CPU):", "", "| run | turns | seconds | turns/s | conversations/s |", "|---|---|---|---|---|"]
        for key, r in speed_result.items():
            if key.startswith("embedding"):
                lines.append(f"| {key} (encode + features, k >= 1) | {r['turns_embedded']} | {r['seconds']} | {r['turns_per_s']} | - |")
            else:
                lines.append(f"| {key} ({r['conversations']} conversations) | {r['user_turns']} | {r['seconds']} | "
                             f"{r['turns_per_s']} | {r['conversations_per_s']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO / "bench-out")
    parser.add_argument("--sets", nargs="*", default=(), help="only sets whose name starts with these")
    parser.add_argument("--head", default=None, help="head folder; default: the packaged head")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--synthetic-n", type=int, default=200_000, help="conversations in the synthetic log")
    parser.add_argument("--cascade-n", type=int, default=2_000, help="conversations the cascade rate is measured on")
    args = parser.parse_args(argv)
    if not args.data_dir.is_dir():
        print(f"skipped: no dev data at {args.data_dir} (pass --data-dir to point at shared/data)")
        return 0
    rows = []
    if not args.no_quality:
        sets = build_devsets(args.data_dir, args.out / "devsets", args.sets)
        rows = quality(sets, args.out / "devsets", args.head)
    speed_result = None if args.no_speed else speed(args.data_dir, args.out / "classifier-speed", args.synthetic_n,
                                                     args.cascade_n, args.head)
    table = markdown(rows, speed_result)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "classifiers.md").write_text(table, encoding="utf-8")
    (args.out / "classifiers.json").write_text(json.dumps({"quality": rows, "speed": speed_result}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
