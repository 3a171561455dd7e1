"""`DriftTrainer`: the DRIFT loop (optional seed DPO, then K x [sample improved answers -> pairs -> DPO]).

We orchestrate; TRL's `DPOTrainer` computes the loss. Each iteration's reference model is the policy the
iteration starts from: the trainer is given that checkpoint's folder and, with no `ref_model`, TRL loads the
same folder as reference (or, with LoRA, disables the adapter, which gives the same model).
"""

from __future__ import annotations

import gc
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from drift.anchors import AnchorSet, load_anchors
from drift.config import DriftConfig, write_yaml
from drift.errors import DriftError
from drift.generate import Request, make_backend
from drift.pairs import Pairs, drift_pairs, iterdpo_pairs, seed_pairs, spin_pairs
from drift.prompts import sampling_prompt, training_prompt
from drift.sampling import sample_batches
from drift.state import RunState

_MESSAGES_TYPE = None  # pyarrow type of a list of {role, content}, built on first use


@dataclass
class FitResult:
    run_dir: Path
    final_model: Path
    metrics: dict[str, dict] = field(default_factory=dict)  # stage -> metrics.json content


def fit(config: DriftConfig, *, anchors: AnchorSet | None = None, resume: bool = False, callbacks=None) -> FitResult:
    """Run (or with `resume`, continue) a DRIFT run into `config.output_dir`. Usable from a notebook."""
    return DriftTrainer(config, anchors=anchors, resume=resume, callbacks=callbacks).fit()


def resolve_model(name: str | None) -> str:
    """A local model folder as an absolute path, or a Hub id; fails early with the fix."""
    if not name:
        raise DriftError("no model given: pass --model PATH_OR_HUB_ID (an instruct model with a chat template)")
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise DriftError(f"model folder {path} has no config.json: pass a folder written by save_pretrained")
        return str(path.resolve())
    if name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise DriftError(f"model path {name} does not exist: pass a local model folder or a Hub model id (org/name)")
    return name


def _messages_type():
    import pyarrow as pa

    global _MESSAGES_TYPE
    if _MESSAGES_TYPE is None:
        _MESSAGES_TYPE = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
    return _MESSAGES_TYPE


def write_pairs(path: Path, pairs: Pairs) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    messages = _messages_type()
    schema = pa.schema([("id", pa.string()), ("prompt", messages), ("chosen", messages), ("rejected", messages)])
    pq.write_table(pa.Table.from_pylist(pairs.rows, schema=schema), path)
    dropped = pa.schema([("anchor_id", pa.string()), ("reason", pa.string()), ("sample", pa.string())])
    pq.write_table(pa.Table.from_pylist(pairs.dropped, schema=dropped), path.with_name("dropped.parquet"))


def read_pairs(path: Path) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def _free_memory() -> None:
    """Return a dropped model's GPU memory now; on CPU, reference counting already freed it (a full
    collection costs ~0.3 s in a process that imported transformers)."""
    import torch

    if torch.cuda.is_available():
        gc.collect()
        torch.cuda.empty_cache()


class DriftTrainer:
    """Runs the steps of a DRIFT run in order, skipping those the state file marks done."""

    def __init__(self, config: DriftConfig, *, anchors: AnchorSet | None = None, resume: bool = False, callbacks=None):
        from accelerate import PartialState

        self.config = config
        self.run_dir = Path(config.output_dir)
        self.base_model = resolve_model(config.model_name_or_path)
        config.model_name_or_path = self.base_model
        if config.anchors is None and anchors is None:
            raise DriftError("no anchors given: pass ANCHORS (an extract folder, a dataset id or a JSONL file)")
        self.anchors = anchors or load_anchors(config.anchors, config.anchors_split, config.max_anchors)
        self._check_method()
        self.callbacks = list(callbacks or [])
        self.dist = PartialState()
        if config.backend == "vllm" and self.dist.num_processes > 1:
            raise DriftError(
                "--backend vllm samples in one process: launch `drift fit` without accelerate for vLLM, or use "
                "--backend transformers (each process samples a share) or an endpoint (--backend openai)"
            )
        self.tokenizer = self._load_tokenizer()
        self.state = self._open_state(resume)
        budget = config.max_prompt_length
        self.train_prompts = [training_prompt(self.tokenizer, a, budget) for a in self.anchors.anchors]

    # --- setup ---

    def _check_method(self) -> None:
        with_chosen = len(self.anchors.with_chosen())
        for needed, what in ((self.config.method == "spin", "--method spin"), (self.config.seed_stage, "--seed-stage")):
            if needed and not with_chosen:
                raise DriftError(
                    f"{what} needs anchors with a natural SAT answer (`chosen`), and none of the "
                    f"{len(self.anchors)} anchors from {self.anchors.source} has one: use --method drift without "
                    "--seed-stage, or extract from logs where users confirm a fix"
                )

    def _load_tokenizer(self):
        from transformers import AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(self.base_model, trust_remote_code=self.config.trust_remote_code)
        except OSError as exc:
            first = str(exc).strip().splitlines()[0]
            raise DriftError(
                f"could not load model {self.base_model!r} ({first}): pass a local model folder or a Hub model id"
            ) from exc
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        return tokenizer

    def _open_state(self, resume: bool) -> RunState:
        summary = self.anchors.summary()
        recipe = self.config.recipe()
        if self.dist.is_main_process:
            state = RunState.open(self.run_dir, recipe, summary, resume=resume)
            if not (self.run_dir / "config.yaml").exists():
                write_yaml(self.config, self.run_dir / "config.yaml")
        self.dist.wait_for_everyone()
        if not self.dist.is_main_process:
            state = RunState.open(self.run_dir, recipe, summary, resume=True, writer=False)
        return state

    # --- the loop ---

    def fit(self) -> FitResult:
        metrics: dict[str, dict] = {}
        for step in self.state.steps:
            stage, _, action = step.partition("/")
            if self.state.is_done(step):
                continue
            self.state.mark_started(step)
            if step == "card":
                self._write_card()
            elif action == "generate":
                self._generate(stage, int(stage.split("_")[1]))
            else:
                self._train(stage)
        for stage in dict.fromkeys(s.partition("/")[0] for s in self.state.steps if s != "card"):
            path = self.run_dir / stage / "metrics.json"
            if path.is_file():
                metrics[stage] = json.loads(path.read_text())
        final = Path(self.state.current_model(self.base_model))
        return FitResult(self.run_dir, final, metrics)

    def _requests(self, anchors, guided: bool) -> list[Request]:
        budget = self.config.generation_prompt_budget()
        requests = []
        for anchor in anchors:
            rendered = sampling_prompt(
                self.tokenizer, anchor, guided=guided, instruction=self.config.improve_instruction, budget=budget
            )
            requests.append(Request(rendered.messages, rendered.ids))
        return requests

    def _generate(self, stage: str, k: int) -> None:
        config = self.config
        spin = config.method == "spin"
        indices = [i for i, a in enumerate(self.anchors.anchors) if a.chosen or not spin]
        anchors = [self.anchors.anchors[i] for i in indices]
        prompts = [self.train_prompts[i] for i in indices]
        requests = self._requests(anchors, guided=config.guided and not spin)
        policy = self.state.current_model(self.base_model)
        n = config.num_samples if config.method == "iterdpo" else 1
        samples, stats = sample_batches(
            [a.id for a in anchors],
            requests,
            lambda: make_backend(config, policy, self.tokenizer, device=self.dist.device),
            self.run_dir / stage / "samples",
            n=n,
            batch_size=config.generation_batch_size,
            seed=config.seed + 1_000_003 * k,
            description=f"{stage}: sampling {config.method} answers",
            rank=self.dist.process_index,
            world_size=self.dist.num_processes,
            wait=self.dist.wait_for_everyone,
        )
        if self.dist.is_main_process:
            guards = {"drop_truncated": config.drop_truncated, "threshold": config.near_duplicate_threshold}
            if config.method == "drift":
                pairs = drift_pairs(anchors, prompts, samples, **guards)
            elif spin:
                pairs = spin_pairs(anchors, prompts, samples, **guards)
            else:
                pairs = self._ranked_pairs(anchors, prompts, samples, guards)
            write_pairs(self.run_dir / stage / "pairs.parquet", pairs)
            outputs = {
                "anchors": len(anchors),
                "pairs": len(pairs.rows),
                "dropped_by_reason": pairs.dropped_by_reason(),
                **stats.as_dict(),
            }
            (self.run_dir / stage / "metrics.json").write_text(json.dumps({"generation": outputs}, indent=2))
            self.state.mark_done(f"{stage}/generate", outputs)
        else:
            self.state.mark_done(f"{stage}/generate", {})
        self.dist.wait_for_everyone()

    def _ranked_pairs(self, anchors, prompts, samples, guards) -> Pairs:
        from drift.reward import RewardModel

        config = self.config
        scorer = RewardModel(config.reward_model, batch_size=config.reward_batch_size, device=self.dist.device)
        try:
            return iterdpo_pairs(anchors, prompts, samples, scorer.score, **guards)
        finally:
            scorer.close()

    def _stage_pairs(self, stage: str) -> list[dict]:
        if stage == "seed":
            pairs = seed_pairs(self.anchors.anchors, self.train_prompts)
            (self.run_dir / stage).mkdir(parents=True, exist_ok=True)
            if self.dist.is_main_process:
                write_pairs(self.run_dir / stage / "pairs.parquet", pairs)
            return pairs.rows
        rows = read_pairs(self.run_dir / stage / "pairs.parquet")
        if not rows:
            dropped = self.state.outputs(f"{stage}/generate").get("dropped_by_reason", {})
            reasons = ", ".join(f"{r} {n}" for r, n in dropped.items()) or "none"
            raise DriftError(
                f"{stage} has no usable pairs (dropped: {reasons}): raise --max_new_tokens, lower "
                "--near_duplicate_threshold, or pass --no_drop_truncated; then rerun with --resume"
            )
        return rows

    def _train(self, stage: str) -> None:
        from datasets import Dataset
        from transformers.trainer_utils import get_last_checkpoint
        from trl import DPOTrainer

        config = self.config
        rows = self._stage_pairs(stage)
        stage_dir = self.run_dir / stage
        epochs = config.seed_epochs if stage == "seed" else config.num_train_epochs
        run_name = f"{config.run_name or self.run_dir.name}-{stage}"
        args = config.stage_args(stage_dir / "trainer", epochs, run_name)
        start = self.state.current_model(self.base_model)
        trainer = DPOTrainer(
            model=start,
            args=args,
            train_dataset=Dataset.from_list(rows),
            processing_class=self.tokenizer,
            peft_config=self._lora_config(),
            callbacks=self.callbacks,
        )
        checkpoint = get_last_checkpoint(args.output_dir) if Path(args.output_dir).is_dir() else None
        result = trainer.train(resume_from_checkpoint=checkpoint)
        self._save(trainer, start, stage_dir / "model")
        logged = {}
        for entry in trainer.state.log_history:  # the last value of each DPO metric TRL logged
            logged.update({k: v for k, v in entry.items() if k.startswith(("rewards/", "logps/", "loss"))})
        training = {"pairs": len(rows), "start_model": start, **result.metrics, **logged}
        generation = self.state.outputs(f"{stage}/generate")
        if generation:
            trainer.log({f"drift/{k}": v for k, v in generation.items() if isinstance(v, int | float)})
        del trainer
        _free_memory()
        if self.dist.is_main_process:
            for checkpoint_dir in (stage_dir / "trainer").glob("checkpoint-*"):
                shutil.rmtree(checkpoint_dir)  # the stage's model is saved; mid-stage checkpoints are spent
            metrics_path = stage_dir / "metrics.json"
            metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
            metrics["training"] = training
            metrics_path.write_text(json.dumps(metrics, indent=2, default=str))
        self.state.mark_done(f"{stage}/train", {"model": f"{stage}/model", **training}, stage=stage)
        self.dist.wait_for_everyone()

    def _lora_config(self):
        if not self.config.lora_r:
            return None
        from peft import LoraConfig

        return LoraConfig(
            r=self.config.lora_r,
            lora_alpha=self.config.lora_alpha or 2 * self.config.lora_r,
            lora_dropout=self.config.lora_dropout,
            target_modules=self.config.lora_target_modules or "all-linear",
            task_type="CAUSAL_LM",
        )

    def _save(self, trainer, start: str, model_dir: Path) -> None:
        """Save the stage's policy as a full model folder; a LoRA adapter is merged into the stage's start model."""
        if not self.config.lora_r:
            trainer.save_model(str(model_dir))
            return
        adapter_dir = model_dir.parent / "adapter"
        trainer.save_model(str(adapter_dir))  # distributed-safe: gathers the adapter whatever the sharding
        if self.dist.is_main_process:
            from peft import PeftModel
            from transformers import AutoModelForCausalLM

            trust = self.config.trust_remote_code
            base = AutoModelForCausalLM.from_pretrained(start, dtype="auto", trust_remote_code=trust)
            merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
            merged.save_pretrained(str(model_dir))
            self.tokenizer.save_pretrained(str(model_dir))
            del base, merged
        self.dist.wait_for_everyone()

    def _write_card(self) -> None:
        from drift.card import write_model_card

        final = Path(self.state.current_model(self.base_model))
        inside = final.is_relative_to(self.run_dir)
        self.state.finish(str(final.relative_to(self.run_dir)) if inside else str(final))
        if self.dist.is_main_process and inside:
            write_model_card(final, self.config, self.state.data, self.run_dir)
        self.state.mark_done("card", {"final_model": self.state.data["final_model"]})
        self.dist.wait_for_everyone()
