"""`dsatkit extract`: raw chat logs in, DSAT signals and preference anchors out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer

from cli.common import console, err_console, friendly_errors, progress_wanted


@friendly_errors
def extract_command(
    logs: Annotated[list[str], typer.Argument(help="Log files, folders, globs, or a saved/hub `datasets` dataset.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder (SPEC §4 layout).")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="Force the input format: openai, lmsys, sharegpt or drift.")
    ] = None,
    detectors: Annotated[
        str, typer.Option(help="heuristics (cue rules), or cascade (+ trained head; needs the embed extra).")
    ] = "heuristics",
    head: Annotated[
        Path | None, typer.Option(help="Cascade: head folder from `dsatkit train-classifier` (default: packaged).")
    ] = None,
    embedding_model: Annotated[
        str | None, typer.Option(help="Cascade: sentence-transformers path or hub id (default: the head's).")
    ] = None,
    low: Annotated[float, typer.Option(help="Cascade: P(DSAT) below which the head overrules a cue.")] = 0.01,
    high: Annotated[float, typer.Option(help="Cascade: P(DSAT) from which the head adds a DSAT turn.")] = 0.5,
    judge: Annotated[bool, typer.Option("--judge/--no-judge", help="Cascade: ask an LLM judge about uncertain turns.")] = False,
    judge_budget: Annotated[int, typer.Option(help="Cascade: most turns the judge may see.")] = 1000,
    judge_backend: Annotated[str, typer.Option(help="Judge backend: openai (any compatible endpoint) or transformers.")] = "openai",
    judge_model: Annotated[str | None, typer.Option(help="Judge model name, or a local model folder.")] = None,
    judge_base_url: Annotated[
        str | None, typer.Option(help="Judge endpoint, e.g. http://127.0.0.1:8000/v1 (env DSATKIT_JUDGE_BASE_URL).")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Conversations per detection batch.")] = 20_000,
    max_message_chars: Annotated[int, typer.Option(help="Quarantine records with a longer message.")] = 100_000,
    test_size: Annotated[float, typer.Option(help="Share of anchors in the test split (by id hash).")] = 0.1,
    pii: Annotated[str, typer.Option(help="PII and secrets in anchors: redact, drop or off.")] = "redact",
    pii_ner_model: Annotated[
        str, typer.Option(help="spaCy NER model for names/places: auto (an installed en_core_web_*), a name or path, none.")
    ] = "auto",
    exact_dedup: Annotated[bool, typer.Option("--exact-dedup/--no-exact-dedup", help="Drop exact repeats.")] = True,
    near_dup_threshold: Annotated[
        float, typer.Option(help="MinHash Jaccard for near-duplicate anchors; 0 turns it off.")
    ] = 0.85,
    languages: Annotated[
        str | None, typer.Option(help="Keep only anchors in these languages, e.g. en,fr (add und for unknown).")
    ] = None,
    drop_harmful_refusals: Annotated[
        bool,
        typer.Option("--drop-harmful-refusals/--keep-harmful-refusals", help="Drop refusals of harmful requests."),
    ] = True,
    max_prompt_chars: Annotated[int, typer.Option(help="Drop anchors with a longer prompt (0: no limit).")] = 32_000,
    max_rejected_chars: Annotated[int, typer.Option(help="Drop anchors with a longer answer (0: no limit).")] = 16_000,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing output folder.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first bad record instead of quarantining.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print stats.json to stdout instead of tables.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Mine DSAT turns from LOGS and write signals, anchors, quarantine, stats and a data card to -o."""
    from dsatkit.classifier.cascade import CascadeConfig
    from dsatkit.filters.config import AnchorFilterConfig
    from dsatkit.judge.config import JudgeConfig
    from dsatkit.pipeline import ExtractConfig, extract

    filters = AnchorFilterConfig(
        pii=pii, pii_ner_model=pii_ner_model, exact_dedup=exact_dedup, near_dup_threshold=near_dup_threshold,
        languages=languages or (), drop_harmful_refusals=drop_harmful_refusals,
        max_prompt_chars=max_prompt_chars, max_rejected_chars=max_rejected_chars,
    )
    config = ExtractConfig(
        format=fmt, detectors=detectors, batch_size=batch_size, max_message_chars=max_message_chars,
        test_size=test_size, overwrite=overwrite, strict=strict, filters=filters,
        cascade=CascadeConfig(
            head=str(head) if head else None, embedding_model=embedding_model, low=low, high=high,
            judge=judge, judge_budget=judge_budget,
        ),
        judge=JudgeConfig(backend=judge_backend, model=judge_model, base_url=judge_base_url, budget=judge_budget),
    )
    first_bad: list = []

    def note_first(q) -> None:
        if not first_bad:
            first_bad.append(q)

    stats = extract(logs, output, config, progress=progress_wanted(quiet or as_json), on_quarantine=note_first)
    if as_json:
        typer.echo(orjson.dumps(stats, option=orjson.OPT_INDENT_2).decode())
        return
    render_summary(stats, output)
    if first_bad:
        q = first_bad[0]
        err_console.print(
            f"[yellow]quarantined {stats['quarantined']:,} record(s)[/yellow]; first: {q.source}:{q.line} "
            f"{q.reason}: {q.detail}  (all in {output / 'quarantine.jsonl'})",
            highlight=False, soft_wrap=True,
        )
    for empty in stats.get("empty_inputs", []):
        err_console.print(f"[yellow]warning[/yellow]: input '{empty}' holds no records", highlight=False)


def render_summary(stats: dict, output: Path) -> None:
    from rich.table import Table

    table = Table(title=f"dsatkit extract -> {output}", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [
        ("records read", stats["records_read"]),
        ("conversations", stats["conversations"]),
        ("quarantined", stats["quarantined"]),
        ("user turns", stats["user_turns"]),
        ("DSAT turns", stats["dsat_turns"]),
        ("anchors", stats["anchors"]),
        ("  with a natural SAT answer", stats["sat_pairs"]),
    ]
    if stats.get("anchors_dropped"):
        rows.append(("anchors dropped by filters", stats["anchors_dropped"]))
    for name, value in rows:
        table.add_row(name, f"{value:,}")
    console.print(table)
    labels = Table(title="labels", show_header=True)
    labels.add_column("label")
    labels.add_column("turns", justify="right")
    for label, n in stats["labels"].items():
        labels.add_row(label, f"{n:,}")
    console.print(labels)
    if stats["quarantined_by_reason"]:
        console.print("quarantined by reason: " + ", ".join(f"{r}={n}" for r, n in stats["quarantined_by_reason"].items()))
