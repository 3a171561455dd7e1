"""The run state file: the step plan, resume checks, and which model the next step starts from."""

from __future__ import annotations

import json

import pytest

from drift.errors import DriftError
from drift.state import RunState, plan_steps, read_state

RECIPE = {"iterations": 2, "seed_stage": False, "model_name_or_path": "/models/base", "beta": 0.1}
ANCHORS = {"source": "out/", "anchors": 8, "fingerprint": "abc"}


@pytest.mark.parametrize(
    ("iterations", "seed_stage", "steps"),
    [
        (1, False, ["iter_1/generate", "iter_1/train", "card"]),
        (2, True, ["seed/train", "iter_1/generate", "iter_1/train", "iter_2/generate", "iter_2/train", "card"]),
        (0, True, ["seed/train", "card"]),
    ],
)
def test_plan_steps(iterations, seed_stage, steps):
    assert plan_steps(iterations, seed_stage) == steps


def test_new_state_is_written_with_every_step_pending(tmp_path):
    RunState.open(tmp_path / "run", RECIPE, ANCHORS, resume=False)
    data = read_state(tmp_path / "run")
    assert {v["status"] for v in data["steps"].values()} == {"pending"}
    assert data["recipe"] == RECIPE


def test_current_model_follows_finished_training_stages(tmp_path):
    state = RunState.open(tmp_path, RECIPE, ANCHORS, resume=False)
    assert state.current_model("/models/base") == "/models/base"
    state.mark_done("iter_1/generate", {"pairs": 3})
    assert state.current_model("/models/base") == "/models/base"
    state.mark_done("iter_1/train", {}, stage="iter_1")
    assert state.current_model("/models/base") == str(tmp_path / "iter_1" / "model")
    reloaded = RunState.open(tmp_path, RECIPE, ANCHORS, resume=True)
    assert reloaded.is_done("iter_1/train") and not reloaded.is_done("iter_2/generate")
    assert reloaded.outputs("iter_1/generate") == {"pairs": 3}


def test_existing_run_without_resume_is_refused(tmp_path):
    RunState.open(tmp_path, RECIPE, ANCHORS, resume=False)
    with pytest.raises(DriftError, match="already holds a drift run: pass --resume to continue it"):
        RunState.open(tmp_path, RECIPE, ANCHORS, resume=False)


def test_resume_with_a_different_config_names_the_difference(tmp_path):
    RunState.open(tmp_path, RECIPE, ANCHORS, resume=False)
    with pytest.raises(DriftError) as error:
        RunState.open(tmp_path, {**RECIPE, "beta": 0.2}, ANCHORS, resume=True)
    message = str(error.value)
    assert "was started with a different config (beta: 0.1 -> 0.2)" in message
    assert "--config" in message and "config.yaml" in message


def test_resume_on_other_anchors_is_refused(tmp_path):
    RunState.open(tmp_path, RECIPE, ANCHORS, resume=False)
    with pytest.raises(DriftError, match="was started on other anchors"):
        RunState.open(tmp_path, RECIPE, {**ANCHORS, "fingerprint": "def"}, resume=True)


def test_non_empty_folder_without_a_run_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(DriftError, match="is not empty and holds no drift run"):
        RunState.open(tmp_path, RECIPE, ANCHORS, resume=False)


def test_state_file_is_json_after_each_mark(tmp_path):
    state = RunState.open(tmp_path, RECIPE, ANCHORS, resume=False)
    state.mark_done("iter_1/generate", {"dropped_by_reason": {"empty": 1}})
    assert json.loads((tmp_path / "state.json").read_text())["steps"]["iter_1/generate"]["status"] == "done"


def test_read_state_of_a_folder_without_run(tmp_path):
    with pytest.raises(DriftError, match="holds no drift run"):
        read_state(tmp_path)
