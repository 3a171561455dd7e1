"""Writers of an extract output folder. All write into a temporary folder that `OutputFolder` moves
into place at the end, so a crash never leaves a half-written output behind."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import orjson
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from dsatkit.anchors import ANCHOR_SCHEMA
from dsatkit.detect.base import SIGNAL_SCHEMA
from dsatkit.errors import OutputExistsError
from dsatkit.records import Quarantined

# Fixed writer options keep the bytes identical for identical input.
_PARQUET_OPTIONS = {"compression": "zstd", "write_statistics": True, "use_dictionary": True}


class OutputFolder:
    """A temporary sibling of `final` that replaces it atomically on `commit()`."""

    def __init__(self, final: str | os.PathLike, overwrite: bool = False):
        self.final = Path(final)
        if self.final.exists() and not self.final.is_dir():
            raise OutputExistsError(f"'{self.final}' exists and is not a folder; choose another -o")
        if self.final.is_dir() and any(self.final.iterdir()):
            if not overwrite:
                raise OutputExistsError(
                    f"output folder '{self.final}' already exists; pass --overwrite to replace it, or choose another -o"
                )
            if not (self.final / "stats.json").exists():
                # --overwrite must never delete a folder that is not ours (think `-o .`).
                raise OutputExistsError(
                    f"'{self.final}' is not a dsatkit output (it has no stats.json); refusing to replace it "
                    "even with --overwrite: choose another -o"
                )
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.final.parent / f".{self.final.name}.tmp-{os.getpid()}"
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.tmp.mkdir()

    def commit(self) -> Path:
        old = None
        if self.final.exists():
            old = self.final.parent / f".{self.final.name}.old-{os.getpid()}"
            self.final.rename(old)
        self.tmp.rename(self.final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.final

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


class QuarantineWriter:
    def __init__(self, path: Path):
        self.fh = open(path, "wb")
        self.count = 0
        self.by_reason: dict[str, int] = {}

    def write(self, q: Quarantined) -> None:
        row = {"source": q.source, "line": q.line, "reason": q.reason, "detail": q.detail, "raw": q.raw}
        self.fh.write(orjson.dumps(row) + b"\n")
        self.count += 1
        self.by_reason[q.reason] = self.by_reason.get(q.reason, 0) + 1

    def close(self) -> None:
        self.fh.close()


class JsonlWriter:
    """Anchors dropped by a filter, with the filter and the reason, so every drop is auditable."""

    def __init__(self, path: Path):
        self.fh = open(path, "wb")

    def write(self, row: dict) -> None:
        self.fh.write(orjson.dumps(row) + b"\n")

    def close(self) -> None:
        self.fh.close()


class SignalWriter:
    def __init__(self, path: Path):
        self.schema = pl.DataFrame(schema=SIGNAL_SCHEMA).to_arrow().schema
        self.writer = pq.ParquetWriter(path, self.schema, **_PARQUET_OPTIONS)

    def write(self, signals: pl.DataFrame) -> None:
        if signals.height:
            self.writer.write_table(signals.select(list(SIGNAL_SCHEMA)).to_arrow().cast(self.schema))

    def close(self) -> None:
        self.writer.close()


class AnchorWriter:
    """Parquet shards per split, rolled every `shard_rows` rows and renamed `SPLIT-0000i-of-0000N`
    at close, the layout `datasets.load_dataset` reads as splits. Rows are flushed in row groups of
    `group_rows`, so memory holds one row group per split, not a shard."""

    def __init__(self, folder: Path, shard_rows: int = 100_000, group_rows: int = 2_000):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.shard_rows = shard_rows
        self.group_rows = group_rows
        self.buffers: dict[str, list[dict]] = {}
        self.writers: dict[str, tuple[pq.ParquetWriter, int]] = {}  # split -> (writer, rows in shard)
        self.shards: dict[str, list[Path]] = {}
        self.counts: dict[str, int] = {}

    def write(self, anchor: dict, split: str) -> None:
        buf = self.buffers.setdefault(split, [])
        buf.append(anchor)
        self.counts[split] = self.counts.get(split, 0) + 1
        if len(buf) >= self.group_rows:
            self._flush(split)

    def _flush(self, split: str) -> None:
        rows = self.buffers.get(split)
        while rows:
            writer, in_shard = self.writers.get(split, (None, 0))
            if writer is None:
                paths = self.shards.setdefault(split, [])
                path = self.folder / f".{split}-{len(paths):05d}.parquet"
                writer = pq.ParquetWriter(path, ANCHOR_SCHEMA, **_PARQUET_OPTIONS)
                paths.append(path)
            take = rows[: self.shard_rows - in_shard]
            rows = rows[len(take) :]
            writer.write_table(pa.Table.from_pylist(take, schema=ANCHOR_SCHEMA))
            in_shard += len(take)
            if in_shard >= self.shard_rows:
                writer.close()
                self.writers.pop(split, None)
            else:
                self.writers[split] = (writer, in_shard)
        self.buffers[split] = []

    def close(self) -> dict[str, list[str]]:
        for split in list(self.buffers):
            self._flush(split)
        for writer, _ in self.writers.values():
            writer.close()
        self.writers.clear()
        if not self.shards:
            # No anchors at all: still write an empty train shard so the folder loads with its schema.
            self.shards["train"] = [self.folder / ".train-00000.parquet"]
            pq.write_table(ANCHOR_SCHEMA.empty_table(), self.shards["train"][0], **_PARQUET_OPTIONS)
        files: dict[str, list[str]] = {}
        for split, paths in sorted(self.shards.items()):
            total = len(paths)
            for i, path in enumerate(paths):
                final = self.folder / f"{split}-{i:05d}-of-{total:05d}.parquet"
                path.rename(final)
                files.setdefault(split, []).append(final.name)
        return files


def write_json(path: Path, data: dict) -> None:
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
