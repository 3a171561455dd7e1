"""`dsatkit publish OUT --repo-id ORG/NAME`: push an extract output to the Hugging Face Hub."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import friendly_errors

EXAMPLES = """Examples (the token comes from HF_TOKEN or `hf auth login`; repos are private unless --public):

  dsatkit publish out/ --repo-id my-org/dsat-anchors --dry-run repo/

  dsatkit publish out/ --repo-id my-org/dsat-anchors

  dsatkit publish out/ --repo-id my-org/dsat-anchors --public --license odc-by
"""


@friendly_errors
def publish_command(
    out: Annotated[Path, typer.Argument(help="Folder written by `dsatkit extract -o OUT`.", show_default=False)],
    repo_id: Annotated[str, typer.Option("--repo-id", help="Dataset repo on the Hub, ORG/NAME.", show_default=False)],
    private: Annotated[bool, typer.Option("--private/--public", help="Visibility of a repo this command creates.")] = True,
    revision: Annotated[str | None, typer.Option("--revision", help="Branch to commit to (created if missing).")] = None,
    dry_run: Annotated[
        Path | None, typer.Option("--dry-run", metavar="DIR", help="Build and scan the repo folder in DIR; upload nothing.")
    ] = None,
    allow_pii: Annotated[bool, typer.Option("--allow-pii", help="Upload even if the final PII scan finds something.")] = False,
    license: Annotated[
        str | None, typer.Option("--license", help="Licence id for the card (e.g. odc-by, cc-by-4.0); default 'other'.")
    ] = None,
    pii_ner_model: Annotated[
        str, typer.Option("--pii-ner-model", help="spaCy NER model for the final scan: auto, a name or path, or none.")
    ] = "auto",
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Build the dataset repo (data/ shards, README.md card, stats.json), scan it for PII, upload it in one commit."""
    from dsatkit.publish import publish

    # Errors (PublishError, CardError, a missing extra) become one line on stderr, exit code 2.
    result = publish(
        out, repo_id, private=private, revision=revision, dry_run=dry_run, allow_pii=allow_pii,
        license=license, ner_model=pii_ner_model,
    )
    if json_output:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    rows = ", ".join(f"{split}: {n}" for split, n in result.rows.items())
    pii = f"; PII scan: {', '.join(f'{k} {v}' for k, v in result.pii.items())} (allowed)" if result.pii else "; PII scan clean"
    if result.uploaded:
        where = f"{result.url} ({'private' if result.private else 'public'}{', ' + result.revision if result.revision else ''})"
        typer.echo(f"published {rows} rows to {where}{pii}")
    else:
        typer.echo(f"dry run: wrote {len(result.files)} files to {result.folder} ({rows} rows){pii}; nothing uploaded")


publish_command.__doc__ = f"{publish_command.__doc__}\n\n{EXAMPLES}"
