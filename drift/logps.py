"""Sequence log-likelihoods of answers given conversations, tokenized the way TRL's DPOTrainer does."""

from __future__ import annotations

from dataclasses import dataclass

from drift.prompts import render_ids


@dataclass(slots=True)
class Scored:
    logp: float  # sum over the answer's tokens
    tokens: int


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def tokenize_pair(tokenizer, prompt: list[dict], answer: str, max_length: int | None) -> tuple[list[int], int]:
    """Token ids of prompt + answer and where the answer starts (TRL: where prompt and prompt+answer diverge)."""
    prompt_ids = render_ids(tokenizer, prompt, add_generation_prompt=True)
    full_ids = render_ids(tokenizer, [*prompt, {"role": "assistant", "content": answer}], add_generation_prompt=False)
    start = _common_prefix(prompt_ids, full_ids)
    if max_length is not None:
        full_ids = full_ids[:max_length]  # TRL's keep_start
    return full_ids, min(start, len(full_ids))


def answer_logps(
    model,
    tokenizer,
    prompts: list[list[dict]],
    answers: list[str],
    *,
    batch_size: int = 8,
    max_length: int | None = None,
) -> list[Scored]:
    """`log p(answer | prompt)` for each pair under `model`, batched with right padding."""
    import torch

    encoded = [tokenize_pair(tokenizer, p, a, max_length) for p, a in zip(prompts, answers, strict=True)]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    out: list[Scored] = []
    for start in range(0, len(encoded), batch_size):
        chunk = encoded[start : start + batch_size]
        width = max(len(ids) for ids, _ in chunk)
        input_ids = torch.full((len(chunk), width), pad, dtype=torch.long)
        attention = torch.zeros((len(chunk), width), dtype=torch.long)
        for row, (ids, answer_start) in enumerate(chunk):
            input_ids[row, : len(ids)] = torch.tensor(ids)
            attention[row, : len(ids)] = 1
        with torch.inference_mode():
            logits = model(input_ids=input_ids.to(model.device), attention_mask=attention.to(model.device)).logits
            for row, (ids, answer_start) in enumerate(chunk):
                # only the answer's positions, in float32: a full-vocabulary log-softmax over every position of a
                # batch would take gigabytes with large vocabularies
                positions = torch.arange(max(answer_start, 1), len(ids), device=logits.device)
                selected = logits[row, positions - 1].float()
                targets = input_ids[row, positions.cpu()].to(logits.device)
                token_logps = selected.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - selected.logsumexp(-1)
                out.append(Scored(float(token_logps.sum()), len(positions)))
    return out
