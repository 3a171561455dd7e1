"""Tiny hand-written anchors and a minimal `dsatkit extract`-like OUT folder (SPEC §4) built from them."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

_MESSAGE = pa.struct([("role", pa.string()), ("content", pa.string())])
# SPEC §4 anchor columns, written here so these fixtures do not depend on the pipeline's code.
SPEC_ANCHOR_SCHEMA = pa.schema([
    ("id", pa.string()), ("conversation_id", pa.string()), ("source", pa.string()), ("turn", pa.int32()),
    ("prompt", pa.list_(_MESSAGE)), ("rejected", pa.list_(_MESSAGE)), ("feedback", _MESSAGE),
    ("chosen", pa.list_(_MESSAGE)), ("label", pa.string()), ("confidence", pa.float64()), ("language", pa.string()),
])


def anchor(
    id: str,
    request: str = "How do I reverse a list in Python?",
    rejected: str = "Use list.sort().",
    feedback: str = "No, that sorts it. I asked how to reverse it.",
    chosen: str | None = None,
    label: str = "correction",
    language: str = "en",
    system: str | None = None,
) -> dict:
    prompt = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": request}]
    return {
        "id": id, "conversation_id": f"conv-{id}", "source": "logs.jsonl", "turn": 1,
        "prompt": prompt,
        "rejected": [{"role": "assistant", "content": rejected}],
        "feedback": {"role": "user", "content": feedback},
        "chosen": [{"role": "assistant", "content": chosen}] if chosen is not None else None,
        "label": label, "confidence": 0.9, "language": language,
    }


CLEAN_ANCHORS: dict[str, list[dict]] = {
    "train": [
        anchor("a1"),
        anchor("a2", "Summarise the plot of Hamlet in two lines.", "Hamlet is a play.", "Too short, give me the two lines I asked for.",
               chosen="A prince feigns madness to avenge his father; nearly everyone dies.", label="revision"),
        anchor("a3", "Traduis 'good morning' en français.", "Good morning.", "Ce n'est pas traduit.", label="complaint", language="fr"),
    ],
    "test": [anchor("a4", "What is 2+2?", "5", "That's wrong, it is 4.", label="correction")],
}


def minimal_stats(rows: dict[str, list[dict]]) -> dict:
    """Only SPEC §4's required stats keys, consistent with `rows`."""
    n = sum(len(v) for v in rows.values())
    return {
        "records_read": n + 1, "conversations": n, "quarantined": 1, "quarantined_by_reason": {"not_json": 1},
        "user_turns": 3 * n, "dsat_turns": n, "labels": {"neutral": 2 * n, "correction": n}, "anchors": n,
        "sat_pairs": sum(1 for v in rows.values() for a in v if a["chosen"]),
    }


def full_stats(rows: dict[str, list[dict]]) -> dict:
    """SPEC keys plus the optional ones the pipeline writes."""
    languages: dict[str, int] = {}
    for v in rows.values():
        for a in v:
            languages[a["language"]] = languages.get(a["language"], 0) + 1
    return {
        **minimal_stats(rows),
        "anchors_by_split": {k: len(v) for k, v in rows.items()},
        "languages": languages,
        "inputs": ["data/wildchat-sample.jsonl", "my_logs/"],
        "detectors": {"heuristics": {"fired": 7, "seconds": 0.12, "min_confidence": 0.5}},
        "filters": {
            "trivial": {"total": 5, "kept": 5, "dropped": 0, "dropped_by_reason": {}, "seconds": 0.0},
            "pii": {"total": 5, "kept": 5, "dropped": 0, "dropped_by_reason": {}, "seconds": 0.3, "mode": "redact",
                    "ner_model": None, "entity_types": ["EMAIL", "PHONE"], "score_threshold": 0.4,
                    "presidio_version": "2.2", "entities": {"EMAIL": 2}, "anchors_with_pii": 1},
        },
        "anchors_dropped_by_reason": {"exact_dedup:exact_duplicate": 1},
        "timings": {"read_s": 0.1, "detect_s": 0.2, "write_s": 0.1, "total_s": 0.4},
        "tool": {"name": "dsatkit", "version": "0.1.0"},
        "options": {"test_size": 0.25},
    }


def write_out(folder: Path, rows: dict[str, list[dict]] | None = None, stats: dict | None = None) -> Path:
    """OUT/anchors/{split}-00000-of-00001.parquet, OUT/stats.json and both cards."""
    from dsatkit.card import write_extract_cards

    rows = CLEAN_ANCHORS if rows is None else rows
    stats = full_stats(rows) if stats is None else stats
    (folder / "anchors").mkdir(parents=True, exist_ok=True)
    for split, split_rows in rows.items():
        table = pa.Table.from_pylist(split_rows, schema=SPEC_ANCHOR_SCHEMA)
        pq.write_table(table, folder / "anchors" / f"{split}-00000-of-00001.parquet")
    (folder / "stats.json").write_text(json.dumps(stats, indent=2), encoding="utf-8")
    write_extract_cards(folder, stats)
    return folder
