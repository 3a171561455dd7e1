"""build_cascade with the packaged head and the packaged MiniLM (local, offline): the path `extract` runs."""

import importlib.util

import polars as pl
import pytest
from classifier_fakes import KeywordDetector, conversation, table

from dsatkit.classifier.cascade import CascadeConfig, build_cascade
from dsatkit.classifier.head import Head, HeadFormatError, default_head_dir
from dsatkit.detect.base import SIGNAL_SCHEMA, MissingDependencyError

HEURISTICS = [KeywordDetector({"wrong": ("complaint", 0.9)})]


def test_packaged_head_loads_and_names_its_training_data():
    head = Head.load(default_head_dir())
    assert head.embedding_model == "all-MiniLM-L6-v2"
    assert head.reaction is not None
    card = (default_head_dir() / "README.md").read_text()
    assert "EURTAD" in card and "DBDC3" in card and "USS" not in card.split("## Training data")[1].split("##")[0]


def test_default_cascade_labels_every_turn():
    cascade = build_cascade(CascadeConfig(), heuristics=HEURISTICS)
    turns = table(conversation("a", "What is 2+2?", "5", "That is wrong, it is 4.", "4. Sorry!", "thanks"))
    signals = cascade(turns)
    assert signals.schema == pl.Schema(SIGNAL_SCHEMA)
    assert signals["is_dsat"].to_list() == [False, True, False]
    assert 0.0 <= signals["confidence"][1] <= 1.0
    assert "head" in cascade.stats()


def test_heuristics_mode_needs_no_embedding_model(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sentence_transformers" else real(name, *a))
    cascade = build_cascade(CascadeConfig(detectors="heuristics"), heuristics=HEURISTICS)
    assert cascade.head is None


def test_missing_embed_extra_points_at_the_install_line_and_heuristics_mode(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sentence_transformers" else real(name, *a))
    with pytest.raises(MissingDependencyError, match=r"pip install 'dsatkit\[embed\]'.*--detectors heuristics"):
        build_cascade(CascadeConfig(), heuristics=HEURISTICS)


def test_other_embedding_model_needs_its_own_head():
    with pytest.raises(HeadFormatError, match="trained on embeddings of 'all-MiniLM-L6-v2', not 'my/encoder'.*--head"):
        build_cascade(CascadeConfig(embedding_model="my/encoder"), heuristics=HEURISTICS)


def test_head_folder_that_is_not_a_head_is_refused(tmp_path):
    with pytest.raises(HeadFormatError, match="is not a dsatkit head"):
        build_cascade(CascadeConfig(head=str(tmp_path)), heuristics=HEURISTICS)
