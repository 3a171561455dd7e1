"""The model card renders from the run's state and metrics, per method."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from drift.card import render_model_card


def _state(method="drift", seed_stage=False):
    steps = ["seed/train"] if seed_stage else []
    steps += ["iter_1/generate", "iter_1/train", "card"]
    recipe = {
        "model_name_or_path": "org/base-instruct", "method": method, "guided": True, "iterations": 1,
        "seed_stage": seed_stage, "seed_epochs": 3.0, "loss_type": ["sigmoid", "sft"], "loss_weights": [1.0, 0.001],
        "beta": 0.1, "optim": "rmsprop", "learning_rate": 5e-7, "lr_scheduler_type": "linear", "warmup_steps": 0.1,
        "per_device_train_batch_size": 4, "gradient_accumulation_steps": 1, "num_train_epochs": 1.0,
        "max_length": 2048, "max_prompt_length": 1024, "temperature": 0.7, "top_p": 0.9, "max_new_tokens": 512,
        "backend": "transformers", "near_duplicate_threshold": 0.9, "drop_truncated": True, "lora_r": 0,
        "seed": 42, "num_samples": 2, "reward_model": "org/rm",
    }
    anchors = {"source": "org/dsat-anchors", "kind": "hub", "rows_read": 10, "anchors": 9, "with_chosen": 2,
               "skipped_by_reason": {"missing_feedback": 1}, "fingerprint": "abc123"}
    return {"recipe": recipe, "anchors": anchors, "steps": {s: {"status": "done"} for s in steps}}


def _run_dir(tmp_path):
    (tmp_path / "iter_1").mkdir()
    (tmp_path / "iter_1" / "metrics.json").write_text(json.dumps({
        "generation": {"pairs": 7, "dropped_by_reason": {"truncated": 2}, "samples_per_second": 12.5},
        "training": {"pairs": 7, "train_loss": 0.61, "rewards/margins": 0.4, "rewards/accuracies": 0.8,
                     "train_steps_per_second": 1.5},
    }))
    return tmp_path


def test_card_header_and_sections(tmp_path):
    card = render_model_card(_state(), _run_dir(tmp_path), "my-run", "my-org/my-run")
    header = card.split("---")[1]
    assert "base_model: org/base-instruct" in header and "- drift" in header
    assert "datasets:\n- org/dsat-anchors" in header  # hub anchors are linked
    assert "| rows skipped | missing_feedback 1 |" in card
    assert "| iter_1 | 7 | truncated 2 | 12.5 | 0.61 | 0.4 | 0.8 | 1.5 |" in card
    assert 'model="my-org/my-run"' in card
    assert "2510.02341" in card


@pytest.mark.parametrize(
    ("method", "phrase"),
    [("drift", "improved answer guided by the user's feedback"), ("spin", "**SPIN** baseline"),
     ("iterdpo", "ranked by the reward model\n`org/rm`")],
)
def test_card_describes_the_method(tmp_path, method, phrase):
    assert phrase in render_model_card(_state(method), _run_dir(tmp_path), "r", "r")


def test_card_mentions_the_seed_stage(tmp_path):
    card = render_model_card(_state(seed_stage=True), _run_dir(tmp_path), "r", "r")
    assert "after a seed DPO stage of 3.0 epochs on natural DSAT->SAT pairs" in card
    assert "| seed | - |" in card


def test_cli_import_stays_light():
    """`drift --help` must not import torch, transformers or trl."""
    code = (
        "import sys, cli.drift_app, drift; "
        "print(sorted(m for m in ('torch', 'transformers', 'trl') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
