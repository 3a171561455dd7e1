"""Input sources: turn paths, folders, globs and dataset ids into streams of raw records.

Every source streams: JSONL line by line, parquet by row group, datasets row by row. Only a `.json`
file holding one JSON array is parsed whole (a JSON array cannot be streamed without a second parser).
"""

from __future__ import annotations

import glob
import gzip
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from dsatkit.errors import InputNotFoundError
from dsatkit.records import Quarantined, RawRecord

FILE_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz", ".parquet")
RAW_LIMIT = 10_000  # characters of the raw record kept in the quarantine
MAX_LINE_BYTES = 64 * 1024 * 1024  # a line larger than this is quarantined unparsed
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_BOM = b"\xef\xbb\xbf"


def clip(text: str, limit: int = RAW_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more characters]"


def _kind_of(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in FILE_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return None


@dataclass
class Source:
    """One input: a file of a known kind, a saved `datasets` folder, or a hub dataset id."""

    location: str
    kind: str  # one of FILE_SUFFIXES, "saved_dataset" or "hub_dataset"

    @property
    def name(self) -> str:
        """The `source` field of records: a file's name, or the dataset path or id."""
        return Path(self.location).name if self.kind in FILE_SUFFIXES else self.location

    def size(self) -> int:
        return os.path.getsize(self.location) if self.kind in FILE_SUFFIXES else 0

    def bytes_read(self) -> int:
        """How far into the file (on disk, so compressed for .gz) reading has come: for progress bars."""
        fh = getattr(self, "_fh", None)
        if fh is None or fh.closed:
            return 0
        raw = getattr(fh, "fileobj", None) or fh  # a GzipFile reports the compressed position
        try:
            return raw.tell()
        except (OSError, ValueError):
            return 0

    def records(self) -> Iterator[RawRecord | Quarantined]:
        if self.kind in (".jsonl", ".jsonl.gz"):
            yield from self._jsonl()
        elif self.kind in (".json", ".json.gz"):
            yield from self._json()
        elif self.kind == ".parquet":
            yield from self._parquet()
        else:
            yield from self._dataset()

    def _open(self):
        if self.location.lower().endswith(".gz"):
            return gzip.open(self.location, "rb")
        return open(self.location, "rb")

    def _jsonl(self) -> Iterator[RawRecord | Quarantined]:
        name = self.name
        with self._open() as fh:
            self._fh = fh
            lineno = 0
            try:
                for lineno, line in enumerate(fh, start=1):
                    if lineno == 1 and line.startswith(_BOM):
                        line = line[len(_BOM) :]
                    if not line.strip():
                        continue
                    yield self._parse_line(name, lineno, line)
            except (OSError, EOFError) as exc:  # corrupt or truncated gzip stream
                yield Quarantined(
                    name, lineno + 1, "unreadable_file",
                    f"could not read past line {lineno}: {exc}; the rest of the file is lost",
                )

    @staticmethod
    def _parse_line(name: str, lineno: int, line: bytes) -> RawRecord | Quarantined:
        if len(line) > MAX_LINE_BYTES:
            return Quarantined(
                name, lineno, "oversize_record",
                f"line is {len(line):,} bytes; the limit is {MAX_LINE_BYTES:,} bytes",
                clip(line[:RAW_LIMIT * 4].decode("utf-8", "replace")),
            )
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return Quarantined(
                name, lineno, "not_utf8",
                f"byte 0x{line[exc.start]:02x} at offset {exc.start} is not valid UTF-8; expected UTF-8 text",
                clip(line.decode("utf-8", "replace")),
            )
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            truncated = not line.endswith(b"\n")
            reason = "truncated_line" if truncated else "not_json"
            what = "last line has no newline and does not parse (file cut off?)" if truncated else "not valid JSON"
            return Quarantined(name, lineno, reason, f"{what}: {exc}", clip(text))
        return RawRecord(name, lineno, data, text)

    def _json(self) -> Iterator[RawRecord | Quarantined]:
        name = self.name
        with self._open() as fh:
            blob = fh.read()
        if blob.startswith(_BOM):
            blob = blob[len(_BOM) :]
        if not blob.strip():
            return
        try:
            data = orjson.loads(blob)
        except orjson.JSONDecodeError as exc:
            # Maybe JSON Lines saved with a .json suffix.
            if b"\n" in blob.strip():
                for lineno, line in enumerate(blob.splitlines(keepends=True), start=1):
                    if line.strip():
                        yield self._parse_line(name, lineno, line)
                return
            yield Quarantined(name, 1, "not_json", f"file is not valid JSON: {exc}", clip(blob.decode("utf-8", "replace")))
            return
        rows = data if isinstance(data, list) else [data]
        for index, row in enumerate(rows):
            yield RawRecord(name, index, row, None)

    def _parquet(self) -> Iterator[RawRecord | Quarantined]:
        import pyarrow.parquet as pq

        name = self.name
        try:
            pf = pq.ParquetFile(self.location)
        except Exception as exc:  # pyarrow raises several types for a bad file
            yield Quarantined(name, 0, "unreadable_file", f"not a readable parquet file: {exc}")
            return
        row = 0
        for batch in pf.iter_batches(batch_size=4096):
            for record in batch.to_pylist():
                yield RawRecord(name, row, record, None)
                row += 1

    def _dataset(self) -> Iterator[RawRecord | Quarantined]:
        try:
            import datasets
        except ImportError as exc:
            raise InputNotFoundError(
                f"reading the dataset '{self.location}' needs the `datasets` package: "
                "install it with `pip install 'dsatkit[hub]'`"
            ) from exc
        try:
            if self.kind == "saved_dataset":
                ds = datasets.load_from_disk(self.location)
                splits = ds.items() if isinstance(ds, datasets.DatasetDict) else [(None, ds)]
            else:
                ds = datasets.load_dataset(self.location, streaming=True)
                splits = ds.items() if isinstance(ds, datasets.IterableDatasetDict) else [(None, ds)]
        except Exception as exc:  # datasets raises many types (ConnectionError, FileNotFoundError, ValueError...)
            where = "saved dataset folder" if self.kind == "saved_dataset" else "hub dataset"
            raise InputNotFoundError(
                f"could not open the {where} '{self.location}': {exc}. Check the id or path; for a gated or "
                "private dataset run `hf auth login`; offline, pass local files instead"
            ) from None
        for split, part in splits:
            name = f"{self.location}:{split}" if split else self.location
            for row, record in enumerate(part):
                yield RawRecord(name, row, record, None)


def _is_saved_dataset(path: Path) -> bool:
    return (path / "dataset_info.json").exists() or (path / "dataset_dict.json").exists() or (
        path / "state.json"
    ).exists()


def _files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and _kind_of(p) and not p.name.startswith("."))


def resolve_inputs(inputs: list[str]) -> list[Source]:
    """Expand files, folders and globs (sorted, so runs are reproducible) and recognise dataset ids."""
    if not inputs:
        raise InputNotFoundError("no input given: pass one or more log files, folders, globs or dataset ids")
    sources: list[Source] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            if _is_saved_dataset(path):
                sources.append(Source(str(path), "saved_dataset"))
                continue
            files = _files_in(path)
            if not files:
                raise InputNotFoundError(
                    f"folder '{item}' holds no log files; expected files ending in {', '.join(FILE_SUFFIXES)}"
                )
            sources.extend(Source(str(p), _kind_of(p)) for p in files)
        elif path.is_file():
            kind = _kind_of(path)
            if kind is None:
                raise InputNotFoundError(
                    f"'{item}' has an unknown file type; expected one of {', '.join(FILE_SUFFIXES)} "
                    "(rename it, or convert it to JSON Lines)"
                )
            sources.append(Source(str(path), kind))
        elif glob.has_magic(item):
            matches = sorted(Path(p) for p in glob.glob(item, recursive=True))
            files = [p for p in matches if p.is_file() and _kind_of(p)]
            if not files:
                raise InputNotFoundError(f"the pattern '{item}' matches no log files")
            sources.extend(Source(str(p), _kind_of(p)) for p in files)
        elif _HUB_ID.match(item) and _kind_of(path) is None:
            sources.append(Source(item, "hub_dataset"))
        else:
            raise InputNotFoundError(
                f"input '{item}' does not exist; expected a file, a folder, a glob or a hub dataset id ORG/NAME"
            )
    return sources
