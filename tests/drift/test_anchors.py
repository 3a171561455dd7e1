"""Reading anchors from an extract folder, a dataset folder (the Hub code path), and DRIFT-repo JSONL."""

from __future__ import annotations

import json

import pytest

from drift.anchors import load_anchors, normalise_row
from drift.errors import DriftError


def test_extract_folder_reads_the_train_split(extract_dir):
    anchors = load_anchors(extract_dir)
    assert anchors.kind == "extract" and len(anchors) == 8
    assert len(anchors.with_chosen()) == 4
    first = anchors.anchors[0]
    assert first.prompt[-1] == {"role": "user", "content": "What is the capital of France?"}
    assert first.rejected == "The capital of France is Rome."
    assert first.feedback.startswith("No, that is wrong")


def test_extract_folder_test_split(extract_dir):
    assert len(load_anchors(extract_dir, split="test")) == 3


def test_missing_split_names_the_ones_there(tmp_path, anchor_rows):
    from drift.testing import write_extract_folder

    out = write_extract_folder(tmp_path / "out", anchor_rows)
    with pytest.raises(DriftError, match=r"has no 'test' shards \(it has train\)"):
        load_anchors(out, split="test")


def test_anchors_folder_itself_can_be_passed(extract_dir):
    assert len(load_anchors(extract_dir / "anchors")) == 8


def test_drift_repo_jsonl(tmp_path):
    rows = [
        {
            "prompt": [{"role": "user", "content": "What is two plus two?"}],
            "rejected": [{"role": "assistant", "content": "Five."}],
            "user_preference": {"content": "Wrong, try again."},
        },
        {
            "prompt": [{"role": "user", "content": "Name a colour."}],
            "rejected": [{"role": "assistant", "content": "Seven."}],
            "user_preference": {"role": "user", "content": "That is a number."},
        },
    ]
    path = tmp_path / "dsat_data.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    anchors = load_anchors(path)
    assert anchors.kind == "jsonl" and len(anchors) == 2
    assert anchors.anchors[1].feedback == "That is a number."
    # ids are derived from the content: stable across reads
    assert [a.id for a in anchors.anchors] == [a.id for a in load_anchors(path).anchors]


def test_dataset_folder_goes_through_load_dataset(tmp_path, anchor_rows):
    """A local folder in Hub layout takes the same `datasets.load_dataset` path as a Hub id."""
    folder = tmp_path / "hub-style"
    (folder / "data").mkdir(parents=True)
    with open(folder / "data" / "train.jsonl", "w") as handle:
        for row in anchor_rows:
            handle.write(json.dumps(row) + "\n")
    anchors = load_anchors(folder)
    assert anchors.kind == "dataset" and len(anchors) == 8


def test_saved_dataset_folder(tmp_path, anchor_rows):
    from datasets import Dataset, DatasetDict

    DatasetDict({"train": Dataset.from_list(anchor_rows), "test": Dataset.from_list(anchor_rows[:2])}).save_to_disk(
        tmp_path / "saved"
    )
    assert len(load_anchors(tmp_path / "saved", split="test")) == 2


def test_max_rows(extract_dir):
    assert len(load_anchors(extract_dir, max_rows=3)) == 3


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"prompt": None}, "missing_prompt"),
        ({"prompt": [{"role": "robot", "content": "hi"}]}, "missing_prompt"),
        (
            {"prompt": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]},
            "prompt_not_ending_with_user",
        ),
        ({"rejected": [{"role": "assistant", "content": "  "}]}, "empty_rejected"),
        ({"feedback": None}, "missing_feedback"),
    ],
)
def test_unusable_rows_are_counted_by_reason(anchor_rows, change, reason):
    assert normalise_row({**anchor_rows[0], **change}, 0) == reason


def test_skipped_rows_are_reported(tmp_path, anchor_rows):
    from drift.testing import write_extract_folder

    rows = [*anchor_rows, {**anchor_rows[0], "id": "bad", "feedback": None}]
    anchors = load_anchors(write_extract_folder(tmp_path / "out", rows))
    assert len(anchors) == 8 and anchors.skipped == {"missing_feedback": 1}
    assert anchors.summary()["skipped_by_reason"] == {"missing_feedback": 1}


def test_no_rows_is_a_clear_error(tmp_path):
    from drift.testing import write_extract_folder

    import pyarrow as pa
    import pyarrow.parquet as pq

    out = write_extract_folder(tmp_path / "out", [])
    pq.write_table(pa.table({"id": pa.array([], pa.string())}), out / "anchors" / "train-00000-of-00001.parquet")
    with pytest.raises(DriftError, match=r"have no usable rows \(0 read\): run `dsatkit extract`"):
        load_anchors(out)


def test_all_rows_unusable_lists_reasons(tmp_path, anchor_rows):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({**anchor_rows[0], "feedback": None}) + "\n")
    with pytest.raises(DriftError, match=r"no usable rows \(1 read, skipped: missing_feedback 1\)"):
        load_anchors(path)


def test_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(DriftError, match="is neither a file, a folder nor a Hub dataset id"):
        load_anchors(tmp_path / "nope" / "x")


def test_fingerprint_changes_with_the_text(extract_dir, tmp_path, anchor_rows):
    from drift.testing import write_extract_folder

    changed = [dict(r) for r in anchor_rows]
    changed[0]["rejected"] = [{"role": "assistant", "content": "Something else."}]
    other = write_extract_folder(tmp_path / "other", changed)
    assert load_anchors(extract_dir).fingerprint() != load_anchors(other).fingerprint()
    assert load_anchors(extract_dir).fingerprint() == load_anchors(extract_dir).fingerprint()


def test_held_out_split_must_exist_when_strict(tmp_path, anchor_rows):
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in anchor_rows))
    assert len(load_anchors(path, split="test")) == 8  # fit reads a split-less file whole
    with pytest.raises(DriftError, match="have no 'test' split to hold out: pass held-out anchors with --anchors"):
        load_anchors(path, split="test", strict_split=True)
