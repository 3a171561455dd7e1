"""Build SPEC §4 preference anchors from the DSAT signals of a batch of conversations."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

import polars as pl
import pyarrow as pa

from dsatkit.records import Conversation, Message

_MESSAGE = pa.struct([("role", pa.string()), ("content", pa.string())])
ANCHOR_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("conversation_id", pa.string()),
        ("source", pa.string()),
        ("turn", pa.int32()),
        ("prompt", pa.list_(_MESSAGE)),
        ("rejected", pa.list_(_MESSAGE)),
        ("feedback", _MESSAGE),
        ("chosen", pa.list_(_MESSAGE)),
        ("label", pa.string()),
        ("confidence", pa.float64()),
        ("language", pa.string()),
    ]
)


def anchor_id(conversation_id: str, message_index: int, rejected: str, feedback: str) -> str:
    """Stable id: the same conversation turn with the same texts always gets the same id."""
    digest = hashlib.sha256()
    for part in (conversation_id, str(message_index), rejected, feedback):
        digest.update(part.encode())
        digest.update(b"\x1f")
    return digest.hexdigest()[:24]


def _as_dict(message: Message) -> dict:
    return {"role": message.role, "content": message.content}


def build_anchors(conversations: Sequence[Conversation], signals: pl.DataFrame) -> Iterator[dict]:
    """One anchor per DSAT turn whose previous message is an assistant answer.

    `chosen` is the next assistant answer when the user turn after it is `positive`: a natural
    DSAT->SAT pair. `signals` holds every user turn of `conversations` (SIGNAL_SCHEMA) plus the
    turn table's `conv_index`.
    """
    positive_at = {
        (pos, idx)
        for pos, idx in signals.filter(pl.col("label") == "positive").select("conv_index", "message_index").iter_rows()
    }
    dsat = signals.filter(pl.col("is_dsat")).select("conv_index", "turn", "message_index", "label", "confidence")
    for pos, turn, m, label, confidence in dsat.iter_rows():
        conv = conversations[pos]
        cid = conv.conversation_id
        msgs = conv.messages
        if m < 1 or msgs[m - 1].role != "assistant":
            continue
        rejected, feedback = msgs[m - 1], msgs[m]
        chosen = None
        if m + 2 < len(msgs) and msgs[m + 1].role == "assistant" and (pos, m + 2) in positive_at:
            chosen = [_as_dict(msgs[m + 1])]
        yield {
            "id": anchor_id(cid, m, rejected.content, feedback.content),
            "conversation_id": cid,
            "source": conv.source,
            "turn": turn,
            "prompt": [_as_dict(x) for x in msgs[: m - 1]],
            "rejected": [_as_dict(rejected)],
            "feedback": _as_dict(feedback),
            "chosen": chosen,
            "label": label,
            "confidence": float(confidence),
            "language": conv.language or "und",
        }
