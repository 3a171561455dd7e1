import json

import pytest
import typer
from helpers import chat, write_jsonl
from typer.testing import CliRunner

from cli.classify import distill_command, train_classifier_command

runner = CliRunner()
# The lead registers these on the dsatkit app; a local app tests the commands themselves.
app = typer.Typer()
app.command("train-classifier")(train_classifier_command)
app.command("distill")(distill_command)

DSAT = ["no that is wrong", "that is not what i asked", "wrong again, you misunderstood", "this is wrong and useless"]
NEUTRAL = ["now tell me about the weather", "what else can i cook", "great thanks", "and what about tomorrow"]


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    records, gold = [], []
    for i in range(40):
        reaction = DSAT[i % 4] if i % 2 == 0 else NEUTRAL[i % 4]
        records.append(chat(f"request number {i}", f"answer {i}", reaction, "ok", id=f"c{i}"))
        gold.append({"conversation_id": f"c{i}", "turn": 1, "label": "complaint" if i % 2 == 0 else "neutral"})
    return tmp, write_jsonl(tmp / "logs.jsonl", records), write_jsonl(tmp / "gold.jsonl", gold)


def test_train_classifier_writes_a_head_and_prints_scores(labelled):
    tmp, logs, gold = labelled
    out = tmp / "head"
    result = runner.invoke(app, ["train-classifier", logs, "--gold", gold, "-o", str(out), "--no-heuristics"])
    assert result.exit_code == 0, result.output
    assert "trained on 40 labelled turns (20 DSAT)" in result.output
    assert "held-out" in result.output and f"--head {out}" in result.output
    assert (out / "head.npz").is_file() and (out / "README.md").is_file()


def test_train_classifier_json_report(labelled):
    tmp, logs, gold = labelled
    result = runner.invoke(
        app, ["train-classifier", logs, "--gold", gold, "-o", str(tmp / "head-json"), "--no-heuristics", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["turns"] == 40 and "f1" in report["held_out"]


def test_train_classifier_bad_gold_is_one_line_without_traceback(labelled, tmp_path):
    _, logs, _ = labelled
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"conversation_id": "c1", "turn": 1, "label": "angry"}])
    result = runner.invoke(app, ["train-classifier", logs, "--gold", gold, "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "unknown label 'angry'" in result.output
    assert "Traceback" not in result.output


def test_distill_passes_its_options_to_the_library(monkeypatch, labelled, tmp_path):
    seen = {}

    def fake_distill(logs, out, judge_config, config):
        seen.update(logs=logs, out=out, judge=judge_config, config=config)
        held = {"turns": 10, "dsat_support": 3, "precision": 1.0, "recall": 1.0, "f1": 1.0, "auc": 1.0, "ece": 0.0}
        return {"sampled": 10, "judged": 9, "judge_errors": 1, "judged_dsat": 3,
                "train": {"held_out": dict(held), "cross_validation": dict(held)}}

    monkeypatch.setattr("dsatkit.classifier.distill.distill", fake_distill)
    _, logs, _ = labelled
    result = runner.invoke(
        app, ["distill", logs, "-o", str(tmp_path / "d"), "--sample-size", "500", "--judge-model", "m1",
              "--judge-base-url", "http://localhost:9/v1", "--no-extract"],
    )
    assert result.exit_code == 0, result.output
    assert seen["config"].sample_size == 500 and seen["config"].run_extract is False
    assert (seen["judge"].model, seen["judge"].base_url) == ("m1", "http://localhost:9/v1")
    assert "judge labelled 9 of 10 sampled turns (1 errors, 3 DSAT)" in result.output
