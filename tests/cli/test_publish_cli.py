from __future__ import annotations

import json

import pytest
import typer
from anchor_fixtures import anchor, write_out
from typer.testing import CliRunner

from cli.publish import publish_command

TOKEN = "hf_CliTokenMustNeverShow0123456789abcd"


@pytest.fixture
def app() -> typer.Typer:
    # A one-command app around the function, as cli/dsatkit_app.py registers it.
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command("publish")(publish_command)

    @app.callback()
    def _root() -> None:
        pass

    return app


@pytest.fixture
def out(tmp_path):
    return write_out(tmp_path / "out")


def run(app, *args, env=None):
    return CliRunner().invoke(app, ["publish", *map(str, args)], env=env)


def test_help_lists_the_options_and_examples(app):
    result = run(app, "--help")
    assert result.exit_code == 0
    for needle in ("--repo-id", "--private", "--public", "--dry-run", "--allow-pii", "--revision", "Examples"):
        assert needle in result.output


def test_dry_run_prints_one_summary_line(app, out, tmp_path):
    result = run(app, out, "--repo-id", "org/anchors", "--dry-run", tmp_path / "repo")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"dry run: wrote 4 files to {tmp_path / 'repo'} (train: 3, test: 1 rows); PII scan clean; nothing uploaded"


def test_json_output_is_the_result(app, out, tmp_path):
    result = run(app, out, "--repo-id", "org/anchors", "--dry-run", tmp_path / "repo", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["uploaded"], data["rows"], data["private"]) == (False, {"train": 3, "test": 1}, True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repo-id", "no-slash"], "repo id 'no-slash' is not of the form ORG/NAME"),
        (["--repo-id", "org/x", "--dry-run", "{tmp}/repo", "--pii-ner-model", "en_missing_model"], "python -m spacy download en_missing_model"),
    ],
)
def test_user_errors_are_one_line_without_traceback(app, out, tmp_path, args, message):
    result = run(app, out, *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_not_an_extract_output(app, tmp_path):
    result = run(app, tmp_path, "--repo-id", "org/x", "--dry-run", tmp_path / "repo")
    assert result.exit_code == 2
    assert "run `dsatkit extract LOGS -o OUT` first" in result.output


def test_pii_refusal_exits_non_zero_and_allow_pii_overrides(app, tmp_path):
    out = write_out(tmp_path / "pii", {"train": [anchor("p", feedback="call me at +1 (415) 555-0132 instead")]})
    refused = run(app, out, "--repo-id", "org/x", "--dry-run", tmp_path / "r1")
    assert refused.exit_code == 2 and "PHONE: 1" in refused.output and "555-0132" not in refused.output
    allowed = run(app, out, "--repo-id", "org/x", "--dry-run", tmp_path / "r2", "--allow-pii")
    assert allowed.exit_code == 0 and "PII scan: PHONE 1 (allowed)" in allowed.output


def test_upload_prints_the_url_and_never_the_token(app, out, monkeypatch):
    from huggingface_hub import HfApi

    class Info:
        commit_url = "https://huggingface.co/datasets/org/x/commit/1"

    monkeypatch.setattr(HfApi, "repo_exists", lambda self, *a, **k: False)
    monkeypatch.setattr(HfApi, "create_repo", lambda self, *a, **k: None)
    monkeypatch.setattr(HfApi, "create_commit", lambda self, *a, **k: Info())
    result = run(app, out, "--repo-id", "org/x", "--public", env={"HF_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    assert "published train: 3, test: 1 rows to https://huggingface.co/datasets/org/x (public)" in result.output
    assert TOKEN not in result.output


def test_missing_token_exit_code_and_fix(app, out, monkeypatch):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    result = run(app, out, "--repo-id", "org/x", env={"HF_TOKEN": ""})
    assert result.exit_code == 2
    assert "run `hf auth login`" in result.output
