"""Read the text fields of an anchor (SPEC §4 row as a dict) without caring about its exact shape."""

from __future__ import annotations

from collections.abc import Iterator

# The anchor fields that hold message text; `feedback` is one message, the others lists of messages.
TEXT_FIELDS: tuple[str, ...] = ("prompt", "rejected", "feedback", "chosen")


def messages_of(anchor: dict, field: str) -> list[dict]:
    """The messages of one text field as a list ([] when the field is missing or null)."""
    value = anchor.get(field)
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    return [m for m in value if isinstance(m, dict)]


def iter_text_slots(anchor: dict) -> Iterator[tuple[str, dict]]:
    """Yield (field, message) for every message of every text field, so callers can edit content."""
    for field in TEXT_FIELDS:
        for message in messages_of(anchor, field):
            if isinstance(message.get("content"), str):
                yield field, message


def field_text(anchor: dict, field: str) -> str:
    """All contents of one field joined by blank lines."""
    return "\n\n".join(m.get("content") or "" for m in messages_of(anchor, field))


def last_user_request(anchor: dict) -> str:
    """The last user message of the prompt: the request the rejected answer replied to."""
    for message in reversed(messages_of(anchor, "prompt")):
        if message.get("role") == "user":
            return message.get("content") or ""
    return ""
