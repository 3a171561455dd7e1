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
    # One Python pass flattens the messages; every context column is then derived by polars.
    conv_index: list[int] = []
    message_index: list[int] = []
    roles: list[str] = []
    texts: list[str] = []
    for position, conv in enumerate(conversations):
        for i, m in enumerate(conv.messages):
            conv_index.append(position)
            message_index.append(i)
            roles.append(m.role)
            texts.append(m.content)
    per_conv = pl.DataFrame(
        {
            "conv_index": pl.Series(range(len(conversations)), dtype=pl.Int32),
            "conversation_id": [c.conversation_id for c in conversations],
            "language": [c.language or "und" for c in conversations],
            "given_at": pl.Series([c.given_dsat for c in conversations], dtype=pl.Int32),
        }
    )
    messages = pl.DataFrame(
        {
            "conv_index": pl.Series(conv_index, dtype=pl.Int32),
            "message_index": pl.Series(message_index, dtype=pl.Int32),
            "role": roles,
            "text": texts,
        }
    )
    same = pl.col("conv_index")
    prev_is_answer = (pl.col("role").shift(1) == "assistant") & (same.shift(1) == same)
    next_is_answer = (pl.col("role").shift(-1) == "assistant") & (same.shift(-1) == same)
    users = (
        messages.with_columns(
            pl.when(prev_is_answer).then(pl.col("text").shift(1)).alias("prev_answer"),
            pl.when(next_is_answer).then(pl.col("text").shift(-1)).alias("next_answer"),
        )
        .filter(pl.col("role") == "user")
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int32).over("conv_index").alias("turn"))
    )
    requests = users.group_by("conv_index", maintain_order=True).agg(pl.col("text").alias("__all"))
    table = (
        users.join(requests, on="conv_index", how="left", maintain_order="left")
        .join(per_conv, on="conv_index", how="left", maintain_order="left")
        .with_columns(
            pl.col("__all").list.head(pl.col("turn")).alias("earlier_requests"),
            pl.when(pl.col("turn") > 0).then(pl.col("__all").list.get(pl.col("turn") - 1, null_on_oob=True)).alias(
                "prev_request"
            ),
            (pl.col("given_at") == pl.col("message_index")).fill_null(False).alias("given_dsat"),
        )
    )
    return table.select([pl.col(name).cast(dtype) for name, dtype in TURN_SCHEMA.items()])
