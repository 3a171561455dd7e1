"""`dsatkit eval`: score an extract output against gold turn labels."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer

from cli.common import console, friendly_errors


@friendly_errors
def eval_command(
    output: Annotated[Path, typer.Argument(help="An extract output folder.")],
    gold: Annotated[Path, typer.Option("--gold", help="Gold JSONL: conversation_id, turn, label per line.")],
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the report as JSON to this file ('-' for stdout).")
    ] = None,
) -> None:
    """Binary DSAT precision / recall / F1, per-label scores and a confusion table."""
    from dsatkit.evaluate import evaluate
    from dsatkit.records import LABELS

    report = evaluate(gold, output)
    saved = save_report(report, output)
    if json_path is not None:
        blob = orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        if str(json_path) == "-":
            typer.echo(blob.decode())
            return
        json_path.write_bytes(blob + b"\n")
    from rich.table import Table

    d = report["dsat"]
    head = Table(title=f"DSAT detection: {output} vs {gold}")
    for col in ("precision", "recall", "F1", "support", "predicted", "gold turns missing from output"):
        head.add_column(col, justify="right")
    head.add_row(f"{d['precision']:.3f}", f"{d['recall']:.3f}", f"{d['f1']:.3f}", str(d["support"]),
                 str(d["predicted"]), str(report["missing_in_output"]))
    console.print(head)
    per = Table(title="per label")
    for col in ("label", "precision", "recall", "F1", "support", "predicted"):
        per.add_column(col, justify="right" if col != "label" else "left")
    for label, m in report["per_label"].items():
        per.add_row(label, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(m["support"]),
                    str(m["predicted"]))
    console.print(per)
    conf = Table(title="confusion (rows: gold, columns: predicted)")
    conf.add_column("gold \\ pred")
    for label in LABELS:
        conf.add_column(label[:5], justify="right")
    for label in LABELS:
        conf.add_row(label, *(str(report["confusion"][label][p]) for p in LABELS))
    console.print(conf)
    if saved is not None:
        console.print(f"report saved to {saved} (`dsatkit publish` puts it in the data card)")


def save_report(report: dict, output: Path) -> Path | None:
    """Keep the report beside the signals, written atomically; a read-only output folder only warns."""
    from cli.common import err_console

    target = output / "eval.json"
    tmp = output / ".eval.json.tmp"
    try:
        tmp.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
        tmp.replace(target)
    except OSError as exc:
        err_console.print(f"[yellow]warning[/yellow]: could not save {target}: {exc}", highlight=False)
        return None
    return target
