import polars as pl
import pytest

from helpers import write_jsonl
from dsatkit.errors import BadGoldError, NotAnExtractOutputError
from dsatkit.evaluate import evaluate, evaluate_frames, read_gold


def frame(rows):
    return pl.DataFrame(rows, schema={"conversation_id": pl.String, "turn": pl.Int32, "label": pl.String}, orient="row")


def test_binary_dsat_scores_and_missing_turns_count_as_not_dsat():
    gold = frame([("a", 1, "complaint"), ("a", 2, "positive"), ("b", 1, "rephrase"), ("c", 1, "correction")])
    pred = frame([("a", 1, "correction"), ("a", 2, "complaint"), ("b", 1, "neutral")])  # c missing
    report = evaluate_frames(gold, pred)
    assert report["dsat"] | {} == report["dsat"]
    assert (report["dsat"]["tp"], report["dsat"]["fp"], report["dsat"]["fn"]) == (1, 1, 2)
    assert report["dsat"]["precision"] == 0.5
    assert report["dsat"]["recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert report["missing_in_output"] == 1
    assert report["confusion"]["correction"]["neutral"] == 1
    assert report["per_label"]["complaint"]["support"] == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("nope", "not valid JSON"),
        ({"conversation_id": "a", "turn": 1}, "missing label"),
        ({"conversation_id": "a", "turn": -1, "label": "neutral"}, "'turn' must be an integer >= 0"),
        ({"conversation_id": "a", "turn": 1, "label": "angry"}, "unknown label 'angry'"),
    ],
)
def test_bad_gold_lines_name_the_line_and_the_problem(tmp_path, line, message):
    path = write_jsonl(tmp_path / "gold.jsonl", [{"conversation_id": "x", "turn": 1, "label": "neutral"}, line])
    with pytest.raises(BadGoldError, match=f"gold.jsonl:2: .*{message}"):
        read_gold(path)


def test_eval_on_a_folder_that_is_not_an_output(tmp_path):
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"conversation_id": "x", "turn": 1, "label": "neutral"}])
    with pytest.raises(NotAnExtractOutputError, match="no signals.parquet"):
        evaluate(gold, tmp_path)
