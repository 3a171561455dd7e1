"""Resumable batched sampling: one file per batch, reused on resume, shared out across processes."""

from __future__ import annotations

import pytest

from drift.errors import DriftError
from drift.generate import Request, Sample
from drift.sampling import batch_path, sample_batches


class FakeBackend:
    def __init__(self, log):
        self.log = log

    def generate(self, requests, n, seed):
        self.log.append(seed)
        return [[Sample(f"{r.messages[0]['content']}#{seed}#{j}", True, 3) for j in range(n)] for r in requests]

    def close(self):
        self.log.append("closed")


def _inputs(count=5):
    ids = [f"a{i}" for i in range(count)]
    return ids, [Request([{"role": "user", "content": i}], [1, 2]) for i in ids]


def _run(folder, log, **kwargs):
    ids, requests = _inputs()
    options = {"n": 2, "batch_size": 2, "seed": 100, "description": "test"}
    return sample_batches(ids, requests, lambda: FakeBackend(log), folder, **{**options, **kwargs})


def test_samples_come_back_in_request_order_with_one_seed_per_batch(tmp_path):
    log = []
    samples, stats = _run(tmp_path, log)
    assert [group[0].text for group in samples] == ["a0#100#0", "a1#100#0", "a2#101#0", "a3#101#0", "a4#102#0"]
    assert all(len(group) == 2 for group in samples)
    assert log == [100, 101, 102, "closed"]
    assert (stats.batches, stats.samples, stats.new_tokens) == (3, 10, 30)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"batch-0000{i}.parquet" for i in range(3)]


def test_resume_samples_only_missing_batches(tmp_path):
    first, _ = _run(tmp_path, [])
    batch_path(tmp_path, 1).unlink()  # as if killed while writing batch 1
    log = []
    again, stats = _run(tmp_path, log)
    assert log == [101, "closed"] and stats.batches_resumed == 2
    assert [[s.text for s in g] for g in again] == [[s.text for s in g] for g in first]


def test_nothing_to_do_does_not_load_a_backend(tmp_path):
    _run(tmp_path, [])
    log = []
    _run(tmp_path, log)
    assert log == []


@pytest.mark.parametrize(("rank", "batches"), [(0, [100, 102]), (1, [101])])
def test_processes_share_out_batches(tmp_path, rank, batches):
    log = []
    # the other process's batches are on disk, as after the barrier
    _run(tmp_path / "full", [])
    for b in range(3):
        if b % 2 != rank:
            batch_path(tmp_path / "full", b).rename(batch_path(tmp_path, b))
    ids, requests = _inputs()
    sample_batches(ids, requests, lambda: FakeBackend(log), tmp_path, n=2, batch_size=2, seed=100,
                   description="t", rank=rank, world_size=2)
    assert log == [*batches, "closed"]


def test_batch_of_other_anchors_is_refused(tmp_path):
    _run(tmp_path, [])
    ids, requests = _inputs()
    ids[0] = "changed"
    with pytest.raises(DriftError, match="holds samples for other anchors"):
        sample_batches(ids, requests, lambda: FakeBackend([]), tmp_path, n=2, batch_size=2, seed=100, description="t")
