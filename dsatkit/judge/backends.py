"""Where the judge's answers come from: an OpenAI-compatible endpoint, or a local transformers model.

Both take batches of chat messages and give back, per item, a `Completion` or a `JudgeCallError`
(a failure that is counted, not raised). Only errors no retry can fix (bad key, unknown model)
raise `JudgeEndpointError` and stop the run; the cache keeps what was already paid for.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter

from dsatkit.errors import DsatkitError
from dsatkit.judge.cache import Completion
from dsatkit.judge.config import JudgeConfig, JudgeConfigError, resolve_endpoint, resolve_model, safe_url

log = logging.getLogger("dsatkit.judge")

MAX_BACKOFF_S = 60.0
# Statuses worth another try (the openai client's own rule): timeouts, lock conflicts, rate limits, 5xx.
RETRY_STATUSES = frozenset({408, 409, 429})


class JudgeCallError(Exception):
    """One request failed for good. `reason` is a short key counted in stats."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"judge request failed ({reason}): {detail}")
        self.reason = reason


class JudgeEndpointError(DsatkitError):
    """The endpoint refuses every request (bad key, unknown model or URL): no point going on."""


def _backoff(attempt: int, base: float, retry_after: float | None) -> float:
    """Exponential backoff with jitter; a server's Retry-After is a floor."""
    delay = min(MAX_BACKOFF_S, base * (2**attempt)) * random.uniform(0.5, 1.0)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_BACKOFF_S))
    return delay


def _retry_after(err) -> float | None:
    response = getattr(err, "response", None)
    if response is None:
        return None
    headers = response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(float(value) * scale, 0.0)
        except ValueError:
            return None
    return None


class OpenAIJudgeBackend:
    """Chat completions through the `openai` client, one request per turn, retried with backoff.

    The client's own retries are off so that every attempt and retry is counted here.
    """

    name = "openai"
    batch_size = 1

    def __init__(self, config: JudgeConfig, client=None) -> None:
        import openai

        self._openai = openai
        self.config = config
        endpoint = resolve_endpoint(config)
        self.model = endpoint.model
        self.base_url = endpoint.base_url
        self.workers = config.max_concurrency
        if client is None:
            kwargs = {"api_key": endpoint.api_key, "timeout": config.timeout_s, "max_retries": 0}
            if endpoint.base_url:
                kwargs["base_url"] = endpoint.base_url
            client = openai.OpenAI(**kwargs)
        self.client = client
        # Flipped once, by whichever thread first learns the server refuses the parameter.
        self._json = config.json_mode != "off"
        self._token_param = "max_tokens"
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def settings(self) -> dict:
        return {
            "backend": self.name,
            "model": self.model,
            "base_url": safe_url(self.base_url) or "https://api.openai.com/v1",
            "json_mode": "on" if self._json else "off",
        }

    def counters(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def _count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self._counts[key] += n

    def complete_batch(self, batch: list[list[dict]]) -> list[Completion | JudgeCallError]:
        out: list[Completion | JudgeCallError] = []
        for messages in batch:
            try:
                out.append(self.complete(messages))
            except JudgeCallError as err:
                out.append(err)
        return out

    def _request(self, messages: list[dict], use_json: bool, token_param: str):
        kwargs = {
            "model": self.model,
            "messages": messages,
            "temperature": self.config.temperature,
            token_param: self.config.max_tokens,
        }
        if use_json:
            kwargs["response_format"] = {"type": "json_object"}
        return self.client.chat.completions.create(**kwargs)

    def _adapt_to_refusal(self, err, sent_json: bool, sent_token_param: str) -> bool:
        """True when a 400/422 named a parameter we can drop or rename; the request is then resent."""
        message = f"{getattr(err, 'message', err)} {getattr(err, 'body', '')}".lower()
        with self._lock:
            if sent_json and not self._json:
                return True  # another thread already dropped response_format
            if sent_token_param != self._token_param:
                return True  # another thread already renamed max_tokens
            names_it = "response_format" in message or "json" in message
            if self._json and self.config.json_mode == "auto" and names_it:
                # vLLM, TGI, OpenAI word it differently but all name the parameter; from here on the
                # prompt alone asks for JSON.
                self._json = False
                self._counts["json_mode_fallbacks"] += 1
                log.warning("judge endpoint refused response_format=json_object; asking for JSON in the prompt only")
                return True
            if self._token_param == "max_tokens" and "max_completion_tokens" in message:
                self._token_param = "max_completion_tokens"
                return True
        return False

    def complete(self, messages: list[dict]) -> Completion:
        openai = self._openai
        attempt = 0
        adaptations = 0
        while True:
            self._count("attempts")
            retry_after = None
            sent_json, sent_token_param = self._json, self._token_param
            try:
                response = self._request(messages, sent_json, sent_token_param)
            except openai.APITimeoutError:
                reason, detail = "timeout", f"no answer within {self.config.timeout_s} s"
            except openai.APIConnectionError as err:
                reason, detail = "connection", f"cannot reach {safe_url(self.base_url)}: {err}"
            except openai.APIStatusError as err:
                status = err.status_code
                refused_param = status in (400, 422) and adaptations < 2
                if refused_param and self._adapt_to_refusal(err, sent_json, sent_token_param):
                    adaptations += 1
                    continue
                if status in (401, 403):
                    raise JudgeEndpointError(
                        f"the judge endpoint {safe_url(self.base_url)} refused the API key (HTTP {status}): "
                        "set OPENAI_API_KEY or DSATKIT_JUDGE_API_KEY to a key it accepts"
                    ) from None
                if status == 404:
                    raise JudgeEndpointError(
                        f"the judge endpoint {safe_url(self.base_url)} answered 404 for model {self.model!r}: check "
                        "--judge-model against the models it serves, and that --judge-base-url ends in /v1"
                    ) from None
                if status not in RETRY_STATUSES and status < 500:
                    raise JudgeCallError("bad_request", f"HTTP {status}: {str(err.message)[:300]}") from None
                reason = "rate_limited" if status == 429 else "server_error"
                detail = f"HTTP {status} after {attempt + 1} attempts"
                retry_after = _retry_after(err)
            else:
                return self._completion(response)
            if attempt >= self.config.max_retries:
                raise JudgeCallError(reason, detail)
            self._count("retries")
            time.sleep(_backoff(attempt, self.config.retry_backoff_s, retry_after))
            attempt += 1

    def _completion(self, response) -> Completion:
        choices = getattr(response, "choices", None) or []
        text = (choices[0].message.content or "") if choices else ""
        usage = getattr(response, "usage", None)
        if usage is None:
            self._count("calls_without_usage")
            return Completion(text)
        return Completion(text, int(usage.prompt_tokens or 0), int(usage.completion_tokens or 0))


class TransformersJudgeBackend:
    """A local chat model through `transformers`: chat template, left padding, batched generation."""

    name = "transformers"
    workers = 1  # one model, one generate() at a time; batching is the parallelism

    def __init__(self, config: JudgeConfig, model=None, tokenizer=None) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self._torch = torch
        self.config = config
        self.model_path = resolve_model(config)
        self.model = self.model_path
        self.batch_size = config.batch_size
        if tokenizer is None:
            tokenizer = AutoTokenizer.from_pretrained(self.model_path)
        if getattr(tokenizer, "chat_template", None) is None:
            raise JudgeConfigError(
                f"judge model {self.model_path!r} has no chat template: use an instruct/chat model, "
                "or set tokenizer.chat_template in its tokenizer_config.json"
            )
        tokenizer.padding_side = "left"  # generation continues from the right end of every row
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        self.tokenizer = tokenizer
        self.device = config.device or ("cuda" if torch.cuda.is_available() else "cpu")
        if model is None:
            model = AutoModelForCausalLM.from_pretrained(self.model_path, dtype="auto")
        self.lm = model.to(self.device).eval()
        self.max_positions = getattr(self.lm.config, "max_position_embeddings", None)
        self._counts: Counter[str] = Counter()

    def settings(self) -> dict:
        return {"backend": self.name, "model": self.model_path, "device": self.device, "batch_size": self.batch_size}

    def counters(self) -> dict[str, int]:
        return dict(self._counts)

    def _prompt(self, messages: list[dict]) -> str:
        from jinja2 import TemplateError

        try:
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        except TemplateError:
            # Some templates (Gemma, Mistral v1) reject a system role: fold it into the user turn.
            system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
            rest = [dict(m) for m in messages if m["role"] != "system"]
            rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
            return self.tokenizer.apply_chat_template(rest, tokenize=False, add_generation_prompt=True)

    def complete_batch(self, batch: list[list[dict]]) -> list[Completion | JudgeCallError]:
        out: list[Completion | JudgeCallError | None] = [None] * len(batch)
        prompts: list[str] = []
        rows: list[int] = []
        for i, messages in enumerate(batch):
            try:
                prompt = self._prompt(messages)
            except Exception as err:  # a template bug fails this item, not the run
                out[i] = JudgeCallError("template_error", f"{type(err).__name__}: {err}")
                continue
            n = len(self.tokenizer(prompt, add_special_tokens=False)["input_ids"])
            if self.max_positions and n + self.config.max_tokens > self.max_positions:
                out[i] = JudgeCallError(
                    "prompt_too_long",
                    f"{n} prompt tokens + {self.config.max_tokens} new > the model's {self.max_positions} positions; "
                    "lower --judge-max-context-chars",
                )
                continue
            prompts.append(prompt)
            rows.append(i)
        if prompts:
            try:
                results = self._generate(prompts)
            except Exception as err:  # noqa: BLE001 (out of memory and the like: retry one by one)
                log.warning("judge batch of %d failed (%s); retrying one prompt at a time", len(prompts), err)
                results = []
                for prompt in prompts:
                    try:
                        results.extend(self._generate([prompt]))
                    except Exception as one_err:  # noqa: BLE001
                        results.append(JudgeCallError("generation_error", f"{type(one_err).__name__}: {one_err}"))
            for i, result in zip(rows, results):
                out[i] = result
        self._counts["attempts"] += len(prompts)
        return out  # type: ignore[return-value]

    def _generate(self, prompts: list[str]) -> list[Completion]:
        torch = self._torch
        enc = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        sampling = (
            {"do_sample": True, "temperature": self.config.temperature}
            if self.config.temperature > 0
            else {"do_sample": False}
        )
        with torch.inference_mode():
            generated = self.lm.generate(
                **enc,
                max_new_tokens=self.config.max_tokens,
                pad_token_id=self.tokenizer.pad_token_id,
                **sampling,
            )
        new = generated[:, enc["input_ids"].shape[1] :]
        prompt_lengths = enc["attention_mask"].sum(dim=1).tolist()
        out = []
        stops = {t for t in (self.tokenizer.eos_token_id, self.tokenizer.pad_token_id) if t is not None}
        for row, prompt_tokens in zip(new.tolist(), prompt_lengths):
            # Rows that finished early are padded after their end token: count up to the first stop.
            end = next((j for j, token in enumerate(row) if token in stops), len(row))
            text = self.tokenizer.decode(row[:end], skip_special_tokens=True)
            out.append(Completion(text, int(prompt_tokens), end + (end < len(row))))
        return out
