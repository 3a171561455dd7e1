"""A full 2-iteration DRIFT run on a tiny model, and the errors `drift fit` gives before any work."""

from __future__ import annotations

import json

import pytest

from drift.errors import DriftError
from drift.trainer import DriftTrainer, read_pairs

pytestmark = pytest.mark.slow


def _margin(model_path, tokenizer, pairs) -> float:
    """Mean of log p(chosen) - log p(rejected) under the model at `model_path`."""
    from transformers import AutoModelForCausalLM

    from drift.logps import answer_logps

    model = AutoModelForCausalLM.from_pretrained(model_path).eval()
    prompts = [p["prompt"] for p in pairs]
    chosen = answer_logps(model, tokenizer, prompts, [p["chosen"][0]["content"] for p in pairs])
    rejected = answer_logps(model, tokenizer, prompts, [p["rejected"][0]["content"] for p in pairs])
    return sum(c.logp - r.logp for c, r in zip(chosen, rejected, strict=True)) / len(pairs)


def test_run_finishes_every_step(finished_run):
    result, _ = finished_run
    state = json.loads((result.run_dir / "state.json").read_text())
    assert [s for s, v in state["steps"].items() if v["status"] != "done"] == []
    assert list(state["steps"]) == ["iter_1/generate", "iter_1/train", "iter_2/generate", "iter_2/train", "card"]
    assert result.final_model == result.run_dir / "iter_2" / "model"
    assert state["final_model"] == "iter_2/model"
    assert (result.final_model / "model.safetensors").is_file()


@pytest.mark.parametrize("k", [1, 2])
def test_policy_margin_on_its_own_pairs_beats_the_reference(finished_run, tiny_model, k):
    """After iteration k, the policy separates its chosen answers from the DSAT answers more than its reference
    (the model iteration k started from) did."""
    from transformers import AutoTokenizer

    result, _ = finished_run
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    pairs = read_pairs(result.run_dir / f"iter_{k}" / "pairs.parquet")
    reference = tiny_model if k == 1 else result.run_dir / f"iter_{k - 1}" / "model"
    policy = result.run_dir / f"iter_{k}" / "model"
    assert len(pairs) >= 4
    assert _margin(policy, tokenizer, pairs) > _margin(reference, tokenizer, pairs) + 1.0


def test_each_iteration_starts_from_and_is_referenced_to_the_previous_model(finished_run, tiny_model):
    result, _ = finished_run
    assert result.metrics["iter_1"]["training"]["start_model"] == str(tiny_model)
    assert result.metrics["iter_2"]["training"]["start_model"] == str(result.run_dir / "iter_1" / "model")


def test_pairs_have_the_conversation_only_as_prompt(finished_run):
    result, anchors = finished_run
    pairs = read_pairs(result.run_dir / "iter_1" / "pairs.parquet")
    from drift.anchors import load_anchors

    by_id = {a.id: a for a in load_anchors(anchors).anchors}
    for pair in pairs:
        anchor = by_id[pair["id"]]
        assert pair["prompt"] == anchor.prompt
        assert pair["rejected"] == [{"role": "assistant", "content": anchor.rejected}]
        assert anchor.feedback not in json.dumps(pair["prompt"])


def test_metrics_count_pairs_drops_and_speed(finished_run):
    result, _ = finished_run
    generation = result.metrics["iter_1"]["generation"]
    assert generation["anchors"] == 8
    assert generation["pairs"] + sum(generation["dropped_by_reason"].values()) == 8
    assert generation["samples_per_second"] > 0 and generation["batches"] == 2
    training = result.metrics["iter_1"]["training"]
    assert training["pairs"] == generation["pairs"] and training["train_steps_per_second"] > 0
    assert "rewards/margins" in training
    assert (result.run_dir / "iter_1" / "dropped.parquet").is_file()
    assert (result.run_dir / "config.yaml").is_file()


def test_final_model_card_names_anchors_recipe_and_metrics(finished_run):
    result, anchors = finished_run
    card = (result.final_model / "README.md").read_text()
    assert card.startswith("---\nbase_model: ")
    assert "arXiv 2510.02341" in card and "@misc{wang2025drift" in card
    assert str(anchors) in card
    assert "sigmoid x 1.0 + sft x 0.001, beta 0.1" in card
    assert "| iter_2 |" in card


def test_missing_model_path(extract_dir, tmp_path, make_config):
    with pytest.raises(DriftError, match=r"model path ./no/such/model does not exist: pass a local model folder"):
        DriftTrainer(make_config("./no/such/model", extract_dir, tmp_path / "run"))


def test_model_folder_without_config(extract_dir, tmp_path, make_config):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DriftError, match="has no config.json"):
        DriftTrainer(make_config(tmp_path / "empty", extract_dir, tmp_path / "run"))


def test_anchors_without_rows(tiny_model, tmp_path, make_config):
    from drift.testing import write_extract_folder

    import pyarrow as pa
    import pyarrow.parquet as pq

    out = write_extract_folder(tmp_path / "out", [])
    pq.write_table(pa.table({"id": pa.array([], pa.string())}), out / "anchors" / "train-00000-of-00001.parquet")
    with pytest.raises(DriftError, match="have no usable rows"):
        DriftTrainer(make_config(tiny_model, out, tmp_path / "run"))


@pytest.mark.parametrize("option", [{"method": "spin"}, {"seed_stage": True}])
def test_methods_needing_natural_pairs_without_any(tiny_model, tmp_path, anchor_rows, make_config, option):
    from drift.testing import write_extract_folder

    out = write_extract_folder(tmp_path / "out", [{**r, "chosen": None} for r in anchor_rows])
    with pytest.raises(DriftError, match=r"needs anchors with a natural SAT answer \(`chosen`\), and none of the 8"):
        DriftTrainer(make_config(tiny_model, out, tmp_path / "run", **option))


def test_resume_with_a_different_config(finished_run, tiny_model, make_config):
    result, anchors = finished_run
    with pytest.raises(DriftError, match=r"was started with a different config \(beta: 0.1 -> 0.3\)"):
        DriftTrainer(make_config(tiny_model, anchors, result.run_dir, beta=0.3), resume=True)


def test_rerun_into_a_finished_run_without_resume(finished_run, tiny_model, make_config):
    result, anchors = finished_run
    with pytest.raises(DriftError, match="already holds a drift run: pass --resume"):
        DriftTrainer(make_config(tiny_model, anchors, result.run_dir))


def test_resume_of_a_finished_run_does_nothing(finished_run, tiny_model, make_config, monkeypatch):
    from drift import trainer

    result, anchors = finished_run
    monkeypatch.setattr(trainer, "make_backend", lambda *a, **k: pytest.fail("sampled again"))
    again = trainer.fit(make_config(tiny_model, anchors, result.run_dir), resume=True)
    assert again.final_model == result.final_model
