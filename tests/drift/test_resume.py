"""`drift fit --resume` after a kill at each step ends in the same state as an uninterrupted run."""

from __future__ import annotations

import json

import pytest
from transformers import TrainerCallback

from drift import trainer as trainer_module
from drift.state import RunState
from drift.trainer import fit, read_pairs

pytestmark = pytest.mark.slow


class Killed(BaseException):
    """Stands for SIGKILL: nothing in the library catches it."""


class KillOnFirstSave(TrainerCallback):
    """Dies right after the trainer wrote its first mid-stage checkpoint."""

    def on_save(self, args, state, control, **kwargs):
        raise Killed(f"killed after saving step {state.global_step}")


def _comparable_state(run_dir):
    state = json.loads((run_dir / "state.json").read_text())
    steps = {}
    for name, step in state["steps"].items():
        outputs = step.get("outputs", {})
        steps[name] = (
            step["status"],
            outputs.get("pairs"),
            outputs.get("dropped_by_reason"),
            outputs.get("anchors"),
            outputs.get("model"),
        )
    return steps, state["final_model"], state["current_stage"]


def _files(run_dir):
    """Every file `fit` writes but the trainer's own logs and temporary files (`eval/` comes from `drift eval`)."""
    return sorted(
        str(p.relative_to(run_dir))
        for p in run_dir.rglob("*")
        if p.is_file() and not {"trainer", "eval"} & set(p.relative_to(run_dir).parts) and not p.name.startswith(".")
    )


def _weights(model_dir):
    from safetensors.torch import load_file

    return load_file(model_dir / "model.safetensors")


def test_resume_after_a_kill_at_each_step_matches_an_uninterrupted_run(
    finished_run, tiny_model, tmp_path, make_config, monkeypatch
):
    import torch

    reference, anchors = finished_run
    run = tmp_path / "run"
    # save_steps=1 leaves mid-stage checkpoints, so a kill inside training resumes from one
    config = make_config(tiny_model, anchors, run, save_steps=1)

    # 1. killed inside iter_1/generate, after the first of two batches was written
    calls = []
    original_generate = trainer_module.make_backend

    def backend_that_dies_on_second_batch(*args, **kwargs):
        backend = original_generate(*args, **kwargs)
        generate = backend.generate

        def wrapped(*a, **k):
            calls.append(1)
            if len(calls) == 2:
                raise Killed("killed while sampling batch 2")
            return generate(*a, **k)

        backend.generate = wrapped
        return backend

    with monkeypatch.context() as m:
        m.setattr(trainer_module, "make_backend", backend_that_dies_on_second_batch)
        with pytest.raises(Killed):
            fit(config)
    assert (run / "iter_1" / "samples" / "batch-00000.parquet").is_file()
    assert not (run / "iter_1" / "samples" / "batch-00001.parquet").exists()

    # 2. resumed: samples only the missing batch, then killed inside iter_1/train after a checkpoint
    with pytest.raises(Killed):
        fit(config, resume=True, callbacks=[KillOnFirstSave()])
    state = json.loads((run / "state.json").read_text())
    assert state["steps"]["iter_1/generate"]["outputs"]["batches_resumed"] == 1
    assert list((run / "iter_1" / "trainer").glob("checkpoint-*"))

    # 3. resumed: finishes iter_1/train from the checkpoint, writes all of iter_2/generate, killed before
    #    the state records it
    original_mark = RunState.mark_done

    def mark_then_die(self, step, outputs, stage=None):
        if step == "iter_2/generate":
            raise Killed("killed before recording iter_2/generate")
        return original_mark(self, step, outputs, stage)

    with monkeypatch.context() as m:
        m.setattr(RunState, "mark_done", mark_then_die)
        with pytest.raises(Killed):
            fit(config, resume=True)
    assert not list((run / "iter_1" / "trainer").glob("checkpoint-*"))  # spent once the stage model is saved

    # 4. resumed: iter_2's batches are all on disk, so no model is loaded to sample; killed inside iter_2/train
    with monkeypatch.context() as m:
        m.setattr(trainer_module, "make_backend", lambda *a, **k: pytest.fail("sampled a finished batch again"))
        with pytest.raises(Killed):
            fit(config, resume=True, callbacks=[KillOnFirstSave()])

    # 5. resumed: finishes iter_2/train, killed while writing the model card
    with monkeypatch.context() as m:
        import drift.card

        m.setattr(drift.card, "write_model_card", lambda *a, **k: (_ for _ in ()).throw(Killed("card")))
        with pytest.raises(Killed):
            fit(config, resume=True)

    # 6. resumed: writes the card; the run now equals the uninterrupted one
    result = fit(config, resume=True)
    assert _comparable_state(run) == _comparable_state(reference.run_dir)
    assert _files(run) == _files(reference.run_dir)
    for k in (1, 2):
        assert read_pairs(run / f"iter_{k}" / "pairs.parquet") == read_pairs(
            reference.run_dir / f"iter_{k}" / "pairs.parquet"
        )
    ours, theirs = _weights(result.final_model), _weights(reference.final_model)
    assert ours.keys() == theirs.keys()
    assert all(torch.allclose(ours[k], theirs[k], atol=1e-5) for k in ours)
