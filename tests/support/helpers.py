"""Helpers for tests: tiny hand-written records."""

from __future__ import annotations

import orjson


def write_jsonl(path, rows) -> str:
    with open(path, "wb") as fh:
        for row in rows:
            fh.write((row.encode() if isinstance(row, str) else orjson.dumps(row)) + b"\n")
    return str(path)


def chat(*texts: str, system: str | None = None, **extra) -> dict:
    """An OpenAI-messages record alternating user/assistant from `texts`."""
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(texts)]
    return {"messages": messages, **extra}
