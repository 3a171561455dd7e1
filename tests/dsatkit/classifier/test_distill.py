import json

import polars as pl
import pytest
from classifier_fakes import BagOfWordsEmbedder, KeywordDetector
from helpers import chat, write_jsonl

from dsatkit.classifier.distill import DistillConfig, distill, sample_turns
from dsatkit.classifier.head import Head
from dsatkit.classifier.train import TrainConfig
from dsatkit.errors import DsatkitError

REQUESTS = ["plan a trip", "write a haiku", "fix my query", "explain tides", "suggest a recipe", "name a book"]
REACTIONS = ["no that is wrong", "thanks that works", "wrong you misunderstood", "now do the next one"]


class RuleJudge:
    """Calls a turn a complaint when it says 'wrong': a judge whose labels a head can learn."""

    def __init__(self, fail_every: int = 0) -> None:
        self.seen = 0
        self.fail_every = fail_every

    def judge_turns(self, turns: pl.DataFrame) -> pl.DataFrame:
        rows = []
        for text in turns["text"].to_list():
            self.seen += 1
            if self.fail_every and self.seen % self.fail_every == 0:
                rows.append({"label": None, "confidence": None, "evidence": None, "error": "timeout"})
            else:
                wrong = "wrong" in text
                rows.append({"label": "complaint" if wrong else "neutral", "confidence": 0.9, "evidence": text, "error": None})
        return pl.DataFrame(rows, schema={"label": pl.String, "confidence": pl.Float64, "evidence": pl.String, "error": pl.String})


@pytest.fixture
def logs(tmp_path):
    records = [chat(REQUESTS[i % 6], f"answer {i}", REACTIONS[i % 4], f"answer {i}b", id=f"c{i}") for i in range(80)]
    return write_jsonl(tmp_path / "logs.jsonl", records)


def config(sample_size: int = 60, run_extract: bool = False) -> DistillConfig:
    return DistillConfig(sample_size=sample_size, run_extract=run_extract, train=TrainConfig(heuristics=False, overwrite=True))


def test_sample_is_uniform_over_turns_after_an_answer(logs):
    sample, population = sample_turns([logs], size=30, seed=1)
    assert population == 80  # one user turn after an answer per conversation
    assert sample.height == 30
    assert (sample["turn"] >= 1).all()


def test_judge_labels_a_sample_and_the_head_learns_them(logs, tmp_path):
    judge = RuleJudge()
    report = distill([logs], tmp_path / "out", config=config(), judge=judge, embedder=BagOfWordsEmbedder())
    assert judge.seen == 60  # the judge sees the sample only
    assert report["judged"] == 60
    assert report["train"]["held_out"]["auc"] > 0.9
    head = Head.load(tmp_path / "out" / "head")
    assert "labelled by LLM judge" in head.meta["trained_on"][0]["name"]


def test_judge_labels_are_written_as_a_reusable_gold_file(logs, tmp_path):
    distill([logs], tmp_path / "out", config=config(), judge=RuleJudge(), embedder=BagOfWordsEmbedder())
    rows = [json.loads(line) for line in (tmp_path / "out" / "judge_labels.jsonl").read_text().splitlines()]
    assert len(rows) == 60
    assert set(rows[0]) == {"conversation_id", "turn", "label", "confidence", "evidence"}


def test_failed_judgements_are_left_out_of_training(logs, tmp_path):
    report = distill([logs], tmp_path / "out", config=config(), judge=RuleJudge(fail_every=10), embedder=BagOfWordsEmbedder())
    assert (report["judged"], report["judge_errors"]) == (54, 6)


def test_too_few_dsat_judgements_say_to_sample_more(logs, tmp_path):
    class NeverDsat(RuleJudge):
        def judge_turns(self, turns):
            return super().judge_turns(turns.with_columns(pl.lit("fine").alias("text")))

    with pytest.raises(DsatkitError, match="the judge found 0 DSAT turns in 60 labelled ones.*raise --sample-size"):
        distill([logs], tmp_path / "out", config=config(), judge=NeverDsat(), embedder=BagOfWordsEmbedder())


def test_distilled_head_runs_over_all_the_logs(logs, tmp_path):
    heuristics = [KeywordDetector({"thanks": ("positive", 0.9)})]
    report = distill(
        [logs], tmp_path / "out", config=config(run_extract=True), judge=RuleJudge(),
        embedder=BagOfWordsEmbedder(), heuristics=heuristics,
    )
    assert report["extract"]["user_turns"] == 160
    assert report["extract"]["dsat_turns"] == 40  # the two "wrong" reactions of every four conversations
    assert (tmp_path / "out" / "extract" / "signals.parquet").is_file()


def test_sample_size_below_a_trainable_minimum_is_refused():
    with pytest.raises(ValueError, match="sample_size must be >= 50"):
        DistillConfig(sample_size=10)
