"""Read DSAT anchors from the three sources `drift fit` accepts, into one normalised shape.

Sources: a `dsatkit extract` output folder (OUT/anchors/*.parquet, SPEC section 4), a local or Hub `datasets`
dataset with the same columns, and DRIFT-repo style JSONL (`prompt`, `rejected`, `user_preference`). Rows that
cannot be used are skipped and counted by reason, never silently dropped.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from drift.errors import DriftError

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_JSON_SUFFIXES = (".jsonl", ".json", ".jsonl.gz")


@dataclass(slots=True)
class Anchor:
    """One DSAT turn: the conversation before the bad answer, the bad answer, the user's reaction to it."""

    id: str
    prompt: list[dict]  # [{role, content}], ends with the user request the DSAT answer replied to
    rejected: str  # the DSAT answer
    feedback: str  # the user's turn after it
    chosen: str | None = None  # a natural answer that satisfied the user, when the log has one
    label: str | None = None


@dataclass(slots=True)
class AnchorSet:
    anchors: list[Anchor]
    source: str
    kind: str  # "extract", "jsonl", "parquet", "dataset", "hub"
    rows_read: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.anchors)

    def with_chosen(self) -> list[Anchor]:
        return [a for a in self.anchors if a.chosen]

    def fingerprint(self) -> str:
        """Changes when any anchor's id or texts change: a resumed run must see the same anchors."""
        digest = hashlib.sha256()
        for a in self.anchors:
            for part in (a.id, a.rejected, a.feedback, a.chosen or "", *(m["content"] for m in a.prompt)):
                digest.update(part.encode())
                digest.update(b"\x1f")
        return digest.hexdigest()[:16]

    def summary(self) -> dict:
        return {
            "source": self.source,
            "kind": self.kind,
            "rows_read": self.rows_read,
            "anchors": len(self.anchors),
            "with_chosen": len(self.with_chosen()),
            "skipped_by_reason": dict(self.skipped),
            "fingerprint": self.fingerprint(),
        }


def load_anchors(
    source: str | Path, split: str | None = "train", max_rows: int | None = None, *, strict_split: bool = False
) -> AnchorSet:
    """Read and normalise anchors from `source`; raise `DriftError` when none are usable.

    Sources without the named split are read whole, unless `strict_split` (held-out evaluation must not fall
    back to training rows).
    """
    rows, kind = _read_rows(str(source), split, strict_split)
    anchors: list[Anchor] = []
    skipped: Counter[str] = Counter()
    for index, row in enumerate(rows):
        anchor = normalise_row(row, index)
        if isinstance(anchor, str):
            skipped[anchor] += 1
        else:
            anchors.append(anchor)
        if max_rows is not None and len(anchors) >= max_rows:
            break
    result = AnchorSet(anchors, str(source), kind, rows_read=len(rows), skipped=dict(skipped))
    if not anchors:
        why = f", skipped: {_reasons(skipped)}" if skipped else ""
        raise DriftError(
            f"anchors {source} have no usable rows ({len(rows)} read{why}): run `dsatkit extract` on logs with "
            "DSAT turns, or check the split (--anchors_split) and the columns prompt/rejected/feedback"
        )
    return result


def _reasons(counts: Counter[str]) -> str:
    return ", ".join(f"{reason} {n}" for reason, n in counts.most_common())


def _no_split(source, split: str | None) -> DriftError:
    return DriftError(f"anchors {source} have no '{split}' split to hold out: pass held-out anchors with --anchors")


def _read_rows(source: str, split: str | None, strict: bool = False) -> tuple[list[dict], str]:
    path = Path(source)
    if path.is_file() and strict and split:
        raise _no_split(path, split)
    if path.is_file():
        if path.name.endswith(_JSON_SUFFIXES):
            return _read_json(path), "jsonl"
        if path.suffix == ".parquet":
            return _read_parquet([path]), "parquet"
        raise DriftError(f"anchors file {path} is neither .jsonl/.json/.jsonl.gz nor .parquet: convert it first")
    if path.is_dir():
        folder = path / "anchors" if (path / "anchors").is_dir() else path
        shards = sorted(p for p in folder.glob("*.parquet") if not p.name.startswith("."))
        if shards:
            chosen = _split_shards(shards, split, folder)
            if strict and split and chosen == shards and not all(p.name.startswith(f"{split}-") for p in shards):
                raise _no_split(folder, split)
            return _read_parquet(chosen), "extract" if folder != path else "parquet"
        if (path / "stats.json").is_file():  # an extract folder whose anchors/ holds nothing to read
            raise DriftError(f"extract folder {path} has no anchor shards in {folder}: re-run `dsatkit extract`")
        return _read_dataset(path, split, strict), "dataset"
    if _HUB_ID.match(source):
        return _read_dataset(source, split, strict), "hub"
    raise DriftError(
        f"anchors {source!r} is neither a file, a folder nor a Hub dataset id (org/name): check the path"
    )


def _split_shards(shards: list[Path], split: str | None, folder: Path) -> list[Path]:
    """Shards of `split` (`train-00000-of-00002.parquet`); a folder whose files name no split is read whole."""
    named = {p: re.match(r"^([A-Za-z]+)-\d+-of-\d+$", p.stem) for p in shards}
    splits = sorted({m.group(1) for m in named.values() if m})
    if not split or not splits:
        return shards
    chosen = [p for p, m in named.items() if m and m.group(1) == split]
    if not chosen:
        raise DriftError(
            f"{folder} has no '{split}' shards (it has {', '.join(splits)}): pick one with the split option"
        )
    return chosen


def _read_parquet(paths: list[Path]) -> list[dict]:
    import pyarrow.parquet as pq

    rows: list[dict] = []
    for p in paths:
        rows.extend(pq.read_table(p).to_pylist())
    return rows


def _read_json(path: Path) -> list[dict]:
    import gzip
    import json

    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        text = handle.read()
    if path.suffix == ".json" and text.lstrip().startswith("["):
        data = json.loads(text)
        return [r if isinstance(r, dict) else {"_bad": r} for r in data]
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DriftError(f"{path} line {number} is not JSON ({exc.msg}): fix or remove that line") from exc
        rows.append(value if isinstance(value, dict) else {"_bad": value})
    return rows


def _read_dataset(name: str | Path, split: str | None, strict: bool = False) -> list[dict]:
    """A saved (`save_to_disk`) dataset, a local dataset folder, or a Hub id, through `datasets`."""
    import datasets

    try:
        if Path(name).is_dir() and any((Path(name) / f).exists() for f in ("dataset_dict.json", "state.json")):
            data = datasets.load_from_disk(str(name))
        else:
            data = datasets.load_dataset(str(name))
    except Exception as exc:  # datasets raises many types; all mean the same to the user
        raise DriftError(
            f"could not load anchors dataset {name} ({exc}): check the id or folder; Hub downloads need network "
            "and HF_HUB_OFFLINE unset"
        ) from exc
    if isinstance(data, datasets.DatasetDict):
        if split in data:
            data = data[split]
        elif split is None or (len(data) == 1 and not strict):
            data = datasets.concatenate_datasets(list(data.values()))
        else:
            raise DriftError(
                f"dataset {name} has no split '{split}' (it has {', '.join(data)}): pick one with the split option"
            )
    return data.to_list()


def _content(value) -> str | None:
    """Text of a message, a list of messages (the last one) or a plain string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        content = value.get("content", value.get("value"))
        if isinstance(content, list):  # OpenAI content parts
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        return content if isinstance(content, str) else None
    if isinstance(value, list) and value:
        return _content(value[-1])
    return None


def _messages(value) -> list[dict] | None:
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if not isinstance(value, list):
        return None
    out = []
    for m in value:
        role, content = (m.get("role"), _content(m)) if isinstance(m, dict) else (None, None)
        if role not in ("system", "user", "assistant") or content is None:
            return None
        out.append({"role": role, "content": content})
    return out


def normalise_row(row: dict, index: int) -> Anchor | str:
    """An `Anchor`, or the reason the row cannot be one."""
    prompt = _messages(row.get("prompt"))
    if not prompt:
        return "missing_prompt"
    if prompt[-1]["role"] != "user":
        return "prompt_not_ending_with_user"
    rejected = _content(row.get("rejected"))
    if not rejected or not rejected.strip():
        return "empty_rejected"
    feedback = _content(row.get("feedback", row.get("user_preference")))
    if not feedback or not feedback.strip():
        return "missing_feedback"
    chosen = _content(row.get("chosen")) if row.get("chosen") else None
    anchor_id = row.get("id")
    if not isinstance(anchor_id, str) or not anchor_id:
        digest = hashlib.sha256()
        for part in (*(m["content"] for m in prompt), rejected, feedback):
            digest.update(part.encode())
            digest.update(b"\x1f")
        anchor_id = digest.hexdigest()[:24]
    label = row.get("label") if isinstance(row.get("label"), str) else None
    return Anchor(anchor_id, prompt, rejected, feedback, chosen or None, label)
