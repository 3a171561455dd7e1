import json
import os

import polars as pl
import pytest

from helpers import chat, write_jsonl
from dsatkit.errors import BadRecordError, OutputExistsError
from dsatkit.pipeline import ExtractConfig, extract, split_of

LOG = [
    chat("capital of France?", "Berlin.", "wrong, it is Paris", "Paris.", "thanks!", system="be brief", id="c1"),
    chat("hi", "hello", id="c2"),
    chat("write a poem", "roses...", "that is wrong", "violets...", "ok now a haiku", id="c3"),
    "not json at all",
    {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]},
]


@pytest.fixture
def log(tmp_path):
    return write_jsonl(tmp_path / "log.jsonl", LOG)


def run(log, out, labeler, filters=(), **cfg):
    """Pipeline mechanics: no anchor filters and no test split unless a test asks for them."""
    cfg.setdefault("test_size", 0.0)
    return extract([log], out, ExtractConfig(**cfg), labeler=labeler, anchor_filters=filters)


def test_counts_add_up_and_quarantine_holds_every_bad_record(log, tmp_path, keyword_labeler):
    stats = run(log, tmp_path / "out", keyword_labeler)
    assert stats["records_read"] == 5
    assert stats["records_read"] == stats["conversations"] + stats["quarantined"]
    assert stats["quarantined_by_reason"] == {"not_json": 1, "roles_out_of_order": 1}
    lines = (tmp_path / "out" / "quarantine.jsonl").read_text().splitlines()
    assert [json.loads(x)["line"] for x in lines] == [4, 5]
    assert json.loads((tmp_path / "out" / "stats.json").read_text())["records_read"] == 5


def test_signals_have_one_row_per_user_turn_with_spec_columns(log, tmp_path, keyword_labeler):
    run(log, tmp_path / "out", keyword_labeler)
    signals = pl.read_parquet(tmp_path / "out" / "signals.parquet")
    assert signals.columns == ["conversation_id", "turn", "message_index", "label", "is_dsat", "confidence",
                               "detectors", "evidence"]
    c1 = signals.filter(pl.col("conversation_id") == "c1")
    assert c1["turn"].to_list() == [0, 1, 2]
    assert c1["message_index"].to_list() == [1, 3, 5]  # the system message is index 0
    assert c1["label"].to_list() == ["neutral", "complaint", "positive"]


def test_anchor_with_natural_sat_pair_and_one_without(log, tmp_path, keyword_labeler):
    datasets = pytest.importorskip("datasets")
    run(log, tmp_path / "out", keyword_labeler)
    rows = {r["conversation_id"]: r for r in datasets.load_dataset("parquet", data_dir=str(tmp_path / "out" / "anchors"))["train"]}
    c1 = rows["c1"]
    assert c1["prompt"] == [{"role": "system", "content": "be brief"}, {"role": "user", "content": "capital of France?"}]
    assert c1["rejected"] == [{"role": "assistant", "content": "Berlin."}]
    assert c1["feedback"] == {"role": "user", "content": "wrong, it is Paris"}
    assert c1["chosen"] == [{"role": "assistant", "content": "Paris."}]
    assert (c1["label"], c1["turn"], c1["language"]) == ("complaint", 1, "en")
    assert rows["c3"]["chosen"] is None  # the user moved on instead of thanking


def test_same_input_gives_byte_identical_anchors(log, tmp_path, keyword_labeler):
    run(log, tmp_path / "a", keyword_labeler)
    run(log, tmp_path / "b", keyword_labeler, batch_size=1)
    a = sorted((tmp_path / "a" / "anchors").glob("*.parquet"))
    b = sorted((tmp_path / "b" / "anchors").glob("*.parquet"))
    assert [p.name for p in a] == [p.name for p in b] == ["train-00000-of-00001.parquet"]
    assert a[0].read_bytes() == b[0].read_bytes()


def test_existing_output_is_refused_without_overwrite(log, tmp_path, keyword_labeler):
    run(log, tmp_path / "out", keyword_labeler)
    with pytest.raises(OutputExistsError, match="pass --overwrite"):
        run(log, tmp_path / "out", keyword_labeler)
    assert run(log, tmp_path / "out", keyword_labeler, overwrite=True)["conversations"] == 3


def test_overwrite_never_replaces_a_folder_that_is_not_an_output(log, tmp_path, keyword_labeler):
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(OutputExistsError, match="not a dsatkit output"):
        run(log, precious, keyword_labeler, overwrite=True)
    assert (precious / "thesis.tex").exists()


def test_crash_midway_leaves_no_output_and_no_temp_folder(log, tmp_path, keyword_labeler):
    def boom(turns):
        raise RuntimeError("detector crashed")

    boom.stats = lambda: {}
    with pytest.raises(RuntimeError):
        run(log, tmp_path / "out", boom)
    assert os.listdir(tmp_path) == ["log.jsonl"]


def test_strict_stops_at_first_bad_record(log, tmp_path, keyword_labeler):
    with pytest.raises(BadRecordError, match="log.jsonl:4: not_json"):
        run(log, tmp_path / "out", keyword_labeler, strict=True)
    assert not (tmp_path / "out").exists()


def test_test_split_is_deterministic_by_id(tmp_path, keyword_labeler):
    rows = [chat(f"q{i}", f"a{i}", "wrong", id=f"c{i}") for i in range(60)]
    log = write_jsonl(tmp_path / "log.jsonl", rows)
    stats = run(log, tmp_path / "out", keyword_labeler, test_size=0.3)
    assert stats["anchors_by_split"]["train"] + stats["anchors_by_split"]["test"] == 60
    assert 5 < stats["anchors_by_split"]["test"] < 35
    test_ids = pl.read_parquet(tmp_path / "out" / "anchors" / "test-00000-of-00001.parquet")["id"].to_list()
    assert all(split_of(i, 0.3) == "test" for i in test_ids)


def test_shards_roll_over_at_shard_rows(tmp_path, keyword_labeler):
    rows = [chat(f"q{i}", f"a{i}", "wrong", id=f"c{i}") for i in range(5)]
    stats = run(write_jsonl(tmp_path / "log.jsonl", rows), tmp_path / "out", keyword_labeler, shard_rows=2)
    names = sorted(p.name for p in (tmp_path / "out" / "anchors").glob("*.parquet"))
    assert names == [f"train-0000{i}-of-00003.parquet" for i in range(3)]
    assert stats["anchors"] == 5


def test_no_anchors_still_writes_a_loadable_empty_split(tmp_path, keyword_labeler):
    stats = run(write_jsonl(tmp_path / "log.jsonl", [chat("hi", "hello")]), tmp_path / "out", keyword_labeler)
    assert stats["anchors"] == 0
    table = pl.read_parquet(tmp_path / "out" / "anchors" / "train-00000-of-00001.parquet")
    assert table.height == 0 and "prompt" in table.columns


def test_empty_input_file_is_reported(tmp_path, keyword_labeler):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    stats = run(str(tmp_path / "empty.jsonl"), tmp_path / "out", keyword_labeler)
    assert stats["records_read"] == 0
    assert stats["empty_inputs"] == [str(tmp_path / "empty.jsonl")]


def test_drift_anchor_input_stays_an_anchor_even_without_cue(tmp_path, keyword_labeler):
    row = {"prompt": [{"role": "user", "content": "q"}], "rejected": [{"role": "assistant", "content": "meh"}],
           "user_preference": {"content": "use bullet points"}}
    stats = run(write_jsonl(tmp_path / "a.jsonl", [row]), tmp_path / "out", keyword_labeler)
    assert stats["anchors"] == 1 and stats["dsat_turns"] == 1


def test_default_filters_redact_pii_and_count_drops(tmp_path, keyword_labeler):
    rows = [
        chat("mail me", "ok", "wrong, my address is jane.doe@example.com", id="p1"),
        chat("mail me", "ok", "wrong, my address is jane.doe@example.com", id="p2"),  # exact repeat
    ]
    stats = extract([write_jsonl(tmp_path / "log.jsonl", rows)], tmp_path / "out", ExtractConfig(test_size=0.0),
                    labeler=keyword_labeler)
    assert stats["anchors"] == 1
    assert stats["anchors_dropped_by_reason"] == {"exact_dedup:exact_duplicate": 1}
    assert stats["filters"]["pii"]["entities"] == {"EMAIL": 1}
    feedback = pl.read_parquet(tmp_path / "out" / "anchors" / "train-00000-of-00001.parquet")["feedback"][0]["content"]
    assert "<EMAIL>" in feedback and "jane.doe" not in feedback
    dropped = [json.loads(x) for x in (tmp_path / "out" / "filtered.jsonl").read_text().splitlines()]
    assert [(d["filter"], d["reason"]) for d in dropped] == [("exact_dedup", "exact_duplicate")]


def test_options_in_stats_never_hold_secrets():
    from dataclasses import dataclass, field

    from dsatkit.pipeline import options_dict

    @dataclass
    class Inner:
        api_key: str | None = field(default="sk-live-123", metadata={"secret": True})
        model: str = "m"

    @dataclass
    class Outer:
        inner: Inner = field(default_factory=Inner)
        langs: tuple = ("en",)

    assert options_dict(Outer()) == {"inner": {"api_key": "***", "model": "m"}, "langs": ["en"]}
