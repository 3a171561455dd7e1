import numpy as np
import pytest
from classifier_fakes import BagOfWordsEmbedder
from helpers import chat, write_jsonl

from dsatkit.classifier.head import Head
from dsatkit.classifier.train import TrainConfig, calibration_table, train_classifier
from dsatkit.errors import BadGoldError, DsatkitError, OutputExistsError

REQUESTS = ["plan a trip to rome", "write a haiku about rain", "fix my sql query", "explain black holes",
            "suggest a pasta recipe", "translate hello to german", "summarise this article", "name a good book"]
DSAT = ["no that is wrong", "that is not what i asked", "wrong again you misunderstood", "this is wrong and useless"]
NEUTRAL = ["now tell me about the weather", "what else can i cook", "great thanks", "and what about tomorrow"]


def logs_and_gold(tmp_path, n: int = 48):
    """n conversations: request, answer, reaction; every other reaction is DSAT."""
    records, gold = [], []
    for i in range(n):
        reaction = DSAT[i % 4] if i % 2 == 0 else NEUTRAL[i % 4]
        records.append(chat(REQUESTS[i % 8], f"answer number {i}", reaction, "ok", id=f"c{i}"))
        gold.append({"conversation_id": f"c{i}", "turn": 1, "label": "complaint" if i % 2 == 0 else "neutral"})
    return write_jsonl(tmp_path / "logs.jsonl", records), write_jsonl(tmp_path / "gold.jsonl", gold)


CONFIG = TrainConfig(heuristics=False, test_size=0.25)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("train")
    logs, gold = logs_and_gold(tmp)
    report = train_classifier(gold, [logs], tmp / "head", CONFIG, embedder=BagOfWordsEmbedder())
    return tmp / "head", report


def test_head_weights_and_card_are_written(trained):
    out, _ = trained
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "head.json", "head.npz"]


def test_card_says_what_it_was_trained_on_and_how_well_it_does(trained):
    out, report = trained
    card = (out / "README.md").read_text()
    assert "gold.jsonl" in card and "logs.jsonl" in card
    assert f"| held-out conversations | {report['held_out']['turns']} |" in card


def test_report_scores_a_held_out_split_of_conversations(trained):
    _, report = trained
    held = report["held_out"]
    assert 0 < held["turns"] < report["turns"]
    assert held["f1"] > 0.8  # the DSAT reactions share words the neutral ones never use


def test_trained_head_reloads_with_its_embedding_model_and_threshold(trained):
    out, report = trained
    head = Head.load(out)
    assert head.embedding_model == "fake-bow"
    assert head.threshold == report["threshold"]
    assert head.meta["train_labels"] == {"complaint": 24, "neutral": 24}


def test_existing_output_is_not_overwritten(trained):
    out, _ = trained
    with pytest.raises(OutputExistsError, match="pass --overwrite"):
        train_classifier(out.parent / "gold.jsonl", [str(out.parent / "logs.jsonl")], out, CONFIG, embedder=BagOfWordsEmbedder())


def test_gold_that_matches_no_conversation_says_how_ids_must_match(tmp_path):
    logs, _ = logs_and_gold(tmp_path, n=6)
    gold = write_jsonl(tmp_path / "other.jsonl", [{"conversation_id": "zzz", "turn": 1, "label": "complaint"}])
    with pytest.raises(BadGoldError, match=r"none of the 1 gold turns \(zzz#1, \.\.\.\) is in the logs"):
        train_classifier(gold, [logs], tmp_path / "out", CONFIG, embedder=BagOfWordsEmbedder())


@pytest.mark.filterwarnings("ignore:The least populated class")
def test_held_out_split_without_dsat_turns_is_refused(tmp_path):
    logs, _ = logs_and_gold(tmp_path, n=12)
    rows = [{"conversation_id": f"c{i}", "turn": 1, "label": "complaint" if i == 0 else "neutral"} for i in range(12)]
    gold = write_jsonl(tmp_path / "few.jsonl", rows)
    with pytest.raises(DsatkitError, match="label more DSAT turns"):
        train_classifier(gold, [logs], tmp_path / "out", CONFIG, embedder=BagOfWordsEmbedder())


def test_calibration_table_compares_prediction_and_rate():
    p = np.array([0.1, 0.1, 0.9, 0.9])
    y = np.array([False, False, True, False])
    table, ece = calibration_table(p, y, bins=2)
    assert [row["dsat_rate"] for row in table] == [0.0, 0.5]
    assert ece == pytest.approx(0.5 * 0.1 + 0.5 * 0.4)


@pytest.mark.parametrize("size", [0.0, 0.95])
def test_train_config_rejects_a_split_that_leaves_too_little_on_one_side(size):
    with pytest.raises(ValueError, match=rf"test_size must be in \[0.05, 0.5\], got {size}"):
        TrainConfig(test_size=size)
