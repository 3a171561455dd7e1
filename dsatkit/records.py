"""Typed records that flow through the pipeline, and the SPEC taxonomy."""

from __future__ import annotations

from dataclasses import dataclass

LABELS: tuple[str, ...] = (
    "rephrase",
    "correction",
    "complaint",
    "revision",
    "clarification",
    "positive",
    "neutral",
)
DSAT_LABELS: frozenset[str] = frozenset({"rephrase", "correction", "complaint", "revision"})
ROLES: frozenset[str] = frozenset({"system", "user", "assistant"})


def is_dsat(label: str) -> bool:
    return label in DSAT_LABELS


@dataclass(slots=True, frozen=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass(slots=True)
class Conversation:
    """One normalised conversation: roles validated, text parts joined, system first if any."""

    conversation_id: str
    messages: list[Message]
    source: str  # file path or dataset name it came from
    line: int  # 1-based line (JSONL) or 0-based row (parquet / datasets)
    model: str | None = None
    language: str | None = None  # ISO 639-1 code when known
    # Message index of a user turn the source already marks as DSAT (DRIFT-repo anchors).
    given_dsat: int | None = None

    def user_indices(self) -> list[int]:
        return [i for i, m in enumerate(self.messages) if m.role == "user"]


@dataclass(slots=True)
class RawRecord:
    """A record as read from a source, before normalisation."""

    source: str
    line: int
    data: object  # parsed JSON object (dict) when parsing succeeded
    text: str | None = None  # raw text, kept for the quarantine


@dataclass(slots=True)
class Quarantined:
    source: str
    line: int
    reason: str  # short machine key, e.g. "not_json", "missing_messages"
    detail: str  # human sentence: what was expected, what was found
    raw: str = ""
