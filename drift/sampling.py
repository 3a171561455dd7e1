"""Resumable batched sampling: one parquet file per batch, so a killed run restarts at the first missing batch.

Under `accelerate launch` each process samples every world_size-th batch on its own device, then all wait for
each other before the main process reads the batches back.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drift.errors import DriftError
from drift.generate import Request, Sample
from drift.progress import progress


@dataclass(slots=True)
class SamplingStats:
    batches: int = 0
    batches_resumed: int = 0  # found on disk from an earlier, interrupted run
    samples: int = 0  # generated in this session by this process
    new_tokens: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        rate = self.samples / self.seconds if self.seconds else None
        token_rate = self.new_tokens / self.seconds if self.seconds else None
        return {
            "batches": self.batches,
            "batches_resumed": self.batches_resumed,
            "samples_generated": self.samples,
            "new_tokens": self.new_tokens,
            "generation_seconds": round(self.seconds, 3),
            "samples_per_second": rate,
            "tokens_per_second": token_rate,
        }


def batch_path(folder: Path, index: int) -> Path:
    return folder / f"batch-{index:05d}.parquet"


def _write_batch(path: Path, ids: list[str], samples: list[list[Sample]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "anchor_id": ids,
            "texts": [[s.text for s in group] for group in samples],
            "finished": [[s.finished for s in group] for group in samples],
            "tokens": [[s.tokens for s in group] for group in samples],
        }
    )
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)  # a batch file exists only once complete


def _read_batch(path: Path, ids: list[str]) -> list[list[Sample]]:
    import pyarrow.parquet as pq

    rows = pq.read_table(path).to_pylist()
    if [r["anchor_id"] for r in rows] != ids:
        raise DriftError(
            f"{path} holds samples for other anchors than this run's batch: the run folder was changed by hand; "
            "delete that file and rerun with --resume"
        )
    return [
        [Sample(t, f, k) for t, f, k in zip(r["texts"], r["finished"], r["tokens"], strict=True)] for r in rows
    ]


def sample_batches(
    ids: list[str],
    requests: list[Request],
    make_backend: Callable[[], object],
    folder: Path,
    *,
    n: int,
    batch_size: int,
    seed: int,
    description: str,
    rank: int = 0,
    world_size: int = 1,
    wait: Callable[[], None] = lambda: None,
) -> tuple[list[list[Sample]], SamplingStats]:
    """Sample `n` answers per request, reusing batch files already in `folder`; returns them in request order."""
    folder.mkdir(parents=True, exist_ok=True)
    starts = list(range(0, len(requests), batch_size))
    stats = SamplingStats(batches=len(starts))
    todo = [b for b, _ in enumerate(starts) if not batch_path(folder, b).exists()]
    stats.batches_resumed = len(starts) - len(todo)
    mine = [b for b in todo if b % world_size == rank]
    if mine:
        backend = make_backend()
        started = time.perf_counter()
        try:
            with progress(description, total=len(mine), enabled=None if rank == 0 else False) as advance:
                for b in mine:
                    chunk = slice(starts[b], starts[b] + batch_size)
                    samples = backend.generate(requests[chunk], n, seed + b)
                    _write_batch(batch_path(folder, b), ids[chunk], samples)
                    stats.samples += sum(len(group) for group in samples)
                    stats.new_tokens += sum(s.tokens for group in samples for s in group)
                    advance()
        finally:
            stats.seconds = time.perf_counter() - started
            backend.close()
    wait()
    result: list[list[Sample]] = []
    for b, start in enumerate(starts):
        result.extend(_read_batch(batch_path(folder, b), ids[start : start + batch_size]))
    return result, stats
