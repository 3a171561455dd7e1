"""DriftConfig: the paper's recipe as defaults, YAML + command-line layering, and one-line errors."""

from __future__ import annotations

import pytest

from drift.config import DriftConfig, load_config, write_yaml
from drift.errors import DriftError


def test_defaults_are_the_paper_recipe():
    config = load_config()
    assert config.learning_rate == 5e-7
    assert config.beta == 0.1
    assert config.loss_type == ["sigmoid", "sft"]
    assert config.loss_weights == [1.0, 0.001]
    assert config.warmup_steps == 0.1
    assert str(config.lr_scheduler_type.value) == "linear"
    assert config.max_length == 2048
    assert (config.temperature, config.top_p, config.max_new_tokens) == (0.7, 0.9, 512)
    assert (config.iterations, config.num_train_epochs, config.seed_epochs) == (2, 1.0, 3.0)
    assert config.method == "drift" and config.guided


def test_bf16_is_off_without_a_bf16_gpu():
    # the test machine has no GPU: bf16 must resolve to False instead of failing TrainingArguments' check
    assert load_config().bf16 is False


@pytest.mark.parametrize("flag", ["--learning_rate", "--learning-rate"])
def test_command_line_overrides_yaml(tmp_path, flag):
    path = tmp_path / "run.yaml"
    path.write_text("learning_rate: 1.0e-6\niterations: 3\nbeta: 0.3\n")
    config = load_config(path, {"iterations": 4}, [flag, "2e-6"])
    assert config.learning_rate == 2e-6  # command line beats YAML
    assert config.iterations == 4  # typed options beat YAML
    assert config.beta == 0.3  # YAML beats defaults


def test_yaml_scientific_notation_without_dot_is_a_float(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("learning_rate: 5e-6\n")  # YAML 1.1 reads this as a string
    assert load_config(path).learning_rate == 5e-6


def test_list_and_bool_fields_parse_from_the_command_line():
    config = load_config(args=["--loss_type", "sigmoid", "--loss_weights", "1.0", "--no_guided", "--seed_stage"])
    assert config.loss_type == ["sigmoid"] and config.loss_weights == [1.0]
    assert config.guided is False and config.seed_stage is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--betta", "0.2"], "unknown option 'betta' in the command line (did you mean 'beta'?)"),
        (["--beta", "high"], "argument --beta: invalid float value: 'high'"),
        (["--method", "ppo"], "invalid choice: 'ppo'"),
        (["--method", "iterdpo"], "--method iterdpo ranks two policy samples with a reward model: pass --reward-model"),
        (["--iterations", "0"], "iterations is 0: use 1 or more (0 is allowed only with --seed-stage)"),
        (["--top_p", "1.5"], "top_p must be in (0, 1], got 1.5"),
        (["--backend", "openai"], "backend 'openai' needs the endpoint: pass --api-base URL"),
        (["--max_length", "512"], "max_length 512 leaves 0 prompt tokens after max_new_tokens 512"),
    ],
)
def test_bad_options_fail_with_the_fix(args, message):
    with pytest.raises(DriftError) as error:
        load_config(args=args)
    assert message in str(error.value)


def test_unknown_yaml_key_names_the_file(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("learnign_rate: 1.0e-6\n")
    expected = r"unknown option 'learnign_rate' in .*run.yaml \(did you mean 'learning_rate'\?\)"
    with pytest.raises(DriftError, match=expected):
        load_config(path)


def test_missing_config_file():
    with pytest.raises(DriftError, match="config file /nope.yaml does not exist"):
        load_config("/nope.yaml")


def test_written_yaml_reads_back_to_the_same_recipe(tmp_path):
    config = load_config(args=["--beta", "0.25", "--lora_r", "8", "--lora_target_modules", "q_proj", "v_proj"])
    write_yaml(config, tmp_path / "config.yaml")
    assert load_config(tmp_path / "config.yaml").recipe() == config.recipe()


def test_recipe_ignores_logging_but_not_training_options():
    base = load_config().recipe()
    assert load_config(args=["--report_to", "wandb", "--logging_steps", "5"]).recipe() == base
    assert load_config(args=["--beta", "0.2"]).recipe() != base


def test_stage_args_is_a_plain_dpo_config_with_the_recipe(tmp_path):
    from trl import DPOConfig

    config = load_config(args=["--beta", "0.2"])
    stage = config.stage_args(tmp_path / "iter_1", 3.0, "run-iter_1")
    assert type(stage) is DPOConfig
    assert (stage.beta, stage.loss_type, stage.loss_weights) == (0.2, ["sigmoid", "sft"], [1.0, 0.001])
    assert (stage.num_train_epochs, stage.output_dir, stage.run_name) == (3.0, str(tmp_path / "iter_1"), "run-iter_1")
    assert stage.learning_rate == 5e-7


def test_drift_config_is_a_dpo_config():
    from trl import DPOConfig

    assert issubclass(DriftConfig, DPOConfig)
