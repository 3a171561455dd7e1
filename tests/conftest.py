"""Shared fixtures: tiny hand-written conversations and a dependency-free detector for pipeline tests."""

from __future__ import annotations

import os

import polars as pl
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


@pytest.fixture
def keyword_labeler():
    """Labels 'wrong' as complaint and 'thanks' as positive: pipeline mechanics without the heuristics."""
    from dsatkit.detect.base import Detector
    from dsatkit.pipeline import DetectorLabeler

    class Keyword(Detector):
        name = "keyword"

        def detect(self, turns: pl.DataFrame) -> pl.DataFrame:
            text = pl.col("text")
            hit = text.str.contains("(?i)wrong|thanks")
            return turns.select(
                pl.when(text.str.contains("(?i)wrong")).then(pl.lit("complaint"))
                .when(text.str.contains("(?i)thanks")).then(pl.lit("positive")).alias("label"),
                pl.when(hit).then(pl.lit(0.9)).alias("confidence"),
                text.str.extract("(?i)(wrong|thanks)", 1).alias("evidence"),
            )

    return DetectorLabeler([Keyword()])
