from __future__ import annotations

import pyarrow as pa
import pytest
import yaml
from anchor_fixtures import CLEAN_ANCHORS, SPEC_ANCHOR_SCHEMA, full_stats, minimal_stats, write_out

from dsatkit.card import CardError, card_metadata, features_from_arrow, render_dataset_card, size_category


def header(card: str) -> dict:
    assert card.startswith("---\n")
    return yaml.safe_load(card.split("---\n", 2)[1])


def test_renders_from_the_minimum_spec_keys():
    card = render_dataset_card(minimal_stats(CLEAN_ANCHORS))
    meta = header(card)
    assert meta["license"] == "other"
    assert meta["task_categories"] == ["text-generation"]
    assert meta["configs"][0]["data_files"] == [{"split": "train", "path": "data/train-*.parquet"}]
    assert "PII scrubbing was off" in card
    assert "No evaluation against gold labels" in card


def test_full_stats_fill_every_section():
    card = render_dataset_card(full_stats(CLEAN_ANCHORS), license="odc-by", repo_id="org/anchors")
    meta = header(card)
    assert meta["license"] == "odc-by"
    assert meta["language"] == ["en", "fr"]
    assert meta["size_categories"] == ["n<1K"]
    assert [f["split"] for f in meta["configs"][0]["data_files"]] == ["train", "test"]
    assert "| train | 3 |" in card and "| test | 1 |" in card
    for needle in ("| heuristics | 7 |", "| EMAIL | 2 |", "| exact_dedup:exact_duplicate | 1 |", "ODC-BY (allenai/WildChat-1M",
                   'load_dataset("org/anchors")', "@inproceedings{wang2026drift", "arXiv:2408.15549", "| not_json | 1 |"):
        assert needle in card, needle


def test_stats_keys_beyond_spec_are_optional_one_by_one():
    stats = full_stats(CLEAN_ANCHORS)
    for key in [k for k in stats if k not in minimal_stats(CLEAN_ANCHORS)]:
        render_dataset_card({k: v for k, v in stats.items() if k != key})


def test_eval_report_adds_the_quality_table():
    report = {"dsat": {"precision": 0.8125, "recall": 0.5, "f1": 0.619, "support": 16},
              "per_label": {"complaint": {"precision": 0.9, "recall": 0.45, "support": 10}}}
    card = render_dataset_card(minimal_stats(CLEAN_ANCHORS), report)
    assert "| DSAT (binary) | 0.812 | 0.5 | 0.619 | 16 |" in card
    assert "| complaint | 0.9 | 0.45 | - | 10 |" in card


@pytest.mark.parametrize(("data_dir", "path"), [("data", "data/train-*.parquet"), ("anchors", "anchors/train-*.parquet"), ("", "train-*.parquet")])
def test_configs_point_at_the_shards_relative_to_the_card(data_dir, path):
    meta = card_metadata(minimal_stats(CLEAN_ANCHORS), data_dir=data_dir, splits={"train": 3})
    assert meta["configs"][0]["data_files"] == [{"split": "train", "path": path}]


def test_split_sizes_go_in_dataset_info_only_with_their_bytes():
    stats = full_stats(CLEAN_ANCHORS)
    assert "splits" not in card_metadata(stats, splits={"train": 3, "test": 1}).get("dataset_info", {})
    meta = card_metadata(stats, splits={"train": 3, "test": 1}, split_bytes={"train": 300, "test": 100})
    assert meta["dataset_info"]["splits"] == [
        {"name": "train", "num_bytes": 300, "num_examples": 3}, {"name": "test", "num_bytes": 100, "num_examples": 1},
    ]


def test_empty_splits_are_left_out_of_configs():
    meta = card_metadata(minimal_stats(CLEAN_ANCHORS), splits={"train": 4, "test": 0})
    assert [f["split"] for f in meta["configs"][0]["data_files"]] == ["train"]


@pytest.mark.parametrize(("n", "label"), [(0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"), (250_000, "100K<n<1M")])
def test_size_category(n, label):
    assert size_category(n) == label


def test_features_match_what_datasets_reads_from_the_schema():
    from datasets import Features

    features = features_from_arrow(SPEC_ANCHOR_SCHEMA)
    assert Features._from_yaml_list(features) == Features.from_arrow_schema(SPEC_ANCHOR_SCHEMA)


def test_a_type_the_hub_cannot_name_leaves_features_out():
    assert features_from_arrow(pa.schema([("when", pa.timestamp("s"))])) is None


def test_missing_spec_keys_name_the_keys_and_the_fix():
    with pytest.raises(CardError, match=r"stats.json lacks anchors, sat_pairs .*dsatkit extract"):
        render_dataset_card({k: v for k, v in minimal_stats(CLEAN_ANCHORS).items() if k not in ("anchors", "sat_pairs")})


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("---\n{% if stats.anchors %}\nno endif\n", r"broken.md.j2 line \d+: .*fix the template"),
        ("{{ stats.anchors | no_such_filter }}", r"broken.md.j2 line \d+: .*no_such_filter"),
        ("{{ not_a_variable.field }}", r"broken.md.j2 failed: .*not_a_variable.*fix the template"),
    ],
)
def test_template_errors_are_one_line_and_name_the_template(tmp_path, template, message):
    (tmp_path / "broken.md.j2").write_text(template, encoding="utf-8")
    with pytest.raises(CardError, match=message) as err:
        render_dataset_card(minimal_stats(CLEAN_ANCHORS), template="broken.md.j2", template_dir=tmp_path)
    assert "\n" not in str(err.value)


def test_extract_cards_load_as_train_and_test_from_out_and_from_anchors(tmp_path, caplog):
    from datasets import load_dataset

    out = write_out(tmp_path / "out")
    assert header((out / "README.md").read_text())["dataset_info"]["splits"][0]["num_examples"] == 3
    for folder in (out, out / "anchors"):
        ds = load_dataset(str(folder), cache_dir=str(tmp_path / "cache"))
        assert {split: ds[split].num_rows for split in ds} == {"train": 3, "test": 1}
        assert ds["train"][1]["chosen"] == [{"role": "assistant", "content": CLEAN_ANCHORS["train"][1]["chosen"][0]["content"]}]
    assert "malformed" not in caplog.text  # datasets accepted the card's dataset_info
