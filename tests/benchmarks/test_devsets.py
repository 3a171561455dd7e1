"""Converters of benchmarks/devsets.py, on tiny hand-written records in the USS, EURTAD and DBDC3 shapes."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import zipfile
from pathlib import Path

import pytest

from dsatkit.normalise import Normaliser
from dsatkit.records import Conversation, RawRecord

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "devsets.py"
_SPEC = importlib.util.spec_from_file_location("devsets", _PATH)
devsets = importlib.util.module_from_spec(_SPEC)
sys.modules["devsets"] = devsets  # dataclasses look their module up by name
_SPEC.loader.exec_module(devsets)

USS_TEXT = (
    "USER\tI need a table for two tonight.\tinform\t3,3,3\n"
    "SYSTEM\tWhich area do you prefer?\trequest\t\n"
    "USER\tThe centre, please.\tinform\t3,4,3\n"
    "SYSTEM\tThere are no trains to the centre.\tnooffer\t\n"
    "USER\tI asked about restaurants, not trains.\tinform\t1,2,1\n"
    "SYSTEM\tSorry. Bistro Nova is in the centre.\toffer\t\n"
    "USER\tOVERALL\t\t2,2,3\n"
    "\n"
    "SYSTEM\tHi! What movies do you like?\t\t\n"
    "USER\tComedies mostly.\t\t3,3,3\n"
    "SYSTEM\tHave you seen Heat?\t\t\n"
    "USER\tThat's not a comedy.\t\t2,1,2\n"
    "USER\tSomething funny please.\t\t3,3,3\n"
    "SYSTEM\tTry Airplane!\t\t\n"
    "USER\tOVERALL\t\t3,3,3\n"
)


def _eurtad_dialog(turns, annotations, corrections=None):
    return {
        "unique_id": "7_demo",
        "id": "7",
        "turns": [{"utterance": u, "response": r} for u, r in turns],
        "annotations": annotations,
        "corrections": corrections or [],
    }


def _annotators(*reactions):
    return [{"error_type": "", "comment": "", "user_correction": "", "user_reaction": r} for r in reactions]


def _normalise(record: dict) -> Conversation:
    result = Normaliser()(RawRecord("devset.jsonl", 1, record))
    assert isinstance(result, Conversation), result
    return result


def test_uss_dialogues_become_records_with_ids():
    devset = devsets.parse_uss(USS_TEXT, "uss-demo")
    assert [r["id"] for r in devset.records] == ["uss-demo-0000", "uss-demo-0001"]


def test_uss_overall_line_is_not_a_turn():
    devset = devsets.parse_uss(USS_TEXT, "uss-demo")
    assert all("OVERALL" not in m["content"] for r in devset.records for m in r["messages"])


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        (2.0, [("uss-demo-0000", 1, "neutral"), ("uss-demo-0000", 2, "complaint"), ("uss-demo-0001", 1, "complaint")]),
        (1.0, [("uss-demo-0000", 1, "neutral"), ("uss-demo-0000", 2, "neutral"), ("uss-demo-0001", 1, "neutral")]),
    ],
)
def test_uss_gold_is_binary_by_mean_rating(threshold, expected):
    devset = devsets.parse_uss(USS_TEXT, "uss-demo", dsat_max_mean=threshold)
    assert [(g["conversation_id"], g["turn"], g["label"]) for g in devset.gold] == expected
    assert devset.binary_only


def test_uss_consecutive_user_lines_merge_into_one_turn():
    second = devsets.parse_uss(USS_TEXT, "uss-demo").records[1]["messages"]
    assert [m["role"] for m in second] == ["assistant", "user", "assistant", "user", "assistant"]
    assert second[3]["content"] == "That's not a comedy.\nSomething funny please."


def test_uss_records_pass_the_toolkit_reader():
    for record in devsets.parse_uss(USS_TEXT, "uss-demo").records:
        assert _normalise(record).conversation_id == record["id"]


@pytest.mark.parametrize(
    ("reactions", "label"),
    [
        (["UR2", "UR2", ""], "rephrase"),
        (["UR3", "UR4", "UR3"], "correction"),
        (["UR4", "UR4", "UR5"], "complaint"),
        (["UR5", "UR5", "UR4"], "clarification"),
        (["UR1", "UR1", "UR1"], "neutral"),
        (["UR4", "", None], "neutral"),  # one annotator of three is not a majority
        (["UR4", "UR2", "UR5"], "complaint"),  # two DSAT votes of three: DSAT, tie broken by SPEC order
    ],
)
def test_vote_maps_user_reactions_to_spec_labels(reactions, label):
    assert devsets.vote(reactions) == label


def test_eurtad_flagged_turn_gets_voted_label_and_others_neutral():
    devset = devsets.DevSet(name="eurtad-demo")
    dialog = _eurtad_dialog(
        [("book a table in paris", "sure, in rome?"), ("no, in paris", "ok, paris"), ("thanks", "bye")],
        [{"turn": 1, "annotation": _annotators("UR3", "UR3", "")}],
    )
    devsets.convert_eurtad(dialog, "BABI", devset)
    assert [(g["turn"], g["label"]) for g in devset.gold] == [(1, "correction"), (2, "neutral")]
    assert devset.records[0]["id"] == "eurtad-demo-7_demo"


def test_eurtad_self_feeding_turn_is_found_by_phrase_and_placeholder_answer_dropped():
    devset = devsets.DevSet(name="eurtad-sf")
    dialog = _eurtad_dialog(
        [("hi there", "i like green cars ."), ("do you swim?", "my cat is old ."), ("that doesn't make sense", "-")],
        _annotators("UR4", "UR4", "UR5"),
    )
    dialog["correction"] = {"phrase": ["that makes no sense.", " that doesnt make sense"], "confidence": 0.8}
    devsets.convert_eurtad(dialog, "SelfFeeding", devset)
    assert [(g["turn"], g["label"]) for g in devset.gold] == [(1, "neutral"), (2, "complaint")]
    assert devset.records[0]["messages"][-1] == {"role": "user", "content": "that doesn't make sense"}


def test_eurtad_self_feeding_without_a_locatable_turn_is_skipped_and_counted():
    devset = devsets.DevSet(name="eurtad-sf")
    dialog = _eurtad_dialog([("hi", "hello ."), ("how are you", "-")], _annotators("UR3", "UR3", "UR3"))
    dialog["correction"] = {"phrase": ["x", " but thats off topic."], "confidence": 0.6}
    devsets.convert_eurtad(dialog, "SelfFeeding", devset)
    assert devset.records == [] and devset.notes["dialogues_skipped_flagged_turn_not_found"] == 1


def test_eurtad_personachat_line_numbers_are_stripped_and_turns_found_by_phrase():
    devset = devsets.DevSet(name="eurtad-pc")
    dialog = _eurtad_dialog(
        [("11 hi , how are you ?", "good , i paint ."), ("12 i love hiking .", "i hate hiking .")],
        [{"turn": 12, "annotation": _annotators("UR5", "UR5", "UR5")}],
        [{"phrase": ["what?", " 12 i love hiking ."], "turn": 12}],
    )
    devsets.convert_eurtad(dialog, "Personachat", devset)
    assert devset.records[0]["messages"][0]["content"] == "hi , how are you ?"
    assert devset.gold == [{"conversation_id": "eurtad-pc-7_demo", "turn": 1, "label": "clarification"}]


def _dbdc3_turn(speaker, text, labels=""):
    return {
        "speaker": speaker,
        "utterance": text,
        "annotations": [{"breakdown": b, "comment": "", "annotator-id": str(i)} for i, b in enumerate(labels)],
    }


def test_dbdc3_user_turns_record_what_the_answer_before_was():
    devset = devsets.DevSet(name="dbdc3-demo")
    dialog = {"turns": [
        _dbdc3_turn("S", "Hello!"),
        _dbdc3_turn("U", "Hi, do you like jazz?"),
        _dbdc3_turn("S", "Bananas are yellow.", "XXXO"),
        _dbdc3_turn("U", "What?"),
        _dbdc3_turn("S", "I like Miles Davis.", "OOOT"),
        _dbdc3_turn("U", "Me too."),
        _dbdc3_turn("S", "Do you play?", "OTTX"),
        _dbdc3_turn("U", "A little."),
    ]}
    devsets.convert_dbdc3(dialog, "dbdc3-demo-1", devset)
    assert [(b["turn"], b["after"]) for b in devset.breakdown] == [(1, "breakdown"), (2, "clean"), (3, "unclear")]
    assert devset.gold == []
    _normalise(devset.records[0])


def test_dbdc3_is_read_from_the_zip_without_extracting(tmp_path):
    dialog = {"turns": [_dbdc3_turn("S", "Hi"), _dbdc3_turn("U", "Hello"), _dbdc3_turn("S", "Cats?", "XX"),
                        _dbdc3_turn("U", "What?")]}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("DBDC3/dbdc3_revised/en/dev/TKTK_100/T1.log.json", json.dumps(dialog))
        archive.writestr("DBDC3/dbdc3_revised/ja/dev/DCM/J1.log.json", json.dumps(dialog))
    (tmp_path / "dbdc3").mkdir()
    (tmp_path / "dbdc3" / "DBDC3.zip").write_bytes(buf.getvalue())
    [devset] = devsets.read_dbdc3(tmp_path)
    assert [r["id"] for r in devset.records] == ["dbdc3-TKTK_100-T1"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["DBDC3.zip", "dbdc3"]


def test_build_devsets_on_a_missing_folder_returns_nothing(tmp_path):
    assert devsets.build_devsets(tmp_path / "absent", tmp_path / "out") == []


def test_write_devset_writes_inputs_gold_and_summary(tmp_path):
    devset = devsets.parse_uss(USS_TEXT, "uss-demo")
    folder = devsets.write_devset(devset, tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == ["conversations.jsonl", "gold.jsonl", "summary.json"]
    summary = json.loads((folder / "summary.json").read_text())
    assert (summary["conversations"], summary["gold_turns"], summary["dsat_turns"]) == (2, 3, 2)
