"""The `drift` command line: help, one-line errors without traceback, and fit/eval end to end on a tiny model."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from cli.drift_app import app

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

runner = CliRunner()


@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models; threads only fight other processes on a shared box
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    import torch

    from drift.testing import cached_tiny_chat_model

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return cached_tiny_chat_model(tmp_path_factory.getbasetemp())
    finally:
        torch.set_num_threads(previous)


@pytest.fixture
def anchors(tmp_path):
    from drift.testing import tiny_anchor_rows, write_extract_folder

    rows = tiny_anchor_rows()
    return write_extract_folder(tmp_path / "out", rows, rows[:3])


def _fit(*args):
    from drift.testing import fast_cli_args

    return runner.invoke(app, ["fit", *args, *fast_cli_args()])


def _one_line_error(result, expected: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert expected in result.output
    assert result.output.strip().startswith("error:")


def test_help_lists_both_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "fit" in result.output and "eval" in result.output


def test_missing_model_path(anchors, tmp_path):
    result = _fit(str(anchors), "--model", "./no/such/model", "-o", str(tmp_path / "run"))
    _one_line_error(result, "model path ./no/such/model does not exist")


def test_anchors_with_no_rows(tiny_model, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = _fit(str(empty), "--model", str(tiny_model), "-o", str(tmp_path / "run"))
    _one_line_error(result, "have no usable rows (0 read)")


def test_spin_without_natural_answers(tiny_model, tmp_path):
    from drift.testing import tiny_anchor_rows

    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(json.dumps({**r, "chosen": None}) for r in tiny_anchor_rows()))
    result = _fit(str(path), "--model", str(tiny_model), "-o", str(tmp_path / "run"), "--method", "spin")
    _one_line_error(result, "--method spin needs anchors with a natural SAT answer (`chosen`)")


def test_iterdpo_without_reward_model(anchors, tiny_model, tmp_path):
    result = _fit(str(anchors), "--model", str(tiny_model), "-o", str(tmp_path / "run"), "--method", "iterdpo")
    _one_line_error(result, "--method iterdpo ranks two policy samples with a reward model: pass --reward-model")


def test_unknown_option_is_named(anchors, tiny_model, tmp_path):
    result = _fit(str(anchors), "--model", str(tiny_model), "-o", str(tmp_path / "run"), "--betta", "0.3")
    _one_line_error(result, "unknown option 'betta' in the command line (did you mean 'beta'?)")


def test_missing_run_folder(anchors, tiny_model):
    result = runner.invoke(app, ["fit", str(anchors), "--model", str(tiny_model)])
    _one_line_error(result, "no run folder given: pass -o RUN")


@pytest.mark.slow
def test_fit_resume_and_eval(anchors, tiny_model, tmp_path):
    run = tmp_path / "run"
    common = [str(anchors), "--model", str(tiny_model), "-o", str(run), "--iterations", "1"]
    result = _fit(*common, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["final_model"] == str(run / "iter_1" / "model")

    again = runner.invoke(app, ["fit", "--resume", "-o", str(run)])  # the run's config.yaml supplies the rest
    assert again.exit_code == 0, again.output
    assert "final model" in again.output

    changed = _fit(*common, "--resume", "--beta", "0.3")
    _one_line_error(changed, "was started with a different config (beta: 0.1 -> 0.3)")

    evaluated = runner.invoke(app, ["eval", str(run), "--json"])  # the run's own anchors, test split
    assert evaluated.exit_code == 0, evaluated.output
    metrics = json.loads(evaluated.stdout)
    assert list(metrics["models"]) == ["iter_1"] and metrics["anchors"] == 3
