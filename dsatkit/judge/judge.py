"""The LLM judge: label user turns with the rubric, through the cache, within a budget, in parallel."""

from __future__ import annotations

import importlib.util
import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed

import polars as pl

from dsatkit.judge.backends import JudgeCallError, OpenAIJudgeBackend, TransformersJudgeBackend
from dsatkit.judge.cache import Completion, ResponseCache, cache_key
from dsatkit.judge.config import JudgeConfig, resolve_cache_dir
from dsatkit.judge.parse import JudgeParseError, parse_judgement
from dsatkit.judge.rubric import PROMPT_VERSION, build_messages

log = logging.getLogger("dsatkit.judge")

# One row per input turn, same order. `error` is a reason key where no judgement came back
# ("over_budget", "unparseable", "timeout", "rate_limited", "server_error", ...); label is then null.
RESULT_SCHEMA: dict[str, pl.DataType] = {
    "label": pl.String,
    "confidence": pl.Float64,
    "evidence": pl.String,
    "error": pl.String,
    "cached": pl.Boolean,
}
REQUIRED_COLUMNS = ("text", "prev_answer")
EVIDENCE_FALLBACK_CHARS = 200

# A turn with no assistant answer before it (turn 0) is never DSAT (SPEC section 3): no call needed.
NO_ANSWER_LABEL, NO_ANSWER_CONFIDENCE = "neutral", 1.0


def make_backend(config: JudgeConfig):
    from dsatkit.detect.base import MissingDependencyError

    module, extra, cls = {
        "openai": ("openai", "judge", OpenAIJudgeBackend),
        "transformers": ("transformers", "train", TransformersJudgeBackend),
    }[config.backend]
    if importlib.util.find_spec(module) is None:
        raise MissingDependencyError(
            f"the {config.backend} judge backend needs the Python package '{module}': "
            f"install it with `pip install 'dsatkit[{extra}]'`"
        )
    return cls(config)


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def grounded_evidence(evidence: str, turn: str) -> tuple[str, bool]:
    """The model's quote if it is really in the turn, else the turn's start; and whether it was."""
    quote = evidence.strip().strip("\"'“”‘’").strip().strip(".…").strip()
    if not quote:
        return "", True
    if _squash(quote) in _squash(turn):
        return quote, True
    return turn[:EVIDENCE_FALLBACK_CHARS], False


def _progress(enabled: bool):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    return Progress(
        TextColumn("[bold]judge"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not (enabled and console.is_terminal),
    )


class Judge:
    """Labels user turns (TURN_SCHEMA rows) with an LLM; see RESULT_SCHEMA for what comes back.

    The budget counts turns sent to the judge over the Judge's life, cache hits included, so a rerun
    labels exactly the turns the first run did; order rows by priority before calling.
    """

    def __init__(self, config: JudgeConfig | None = None, backend=None, cache: ResponseCache | None = None) -> None:
        self.config = config or JudgeConfig()
        self.backend = backend if backend is not None else make_backend(self.config)
        if cache is None and self.config.use_cache:
            cache = ResponseCache(resolve_cache_dir(self.config))
        self.cache = cache
        self._params = {"temperature": self.config.temperature, "max_tokens": self.config.max_tokens}
        self._counts: Counter[str] = Counter()
        self._failures: Counter[str] = Counter()
        self._unparseable: Counter[str] = Counter()
        self._labels: Counter[str] = Counter()
        self._wall = 0.0

    def judge_turns(self, turns: pl.DataFrame) -> pl.DataFrame:
        missing = [c for c in REQUIRED_COLUMNS if c not in turns.columns]
        if missing:
            raise ValueError(
                f"judge_turns needs the turn columns {', '.join(REQUIRED_COLUMNS)} (dsatkit.turns.turns_table); "
                f"missing {', '.join(missing)}, found {', '.join(turns.columns)}"
            )
        start = time.perf_counter()
        n = turns.height
        texts = [t or "" for t in turns["text"].to_list()]
        answers = turns["prev_answer"].to_list()
        requests = turns["prev_request"].to_list() if "prev_request" in turns.columns else [None] * n
        out = {name: [None] * n for name in RESULT_SCHEMA}
        out["cached"] = [False] * n

        rows_by_key: dict[str, list[int]] = {}
        messages_by_key: dict[str, list[dict]] = {}
        budget = self.config.budget
        for i in range(n):
            self._counts["turns"] += 1
            if not answers[i]:
                out["label"][i], out["confidence"][i], out["evidence"][i] = NO_ANSWER_LABEL, NO_ANSWER_CONFIDENCE, ""
                self._counts["no_answer"] += 1
                continue
            if budget is not None and self._counts["budget_used"] >= budget:
                out["error"][i] = "over_budget"
                self._counts["over_budget"] += 1
                continue
            self._counts["budget_used"] += 1
            messages = build_messages(texts[i], answers[i], requests[i], self.config.max_context_chars)
            key = cache_key(self.backend.name, self.backend.model, PROMPT_VERSION, messages, self._params)
            if key in rows_by_key:
                self._counts["duplicates"] += 1
            rows_by_key.setdefault(key, []).append(i)
            messages_by_key[key] = messages

        hits = self.cache.get_many(list(rows_by_key)) if self.cache is not None else {}
        for key, completion in hits.items():
            self._counts["cache_hits"] += len(rows_by_key[key])
            self._counts["cached_prompt_tokens"] += completion.prompt_tokens
            self._counts["cached_completion_tokens"] += completion.completion_tokens
            self._apply(rows_by_key[key], completion, texts, out, cached=True)
        misses = [key for key in rows_by_key if key not in hits]
        if misses:
            self._call(misses, messages_by_key, rows_by_key, texts, out)
        self._wall += time.perf_counter() - start
        return pl.DataFrame(out, schema=RESULT_SCHEMA)

    def _call(self, misses, messages_by_key, rows_by_key, texts, out) -> None:
        size = self.backend.batch_size
        batches = [misses[s : s + size] for s in range(0, len(misses), size)]
        pool = ThreadPoolExecutor(max_workers=min(self.backend.workers, len(batches)))
        try:
            with _progress(self.config.progress) as progress:
                task = progress.add_task("judge", total=len(misses))
                futures = {
                    pool.submit(self.backend.complete_batch, [messages_by_key[k] for k in batch]): batch
                    for batch in batches
                }
                for future in as_completed(futures):
                    batch = futures[future]
                    for key, result in zip(batch, future.result()):
                        self._counts["calls"] += 1
                        rows = rows_by_key[key]
                        if isinstance(result, JudgeCallError):
                            self._fail(rows, result.reason, str(result), out)
                            continue
                        self._counts["prompt_tokens"] += result.prompt_tokens
                        self._counts["completion_tokens"] += result.completion_tokens
                        # Stored as soon as it arrives: an interrupted run keeps every answer it paid for.
                        if self.cache is not None:
                            self.cache.put(key, result)
                        self._apply(rows, result, texts, out, cached=False)
                    progress.advance(task, len(batch))
        except BaseException:
            # A fatal endpoint error or Ctrl-C: do not start the queued requests.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()

    def _apply(self, rows: list[int], completion: Completion, texts, out, cached: bool) -> None:
        try:
            judgement = parse_judgement(completion.text)
        except JudgeParseError as err:
            self._unparseable[err.reason] += len(rows)
            self._fail(rows, "unparseable", str(err), out, cached=cached)
            return
        for i in rows:
            evidence, grounded = grounded_evidence(judgement.evidence, texts[i])
            if not grounded:
                self._counts["evidence_not_in_turn"] += 1
            out["label"][i] = judgement.label
            out["confidence"][i] = judgement.confidence
            out["evidence"][i] = evidence
            out["cached"][i] = cached
            self._labels[judgement.label] += 1
            self._counts["judged"] += 1

    def _fail(self, rows: list[int], reason: str, detail: str, out, cached: bool = False) -> None:
        if not self._failures[reason]:
            log.warning("judge: %s; further failures of this kind are only counted in stats", detail)
        self._failures[reason] += len(rows)
        for i in rows:
            out["error"][i] = reason
            out["cached"][i] = cached

    def stats(self) -> dict:
        """Counts and settings for stats.json; never holds the API key."""
        c = self._counts
        backend = self.backend.counters()
        cfg = self.config
        return {
            **self.backend.settings(),
            "prompt_version": PROMPT_VERSION,
            "max_concurrency": cfg.max_concurrency,
            "timeout_s": cfg.timeout_s,
            "max_retries": cfg.max_retries,
            "budget": cfg.budget,
            "temperature": cfg.temperature,
            "max_tokens": cfg.max_tokens,
            "max_context_chars": cfg.max_context_chars,
            "cache_dir": str(self.cache.directory) if self.cache is not None else None,
            "turns": c["turns"],
            "judged": c["judged"],
            "no_answer": c["no_answer"],
            "budget_used": c["budget_used"],
            "over_budget": c["over_budget"],
            "cache_hits": c["cache_hits"],
            "duplicates": c["duplicates"],
            "calls": c["calls"],
            "attempts": backend.get("attempts", 0),
            "retries": backend.get("retries", 0),
            "json_mode_fallbacks": backend.get("json_mode_fallbacks", 0),
            "calls_without_usage": backend.get("calls_without_usage", 0),
            "prompt_tokens": c["prompt_tokens"],
            "completion_tokens": c["completion_tokens"],
            "total_tokens": c["prompt_tokens"] + c["completion_tokens"],
            "cached_prompt_tokens": c["cached_prompt_tokens"],
            "cached_completion_tokens": c["cached_completion_tokens"],
            "failed": sum(self._failures.values()),
            "failures": dict(self._failures),
            "unparseable_by_reason": dict(self._unparseable),
            "evidence_not_in_turn": c["evidence_not_in_turn"],
            "labels": dict(self._labels),
            "wall_seconds": round(self._wall, 3),
        }

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
