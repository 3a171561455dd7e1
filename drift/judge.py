"""Pairwise judging for `drift eval --judge-api-base`: which of two answers to a conversation is better.

The order of the two answers is shuffled per item with a seeded generator, so position bias cancels out on
average and the result is reproducible.
"""

from __future__ import annotations

import os
import random

from drift.errors import DriftError, require

JUDGE_PROMPT = """You compare two assistant answers to the same conversation.

Conversation:
{conversation}

Answer A:
{a}

Answer B:
{b}

Which answer serves the user better (correct, helpful, does what was asked)?
Reply with one letter only: A, B, or T for a tie."""


def _render(conversation: list[dict]) -> str:
    return "\n".join(f"[{m['role']}] {m['content']}" for m in conversation)


class PairwiseJudge:
    """An LLM behind an OpenAI-compatible endpoint that picks the better of two answers."""

    def __init__(self, api_base: str, model: str, *, api_key_env: str = "OPENAI_API_KEY", seed: int = 0, client=None):
        if client is None:
            require("openai", "a judge endpoint", "pip install 'dsatkit[judge]'")
            from openai import OpenAI

            client = OpenAI(base_url=api_base, api_key=os.environ.get(api_key_env, "EMPTY"))
        self.client = client
        self.api_base = api_base
        self.model = model
        self.rng = random.Random(seed)

    def prefer(self, conversation: list[dict], candidate: str, baseline: str) -> float:
        """1.0 when `candidate` wins, 0.0 when `baseline` wins, 0.5 for a tie or an unreadable verdict."""
        swap = self.rng.random() < 0.5
        a, b = (baseline, candidate) if swap else (candidate, baseline)
        prompt = JUDGE_PROMPT.format(conversation=_render(conversation), a=a, b=b)
        try:
            response = self.client.chat.completions.create(
                model=self.model, messages=[{"role": "user", "content": prompt}], temperature=0.0, max_tokens=4
            )
        except Exception as exc:  # openai raises several connection/status error types
            raise DriftError(
                f"judge endpoint {self.api_base} failed for model {self.model!r}: {exc}; check --judge-api-base and "
                "--judge-model"
            ) from exc
        verdict = (response.choices[0].message.content or "").strip().upper()[:1]
        if verdict not in ("A", "B"):
            return 0.5
        candidate_won = (verdict == "A") != swap
        return 1.0 if candidate_won else 0.0
