"""The LLM judge as a detector: fires on every turn it judged, stays silent where it failed or was
over budget, and reports its token and cache counts in stats.json."""

from __future__ import annotations

import polars as pl

from dsatkit.detect.base import DETECTION_SCHEMA, Detector
from dsatkit.judge.config import JudgeConfig
from dsatkit.judge.judge import Judge

_BACKEND_NEEDS = {"openai": (("openai", "judge"),), "transformers": (("torch", "train"), ("transformers", "train"))}


class JudgeDetector(Detector):
    name = "llm_judge"

    def __init__(self, config: JudgeConfig | None = None, judge: Judge | None = None) -> None:
        config = judge.config if judge is not None else (config or JudgeConfig())
        # Checked by Detector.__init__ before anything is built, so a missing extra fails at once.
        self.requires = _BACKEND_NEEDS[config.backend]
        super().__init__()
        self.judge = judge if judge is not None else Judge(config)

    def detect(self, turns: pl.DataFrame) -> pl.DataFrame:
        result = self.judge.judge_turns(turns)
        return result.select([pl.col(c) for c in DETECTION_SCHEMA])

    def settings(self) -> dict:
        # "seconds" and "fired" come from Detector.stats; the judge's own wall time is wall_seconds.
        return self.judge.stats()
