"""Reading raw logs (files, folders, globs, `datasets` datasets) into normalised conversations."""

from __future__ import annotations

from collections.abc import Iterator

from dsatkit.io.sources import Source, resolve_inputs
from dsatkit.records import Conversation, Quarantined


def read_conversations(
    inputs: list[str], fmt: str | None = None, max_message_chars: int = 100_000
) -> Iterator[Conversation | Quarantined]:
    """Yield every record of `inputs` as a Conversation, or as Quarantined with its reason."""
    from dsatkit.normalise import Normaliser  # normalise imports io.sources; keep the import one-way

    normaliser = Normaliser(fmt=fmt, max_message_chars=max_message_chars)
    for source in resolve_inputs(inputs):
        for raw in source.records():
            yield raw if isinstance(raw, Quarantined) else normaliser(raw)


__all__ = ["Source", "read_conversations", "resolve_inputs"]
