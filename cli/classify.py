"""`dsatkit train-classifier` and `dsatkit distill`: a DSAT head tuned to the user's own product."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer

from cli.common import console, friendly_errors


def _print_scores(title: str, rows: dict[str, dict]) -> None:
    from rich.table import Table

    table = Table(title=title, show_header=True)
    for col in ("split", "turns", "DSAT", "precision", "recall", "F1", "AUC", "ECE"):
        table.add_column(col, justify="left" if col == "split" else "right")
    for name, s in rows.items():
        auc = "n/a" if s.get("auc") is None else f"{s['auc']:.3f}"
        table.add_row(
            name, f"{s['turns']:,}", f"{s['dsat_support']:,}", f"{s['precision']:.3f}", f"{s['recall']:.3f}",
            f"{s['f1']:.3f}", auc, f"{s['ece']:.3f}",
        )
    console.print(table)


def _emit(report: dict, as_json: bool) -> bool:
    if as_json:
        typer.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY, default=str).decode())
    return as_json


@friendly_errors
def train_classifier_command(
    logs: Annotated[list[str], typer.Argument(help="Log files, folders or globs that hold the labelled conversations.")],
    gold: Annotated[Path, typer.Option("--gold", help="Gold JSONL: conversation_id, turn, label per line.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for head.npz, head.json and the model card.")],
    embedding_model: Annotated[
        str | None,
        typer.Option(help="sentence-transformers folder or hub id; default: the packaged all-MiniLM-L6-v2."),
    ] = None,
    test_size: Annotated[float, typer.Option(help="Share of conversations held out to score the head.")] = 0.2,
    seed: Annotated[int, typer.Option(help="Seed of the held-out split and the folds.")] = 0,
    no_heuristics: Annotated[
        bool, typer.Option("--no-heuristics", help="Do not feed the heuristic detectors' outputs as features.")
    ] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing output folder.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the training report as JSON.")] = False,
) -> None:
    """Train the DSAT head on your own labelled turns; use it with `dsatkit extract --head OUTPUT`.

    Example: dsatkit train-classifier logs.jsonl --gold gold.jsonl -o my-head/
    """
    from dsatkit.classifier.train import TrainConfig, train_classifier

    config = TrainConfig(
        embedding_model=embedding_model, test_size=test_size, seed=seed, heuristics=not no_heuristics,
        overwrite=overwrite,
    )
    report = train_classifier(gold, logs, output, config)
    report["held_out"].pop("reliability", None)
    if _emit(report, as_json):
        return
    console.print(
        f"trained on {report['turns']:,} labelled turns ({report['dsat_turns']:,} DSAT); "
        f"threshold {report['threshold']}, C={report['chosen_c']}"
    )
    if report["unmatched_gold"]:
        console.print(f"[yellow]{report['unmatched_gold']:,} gold turn(s) not found in the logs were skipped[/yellow]")
    _print_scores("DSAT head", {"held-out": report["held_out"], "cross-validation": report["cross_validation"]})
    console.print(f"head and model card in {output}; use it with `dsatkit extract LOGS -o OUT --head {output}`")


@friendly_errors
def distill_command(
    logs: Annotated[list[str], typer.Argument(help="Your own chat logs (files, folders, globs).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for judge labels, the head and the extract.")],
    sample_size: Annotated[int, typer.Option(help="User turns (k >= 1) the judge labels for training.")] = 2_000,
    judge_model: Annotated[str | None, typer.Option(help="Judge model name (env DSATKIT_JUDGE_MODEL).")] = None,
    judge_base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible endpoint (env DSATKIT_JUDGE_BASE_URL).")
    ] = None,
    judge_backend: Annotated[str, typer.Option(help="'openai' (any compatible endpoint) or 'transformers'.")] = "openai",
    embedding_model: Annotated[
        str | None, typer.Option(help="sentence-transformers folder or hub id; default: packaged all-MiniLM-L6-v2.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the sample, the split and the folds.")] = 0,
    no_extract: Annotated[
        bool, typer.Option("--no-extract", help="Stop after training; do not run the head over all logs.")
    ] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing output folder.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Label a sample of your logs with the LLM judge, train the head on it, run the head on everything.

    Example: dsatkit distill logs/ -o distilled/ --judge-model gpt-4o-mini --sample-size 2000
    """
    from dsatkit.classifier.distill import DistillConfig, distill
    from dsatkit.classifier.train import TrainConfig
    from dsatkit.judge import JudgeConfig

    judge_config = JudgeConfig(backend=judge_backend, model=judge_model, base_url=judge_base_url)
    config = DistillConfig(
        sample_size=sample_size, seed=seed, run_extract=not no_extract, overwrite=overwrite,
        train=TrainConfig(embedding_model=embedding_model, seed=seed, overwrite=True),
    )
    report = distill(logs, output, judge_config, config=config)
    report["train"]["held_out"].pop("reliability", None)
    if _emit(report, as_json):
        return
    console.print(
        f"judge labelled {report['judged']:,} of {report['sampled']:,} sampled turns "
        f"({report['judge_errors']:,} errors, {report['judged_dsat']:,} DSAT)"
    )
    _print_scores(
        "distilled head vs judge labels",
        {"held-out": report["train"]["held_out"], "cross-validation": report["train"]["cross_validation"]},
    )
    if report.get("extract"):
        console.print(
            f"extract with the distilled head: {report['extract']['dsat_turns']:,} DSAT of "
            f"{report['extract']['user_turns']:,} turns -> {output / 'extract'}"
        )
    console.print(f"head in {output / 'head'}; reuse it with `dsatkit extract LOGS -o OUT --head {output / 'head'}`")
