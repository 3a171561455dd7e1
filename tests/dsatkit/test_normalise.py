import pytest

from dsatkit.errors import BadRecordError
from dsatkit.normalise import Normaliser
from dsatkit.records import Conversation, Quarantined, RawRecord


def norm(data, **kwargs):
    return Normaliser(**kwargs)(RawRecord("t.jsonl", 7, data, None))


def test_openai_messages_with_text_parts_are_joined():
    conv = norm({"messages": [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": [{"type": "text", "text": "look"}, {"type": "image_url", "image_url": {}},
                                     {"type": "text", "text": "here"}]},
    ]})
    assert isinstance(conv, Conversation)
    assert conv.messages[1].content == "look\nhere"
    assert conv.messages[0].role == "system"


def test_lmsys_row_keeps_id_model_and_language_code():
    conv = norm({"conversation_id": "abc", "model": "vicuna-13b", "language": "English",
                 "conversation": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]})
    assert (conv.conversation_id, conv.model, conv.language) == ("abc", "vicuna-13b", "en")


def test_sharegpt_roles_are_mapped():
    conv = norm({"id": "s", "conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]})
    assert [m.role for m in conv.messages] == ["user", "assistant"]


def test_drift_anchor_marks_its_feedback_turn_as_given_dsat():
    conv = norm({"prompt": [{"role": "user", "content": "q"}], "rejected": [{"role": "assistant", "content": "bad"}],
                 "user_preference": {"content": "no, better"}})
    assert [m.role for m in conv.messages] == ["user", "assistant", "user"]
    assert conv.given_dsat == 2


def test_same_content_without_id_gets_the_same_derived_id():
    data = {"messages": [{"role": "user", "content": "hi"}]}
    assert norm(data).conversation_id == norm(dict(data)).conversation_id


@pytest.mark.parametrize(
    ("data", "reason", "detail"),
    [
        ({"text": "hi"}, "unknown_format", "found keys: text"),
        ({"messages": []}, "no_messages", "empty list"),
        ({"messages": "hi"}, "missing_messages", "found str"),
        ({"messages": [{"content": "hi"}]}, "missing_role", "has no 'role'"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "unknown_role", "has role 'tool'"),
        ({"messages": [{"role": "user", "content": "  \n"}]}, "empty_text", "whitespace-only"),
        ({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]},
         "roles_out_of_order", "both 'user'"),
        ({"messages": [{"role": "assistant", "content": "hello"}]}, "no_user_turn", "no user message"),
        ({"messages": [{"role": "user", "content": 5}]}, "bad_content", "found int"),
        (["not", "an", "object"], "not_an_object", "found list"),
    ],
)
def test_bad_records_are_quarantined_with_precise_reason(data, reason, detail):
    result = norm(data)
    assert isinstance(result, Quarantined)
    assert result.reason == reason
    assert detail in result.detail
    assert (result.source, result.line) == ("t.jsonl", 7)


def test_oversize_message_is_quarantined_with_the_limit_and_the_fix():
    result = norm({"messages": [{"role": "user", "content": "x" * 5_000_001}]})
    assert result.reason == "oversize_message"
    assert "5,000,001" in result.detail and "--max-message-chars" in result.detail
    assert len(result.raw) < 11_000


def test_strict_mode_raises_instead_of_quarantining():
    with pytest.raises(BadRecordError, match="t.jsonl:7: unknown_format"):
        norm({"text": "hi"}, strict=True)


def test_assistant_greeting_before_first_user_turn_is_allowed():
    conv = norm({"messages": [{"role": "assistant", "content": "Hi! How can I help?"},
                              {"role": "user", "content": "book a table"}]})
    assert isinstance(conv, Conversation)
