"""Preference pairs for each method, from anchors and policy samples, in TRL's conversational format.

- drift:   chosen = the policy's improved answer, rejected = the real DSAT answer.
- spin:    chosen = the natural SAT answer, rejected = a policy sample on the plain conversation.
- iterdpo: chosen/rejected = the best/worst of the policy's samples by a reward model.
- seed:    chosen = the natural SAT answer, rejected = the DSAT answer (no sampling).
The training prompt is always the conversation alone: never the feedback, never the instruction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from drift.anchors import Anchor
from drift.generate import Sample
from drift.guards import pair_reason, sample_reason


@dataclass(slots=True)
class Pairs:
    rows: list[dict] = field(default_factory=list)
    dropped: list[dict] = field(default_factory=list)  # {anchor_id, reason, sample}

    def add(self, anchor: Anchor, prompt: list[dict], chosen: str, rejected: str) -> None:
        self.rows.append(
            {
                "id": anchor.id,
                "prompt": prompt,
                "chosen": [{"role": "assistant", "content": chosen}],
                "rejected": [{"role": "assistant", "content": rejected}],
            }
        )

    def drop(self, anchor: Anchor, reason: str, sample: str) -> None:
        self.dropped.append({"anchor_id": anchor.id, "reason": reason, "sample": sample})

    def dropped_by_reason(self) -> dict[str, int]:
        return dict(Counter(d["reason"] for d in self.dropped).most_common())


def seed_pairs(anchors: list[Anchor], prompts: list[list[dict]]) -> Pairs:
    pairs = Pairs()
    for anchor, prompt in zip(anchors, prompts, strict=True):
        if anchor.chosen:
            pairs.add(anchor, prompt, anchor.chosen, anchor.rejected)
    return pairs


def drift_pairs(anchors, prompts, samples: list[list[Sample]], *, drop_truncated: bool, threshold: float) -> Pairs:
    pairs = Pairs()
    for anchor, prompt, (sample,) in zip(anchors, prompts, samples, strict=True):
        reason = sample_reason(sample.text, sample.finished, drop_truncated=drop_truncated) or pair_reason(
            sample.text, anchor.rejected, threshold=threshold
        )
        if reason:
            pairs.drop(anchor, reason, sample.text)
        else:
            pairs.add(anchor, prompt, sample.text, anchor.rejected)
    return pairs


def spin_pairs(anchors, prompts, samples: list[list[Sample]], *, drop_truncated: bool, threshold: float) -> Pairs:
    pairs = Pairs()
    for anchor, prompt, (sample,) in zip(anchors, prompts, samples, strict=True):
        reason = sample_reason(sample.text, sample.finished, drop_truncated=drop_truncated) or pair_reason(
            sample.text, anchor.chosen, threshold=threshold
        )
        if reason:
            pairs.drop(anchor, reason, sample.text)
        else:
            pairs.add(anchor, prompt, anchor.chosen, sample.text)
    return pairs


def iterdpo_pairs(
    anchors,
    prompts,
    samples: list[list[Sample]],
    score: Callable[[list[list[dict]]], list[float]],
    *,
    drop_truncated: bool,
    threshold: float,
) -> Pairs:
    """Rank each anchor's usable samples with `score` (conversations -> rewards): best is chosen, worst rejected."""
    pairs = Pairs()
    usable: list[tuple[int, list[str]]] = []
    for i, (anchor, group) in enumerate(zip(anchors, samples, strict=True)):
        texts = []
        for s in group:
            reason = sample_reason(s.text, s.finished, drop_truncated=drop_truncated)
            if reason:
                pairs.drop(anchor, reason, s.text)
            else:
                texts.append(s.text)
        if len(texts) >= 2:
            usable.append((i, texts))
        elif texts:
            pairs.drop(anchor, "too_few_samples", texts[0])
    conversations = [
        [*prompts[i], {"role": "assistant", "content": t}] for i, texts in usable for t in texts
    ]
    rewards = iter(score(conversations) if conversations else [])
    for i, texts in usable:
        ranked = sorted(zip((next(rewards) for _ in texts), texts, strict=True), key=lambda x: x[0])
        worst, best = ranked[0][1], ranked[-1][1]
        reason = pair_reason(best, worst, threshold=threshold)
        if reason:
            pairs.drop(anchors[i], reason, best)
        else:
            pairs.add(anchors[i], prompts[i], best, worst)
    return pairs
