"""Normalise raw records of every SPEC §6 format into one `Conversation`, or quarantine them with a reason."""

from __future__ import annotations

import hashlib

import orjson

from dsatkit.errors import BadRecordError
from dsatkit.io.sources import clip
from dsatkit.language import guess_language, language_code
from dsatkit.records import Conversation, Message, Quarantined, RawRecord

FORMATS = ("openai", "lmsys", "sharegpt", "drift")

ROLE_ALIASES = {
    "user": "user", "human": "user", "prompter": "user",
    "assistant": "assistant", "gpt": "assistant", "bot": "assistant", "model": "assistant",
    "chatbot": "assistant", "ai": "assistant",
    "system": "system",
}
_ID_KEYS = ("conversation_id", "conversation_hash", "id")


class RecordProblem(Exception):
    """One precise reason a record cannot be used."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def detect_format(data: dict) -> str:
    keys = data.keys()
    if "prompt" in keys and "rejected" in keys and "user_preference" in keys:
        return "drift"
    if isinstance(data.get("conversations"), list) and _looks_sharegpt(data["conversations"]):
        return "sharegpt"
    if "conversation" in keys and ("conversation_id" in keys or "conversation_hash" in keys):
        return "lmsys"
    if any(k in keys for k in ("messages", "conversation", "conversations")):
        return "openai"
    raise RecordProblem(
        "unknown_format",
        "expected a record with 'messages', 'conversation' or 'conversations', or DRIFT's "
        f"'prompt'+'rejected'+'user_preference'; found keys: {_keys(data)}",
    )


def _looks_sharegpt(turns: list) -> bool:
    return bool(turns) and isinstance(turns[0], dict) and "from" in turns[0] and "value" in turns[0]


def _keys(data: dict) -> str:
    keys = list(data.keys())
    return ", ".join(map(str, keys[:12])) + (" ..." if len(keys) > 12 else "") if keys else "(none)"


def _text_of(content: object, where: str) -> str:
    """Content is a string or a list of parts; text parts are joined, other parts (images) skipped."""
    if isinstance(content, str):
        return content
    if content is None:
        return ""
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif not isinstance(part, dict):
                raise RecordProblem(
                    "bad_content", f"{where}: content parts must be objects or strings, found {type(part).__name__}"
                )
        return "\n".join(texts)
    raise RecordProblem(
        "bad_content", f"{where}: content must be a string or a list of text parts, found {type(content).__name__}"
    )


def _where(where: int | str) -> str:
    return f"message {where}" if isinstance(where, int) else where


class Normaliser:
    """Callable that turns a RawRecord into a Conversation or a Quarantined."""

    def __init__(self, fmt: str | None = None, max_message_chars: int = 100_000, strict: bool = False):
        if fmt is not None and fmt not in FORMATS:
            raise ValueError(f"unknown format '{fmt}'; expected one of {', '.join(FORMATS)} (or none to auto-detect)")
        self.fmt = fmt
        self.max_message_chars = max_message_chars
        self.strict = strict

    def __call__(self, raw: RawRecord) -> Conversation | Quarantined:
        try:
            return self._normalise(raw)
        except RecordProblem as problem:
            text = raw.text if raw.text is not None else orjson.dumps(raw.data, default=str).decode()
            quarantined = Quarantined(raw.source, raw.line, problem.reason, problem.detail, clip(text))
            if self.strict:
                raise BadRecordError(f"{raw.source}:{raw.line}: {problem.reason}: {problem.detail}") from None
            return quarantined

    def _normalise(self, raw: RawRecord) -> Conversation:
        data = raw.data
        if not isinstance(data, dict):
            raise RecordProblem("not_an_object", f"expected a JSON object per record, found {type(data).__name__}")
        fmt = self.fmt or detect_format(data)
        given_dsat = None
        if fmt == "drift":
            messages = self._drift_messages(data)
            given_dsat = len(messages) - 1
        elif fmt == "sharegpt":
            messages = self._messages(data.get("conversations"), "conversations", role_key="from", text_key="value")
        else:
            key = next((k for k in ("messages", "conversation", "conversations") if k in data), None)
            if key is None:
                raise RecordProblem("missing_messages", f"expected a 'messages' list; found keys: {_keys(data)}")
            messages = self._messages(data[key], key, role_key="role", text_key="content")
        self._check_order(messages)
        language = data.get("language")
        code = language_code(language) if isinstance(language, str) else None
        if code is None:
            code = guess_language(" ".join(m.content[:300] for m in messages if m.role == "user")[:1000])
        model = data.get("model")
        return Conversation(
            conversation_id=self._conversation_id(data, messages),
            messages=messages,
            source=raw.source,
            line=raw.line,
            model=model if isinstance(model, str) else None,
            language=code,
            given_dsat=given_dsat,
        )

    def _messages(self, turns: object, key: str, role_key: str, text_key: str) -> list[Message]:
        if not isinstance(turns, list):
            raise RecordProblem("missing_messages", f"'{key}' must be a list of messages, found {type(turns).__name__}")
        if not turns:
            raise RecordProblem("no_messages", f"'{key}' is an empty list")
        messages = []
        for i, turn in enumerate(turns):
            if not isinstance(turn, dict):
                raise RecordProblem("bad_message", f"message {i} must be an object, found {type(turn).__name__}")
            if role_key not in turn:
                raise RecordProblem("missing_role", f"message {i} has no '{role_key}'; found keys: {_keys(turn)}")
            content = turn.get(text_key)
            # The common case (a plain string) skips the parts logic; `where` is only built for errors.
            text = content if isinstance(content, str) else _text_of(content, f"message {i}")
            messages.append(self._message(turn[role_key], text, i))
        return messages

    def _message(self, role: object, text: str, where: int | str) -> Message:
        canonical = ROLE_ALIASES.get(role.lower()) if isinstance(role, str) else None
        if canonical is None:
            raise RecordProblem(
                "unknown_role",
                f"{_where(where)} has role {role!r}; expected system, user or assistant "
                "(aliases: human, gpt, bot, model)",
            )
        if not text or text.isspace():
            raise RecordProblem("empty_text", f"{_where(where)} ({canonical}) has empty or whitespace-only text")
        if len(text) > self.max_message_chars:
            raise RecordProblem(
                "oversize_message",
                f"{_where(where)} ({canonical}) has {len(text):,} characters; the limit is "
                f"{self.max_message_chars:,} (raise it with --max-message-chars)",
            )
        return Message(canonical, text)

    def _drift_messages(self, data: dict) -> list[Message]:
        prompt = self._messages(data.get("prompt"), "prompt", role_key="role", text_key="content")
        rejected = data.get("rejected")
        if isinstance(rejected, list) and len(rejected) == 1 and isinstance(rejected[0], dict):
            rejected = rejected[0]
        if not isinstance(rejected, dict):
            raise RecordProblem(
                "bad_anchor", "expected 'rejected' to be one assistant message ({role, content}) or a list of one"
            )
        preference = data.get("user_preference")
        if isinstance(preference, str):
            preference = {"content": preference}
        if not isinstance(preference, dict):
            raise RecordProblem("bad_anchor", "expected 'user_preference' to be an object with 'content'")
        answer = self._message(rejected.get("role", "assistant"), _text_of(rejected.get("content"), "rejected"), "rejected")
        feedback = self._message(
            preference.get("role", "user"), _text_of(preference.get("content"), "user_preference"), "user_preference"
        )
        return [*prompt, answer, feedback]

    @staticmethod
    def _check_order(messages: list[Message]) -> None:
        """System messages lead; then user and assistant alternate (an assistant greeting may open)."""
        previous = None
        for i, message in enumerate(messages):
            if message.role == "system":
                if previous not in (None, "system"):
                    raise RecordProblem("roles_out_of_order", f"message {i} is a system message after the dialogue began")
            elif message.role == previous:
                raise RecordProblem(
                    "roles_out_of_order",
                    f"messages {i - 1} and {i} are both '{message.role}'; expected user and assistant to alternate",
                )
            previous = message.role
        if not any(m.role == "user" for m in messages):
            raise RecordProblem("no_user_turn", "the conversation has no user message")

    @staticmethod
    def _conversation_id(data: dict, messages: list[Message]) -> str:
        for key in _ID_KEYS:
            value = data.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
                return str(value)
        # No id in the record: derive one from the content, so the same input always gets the same id.
        digest = hashlib.sha1()
        for m in messages:
            digest.update(m.role.encode())
            digest.update(b"\x00")
            digest.update(m.content.encode())
            digest.update(b"\x01")
        return digest.hexdigest()[:16]
