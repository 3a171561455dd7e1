"""Flatten a batch of conversations into the columnar table of user turns that detectors read."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from dsatkit.records import Conversation

# One row per user turn. Context columns are null where they do not exist (turn 0 has no answer).
TURN_SCHEMA: dict[str, pl.DataType] = {
    "conversation_id": pl.String,
    "turn": pl.Int32,  # 0-based index among the conversation's user turns
    "message_index": pl.Int32,  # index in the message list
    "text": pl.String,  # the user turn
    "prev_answer": pl.String,  # assistant message right before this user turn
    "prev_request": pl.String,  # the previous user turn
    "earlier_requests": pl.List(pl.String),  # all earlier user turns, oldest first
    "next_answer": pl.String,  # assistant message right after this user turn
    "language": pl.String,
    "given_dsat": pl.Boolean,  # the source already marks this turn as DSAT
    "conv_index": pl.Int32,  # position of the conversation in the batch (ids may repeat in messy logs)
}


def turns_table(conversations: Sequence[Conversation]) -> pl.DataFrame:
    cols: dict[str, list] = {name: [] for name in TURN_SCHEMA}
    for position, conv in enumerate(conversations):
        msgs = conv.messages
        earlier: list[str] = []
        turn = 0
        for i, m in enumerate(msgs):
            if m.role != "user":
                continue
            prev = msgs[i - 1] if i > 0 else None
            nxt = msgs[i + 1] if i + 1 < len(msgs) else None
            cols["conversation_id"].append(conv.conversation_id)
            cols["turn"].append(turn)
            cols["message_index"].append(i)
            cols["text"].append(m.content)
            cols["prev_answer"].append(prev.content if prev is not None and prev.role == "assistant" else None)
            cols["prev_request"].append(earlier[-1] if earlier else None)
            cols["earlier_requests"].append(list(earlier))
            cols["next_answer"].append(nxt.content if nxt is not None and nxt.role == "assistant" else None)
            cols["language"].append(conv.language or "und")
            cols["given_dsat"].append(conv.given_dsat == i)
            cols["conv_index"].append(position)
            earlier.append(m.content)
            turn += 1
    return pl.DataFrame(cols, schema=TURN_SCHEMA)
