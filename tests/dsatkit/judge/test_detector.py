"""JudgeDetector: the judge behind the Detector interface the pipeline uses."""

import polars as pl
from judge_fakes import Reply, good, judged_turns, user_turn

from dsatkit.detect.base import DETECTION_SCHEMA, combine
from dsatkit.detect.judge import JudgeDetector


def test_detector_fires_where_the_judge_answered(fake_openai, http_config):
    fake_openai.script = lambda body, n: Reply(content="??") if user_turn(body) == "huh" else good("complaint", 0.9, "wrong")
    detector = JudgeDetector(http_config())
    turns = judged_turns("That is wrong.", "huh")
    out = detector(turns)
    assert out.schema == pl.Schema(DETECTION_SCHEMA)
    assert out["label"].to_list() == ["complaint", None]
    assert detector.name == "llm_judge"


def test_detector_stats_carry_tokens_and_failures(fake_openai, http_config):
    detector = JudgeDetector(http_config())
    detector(judged_turns("That is wrong.", "Thanks"))
    stats = detector.stats()
    assert stats["fired"] == 2
    assert (stats["prompt_tokens"], stats["calls"], stats["failures"]) == (22, 2, {})


def test_detector_output_combines_into_signals(fake_openai, http_config):
    turns = judged_turns("That is wrong.")
    signals = combine(turns, {"llm_judge": JudgeDetector(http_config())(turns)})
    assert signals.select("label", "is_dsat", "detectors").row(0) == ("complaint", True, ["llm_judge"])
