"""The `dsatkit` command line: a thin Typer layer over the library."""

from __future__ import annotations

import typer

from cli.classify import distill_command, train_classifier_command
from cli.evaluate import eval_command
from cli.extract import extract_command
from cli.publish import publish_command

app = typer.Typer(
    name="dsatkit",
    help=(
        "Mine implicit user dissatisfaction (DSAT) from chat logs into preference anchors.\n\n"
        "Examples:\n\n"
        "  dsatkit extract logs.jsonl -o out/\n\n"
        "  dsatkit eval --gold gold.jsonl out/\n\n"
        "  dsatkit publish out/ --repo-id my-org/my-dsat-anchors --dry-run repo/"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("extract")(extract_command)
app.command("eval")(eval_command)
app.command("publish")(publish_command)
app.command("train-classifier")(train_classifier_command)
app.command("distill")(distill_command)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True),
) -> None:
    if version:
        from dsatkit import __version__

        typer.echo(f"dsatkit {__version__}")
        raise typer.Exit()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
