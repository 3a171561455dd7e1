"""A sequence-classification reward model that scores whole conversations (iterdpo ranking, eval win rate)."""

from __future__ import annotations

from drift.errors import DriftError


class RewardModel:
    """Scores `[..., {"role": "assistant", "content": answer}]` conversations; higher is better."""

    def __init__(self, name: str, *, batch_size: int = 8, device=None, max_length: int = 4096):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(name)
            self.model = AutoModelForSequenceClassification.from_pretrained(name)
        except OSError as exc:
            raise DriftError(
                f"could not load reward model {name!r}: {exc}; pass a local folder or Hub id of a "
                "sequence-classification model to --reward-model"
            ) from exc
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model.config.pad_token_id = self.tokenizer.pad_token_id
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model.to(self.device).eval()
        self.batch_size = batch_size
        self.max_length = max_length

    def _text(self, conversation: list[dict]) -> str:
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(conversation, tokenize=False)
        return "\n\n".join(f"{m['role']}: {m['content']}" for m in conversation)

    def score(self, conversations: list[list[dict]]) -> list[float]:
        import torch

        scores: list[float] = []
        for start in range(0, len(conversations), self.batch_size):
            texts = [self._text(c) for c in conversations[start : start + self.batch_size]]
            batch = self.tokenizer(
                texts,
                return_tensors="pt",
                padding=True,
                truncation=True,
                max_length=self.max_length,
                # a chat template already wrote the special tokens
                add_special_tokens=not getattr(self.tokenizer, "chat_template", None),
            ).to(self.device)
            with torch.inference_mode():
                logits = self.model(**batch).logits
            scores.extend(logits[:, 0].float().tolist())
        return scores

    def close(self) -> None:
        import gc

        import torch

        del self.model
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
