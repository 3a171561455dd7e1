"""Quality of `dsatkit extract` on the labelled dev sets in ../shared/data (USS, EURTAD, DBDC3).

Builds the sets into SPEC inputs + gold files (devsets.py), runs `extract` and `evaluate` on each and
prints one table; writes it as markdown to OUT/quality.md and the full reports to OUT/quality.json.
Skips cleanly (exit 0, one line) when the data folder is absent.

    python benchmarks/run_quality.py                      # heuristics only
    python benchmarks/run_quality.py --sets eurtad --detectors cascade
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import polars as pl

from devsets import DevSet, build_devsets

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data"
UR5_SENSITIVITY = ("eurtad-selffeeding",)
SPEC_REACTIONS = ("rephrase", "correction", "complaint", "revision", "clarification")


def run_set(devset: DevSet, devset_dir: Path, out_root: Path, detectors: str) -> dict:
    from dsatkit.evaluate import evaluate
    from dsatkit.pipeline import ExtractConfig, extract

    folder = devset_dir / devset.name
    out = out_root / devset.name
    stats = extract([str(folder / "conversations.jsonl")], out, ExtractConfig(detectors=detectors, overwrite=True))
    row = {
        "set": devset.name,
        "conversations": stats["conversations"],
        "quarantined": stats["quarantined"],
        "conversations_per_s": stats.get("conversations_per_s"),
        "binary_only": devset.binary_only,
    }
    if devset.gold:
        row["report"] = evaluate(folder / "gold.jsonl", out)
    if devset.name in UR5_SENSITIVITY:
        row["report_ur5_as_dsat"] = ur5_as_dsat(folder / "gold.jsonl", out / "signals.parquet")
    if devset.breakdown:
        row["breakdown"] = breakdown_rates(out / "signals.parquet", folder / "breakdown.jsonl")
    return row


def ur5_as_dsat(gold_path: Path, signals_path: Path) -> dict:
    """Binary figures if EURTAD's "ask for clarification" (UR5) counted as DSAT.

    On the human-bot split most UR5 turns are "what are you talking about?" after a nonsensical
    answer, which reads as much like a complaint as a question; this row shows how much of the
    precision gap is that single mapping decision.
    """
    from dsatkit.evaluate import evaluate_frames, read_gold

    gold = read_gold(gold_path).with_columns(pl.col("label").replace({"clarification": "complaint"}))
    return evaluate_frames(gold, pl.read_parquet(signals_path))


def breakdown_rates(signals_path: Path, breakdown_path: Path) -> dict:
    """Share of user turns flagged DSAT after a breakdown vs after a clearly fine answer (DBDC3)."""
    signals = pl.read_parquet(signals_path).select("conversation_id", pl.col("turn").cast(pl.Int64), "is_dsat")
    groups = pl.read_ndjson(breakdown_path).join(signals, on=["conversation_id", "turn"], how="left")
    rates = {}
    for after in ("breakdown", "clean", "unclear"):
        part = groups.filter(pl.col("after") == after)
        flagged = int(part["is_dsat"].fill_null(False).sum())
        rates[after] = {"turns": part.height, "flagged": flagged, "rate": round(flagged / part.height, 4) if part.height else None}
    clean = rates["clean"]["rate"]
    rates["lift"] = round(rates["breakdown"]["rate"] / clean, 2) if clean else None
    return rates


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def markdown(rows: list[dict], detectors: str) -> str:
    lines = [
        f"Detectors: `{detectors}`. DSAT = rephrase, correction, complaint, revision (SPEC §3); gold turns are user turns k >= 1.",
        "",
        "| set | conversations | gold turns | DSAT support | predicted DSAT | DSAT precision | DSAT recall | DSAT F1 | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if "report" not in row:
            continue
        d = row["report"]["dsat"]
        note = "binary only (gold: mean rating <= 2)" if row["binary_only"] else ""
        if row["set"] == "eurtad-selffeeding":
            note = "human-bot split"
        # Undefined figures (nothing predicted, nothing to find) print as "-", not as a misleading 0.
        precision = d["precision"] if d["predicted"] else None
        recall = d["recall"] if d["support"] else None
        f1 = d["f1"] if d["predicted"] and d["support"] else None
        lines.append(
            f"| {row['set']} | {row['conversations']} | {row['report']['turns']} | {d['support']} | {d['predicted']} "
            f"| {_pct(precision)} | {_pct(recall)} | {_pct(f1)} | {note} |"
        )
        if "report_ur5_as_dsat" in row:
            d = row["report_ur5_as_dsat"]["dsat"]
            lines.append(
                f"| {row['set']} (UR5 as DSAT) | {row['conversations']} | {row['report']['turns']} | {d['support']} "
                f"| {d['predicted']} | {_pct(d['precision'])} | {_pct(d['recall'])} | {_pct(d['f1'])} "
                "| sensitivity: clarification gold counted as DSAT |"
            )
    per_label = [r for r in rows if "report" in r and not r["binary_only"]]
    if per_label:
        lines += ["", "Per label (EURTAD), recall / precision (support):", "",
                  "| set | " + " | ".join(SPEC_REACTIONS) + " |", "|---|" + "---|" * len(SPEC_REACTIONS)]
        for row in per_label:
            cells = []
            for label in SPEC_REACTIONS:
                m = row["report"]["per_label"][label]
                precision = f"{m['precision']:.2f}" if m["predicted"] else "-"
                cells.append("-" if not m["support"] else f"{m['recall']:.2f} / {precision} ({m['support']})")
            lines.append(f"| {row['set']} | " + " | ".join(cells) + " |")
    for row in rows:
        if "breakdown" not in row:
            continue
        b = row["breakdown"]
        lines += [
            "",
            f"{row['set']}: no SPEC gold (a breakdown label says the answer was bad, not how the user reacted). "
            "Share of user turns flagged DSAT, by the crowd's verdict on the system turn before them:",
            "",
            "| system turn before | user turns | flagged DSAT | rate |",
            "|---|---|---|---|",
        ]
        for after, what in (("breakdown", "breakdown (X share >= 0.5)"), ("clean", "fine (O share >= 0.5)"),
                            ("unclear", "neither")):
            lines.append(f"| {what} | {b[after]['turns']} | {b[after]['flagged']} | {_pct(b[after]['rate'])} |")
        lines.append(f"\nLift (rate after breakdown / rate after fine): {b['lift']}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="folder holding uss/, eurtad/, dbdc3/")
    parser.add_argument("--out", type=Path, default=REPO / "bench-out", help="where devsets, outputs and tables go")
    parser.add_argument("--sets", nargs="*", default=(), help="only sets whose name starts with these (uss, eurtad, dbdc3)")
    parser.add_argument("--detectors", default="heuristics", choices=("heuristics", "cascade"))
    args = parser.parse_args(argv)

    if not args.data_dir.is_dir():
        print(f"skipped: no dev data at {args.data_dir} (pass --data-dir to point at shared/data)")
        return 0
    devset_dir = args.out / "devsets"
    sets = build_devsets(args.data_dir, devset_dir, args.sets)
    if not sets:
        print(f"skipped: {args.data_dir} holds none of uss/, eurtad/, dbdc3/")
        return 0
    rows = []
    for devset in sets:
        print(f"{devset.name}: {len(devset.records)} conversations, {len(devset.gold)} gold turns", file=sys.stderr)
        rows.append(run_set(devset, devset_dir, args.out / "quality", args.detectors))
    table = markdown(rows, args.detectors)
    print(table)
    (args.out / "quality.md").write_text(table, encoding="utf-8")
    summaries = {s.name: s.summary() for s in sets}
    for row in rows:
        row["devset"] = summaries[row["set"]]
        if row["binary_only"] and "report" in row:  # USS gold has two labels: per-label figures mislead
            for key in ("per_label", "confusion"):
                row["report"].pop(key, None)
        if "report_ur5_as_dsat" in row:
            for key in ("per_label", "confusion"):
                row["report_ur5_as_dsat"].pop(key, None)
    (args.out / "quality.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out / 'quality.md'} and {args.out / 'quality.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
