"""The `drift` command line: `drift fit` and `drift eval`, a thin Typer layer over the `drift` library."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import console, friendly_errors

app = typer.Typer(
    name="drift",
    help=(
        "Train chat models on DSAT anchors with DRIFT (arXiv 2510.02341), on TRL.\n\n"
        "Examples:\n\n"
        "  drift fit out/ --model Qwen/Qwen2.5-0.5B-Instruct -o run/\n\n"
        "  drift fit out/ --model MODEL -o run/ --resume\n\n"
        "  accelerate launch -m drift fit out/ --model MODEL -o run/ --lora-r 16\n\n"
        "  drift eval run/ --anchors heldout/"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON instead of a table.")]


def _stdout_for(as_json: bool):
    """With --json, stdout carries only the JSON: the trainer's printed logs go to stderr."""
    import contextlib
    import sys

    return contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext()


def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


@app.command(
    "fit",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    epilog=(
        "Any other DriftConfig / TRL DPOConfig field is an option too: --beta 0.2, --learning_rate 1e-6, "
        "--per_device_train_batch_size 8, --report_to wandb, --max_new_tokens 256 ... (see docs/drift.md). "
        "Priority: command line > --config YAML > the recipe's defaults."
    ),
)
@friendly_errors
def fit_command(
    ctx: typer.Context,
    anchors: Annotated[
        str | None,
        typer.Argument(help="Extract output folder, Hub dataset id, dataset folder, or DRIFT-style JSONL."),
    ] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Starting policy: local folder or Hub id.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Run folder.")] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="YAML file of options.")] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the run in -o at its first unfinished step.")
    ] = False,
    method: Annotated[str | None, typer.Option(help="drift (default), spin or iterdpo.")] = None,
    iterations: Annotated[int | None, typer.Option(help="Generate-then-DPO iterations (default 2).")] = None,
    seed_stage: Annotated[
        bool | None, typer.Option("--seed-stage/--no-seed-stage", help="DPO on natural DSAT->SAT pairs first.")
    ] = None,
    reward_model: Annotated[str | None, typer.Option(help="Reward model ranking iterdpo samples.")] = None,
    backend: Annotated[str | None, typer.Option(help="transformers (default), vllm or openai.")] = None,
    api_base: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint for --backend openai.")] = None,
    api_model: Annotated[str | None, typer.Option(help="Model name sent to the endpoint.")] = None,
    lora_r: Annotated[int | None, typer.Option(help="LoRA rank (0: train all weights).")] = None,
    max_anchors: Annotated[int | None, typer.Option(help="Use only the first N anchors.")] = None,
    as_json: Json = False,
) -> None:
    """Train MODEL on ANCHORS with DRIFT into the run folder -o RUN (resumable with --resume)."""
    from drift.config import load_config
    from drift.errors import DriftError
    from drift.trainer import fit

    if output is None and (config is None or "output_dir" not in _yaml_keys(config)):
        raise DriftError("no run folder given: pass -o RUN (a new folder, or an existing run with --resume)")
    if resume and config is None and output is not None and (output / "config.yaml").is_file():
        config = output / "config.yaml"  # `drift fit --resume -o RUN` alone continues with the run's own options
    values = {
        "anchors": anchors,
        "model_name_or_path": model,
        "output_dir": str(output) if output else None,
        "method": method,
        "iterations": iterations,
        "seed_stage": seed_stage,
        "reward_model": reward_model,
        "backend": backend,
        "api_base": api_base,
        "api_model": api_model,
        "lora_r": lora_r,
        "max_anchors": max_anchors,
    }
    cfg = load_config(config, values, list(ctx.args))
    with _stdout_for(as_json):
        result = fit(cfg, resume=resume)
    if as_json:
        typer.echo(json.dumps({"run": str(result.run_dir), "final_model": str(result.final_model),
                               "metrics": result.metrics}, indent=2, default=str))
        return
    _print_fit(result)


def _yaml_keys(path: Path) -> set[str]:
    import yaml

    data = yaml.safe_load(path.read_text()) if path.is_file() else {}
    return set(data) if isinstance(data, dict) else set()


def _print_fit(result) -> None:
    from rich.table import Table

    table = Table(title=f"drift fit: {result.run_dir}")
    for column in ("stage", "pairs", "dropped", "samples/s", "train loss", "reward margin", "steps/s"):
        table.add_column(column)
    for stage, m in result.metrics.items():
        gen, train = m.get("generation", {}), m.get("training", {})
        dropped = ", ".join(f"{r} {n}" for r, n in gen.get("dropped_by_reason", {}).items()) or "-"
        table.add_row(stage, _fmt(train.get("pairs", gen.get("pairs"))), dropped, _fmt(gen.get("samples_per_second")),
                      _fmt(train.get("train_loss")), _fmt(train.get("rewards/margins")),
                      _fmt(train.get("train_steps_per_second")))
    console.print(table)
    console.print(f"final model: [bold]{result.final_model}[/bold] (model card in README.md)")


@app.command("eval")
@friendly_errors
def eval_command(
    run: Annotated[Path, typer.Argument(help="Run folder written by `drift fit`.")],
    anchors: Annotated[
        str | None, typer.Option("--anchors", "-a", help="Held-out anchors (default: the run's anchors, test split).")
    ] = None,
    split: Annotated[str, typer.Option(help="Split of the held-out anchors to read.")] = "test",
    max_anchors: Annotated[int | None, typer.Option(help="Use only the first N held-out anchors.")] = None,
    batch_size: Annotated[int, typer.Option(help="Batch size for log-likelihoods.")] = 8,
    reward_model: Annotated[str | None, typer.Option(help="Reward model for a win rate against the base.")] = None,
    judge_api_base: Annotated[str | None, typer.Option(help="OpenAI-compatible judge endpoint for a win rate.")] = None,
    judge_model: Annotated[str | None, typer.Option(help="Judge model name at --judge-api-base.")] = None,
    report_to: Annotated[list[str] | None, typer.Option(help="Trackers to log to (wandb, tensorboard, ...).")] = None,
    as_json: Json = False,
) -> None:
    """Score each finished iteration of RUN on held-out anchors against the base model."""
    from drift.evaluate import evaluate_run

    with _stdout_for(as_json):
        report = evaluate_run(run, anchors, split=split, max_anchors=max_anchors, batch_size=batch_size,
                              reward_model=reward_model, judge_api_base=judge_api_base,
                              judge_model=judge_model, report_to=report_to)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    from rich.table import Table

    table = Table(title=f"drift eval: {run} on {report['anchors']} anchors from {report['source']}")
    columns = ["reward_margin", "reward_accuracy", "dsat_logp_change", "chosen_logp_change", "win_rate"]
    table.add_column("stage")
    for column in columns:
        table.add_column(column.replace("_", " "))
    for stage, m in report["models"].items():
        table.add_row(stage, *(_fmt(m.get(c)) for c in columns))
    console.print(table)
    console.print(f"written: {Path(run) / 'eval' / 'metrics.json'}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
