"""`DriftConfig`: TRL's `DPOConfig` plus the DRIFT loop's options, with TRL defaults set to the paper's recipe.

Every field is an option: in a YAML file (`drift fit --config run.yaml`) and on the command line
(`--learning_rate 1e-6` or `--learning-rate 1e-6`), the command line winning.
"""

import difflib
import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from trl import DPOConfig

from drift.errors import DriftError

METHODS = ("drift", "spin", "iterdpo")
BACKENDS = ("transformers", "vllm", "openai")

# The instruction of the paper's generation script (cacayaya/DRIFT gen-drift.py), appended to the user's feedback.
DEFAULT_IMPROVE_INSTRUCTION = (
    "Based on the user's latest feedback, please provide an improved response that addresses their concerns."
)

# Fields that do not change what a run computes: a resumed run may change them freely.
_NOT_RECIPE_PREFIXES = (
    "output_dir",
    "anchors",  # the path may move; the anchors' content fingerprint is checked instead
    "logging_",
    "log_",
    "report_to",
    "run_name",
    "project",
    "trackio_",
    "disable_tqdm",
    "dataloader_",
    "push_to_hub",
    "hub_",
    "save_",
    "api_key_env",
    "api_concurrency",
    "vllm_gpu_memory_utilization",
    "per_device_eval_batch_size",
)


@dataclass
class DriftConfig(DPOConfig):
    """Configuration of `drift fit`: the run (anchors, model, method), the sampling of new answers, and DPO.

    Defaults follow DRIFT (arXiv 2510.02341): 2 iterations, DPO sigmoid loss with beta 0.1 plus an SFT term on
    the chosen answer with weight 0.001 (the paper's `rpo_alpha`), learning rate 5e-7, linear schedule with 10%
    warmup, RMSprop, batch 4, max length 2048, one epoch per iteration; sampling at temperature 0.7, top-p 0.9,
    up to 512 new tokens.
    """

    # --- The run ---
    model_name_or_path: str | None = field(
        default=None,
        metadata={"help": "Policy to start from: a local folder or a Hub model id (CLI: --model)."},
    )
    anchors: str | None = field(
        default=None,
        metadata={
            "help": "DSAT anchors: a `dsatkit extract` output folder, a Hub dataset id, a local dataset folder, or a "
            "DRIFT-repo style JSONL file (`prompt`, `rejected`, `user_preference`)."
        },
    )
    anchors_split: str | None = field(
        default="train",
        metadata={
            "help": "Split to read: shards whose file name starts with it in an extract folder, the named split of a "
            "dataset. Folders without such shards are read whole. None reads everything."
        },
    )
    max_anchors: int | None = field(
        default=None, metadata={"help": "Use only the first N anchors (quick trials). None uses all."}
    )
    method: str = field(
        default="drift",
        metadata={
            "help": "How pairs are built each iteration. drift: chosen = the policy's improved answer, rejected = "
            "the DSAT answer. spin: chosen = the natural SAT answer, rejected = a policy sample. iterdpo: two policy "
            "samples ranked by --reward_model.",
            "choices": list(METHODS),
        },
    )
    iterations: int = field(default=2, metadata={"help": "Number of generate-then-DPO iterations (K)."})
    seed_stage: bool = field(
        default=False,
        metadata={"help": "Run a warm-start DPO stage on the natural DSAT->SAT pairs (anchors with `chosen`) first."},
    )
    seed_epochs: float = field(default=3.0, metadata={"help": "Epochs of the seed stage."})

    # --- Sampling new answers ---
    backend: str = field(
        default="transformers",
        metadata={
            "help": "Who samples the policy: transformers (batched generate), vllm (GPU, needs `pip install vllm`), "
            "openai (any OpenAI-compatible endpoint at --api_base).",
            "choices": list(BACKENDS),
        },
    )
    guided: bool = field(
        default=True,
        metadata={
            "help": "Show the DSAT answer, the user's feedback and the improve instruction when sampling (drift, "
            "iterdpo). False samples from the plain conversation, the paper's unguided ablation. spin never guides."
        },
    )
    improve_instruction: str = field(
        default=DEFAULT_IMPROVE_INSTRUCTION,
        metadata={"help": "Instruction appended to the user's feedback in the sampling prompt."},
    )
    temperature: float = field(default=0.7, metadata={"help": "Sampling temperature; 0 decodes greedily."})
    top_p: float = field(default=0.9, metadata={"help": "Nucleus sampling threshold."})
    max_new_tokens: int = field(default=512, metadata={"help": "Longest sampled answer, in tokens."})
    generation_batch_size: int = field(
        default=16, metadata={"help": "Anchors per generation batch (one resumable file per batch)."}
    )
    generation_max_prompt_length: int | None = field(
        default=None,
        metadata={
            "help": "Longest sampling prompt in tokens; longer ones lose their oldest messages, then their oldest "
            "tokens, so the feedback and instruction always survive. None: max_length - max_new_tokens."
        },
    )
    max_prompt_length: int | None = field(
        default=1024,
        metadata={
            "help": "Longest training prompt in tokens; longer conversations lose their oldest messages (the system "
            "message stays). None keeps them whole (TRL then cuts the end of sequences past max_length)."
        },
    )
    num_samples: int = field(default=2, metadata={"help": "Samples per anchor for --method iterdpo."})
    reward_model: str | None = field(
        default=None,
        metadata={"help": "Sequence-classification reward model (path or Hub id) that ranks iterdpo samples."},
    )
    reward_batch_size: int = field(default=8, metadata={"help": "Batch size when scoring with the reward model."})
    api_base: str | None = field(
        default=None, metadata={"help": "Base URL of the OpenAI-compatible endpoint (backend openai)."}
    )
    api_model: str | None = field(
        default=None,
        metadata={
            "help": "Model name sent to the endpoint. None sends the current policy's folder path, for servers that "
            "load models by path."
        },
    )
    api_key_env: str = field(
        default="OPENAI_API_KEY", metadata={"help": "Environment variable that holds the endpoint's API key."}
    )
    api_concurrency: int = field(default=8, metadata={"help": "Parallel requests to the endpoint."})
    vllm_gpu_memory_utilization: float = field(
        default=0.85, metadata={"help": "Share of GPU memory vLLM may take while sampling (the trainer is unloaded)."}
    )

    # --- Pair guards ---
    drop_truncated: bool = field(
        default=True, metadata={"help": "Drop samples cut off at max_new_tokens instead of training on them."}
    )
    near_duplicate_threshold: float = field(
        default=0.9,
        metadata={
            "help": "Drop a pair when the word-level similarity of its two answers reaches this (1.0: only exact "
            "copies, after case and whitespace folding)."
        },
    )

    # --- LoRA ---
    lora_r: int = field(default=0, metadata={"help": "LoRA rank; 0 trains all weights."})
    lora_alpha: int | None = field(default=None, metadata={"help": "LoRA alpha; None uses 2 * lora_r."})
    lora_dropout: float = field(default=0.05, metadata={"help": "LoRA dropout."})
    lora_target_modules: list[str] | None = field(
        default=None, metadata={"help": "Modules LoRA adapts; None adapts all linear layers but the LM head."}
    )

    # --- TRL / transformers defaults replaced by the paper's recipe ---
    learning_rate: float = field(default=5e-7, metadata={"help": "Peak learning rate."})
    lr_scheduler_type: str = field(default="linear", metadata={"help": "Learning-rate schedule."})
    warmup_steps: float = field(
        default=0.1, metadata={"help": "Warmup: a float in [0, 1) is a share of the steps, an integer a step count."}
    )
    optim: str = field(default="rmsprop", metadata={"help": "Optimizer (the paper used RMSprop)."})
    num_train_epochs: float = field(default=1.0, metadata={"help": "DPO epochs per iteration."})
    per_device_train_batch_size: int = field(default=4, metadata={"help": "Pairs per device per step."})
    max_length: int | None = field(
        default=2048, metadata={"help": "Longest prompt + answer in tokens during DPO (TRL keeps the start)."}
    )
    loss_type: list[str] = field(
        default_factory=lambda: ["sigmoid", "sft"],
        metadata={"help": "TRL DPO loss terms; the recipe is the sigmoid loss plus an SFT term on chosen."},
    )
    loss_weights: list[float] | None = field(
        default_factory=lambda: [1.0, 0.001],
        metadata={"help": "Weight of each loss term; 0.001 on 'sft' is the paper's rpo_alpha."},
    )
    bf16: bool | None = field(
        default=None, metadata={"help": "bf16 mixed precision; None turns it on where the GPU supports it."}
    )
    activation_checkpointing: bool | None = field(
        default=True, metadata={"help": "Gradient (activation) checkpointing: less memory, about 20% slower."}
    )
    gradient_checkpointing: bool | None = field(
        default=None, metadata={"help": "Deprecated alias of activation_checkpointing."}
    )

    def __post_init__(self):
        self._check_run_options()
        if self.bf16 is None:
            self.bf16 = not self.fp16 and _bf16_supported()
        # An explicit gradient_checkpointing (YAML files written for TRL use it) wins over our default.
        if self.gradient_checkpointing is not None:
            self.activation_checkpointing = self.gradient_checkpointing
        super().__post_init__()
        if self.max_length is not None and self.generation_prompt_budget() < 16:
            raise DriftError(
                f"max_length {self.max_length} leaves {self.generation_prompt_budget()} prompt tokens after "
                f"max_new_tokens {self.max_new_tokens}: raise --max_length or lower --max_new_tokens"
            )

    def _check_run_options(self) -> None:
        if self.method not in METHODS:
            raise DriftError(f"unknown method '{self.method}': choose one of {', '.join(METHODS)}")
        if self.backend not in BACKENDS:
            raise DriftError(f"unknown backend '{self.backend}': choose one of {', '.join(BACKENDS)}")
        if self.method == "iterdpo" and not self.reward_model:
            raise DriftError(
                "--method iterdpo ranks two policy samples with a reward model: pass --reward-model PATH_OR_ID "
                "(a sequence-classification model)"
            )
        if self.iterations < 0 or (self.iterations == 0 and not self.seed_stage):
            raise DriftError(
                f"iterations is {self.iterations}: use 1 or more (0 is allowed only with --seed-stage)"
            )
        if self.backend == "openai" and not self.api_base:
            raise DriftError("backend 'openai' needs the endpoint: pass --api-base URL (e.g. http://localhost:8000/v1)")
        checks = (
            (self.temperature >= 0, f"temperature must be >= 0, got {self.temperature}"),
            (0 < self.top_p <= 1, f"top_p must be in (0, 1], got {self.top_p}"),
            (self.max_new_tokens >= 1, f"max_new_tokens must be >= 1, got {self.max_new_tokens}"),
            (self.generation_batch_size >= 1, f"generation_batch_size must be >= 1, got {self.generation_batch_size}"),
            (self.seed_epochs > 0, f"seed_epochs must be > 0, got {self.seed_epochs}"),
            (self.num_samples >= 2, f"num_samples must be >= 2 to rank samples, got {self.num_samples}"),
            (
                0 < self.near_duplicate_threshold <= 1,
                f"near_duplicate_threshold must be in (0, 1], got {self.near_duplicate_threshold}",
            ),
            (self.lora_r >= 0, f"lora_r must be >= 0 (0 trains all weights), got {self.lora_r}"),
            (self.max_anchors is None or self.max_anchors >= 1, f"max_anchors must be >= 1, got {self.max_anchors}"),
            (self.api_concurrency >= 1, f"api_concurrency must be >= 1, got {self.api_concurrency}"),
        )
        for ok, message in checks:
            if not ok:
                raise DriftError(message)

    def generation_prompt_budget(self) -> int:
        """Token budget of a sampling prompt."""
        if self.generation_max_prompt_length is not None:
            return self.generation_max_prompt_length
        if self.max_length is None:
            return 4096
        return self.max_length - self.max_new_tokens

    def stage_args(self, output_dir: str | Path, num_train_epochs: float, run_name: str) -> DPOConfig:
        """A plain `DPOConfig` for one training stage, with every DPO/TrainingArguments field copied."""
        values = {f.name: getattr(self, f.name) for f in fields(DPOConfig) if f.init}
        values.update(output_dir=str(output_dir), num_train_epochs=num_train_epochs, run_name=run_name)
        return DPOConfig(**values)

    def recipe(self) -> dict[str, Any]:
        """The options that decide what a run computes, JSON-safe: a resumed run must match them."""
        return {k: v for k, v in json_safe(self.to_dict()).items() if not k.startswith(_NOT_RECIPE_PREFIXES)}


def json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _bf16_supported() -> bool:
    import torch

    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def config_field_names() -> list[str]:
    return [f.name for f in fields(DriftConfig) if f.init]


def _check_keys(keys, where: str) -> None:
    names = set(config_field_names())
    for key in keys:
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise DriftError(f"unknown option '{key}' in {where}{hint}: see `docs/drift.md` for the option list")


def load_config(
    config_file: str | Path | None = None,
    values: dict[str, Any] | None = None,
    args: list[str] | None = None,
) -> DriftConfig:
    """Build a `DriftConfig` from, in rising priority: a YAML file, a dict of values, and `--field value` strings.

    `args` are command-line strings for any field (`["--beta", "0.2", "--loss_type", "sigmoid"]`), typed by
    transformers' `HfArgumentParser` the way TRL's own scripts parse them.
    """
    from transformers import HfArgumentParser

    merged: dict[str, Any] = {}
    if config_file is not None:
        merged.update(_read_yaml(Path(config_file)))
    if values:
        _check_keys(values, "the given values")
        merged.update({k: v for k, v in values.items() if v is not None})
    class _Parser(HfArgumentParser):
        def error(self, message):  # argparse prints its usage and exits; one clear line instead
            raise DriftError(f"{message}: check the value given on the command line")

    parser = _Parser(DriftConfig, allow_abbrev=False)
    parser.set_defaults(**merged)
    namespace, remaining = parser.parse_known_args(args=args or [])
    if remaining:
        flag = next((a for a in remaining if a.startswith("-")), remaining[0])
        if flag.startswith("-"):
            _check_keys([flag.lstrip("-").split("=")[0].replace("-", "_")], "the command line")
        raise DriftError(f"unexpected argument {flag!r}: options take the form --name value")
    try:
        return DriftConfig(**vars(namespace))
    except DriftError:
        raise
    except (ValueError, TypeError) as exc:
        raise DriftError(f"invalid option ({exc}): fix it in --config or on the command line") from exc


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    if not path.is_file():
        raise DriftError(f"config file {path} does not exist: pass the path of a YAML file to --config")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise DriftError(f"config file {path} is not valid YAML ({exc}): fix the file") from exc
    if not isinstance(data, dict):
        raise DriftError(f"config file {path} holds a {type(data).__name__}: it must be a mapping of option: value")
    _check_keys(data, str(path))
    return data


def write_yaml(config: DriftConfig, path: str | Path) -> None:
    """Write the resolved config; `drift fit --config` reads it back."""
    import yaml

    values = {k: v for k, v in json_safe(config.to_dict()).items() if not k.endswith("_token")}
    Path(path).write_text(yaml.safe_dump(values, sort_keys=False, allow_unicode=True))
