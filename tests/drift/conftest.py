"""Fixtures for drift tests: a tiny chat model built offline once per session, anchors, and one finished run."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@contextmanager
def one_thread():
    """Tiny models gain nothing from threads, and on a shared 2-core box threads spinning against other
    processes make them 10x slower: run drift's tests on one torch thread, restored afterwards."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@pytest.fixture(autouse=True)
def _one_thread():
    with one_thread():
        yield


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    from drift.testing import cached_tiny_chat_model

    with one_thread():
        return cached_tiny_chat_model(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def tiny_tokenizer():
    from drift.testing import build_tiny_tokenizer

    return build_tiny_tokenizer()


@pytest.fixture
def anchor_rows():
    from drift.testing import tiny_anchor_rows

    return tiny_anchor_rows()


@pytest.fixture
def extract_dir(tmp_path, anchor_rows):
    """An extract OUT folder: 8 train anchors (4 with a natural SAT answer) and 3 test anchors."""
    from drift.testing import write_extract_folder

    return write_extract_folder(tmp_path / "out", anchor_rows, anchor_rows[:3])


def _make_config(model, anchors, run, **overrides):
    from drift.config import load_config
    from drift.testing import FAST_OPTIONS

    values = {
        **FAST_OPTIONS,
        "model_name_or_path": str(model),
        "anchors": str(anchors),
        "output_dir": str(run),
        **overrides,
    }
    return load_config(values=values)


@pytest.fixture(scope="session")
def make_config():
    """`make_config(model, anchors, run, **overrides)`: a DriftConfig with the fast tiny-run options."""
    return _make_config


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory, tiny_model):
    """One uninterrupted 2-iteration DRIFT run, shared by the fit, resume and eval tests."""
    from drift.testing import tiny_anchor_rows, write_extract_folder
    from drift.trainer import fit

    root = tmp_path_factory.mktemp("finished")
    rows = tiny_anchor_rows()
    anchors = write_extract_folder(root / "out", rows, rows[:3])
    with one_thread():
        result = fit(_make_config(tiny_model, anchors, root / "run"))
    return result, anchors
