"""The seed stage, the SPIN and IterDPO baselines, and LoRA: each runs end to end on the tiny model."""

from __future__ import annotations

import json

import pytest

from drift.trainer import fit, read_pairs

pytestmark = pytest.mark.slow


def _state(run_dir):
    return json.loads((run_dir / "state.json").read_text())


def test_seed_stage_then_spin(tiny_model, extract_dir, tmp_path, make_config):
    run = tmp_path / "run"
    config = make_config(tiny_model, extract_dir, run, method="spin", iterations=1, seed_stage=True, seed_epochs=1.0)
    result = fit(config)
    assert list(_state(run)["steps"]) == ["seed/train", "iter_1/generate", "iter_1/train", "card"]
    seed = read_pairs(run / "seed" / "pairs.parquet")
    assert len(seed) == 4  # the 4 anchors with a natural SAT answer
    # iteration 1 starts from the seed model, which is its reference
    assert result.metrics["iter_1"]["training"]["start_model"] == str(run / "seed" / "model")
    spin = read_pairs(run / "iter_1" / "pairs.parquet")
    natural = {p["id"]: p["chosen"] for p in seed}
    assert spin and all(p["chosen"] == natural[p["id"]] for p in spin)  # chosen = natural SAT answer
    assert all(p["rejected"] != natural[p["id"]] for p in spin)  # rejected = a policy sample
    assert result.metrics["iter_1"]["generation"]["anchors"] == 4


def test_iterdpo_ranks_two_samples_with_a_reward_model(tiny_model, extract_dir, tmp_path, make_config):
    from drift.testing import build_tiny_reward_model

    reward = build_tiny_reward_model(tmp_path / "reward")
    run = tmp_path / "run"
    result = fit(make_config(tiny_model, extract_dir, run, method="iterdpo", iterations=1, reward_model=str(reward),
                             temperature=1.0))
    generation = result.metrics["iter_1"]["generation"]
    assert generation["samples_generated"] == 16  # 2 samples for each of 8 anchors
    pairs = read_pairs(run / "iter_1" / "pairs.parquet")
    assert pairs and generation["pairs"] == len(pairs)
    anchors_rejected = {r["rejected"][0]["content"] for r in _anchor_rows()}
    assert all(p["rejected"][0]["content"] not in anchors_rejected for p in pairs)  # both answers are samples
    assert (run / "iter_1" / "model" / "README.md").is_file()


def _anchor_rows():
    from drift.testing import tiny_anchor_rows

    return tiny_anchor_rows()


def test_lora_run_saves_a_merged_model(tiny_model, extract_dir, tmp_path, make_config):
    from safetensors.torch import load_file

    run = tmp_path / "run"
    result = fit(make_config(tiny_model, extract_dir, run, iterations=1, lora_r=4, learning_rate=1e-2))
    assert (run / "iter_1" / "adapter" / "adapter_config.json").is_file()
    merged = load_file(result.final_model / "model.safetensors")
    base = load_file(tiny_model / "model.safetensors")
    assert merged.keys() == base.keys()  # a plain model folder, no adapter weights
    changed = [k for k in base if not (merged[k] == base[k]).all()]
    assert any("q_proj" in k for k in changed)
