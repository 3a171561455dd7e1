"""Throughput of `dsatkit extract` (heuristics only) against a plain orjson parse of the same log.

Writes a synthetic OpenAI-messages JSONL of N conversations (lengths shaped like LMSYS-Chat logs:
1-12 user turns, ~50-character user turns and ~600-character answers at the median, about one
follow-up in four carrying a DSAT cue, one in ten not in English), then runs, each in a fresh
subprocess so its peak RSS (resource.getrusage ru_maxrss) is its own:
  - parse: read the file line by line and orjson.loads every line (the floor any reader pays);
  - extract: dsatkit.pipeline.extract with the default heuristics, writing a full OUT folder, once
    with the default anchor filters (PII, exact and near dedup, quality) and once without them.

    python benchmarks/throughput.py                 # N = 200,000
    python benchmarks/throughput.py --n 200000 1000000

Figures print as a table and go to OUT/throughput.md and OUT/throughput.json. Timings are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]

_SUBJECTS = ["The function", "This approach", "Your config", "The library", "A cache", "The query", "The model",
             "This recipe", "The plan", "Each request", "The index", "The team", "A quick test", "The result"]
_VERBS = ["reads", "returns", "updates", "checks", "skips", "stores", "sorts", "splits", "merges", "validates",
          "builds", "limits", "formats", "compares"]
_OBJECTS = ["the input file", "every row", "the last value", "a sorted list", "the user settings", "two columns",
            "the main loop", "the error message", "a small buffer", "the final answer", "the whole table",
            "each token", "the date field", "a nested dict"]
_TAILS = ["before it writes anything", "so the output stays stable", "when the value is missing",
          "in about a second", "without extra memory", "and logs a warning", "for each batch",
          "unless you pass a flag", "as the docs describe", "which keeps it simple"]
_REQUESTS = ["How do I {v} {o} in Python?", "Can you explain why {s} {v} {o}?", "Write a short note about {o}.",
             "What is the best way to handle {o}?", "Give me three tips for {o}.", "Summarise how {s} {v} {o}."]
_NEUTRAL = ["And what about {o}?", "Can you also show {o}?", "Next question: how do I handle {o}?",
            "Ok. What if {s} {v} {o}?", "How long does that take for {o}?", "Now do the same for {o}."]
_POSITIVE = ["Thanks, that worked!", "Great, thank you.", "Perfect, exactly what I needed.", "thx", "Nice, thanks a lot!"]
_DSAT = ["That's wrong, it should use {o} instead.", "No, I meant {o}, not that.", "This doesn't answer my question.",
         "Make it shorter please.", "continue", "I said {o}, you ignored that.", "That is not what I asked.",
         "Can you redo it in a table?", "you stopped in the middle", "Again: how do I {v} {o}?",
         "Esto no es lo que pedí.", "Das ist falsch.", "C'est faux, recommence.", "Это неправильно."]
_FOREIGN = ["¿Cómo puedo ordenar una lista en Python?", "Comment lire un fichier CSV avec pandas ?",
            "Wie kann ich eine Tabelle sortieren?", "Как отсортировать список?", "如何在Python中读取文件？",
            "Como faço para ordenar uma lista?"]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(s=rng.choice(_SUBJECTS), v=rng.choice(_VERBS), o=rng.choice(_OBJECTS))


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}."


def _answer(rng: random.Random) -> str:
    chars = min(8_000, max(40, int(rng.lognormvariate(math.log(600), 0.9))))
    parts, size = [], 0
    while size < chars:
        parts.append(_sentence(rng))
        size += len(parts[-1]) + 1
    return " ".join(parts)


def _follow_up(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.25:
        return _fill(rng.choice(_DSAT), rng)
    if roll < 0.37:
        return rng.choice(_POSITIVE)
    text = _fill(rng.choice(_NEUTRAL), rng)
    # A long-tailed share of long user turns (pasted code or text), as in real logs.
    return text + " " + " ".join(_sentence(rng) for _ in range(rng.randint(3, 12))) if rng.random() < 0.1 else text


def generate(path: Path, n: int, seed: int = 0) -> int:
    """Write n synthetic conversations to path; returns the file size in bytes."""
    rng = random.Random(seed)
    with open(path, "wb") as fh:
        for i in range(n):
            user_turns = min(12, 1 + int(rng.expovariate(1 / 1.5)))
            first = rng.choice(_FOREIGN) if rng.random() < 0.1 else _fill(rng.choice(_REQUESTS), rng)
            messages = [{"role": "system", "content": "You are a helpful assistant."}] if rng.random() < 0.2 else []
            for k in range(user_turns):
                messages.append({"role": "user", "content": first if k == 0 else _follow_up(rng)})
                messages.append({"role": "assistant", "content": _answer(rng)})
            fh.write(orjson.dumps({"id": f"synthetic-{i:08d}", "messages": messages}) + b"\n")
    return path.stat().st_size


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _child_parse(path: str) -> dict:
    start, n = time.perf_counter(), 0
    with open(path, "rb") as fh:
        for line in fh:
            orjson.loads(line)
            n += 1
    return {"conversations": n, "seconds": time.perf_counter() - start, "peak_rss_mb": _peak_rss_mb()}


def _child_extract(path: str, out: str, filters: str) -> dict:
    from dsatkit.pipeline import ExtractConfig, extract

    start = time.perf_counter()
    # filters "default": the anchor filter chain extract runs by default (PII, dedup, quality);
    # "none": detection, anchors and writing only, to separate their cost from the filters'.
    anchor_filters = None if filters == "default" else []
    stats = extract([path], out, ExtractConfig(detectors="heuristics", overwrite=True), anchor_filters=anchor_filters)
    return {
        "conversations": stats["conversations"],
        "seconds": time.perf_counter() - start,
        "peak_rss_mb": _peak_rss_mb(),
        "dsat_turns": stats["dsat_turns"],
        "user_turns": stats["user_turns"],
        "anchors": stats["anchors"],
        "timings": stats["timings"],
        "filter_seconds": {name: f.get("seconds") for name, f in stats.get("filters", {}).items()},
    }


def measure(mode: str, *args: str) -> dict:
    """Run one measurement in a fresh interpreter, so imports and peak RSS belong to it alone."""
    cmd = [sys.executable, str(Path(__file__).resolve()), f"_{mode}", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} run failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["conversations_per_s"] = round(result["conversations"] / result["seconds"], 1)
    return result


RUNS = {"parse": "orjson parse only", "extract": "extract (heuristics, default anchor filters)",
        "extract_nofilters": "extract (heuristics, no anchor filters)"}


def markdown(rows: list[dict]) -> str:
    lines = [
        "| conversations | file MB | run | conv/s | / parse | peak RSS MB | anchors |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        base = r["parse"]["conversations_per_s"]
        for key, what in RUNS.items():
            if key not in r:
                continue
            m = r[key]
            lines.append(
                f"| {r['n']:,} | {r['file_mb']:,.0f} | {what} | {m['conversations_per_s']:,.0f} "
                f"| {m['conversations_per_s'] / base:.3f} | {m['peak_rss_mb']:,.0f} | {m.get('anchors', '-')} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_parse":
        print(json.dumps(_child_parse(argv[1])))
        return 0
    if argv and argv[0] == "_extract":
        print(json.dumps(_child_extract(argv[1], argv[2], argv[3])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[200_000], help="conversation counts to run")
    parser.add_argument("--out", type=Path, default=REPO / "bench-out" / "throughput", help="work and result folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the synthetic logs and extract outputs")
    parser.add_argument("--no-filter-run", action="store_true", help="skip the extra extract run without anchor filters")
    args = parser.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.n:
        log = args.out / f"synthetic-{n}.jsonl"
        t0 = time.perf_counter()
        size = generate(log, n, args.seed)
        print(f"generated {n:,} conversations ({size / 2**20:,.0f} MB) in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
        row = {"n": n, "file_mb": size / 2**20, "parse": measure("parse", str(log))}
        row["extract"] = measure("extract", str(log), str(args.out / f"extract-{n}"), "default")
        if not args.no_filter_run:
            row["extract_nofilters"] = measure("extract", str(log), str(args.out / f"extract-{n}-nofilters"), "none")
        rows.append(row)
        print(markdown(rows[-1:]), file=sys.stderr)
        if not args.keep:
            log.unlink()
            for suffix in ("", "-nofilters"):
                shutil.rmtree(args.out / f"extract-{n}{suffix}", ignore_errors=True)
    table = markdown(rows)
    print(table)
    (args.out / "throughput.md").write_text(table, encoding="utf-8")
    (args.out / "throughput.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
