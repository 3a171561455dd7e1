"""Prompts for sampling and training, rendered with the model's own chat template.

The paper's script wrote a plain `User:/Assistant:` transcript and let the tokenizer cut long prompts from the
right, which can remove the instruction itself. Here the sampling prompt is a real conversation in the model's
chat template, and a prompt over budget loses its oldest messages first (the system message stays), then its
oldest tokens, so the DSAT answer's end, the feedback and the instruction always reach the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from drift.anchors import Anchor
from drift.errors import DriftError


@dataclass(slots=True)
class RenderedPrompt:
    messages: list[dict]  # what the chat template rendered, after dropping old messages
    ids: list[int]  # token ids, at most the budget
    dropped_messages: int = 0
    cut_tokens: int = 0  # tokens removed from the left after dropping messages was not enough


def guided_messages(anchor: Anchor, instruction: str) -> list[dict]:
    """The conversation, the DSAT answer, then one user turn with the feedback and the improve instruction.

    The instruction joins the feedback's user turn instead of a mid-conversation system message, which many chat
    templates reject or move to the top.
    """
    return [
        *anchor.prompt,
        {"role": "assistant", "content": anchor.rejected},
        {"role": "user", "content": f"{anchor.feedback}\n\n{instruction}"},
    ]


def plain_messages(anchor: Anchor) -> list[dict]:
    """The conversation up to the request the DSAT answer replied to: the training prompt."""
    return list(anchor.prompt)


def render_ids(tokenizer, messages: list[dict], add_generation_prompt: bool = True) -> list[int]:
    if getattr(tokenizer, "chat_template", None) is None:
        raise DriftError(
            f"tokenizer {getattr(tokenizer, 'name_or_path', '')!r} has no chat template: use an instruct/chat model, "
            "or set `tokenizer.chat_template` and save it with the model"
        )
    try:
        out = tokenizer.apply_chat_template(
            messages, tokenize=True, return_dict=True, add_generation_prompt=add_generation_prompt
        )
    except Exception as exc:  # jinja raises TemplateError for role orders a template refuses
        roles = "/".join(m["role"] for m in messages)
        raise DriftError(
            f"the model's chat template rejected a conversation with roles {roles} ({exc}): use a model whose "
            "template accepts these roles, or drop such anchors"
        ) from exc
    return list(out["input_ids"])


def fit_messages(tokenizer, messages: list[dict], budget: int | None, keep_last: int = 1) -> RenderedPrompt:
    """Render `messages`; while over `budget` tokens, drop the oldest non-system messages.

    At least `keep_last` messages stay. A kept tail that is still over budget is cut from the left at token level.
    The first non-system message kept is always a user message, as chat templates expect.
    """
    ids = render_ids(tokenizer, messages)
    if budget is None or len(ids) <= budget:
        return RenderedPrompt(messages, ids)
    system = [m for m in messages[:1] if m["role"] == "system"]
    rest = messages[len(system) :]
    dropped = 0
    while len(rest) > keep_last:
        rest = rest[1:]
        dropped += 1
        while len(rest) > keep_last and rest[0]["role"] != "user":
            rest = rest[1:]
            dropped += 1
        if rest[0]["role"] != "user":
            break
        ids = render_ids(tokenizer, system + rest)
        if len(ids) <= budget:
            return RenderedPrompt(system + rest, ids, dropped)
    kept = system + rest
    ids = render_ids(tokenizer, kept)
    if len(ids) <= budget:
        return RenderedPrompt(kept, ids, dropped)
    return RenderedPrompt(kept, ids[-budget:], dropped, cut_tokens=len(ids) - budget)


def sampling_prompt(tokenizer, anchor: Anchor, *, guided: bool, instruction: str, budget: int) -> RenderedPrompt:
    """The prompt the policy answers: guided (DSAT answer, feedback, instruction) or the plain conversation."""
    if guided:
        return fit_messages(tokenizer, guided_messages(anchor, instruction), budget, keep_last=3)
    return fit_messages(tokenizer, plain_messages(anchor), budget, keep_last=1)


def training_prompt(tokenizer, anchor: Anchor, budget: int | None) -> list[dict]:
    """The conversation only (no feedback, no instruction), shortened to `budget` tokens by whole messages."""
    rendered = fit_messages(tokenizer, plain_messages(anchor), budget, keep_last=1)
    return rendered.messages
