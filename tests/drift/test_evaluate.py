"""`drift eval`: per-iteration reward margin and DSAT log-likelihood change against the base, win rates, trackers."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from drift.errors import DriftError
from drift.evaluate import evaluate_run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(finished_run):
    result, _ = finished_run
    return evaluate_run(result.run_dir)  # the test split of the run's own anchors


def test_every_finished_iteration_is_scored(report):
    assert list(report["models"]) == ["iter_1", "iter_2"]
    assert report["anchors"] == 3
    for metrics in report["models"].values():
        assert set(metrics) >= {"reward_margin", "reward_accuracy", "dsat_logp_change", "chosen_logp_change"}


def test_training_moves_the_policy_away_from_dsat_answers(report):
    # the 3 held-out anchors are training anchors too, with natural SAT answers: DPO must have pushed their DSAT
    # answers down and the margin up, more after iteration 2 than after iteration 1
    assert report["reference_answers"]["natural"] == 3
    iter_1, iter_2 = report["models"]["iter_1"], report["models"]["iter_2"]
    assert iter_1["dsat_logp_change"] < 0 and iter_2["dsat_logp_change"] < iter_1["dsat_logp_change"]
    assert iter_2["reward_margin"] > 0


def test_metrics_are_written_and_the_card_shows_them(report, finished_run):
    result, _ = finished_run
    written = json.loads((result.run_dir / "eval" / "metrics.json").read_text())
    assert written["models"] == report["models"]
    assert (result.run_dir / "eval" / "per_anchor.parquet").is_file()
    card = (result.final_model / "README.md").read_text()
    assert "## Held-out evaluation (`drift eval`)" in card


def test_anchors_without_natural_answers_use_the_base_models_improvement(finished_run, tmp_path, anchor_rows):
    from drift.testing import write_extract_folder

    result, _ = finished_run
    out = write_extract_folder(tmp_path / "held", [{**r, "chosen": None} for r in anchor_rows[4:]])
    report = evaluate_run(result.run_dir, out, split="train")
    counts = report["reference_answers"]
    assert counts["natural"] == 0
    assert counts["base_model"] + sum(counts["dropped"].values()) == 4
    assert list((result.run_dir / "eval").glob("anchors-*/reference/batch-00000.parquet"))


def test_win_rate_with_a_reward_model(finished_run, tmp_path):
    from drift.testing import build_tiny_reward_model

    result, anchors = finished_run
    reward = build_tiny_reward_model(tmp_path / "reward")
    report = evaluate_run(result.run_dir, anchors, split="test", reward_model=str(reward))
    assert all(0.0 <= m["win_rate"] <= 1.0 for m in report["models"].values())


def test_win_rate_with_a_judge_endpoint(finished_run):
    result, anchors = finished_run
    prompts = []

    def create(**kwargs):
        prompts.append(kwargs["messages"][0]["content"])
        return SimpleNamespace(choices=[SimpleNamespace(message=SimpleNamespace(content="A"))])

    client = SimpleNamespace(chat=SimpleNamespace(completions=SimpleNamespace(create=create)))
    report = evaluate_run(result.run_dir, anchors, split="test", judge_client=client, judge_model="judge")
    # the judge always says A: without shuffling the answer order every stage would win every time
    rates = [m["win_rate"] for m in report["models"].values()]
    assert len(prompts) == 6 and "Answer A:" in prompts[0]
    assert all(0.0 <= r <= 1.0 for r in rates) and set(rates) != {1.0}


def test_metrics_go_to_report_to_trackers(finished_run, monkeypatch):
    import transformers.integrations
    from transformers import TrainerCallback

    logged = []

    class Recorder(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            logged.append((state.global_step, logs))

    monkeypatch.setattr(transformers.integrations, "get_reporting_integration_callbacks", lambda names: [Recorder])
    result, anchors = finished_run
    evaluate_run(result.run_dir, anchors, split="test", report_to=["tensorboard"])
    assert [step for step, _ in logged] == [1, 2]
    assert "drift_eval/reward_margin" in logged[0][1]


def test_judge_needs_a_model_name(finished_run):
    result, anchors = finished_run
    with pytest.raises(DriftError, match="a judge needs both --judge-api-base URL and --judge-model NAME"):
        evaluate_run(result.run_dir, anchors, judge_api_base="http://localhost:1/v1")


def test_run_without_finished_stage(tmp_path):
    from drift.state import RunState

    RunState.open(tmp_path, {"iterations": 1, "seed_stage": False, "model_name_or_path": "m"},
                  {"fingerprint": "x"}, resume=False)
    with pytest.raises(DriftError, match="has no finished training stage yet"):
        evaluate_run(tmp_path, "unused")
