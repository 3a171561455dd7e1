import gzip

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers import chat, write_jsonl
from dsatkit.errors import InputNotFoundError
from dsatkit.io import read_conversations, resolve_inputs
from dsatkit.records import Conversation, Quarantined


def _read(paths):
    return list(read_conversations([str(p) for p in paths]))


def test_jsonl_gz_and_parquet_read_the_same_conversations(tmp_path):
    rows = [chat("hi", "hello", id="a"), chat("q", "a", id="b")]
    plain = write_jsonl(tmp_path / "x.jsonl", rows)
    with open(plain, "rb") as src, gzip.open(tmp_path / "x.jsonl.gz", "wb") as dst:
        dst.write(src.read())
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "x.parquet")
    for name in ("x.jsonl", "x.jsonl.gz", "x.parquet"):
        convs = _read([tmp_path / name])
        assert [c.conversation_id for c in convs] == ["a", "b"]
        assert convs[0].messages[1].content == "hello"


def test_json_array_file_yields_each_element(tmp_path):
    (tmp_path / "x.json").write_text(
        '[{"id": "s1", "conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}]'
    )
    (conv,) = _read([tmp_path / "x.json"])
    assert conv.conversation_id == "s1"
    assert [m.role for m in conv.messages] == ["user", "assistant"]


def test_bom_on_first_line_is_ignored(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"messages": [{"role": "user", "content": "hi"}]}\n')
    (conv,) = _read([path])
    assert isinstance(conv, Conversation)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"this is not json\n", "not_json"),
        (b'{"messages": [{"role": "user", "content": "caf\xe9"}]}\n', "not_utf8"),
        (b'{"messages": [{"role": "user", "content": "cut', "truncated_line"),
    ],
)
def test_unreadable_lines_are_quarantined_with_reason_and_line(tmp_path, content, reason):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"messages": [{"role": "user", "content": "ok"}]}\n' + content)
    good, bad = _read([path])
    assert isinstance(good, Conversation)
    assert isinstance(bad, Quarantined)
    assert (bad.reason, bad.line, bad.source) == (reason, 2, "bad.jsonl")
    assert bad.raw


def test_blank_lines_are_not_records(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('\n{"messages": [{"role": "user", "content": "hi"}]}\n\n  \n')
    assert len(_read([path])) == 1


def test_empty_file_yields_nothing(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    assert _read([tmp_path / "empty.jsonl"]) == []


def test_folder_and_glob_expand_sorted_and_skip_other_files(tmp_path):
    for name in ("b.jsonl", "a.jsonl", "notes.txt"):
        (tmp_path / name).write_text("")
    assert [s.name for s in resolve_inputs([str(tmp_path)])] == ["a.jsonl", "b.jsonl"]
    assert [s.name for s in resolve_inputs([str(tmp_path / "*.jsonl")])] == ["a.jsonl", "b.jsonl"]


def test_missing_path_says_what_was_expected(tmp_path):
    with pytest.raises(InputNotFoundError, match="does not exist; expected a file, a folder, a glob or a hub dataset id"):
        resolve_inputs([str(tmp_path / "nope.jsonl")])


def test_unknown_suffix_is_refused(tmp_path):
    (tmp_path / "x.csv").write_text("a,b")
    with pytest.raises(InputNotFoundError, match="unknown file type"):
        resolve_inputs([str(tmp_path / "x.csv")])


def test_org_name_is_a_hub_dataset_id():
    (source,) = resolve_inputs(["my-org/chat-logs"])
    assert source.kind == "hub_dataset"


def test_saved_datasets_folder_is_read_row_by_row(tmp_path):
    datasets = pytest.importorskip("datasets")
    datasets.Dataset.from_list([chat("hi", "yo", id="d1"), chat("a", "b", id="d2")]).save_to_disk(tmp_path / "ds")
    convs = _read([tmp_path / "ds"])
    assert [c.conversation_id for c in convs] == ["d1", "d2"]


def test_unreachable_hub_dataset_is_a_clear_input_error(monkeypatch):
    pytest.importorskip("datasets")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(InputNotFoundError, match="could not open the hub dataset 'no-such-org/no-such-logs'"):
        list(read_conversations(["no-such-org/no-such-logs"]))


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_bytes_read_advances_while_reading(tmp_path, suffix):
    rows = [chat(f"q{i}", "a" * 200, id=str(i)) for i in range(300)]
    plain = write_jsonl(tmp_path / "x.jsonl", rows)
    if suffix == ".jsonl.gz":
        with open(plain, "rb") as src, gzip.open(tmp_path / "x.jsonl.gz", "wb") as dst:
            dst.write(src.read())
    (source,) = resolve_inputs([str(tmp_path / f"x{suffix}")])
    records = source.records()
    next(records)
    assert 0 < source.bytes_read() <= source.size()
