import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from helpers import chat, write_jsonl
from cli.dsatkit_app import app

runner = CliRunner()


@pytest.fixture
def log(tmp_path):
    return write_jsonl(tmp_path / "log.jsonl", [
        chat("what is 2+2?", "5", "that's wrong, it is 4", "4. Sorry!", "thanks, that worked", id="c1"),
        "{broken",
    ])


def test_extract_prints_summary_and_first_quarantine_reason(log, tmp_path):
    result = runner.invoke(app, ["extract", log, "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "records read" in result.output and "anchors" in result.output
    assert "log.jsonl:2 not_json" in result.output
    assert (tmp_path / "out" / "README.md").exists()


def test_extract_json_mode_prints_stats(log, tmp_path):
    result = runner.invoke(app, ["extract", log, "-o", str(tmp_path / "out"), "--json"])
    stats = json.loads(result.stdout)
    assert stats["records_read"] == 2 and stats["quarantined"] == 1


def test_existing_output_error_is_one_line_without_traceback(log, tmp_path):
    runner.invoke(app, ["extract", log, "-o", str(tmp_path / "out")])
    result = runner.invoke(app, ["extract", log, "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "pass --overwrite" in result.output
    assert "Traceback" not in result.output


def test_missing_input_error_says_what_was_expected(tmp_path):
    result = runner.invoke(app, ["extract", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "does not exist; expected a file, a folder, a glob" in result.output


def test_bad_option_value_is_rejected_up_front(log, tmp_path):
    result = runner.invoke(app, ["extract", log, "-o", str(tmp_path / "out"), "--test-size", "1.5"])
    assert result.exit_code == 2
    assert "test_size must be in [0, 1)" in result.output


def test_eval_prints_scores_and_writes_json(log, tmp_path):
    runner.invoke(app, ["extract", log, "-o", str(tmp_path / "out")])
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"conversation_id": "c1", "turn": 1, "label": "correction"},
                                                 {"conversation_id": "c1", "turn": 2, "label": "positive"}])
    result = runner.invoke(app, ["eval", "--gold", gold, str(tmp_path / "out"), "--json", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert "precision" in result.output and "confusion" in result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["dsat"]["support"] == 1
    assert json.loads((tmp_path / "out" / "eval.json").read_text()) == report


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys; from cli.dsatkit_app import app; "
        "heavy = [m for m in ('torch', 'transformers', 'sentence_transformers', 'spacy', 'datasets', 'presidio_analyzer') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_extract_with_the_cascade_runs_the_packaged_head(log, tmp_path):
    pytest.importorskip("sentence_transformers")
    result = runner.invoke(app, ["extract", log, "-o", str(tmp_path / "out"), "--detectors", "cascade", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert "head" in stats["detectors"]
    assert stats["options"]["detectors"] == "cascade"
    assert stats["records_read"] == stats["conversations"] + stats["quarantined"]
