"""The judge prompt: a rubric over the SPEC section 3 taxonomy, and the turn in its context.

After SPUR (arXiv 2403.12388) and WildFeedback (arXiv 2408.15549): only the user turn is judged, the
assistant answer before it is the context, every label comes with a definition and short examples
(in-context examples are what make fine-grained labels work), and the answer is a strict JSON object
with a verbatim quote as evidence. Unlike SPUR's Y/N per rubric item, the judge picks one label,
because the anchors need one label per turn.
"""

from __future__ import annotations

# Part of every cache key: change it whenever the prompt text or layout changes, so old answers to a
# different question are never reused.
PROMPT_VERSION = "rubric-v1"

SYSTEM_PROMPT = """\
You label one user turn of a conversation between a user and an AI assistant. Judge the user turn \
as a reaction to the assistant answer right before it: does the user signal that this answer failed \
them (DSAT), that it served them (SAT), or neither? The assistant answer and the earlier user \
request are context only; never label them.

Labels (pick exactly one):

DSAT, the answer before the turn failed the user:
- "rephrase": the user asks again for essentially the same thing, reworded or repeated, because the \
answer missed it. Cue: same goal as the previous request, no new task.
  e.g. "I asked for a recipe WITHOUT eggs." / "Again: how do I undo the last git commit?" / \
"No, I mean the capital of Australia, not its largest city."
- "correction": says what is wrong or missing in the answer AND what is right or exactly what to do.
  e.g. "That's wrong, 7 x 8 is 56, not 54." / "You forgot the import; add `import os` at the top." / \
"The deadline is Friday, not Monday, fix the email."
- "complaint": says the answer is wrong, bad, useless, off-topic or not what was asked, without \
giving the fix. Frustration, sarcasm and "you ignored me" count here.
  e.g. "That doesn't work." / "This is not what I asked for." / "You keep repeating yourself." / \
"Ugh, useless."
- "revision": asks to redo the same answer differently: shorter, longer, more detail, other style, \
tone, format, language register or scope, or to continue an answer that was cut off.
  e.g. "Make it shorter." / "Can you put that in a table?" / "More formal, please." / "Continue." / \
"Rewrite it without the jargon."

Not DSAT:
- "clarification": asks what the answer meant or how a part of it works, without saying it was wrong.
  e.g. "What do you mean by idempotent?" / "Which file should this go in?"
- "positive": thanks, praise, acknowledgement, or reports that the answer worked.
  e.g. "Thanks, that worked!" / "Perfect." / "Great explanation, got it."
- "neutral": a new or building follow-up request, a topic change, small talk, or anything else.
  e.g. "Now do the same for the second table." / "Next question: what is a monad?" / "ok" then a new task.

Deciding:
- Any DSAT signal beats a SAT one: "Thanks, but the total is wrong" is DSAT.
- Correction vs complaint: correction only when the user gives the right value or the exact fix.
- Revision vs correction: revision changes form (length, style, format, tone, scope); correction \
fixes content.
- Rephrase vs neutral: rephrase repeats the previous goal; a new goal, even on the same topic, is \
neutral. Building on an answer that worked ("now add tests") is neutral.
- The turn may be in any language; judge it in that language.

Answer with one JSON object and nothing else:
{"label": "<one of: rephrase, correction, complaint, revision, clarification, positive, neutral>", \
"confidence": <number from 0 to 1: how likely your label is right>, \
"evidence": "<the shortest span copied verbatim from the user turn that shows the label>"}"""

USER_TEMPLATE = """\
Previous user request:
<<<
{prev_request}
>>>

Assistant answer (the one being reacted to):
<<<
{prev_answer}
>>>

User turn to label:
<<<
{text}
>>>

Reply with the JSON object only."""

NO_REQUEST = "(none: the conversation started with a system message or the answer came first)"


def clip_middle(text: str, limit: int) -> str:
    """Cut the middle out of a long text: the start says what it is, the end shows a cut-off answer."""
    if len(text) <= limit:
        return text
    marker = f"\n[... {len(text) - limit} characters cut ...]\n"
    keep = max(limit - len(marker), 0)
    head = (keep * 3) // 5
    tail = keep - head
    return text[:head] + marker + (text[len(text) - tail :] if tail else "")


def fit_context(text: str, prev_answer: str, prev_request: str, max_chars: int) -> tuple[str, str, str]:
    """Share `max_chars` between the three parts; what one part leaves unused goes to the others.

    The judged turn matters most (up to half), then the answer; the previous request only needs to
    be recognisable, so it gets a quarter of what the turn leaves.
    """
    turn = clip_middle(text, max_chars // 2)
    rest = max_chars - len(turn)
    request = clip_middle(prev_request, max(rest // 4, rest - len(prev_answer)))
    answer = clip_middle(prev_answer, rest - len(request))
    return turn, answer, request


def build_messages(
    text: str, prev_answer: str, prev_request: str | None, max_context_chars: int
) -> list[dict[str, str]]:
    """The chat messages that ask the judge for one turn's label."""
    turn, answer, request = fit_context(text, prev_answer, prev_request or "", max_context_chars)
    user = USER_TEMPLATE.format(prev_request=request or NO_REQUEST, prev_answer=answer, text=turn)
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]
