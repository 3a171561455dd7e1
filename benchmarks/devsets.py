"""Turn the labelled dialogue sets in ../shared/data into SPEC inputs plus SPEC §5 gold files.

Every set becomes OpenAI-messages JSONL (one record per dialogue, with an `id`) and a gold JSONL with
one row per user turn k >= 1 (turn 0 has no answer before it and is never DSAT, SPEC §3). Nothing is
written into the repository: the default output folder is `bench-out/devsets/` (git-ignored).

- USS (Sun et al., SIGIR 2021): MWOZ, SGD, ReDial, CCPE. Each user turn holds 3-6 ratings (1-5) of
  the system turn before it. Only binary DSAT is meaningful: a turn whose mean rating is <= 2 is
  written as "complaint", every other turn as "neutral"; score these sets on binary DSAT only.
- EURTAD (Petrak et al., EMNLP 2023): `filtered_dialogs/*/checked`, one set per source corpus, so
  the human-bot Self-Feeding split stays its own set. Flagged turns carry up to three annotators'
  user reactions: UR2 -> rephrase, UR3 -> correction, UR4 -> complaint, UR5 -> clarification,
  UR1 (ignore and continue) and no reaction -> neutral; unflagged turns are neutral.
- DBDC3 (English, revised annotations): 30 crowd labels O/T/X on every system turn. A breakdown says
  the answer was bad, not how the user reacted (many users ignore it and go on, which SPEC calls
  neutral), so no SPEC gold exists. The set records, for each user turn k >= 1, whether the system
  turn before it was a clear breakdown (X share >= 0.5) or clearly fine (O share >= 0.5); the quality
  run reports how often turns in each group are flagged as DSAT.
"""

from __future__ import annotations

import difflib
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dsatkit.detect.base import LABEL_PRIORITY

USS_CORPORA = ("MWOZ", "SGD", "ReDial", "CCPE")
EURTAD_SUBSETS = {
    "SelfFeeding": "eurtad-selffeeding",  # the human-bot split
    "MWoZ": "eurtad-mwoz",
    "SGD": "eurtad-sgd",
    "BABI": "eurtad-babi",
    "Personachat": "eurtad-personachat",
    "WoW": "eurtad-wow",
}
UR_TO_LABEL = {"UR2": "rephrase", "UR3": "correction", "UR4": "complaint", "UR5": "clarification"}
# Breaks ties between equally voted labels: the more specific label wins, as in dsatkit.detect.base.
DSAT = frozenset({"rephrase", "correction", "complaint", "revision"})
DBDC3_ROOT = "DBDC3/dbdc3_revised/en/"
_PERSONACHAT_LINE_NO = re.compile(r"^\d+ ")


@dataclass
class DevSet:
    """One benchmark set: SPEC inputs, gold rows and how they were made."""

    name: str
    records: list[dict] = field(default_factory=list)  # {"id", "messages": [{role, content}]}
    gold: list[dict] = field(default_factory=list)  # {"conversation_id", "turn", "label"}
    binary_only: bool = False  # only DSAT vs not-DSAT is meaningful (USS)
    breakdown: list[dict] = field(default_factory=list)  # DBDC3 only: {"conversation_id", "turn", "after", ...}
    notes: Counter = field(default_factory=Counter)  # counts of conversion decisions, for the README

    def summary(self) -> dict:
        labels = Counter(row["label"] for row in self.gold)
        return {
            "name": self.name,
            "conversations": len(self.records),
            "gold_turns": len(self.gold),
            "dsat_turns": sum(n for label, n in labels.items() if label in DSAT),
            "labels": dict(sorted(labels.items())),
            "binary_only": self.binary_only,
            "breakdown": dict(Counter(row["after"] for row in self.breakdown)),
            "notes": dict(sorted(self.notes.items())),
        }


def _alternate(turns: Iterable[tuple[str, str, object]]) -> list[tuple[str, str, list]]:
    """Merge consecutive messages of one role (the toolkit quarantines them as out of order).

    Yields (role, text, payloads) where payloads collects the per-message extra (ratings) of the merge.
    """
    merged: list[tuple[str, str, list]] = []
    for role, text, payload in turns:
        if merged and merged[-1][0] == role:
            prev_role, prev_text, payloads = merged[-1]
            merged[-1] = (role, f"{prev_text}\n{text}", [*payloads, payload])
        else:
            merged.append((role, text, [payload]))
    return merged


def _record(conversation_id: str, turns: Sequence[tuple[str, str, list]]) -> dict:
    return {"id": conversation_id, "messages": [{"role": role, "content": text} for role, text, _ in turns]}


# ---------------------------------------------------------------------------------------------- USS
def parse_uss(text: str, name: str, dsat_max_mean: float = 2.0) -> DevSet:
    """Parse one USS .txt file (ROLE \\t text \\t action \\t r1,r2,... ; blank line between dialogues)."""
    devset = DevSet(name=name, binary_only=True)
    for index, block in enumerate(b for b in re.split(r"\n\s*\n", text) if b.strip()):
        turns = []
        for line in block.splitlines():
            if not line.strip():
                continue
            cols = line.split("\t")
            role, utterance = cols[0].strip().upper(), cols[1].strip() if len(cols) > 1 else ""
            if utterance == "OVERALL":  # the dialogue-level rating, not a turn
                continue
            if not utterance:
                devset.notes["empty_utterances_dropped"] += 1
                continue
            ratings = [float(r) for r in (cols[3] if len(cols) > 3 else "").split(",") if r.strip()]
            turns.append(("user" if role == "USER" else "assistant", utterance, ratings))
        merged = _alternate(turns)
        devset.notes["merged_messages"] += sum(len(p) - 1 for _, _, p in merged)
        cid = f"{name}-{index:04d}"
        devset.records.append(_record(cid, merged))
        user_turn = -1
        for role, _, payloads in merged:
            if role != "user":
                continue
            user_turn += 1
            means = [sum(r) / len(r) for r in payloads if r]
            if user_turn == 0:
                continue
            if not means:
                devset.notes["unrated_user_turns"] += 1
                continue
            # A merged run of user lines is DSAT if any line in it is (all rate the same system turn).
            label = "complaint" if min(means) <= dsat_max_mean else "neutral"
            devset.gold.append({"conversation_id": cid, "turn": user_turn, "label": label})
    return devset


def read_uss(data_dir: Path, dsat_max_mean: float = 2.0) -> list[DevSet]:
    folder = data_dir / "uss"
    return [
        parse_uss((folder / f"{corpus}.txt").read_text(encoding="utf-8"), f"uss-{corpus.lower()}", dsat_max_mean)
        for corpus in USS_CORPORA
        if (folder / f"{corpus}.txt").exists()
    ]


# ------------------------------------------------------------------------------------------- EURTAD
def vote(reactions: Sequence[str | None]) -> str:
    """One SPEC label from the annotators' reactions: DSAT only if most annotators saw a DSAT reaction."""
    labels = [UR_TO_LABEL.get((r or "").strip().upper(), "neutral") for r in reactions]
    dsat_votes = [label for label in labels if label in DSAT]
    side = dsat_votes if len(dsat_votes) * 2 > len(labels) else [label for label in labels if label not in DSAT]
    counts = Counter(side)
    return min(counts, key=lambda label: (-counts[label], LABEL_PRIORITY[label]))


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def _locate(phrase: str, utterances: Sequence[str]) -> list[int]:
    """Indices of the utterances a filter phrase was matched on.

    The phrase is one sentence of the utterance: try equal text (ignoring case and punctuation), then
    containment, then a close match.
    """
    target = _squash(phrase)
    if not target:
        return []
    squashed = [_squash(u) for u in utterances]
    exact = [i for i, u in enumerate(squashed) if u == target]
    if exact:
        return exact
    inside = [i for i, u in enumerate(squashed) if len(target) >= 8 and target in u]
    if inside:
        return inside
    ratios = [difflib.SequenceMatcher(None, target, u).ratio() for u in squashed]
    best = max(range(len(ratios)), key=ratios.__getitem__, default=None)
    return [best] if best is not None and ratios[best] >= 0.85 else []


def convert_eurtad(dialog: dict, subset: str, devset: DevSet) -> None:
    """Append one EURTAD `filtered_dialogs/*/checked` dialogue and its gold rows to `devset`."""
    cid = f"{devset.name}-{dialog['unique_id']}"
    utterances, turns = [], []
    for turn in dialog["turns"]:
        utterance = turn["utterance"].strip()
        if subset == "Personachat":  # ParlAI line numbers leak into the text ("13 i love rock ...")
            utterance = _PERSONACHAT_LINE_NO.sub("", utterance)
        utterances.append(utterance)
        turns.append(("user", utterance, None))
        response = turn["response"].strip()
        if response and response != "-":  # "-" and "" mark the missing answer after the last turn
            turns.append(("assistant", response, None))
    if len(_alternate(turns)) != len(turns) or not all(utterances):
        devset.notes["dialogues_skipped_unusable_turns"] += 1
        return

    votes: dict[int, list] = {}
    if subset == "SelfFeeding":
        # One flagged turn per dialogue; its index is not stored, only the phrase the filter matched.
        at = _locate(dialog.get("correction", {}).get("phrase", ["", ""])[1], utterances)
        if not at:
            devset.notes["dialogues_skipped_flagged_turn_not_found"] += 1
            return
        if len(at) > 1:
            devset.notes["flagged_phrase_on_several_turns"] += 1
        for i in at:  # the same text repeated: each repeat is the same reaction
            votes[i] = [a.get("user_reaction") for a in dialog["annotations"]]
    else:
        corrections = dialog.get("corrections", [])
        corrections = [corrections] if isinstance(corrections, dict) else corrections  # one file has a dict
        phrases = {c.get("turn"): c.get("phrase", ["", ""])[1] for c in corrections}
        for entry in dialog["annotations"]:
            t, reactions = entry.get("turn"), [a.get("user_reaction") for a in entry.get("annotation", [])]
            if not reactions:
                continue
            if not isinstance(t, int) or not 0 <= t < len(utterances):
                # Some Personachat turns are numbered by ParlAI line, not position: find them by phrase.
                found = _locate(phrases.get(t, ""), utterances)
                if len(found) != 1:
                    devset.notes["annotations_dropped_turn_not_found"] += 1
                    continue
                t = found[0]
            votes.setdefault(t, []).extend(reactions)

    devset.records.append(_record(cid, turns))
    for t in range(1, len(utterances)):
        label = vote(votes[t]) if t in votes else "neutral"
        devset.gold.append({"conversation_id": cid, "turn": t, "label": label})
    if 0 in votes and vote(votes[0]) in DSAT:
        devset.notes["turn0_reactions_not_scored"] += 1


def read_eurtad(data_dir: Path) -> list[DevSet]:
    root = data_dir / "eurtad" / "data" / "analysis" / "filtered_dialogs"
    sets = []
    for subset, name in EURTAD_SUBSETS.items():
        files = sorted((root / subset / "checked").glob("*.json"))
        if not files:
            continue
        devset = DevSet(name=name)
        for path in files:
            convert_eurtad(json.loads(path.read_text(encoding="utf-8")), subset, devset)
        sets.append(devset)
    return sets


# -------------------------------------------------------------------------------------------- DBDC3
def convert_dbdc3(dialog: dict, conversation_id: str, devset: DevSet, share: float = 0.5) -> None:
    """Append one DBDC3 dialogue; record whether each user turn k >= 1 follows a breakdown."""
    turns = []
    for turn in dialog["turns"]:
        role = "user" if turn["speaker"] == "U" else "assistant"
        labels = Counter(a["breakdown"] for a in turn.get("annotations", []))
        turns.append((role, turn["utterance"].strip(), labels))
    merged = _alternate(t for t in turns if t[1])
    devset.notes["merged_messages"] += sum(len(p) - 1 for _, _, p in merged)
    devset.records.append(_record(conversation_id, merged))
    user_turn, previous = -1, None
    for role, _, payloads in merged:
        if role == "assistant":
            previous = sum(payloads, Counter())
            continue
        user_turn += 1
        if user_turn == 0 or not previous:
            continue
        n = sum(previous.values())
        x, o = previous["X"] / n, previous["O"] / n
        after = "breakdown" if x >= share else "clean" if o >= share else "unclear"
        devset.breakdown.append(
            {"conversation_id": conversation_id, "turn": user_turn, "after": after, "x_share": round(x, 3)}
        )


def read_dbdc3(data_dir: Path, share: float = 0.5) -> list[DevSet]:
    path = data_dir / "dbdc3" / "DBDC3.zip"
    if not path.exists():
        return []
    devset = DevSet(name="dbdc3-en")
    with zipfile.ZipFile(path) as archive:  # read in place: nothing is extracted to disk
        for member in sorted(archive.namelist()):
            if member.startswith(DBDC3_ROOT) and member.endswith(".log.json"):
                corpus, stem = member.split("/")[-2], member.split("/")[-1].removesuffix(".log.json")
                dialog = json.loads(archive.read(member).decode("utf-8"))
                convert_dbdc3(dialog, f"dbdc3-{corpus}-{stem}", devset, share)
    return [devset]


# -------------------------------------------------------------------------------------------- write
def write_devset(devset: DevSet, out_dir: Path) -> Path:
    """Write conversations.jsonl, gold.jsonl (or breakdown.jsonl) and summary.json under out_dir/name."""
    folder = out_dir / devset.name
    folder.mkdir(parents=True, exist_ok=True)
    files = {"conversations.jsonl": devset.records, "gold.jsonl": devset.gold, "breakdown.jsonl": devset.breakdown}
    for filename, rows in files.items():
        target = folder / filename
        if not rows:
            target.unlink(missing_ok=True)
            continue
        with target.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    (folder / "summary.json").write_text(json.dumps(devset.summary(), indent=2) + "\n", encoding="utf-8")
    return folder


def build_devsets(data_dir: Path, out_dir: Path, only: Sequence[str] = ()) -> list[DevSet]:
    """Read every set found under data_dir, write them under out_dir, return them (empty if none)."""
    sets = [*read_uss(data_dir), *read_eurtad(data_dir), *read_dbdc3(data_dir)]
    if only:
        sets = [s for s in sets if any(s.name.startswith(prefix) for prefix in only)]
    for devset in sets:
        write_devset(devset, out_dir)
    return sets
