"""`extract`: read -> normalise -> detect -> build anchors -> filter -> write, streaming in batches."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl

from dsatkit import __version__
from dsatkit.anchors import build_anchors
from dsatkit.card import write_extract_cards
from dsatkit.detect.base import Detector, combine
from dsatkit.errors import BadRecordError
from dsatkit.classifier.cascade import CascadeConfig
from dsatkit.filters.config import AnchorFilterConfig, build_anchor_filters
from dsatkit.judge.config import JudgeConfig
from dsatkit.io.sources import Source, resolve_inputs
from dsatkit.normalise import FORMATS, Normaliser
from dsatkit.records import DSAT_LABELS, LABELS, Conversation, Quarantined
from dsatkit.splits import split_of
from dsatkit.turns import turns_table
from dsatkit.writers import AnchorWriter, JsonlWriter, OutputFolder, QuarantineWriter, SignalWriter, write_json


class Labeler(Protocol):
    """Turns a table of user turns into signals (SIGNAL_SCHEMA). Heuristics and the cascade both are."""

    def __call__(self, turns: pl.DataFrame) -> pl.DataFrame: ...

    def stats(self) -> dict: ...


class DetectorLabeler:
    """Runs a list of detectors and merges their outputs with `combine`."""

    def __init__(self, detectors: Sequence[Detector]):
        self.detectors = list(detectors)

    def __call__(self, turns: pl.DataFrame) -> pl.DataFrame:
        return combine(turns, {d.name: d(turns) for d in self.detectors})

    def stats(self) -> dict:
        return {d.name: d.stats() for d in self.detectors}


@dataclass
class ExtractConfig:
    format: str | None = field(
        default=None, metadata={"help": f"Force an input format ({', '.join(FORMATS)}); auto-detected per record by default."}
    )
    detectors: str = field(
        default="heuristics",
        metadata={"help": "'heuristics' (cue rules), or 'cascade' (heuristics + trained head, + judge if on)."},
    )
    batch_size: int = field(default=20_000, metadata={"help": "Conversations per detection batch (fixed regex costs are paid per batch)."})
    max_message_chars: int = field(
        default=100_000, metadata={"help": "Messages longer than this quarantine their record."}
    )
    test_size: float = field(default=0.1, metadata={"help": "Share of anchors put in the test split (by id hash)."})
    shard_rows: int = field(default=100_000, metadata={"help": "Anchors per parquet shard."})
    strict: bool = field(default=False, metadata={"help": "Fail on the first bad record instead of quarantining it."})
    overwrite: bool = field(default=False, metadata={"help": "Replace an existing output folder."})
    filters: AnchorFilterConfig = field(
        default_factory=AnchorFilterConfig, metadata={"help": "PII, dedup, quality and language filters on anchors."}
    )
    cascade: CascadeConfig = field(
        default_factory=CascadeConfig, metadata={"help": "Head, embedding model and thresholds of the cascade."}
    )
    judge: JudgeConfig = field(
        default_factory=JudgeConfig, metadata={"help": "LLM judge the cascade asks about uncertain turns."}
    )

    def __post_init__(self) -> None:
        if self.format is not None and self.format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)} or None, got '{self.format}'")
        if self.detectors not in ("heuristics", "cascade"):
            raise ValueError(f"detectors must be 'heuristics' or 'cascade', got '{self.detectors}'")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.max_message_chars < 1:
            raise ValueError(f"max_message_chars must be >= 1, got {self.max_message_chars}")
        if not 0.0 <= self.test_size < 1.0:
            raise ValueError(f"test_size must be in [0, 1), got {self.test_size}")
        if self.shard_rows < 1:
            raise ValueError(f"shard_rows must be >= 1, got {self.shard_rows}")


def options_dict(config) -> dict:
    """A config as plain data for stats.json; fields marked secret (API keys) never leave memory."""
    out = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if f.metadata.get("secret"):
            value = None if value is None else "***"
        elif dataclasses.is_dataclass(value):
            value = options_dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def default_labeler(config: ExtractConfig) -> Labeler:
    from dsatkit.detect.heuristics import default_heuristics

    if config.detectors == "cascade":
        from dsatkit.classifier.cascade import build_cascade

        cascade = dataclasses.replace(config.cascade, detectors="cascade")
        return build_cascade(cascade, judge_config=config.judge if cascade.judge else None)
    return DetectorLabeler(default_heuristics())


class _Progress:
    """A rich bar over input bytes (records where sizes are unknown); silent when not on a terminal."""

    def __init__(self, sources: list[Source], enabled: bool):
        self.bar = None
        if not enabled:
            return
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.bar = Progress(
            TextColumn("[bold]extract"), BarColumn(), TextColumn("{task.fields[convs]:,} conversations"),
            TimeElapsedColumn(), TimeRemainingColumn(), transient=False,
        )
        total = sum(s.size() for s in sources) or None
        self.task = self.bar.add_task("extract", total=total, convs=0)
        self.bar.start()

    def update(self, done_bytes: int, conversations: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done_bytes, convs=conversations)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def extract(
    inputs: Sequence[str] | str,
    out_dir: str | Path,
    config: ExtractConfig | None = None,
    labeler: Labeler | None = None,
    anchor_filters: Iterable | None = None,
    progress: bool = False,
    on_quarantine: Callable[[Quarantined], None] | None = None,
) -> dict:
    """Mine DSAT signals and anchors from `inputs` into `out_dir` (SPEC §4). Returns the stats dict.

    `labeler` defaults to the detector set of `config.detectors`; `anchor_filters` defaults to the
    chain `config.filters` describes (pass `[]` to keep every anchor as built).
    """
    config = config or ExtractConfig()
    inputs = [inputs] if isinstance(inputs, (str, Path)) else [str(i) for i in inputs]
    sources = resolve_inputs(inputs)
    labeler = labeler if labeler is not None else default_labeler(config)
    filters = build_anchor_filters(config.filters) if anchor_filters is None else list(anchor_filters)
    folder = OutputFolder(out_dir, overwrite=config.overwrite)
    try:
        stats = _run(sources, folder.tmp, config, labeler, filters, progress, on_quarantine)
        write_json(folder.tmp / "stats.json", stats)
        write_extract_cards(folder.tmp, stats)
    except BaseException:
        folder.abort()
        raise
    folder.commit()
    return stats


def _run(sources, tmp: Path, config, labeler, filters, progress, on_quarantine) -> dict:
    started = time.perf_counter()
    normaliser = Normaliser(config.format, config.max_message_chars, strict=config.strict)
    quarantine = QuarantineWriter(tmp / "quarantine.jsonl")
    dropped = JsonlWriter(tmp / "filtered.jsonl")
    signals_out = SignalWriter(tmp / "signals.parquet")
    anchors_out = AnchorWriter(tmp / "anchors", shard_rows=config.shard_rows)
    counts = Counter()
    labels: Counter = Counter()
    languages: Counter = Counter()
    dropped_by_reason: Counter = Counter()
    empty_inputs: list[str] = []
    timings = Counter()
    bar = _Progress(sources, progress)
    batch: list[Conversation] = []
    done_bytes = 0

    def flush() -> None:
        t0 = time.perf_counter()
        turns = turns_table(batch)
        signals = labeler(turns)
        t1 = time.perf_counter()
        signals_out.write(signals)
        counts["user_turns"] += signals.height
        for label, n in signals["label"].value_counts().iter_rows():
            labels[label] += n
        for anchor in _filtered(build_anchors(batch, signals.with_columns(turns["conv_index"])), filters, dropped, dropped_by_reason):
            anchors_out.write(anchor, split_of(anchor["id"], config.test_size))
            counts["anchors"] += 1
            counts["sat_pairs"] += anchor["chosen"] is not None
            languages[anchor["language"]] += 1
        timings["detect_s"] += t1 - t0
        timings["write_s"] += time.perf_counter() - t1
        batch.clear()

    try:
        for source in sources:
            before = counts["records_read"]
            for item in source.records():
                counts["records_read"] += 1
                if not isinstance(item, Quarantined):
                    item = normaliser(item)
                if isinstance(item, Quarantined):
                    if config.strict:
                        raise BadRecordError(f"{item.source}:{item.line}: {item.reason}: {item.detail}")
                    quarantine.write(item)
                    if on_quarantine is not None:
                        on_quarantine(item)
                    continue
                counts["conversations"] += 1
                batch.append(item)
                if len(batch) >= config.batch_size:
                    flush()
                if counts["records_read"] % 2_000 == 0:
                    bar.update(done_bytes + source.bytes_read(), counts["conversations"])
            if counts["records_read"] == before:
                empty_inputs.append(source.location)
            done_bytes += source.size()
            bar.update(done_bytes, counts["conversations"])
        if batch:
            flush()
    finally:
        bar.close()
        quarantine.close()
        dropped.close()
        signals_out.close()
        files = anchors_out.close()
    total = time.perf_counter() - started
    timings["read_s"] = total - timings["detect_s"] - timings["write_s"]
    stats = {
        "records_read": counts["records_read"],
        "conversations": counts["conversations"],
        "quarantined": quarantine.count,
        "quarantined_by_reason": dict(sorted(quarantine.by_reason.items())),
        "user_turns": counts["user_turns"],
        "dsat_turns": sum(n for label, n in labels.items() if label in DSAT_LABELS),
        "labels": {label: labels.get(label, 0) for label in LABELS},
        "anchors": counts["anchors"],
        "sat_pairs": counts["sat_pairs"],
        "anchors_by_split": {split: anchors_out.counts.get(split, 0) for split in ("train", "test")},
        "anchors_dropped": sum(dropped_by_reason.values()),
        "anchors_dropped_by_reason": dict(sorted(dropped_by_reason.items())),
        "anchor_files": {split: [f"anchors/{name}" for name in names] for split, names in files.items()},
        "languages": dict(languages.most_common()),
        "inputs": [s.location for s in sources],
        "empty_inputs": empty_inputs,
        "detectors": labeler.stats(),
        "filters": {f.name: f.stats() for f in filters},
        "timings": {k: round(v, 3) for k, v in sorted(timings.items())} | {"total_s": round(total, 3)},
        "conversations_per_s": round(counts["conversations"] / total, 1) if total > 0 else None,
        "tool": {"name": "dsatkit", "version": __version__},
        "options": options_dict(config),
    }
    assert stats["records_read"] == stats["conversations"] + stats["quarantined"], "record counts do not add up"
    return stats


def _filtered(anchors, filters, dropped: JsonlWriter, dropped_by_reason: Counter):
    if not filters:
        yield from anchors
        return
    from dsatkit.filters.base import run_filters

    for anchor, by, reason in run_filters(filters, anchors):
        if by is None:
            yield anchor
        else:
            dropped_by_reason[f"{by}:{reason}"] += 1
            dropped.write({"filter": by, "reason": reason, "anchor": anchor})
