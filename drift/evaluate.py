"""`drift eval RUN --anchors HELDOUT`: did each iteration move away from the DSAT answers, relative to the base?

Per finished stage (seed, iter_1, ...), on held-out anchors, with the base model as reference:
- `reward_margin`: beta * mean[(log pi(c) - log pi0(c)) - (log pi(r) - log pi0(r))], DPO's implicit reward margin
  between an improved answer c and the DSAT answer r. c is the anchor's natural SAT answer when it has one,
  else the base model's guided improved answer (sampled once and cached in RUN/eval/).
- `reward_accuracy`: share of anchors where that margin is positive.
- `dsat_logp_change`: mean change of log pi(r), the DSAT answers' log-likelihood (negative: the model moved away).
- `win_rate` (optional): the stage's answers against the base model's, by a reward model or a judge endpoint.
"""

from __future__ import annotations

import json
from pathlib import Path

from drift.anchors import Anchor, AnchorSet, load_anchors
from drift.config import DriftConfig, load_config
from drift.errors import DriftError
from drift.generate import Request, make_backend
from drift.guards import pair_reason, sample_reason
from drift.logps import answer_logps
from drift.progress import progress
from drift.prompts import sampling_prompt, training_prompt
from drift.sampling import sample_batches
from drift.state import read_state


def _finished_stages(state: dict) -> list[str]:
    return [s.split("/")[0] for s, v in state["steps"].items() if s.endswith("/train") and v["status"] == "done"]


def _requests(tokenizer, config: DriftConfig, anchors: list[Anchor], guided: bool) -> list[Request]:
    budget = config.generation_prompt_budget()
    out = []
    for a in anchors:
        r = sampling_prompt(tokenizer, a, guided=guided, instruction=config.improve_instruction, budget=budget)
        out.append(Request(r.messages, r.ids))
    return out


def _sample(config, model_path, tokenizer, anchors, folder: Path, guided: bool, what: str) -> list:
    samples, _ = sample_batches(
        [a.id for a in anchors],
        _requests(tokenizer, config, anchors, guided),
        lambda: make_backend(config, str(model_path), tokenizer),
        folder,
        n=1,
        batch_size=config.generation_batch_size,
        seed=config.seed,
        description=what,
    )
    return [group[0] for group in samples]


def _reference_answers(config, base, tokenizer, anchors: list[Anchor], folder: Path) -> tuple[list, dict]:
    """Natural SAT answers where anchors have one, else the base model's guided improvement; None if unusable."""
    missing = [a for a in anchors if not a.chosen]
    generated = {}
    if missing:
        samples = _sample(config, base, tokenizer, missing, folder, True, "eval: base model's improved answers")
        generated = dict(zip((a.id for a in missing), samples, strict=True))
    answers, counts = [], {"natural": 0, "base_model": 0, "dropped": {}}
    for a in anchors:
        if a.chosen:
            answers.append(a.chosen)
            counts["natural"] += 1
            continue
        s = generated[a.id]
        reason = sample_reason(s.text, s.finished, drop_truncated=config.drop_truncated) or pair_reason(
            s.text, a.rejected, threshold=config.near_duplicate_threshold
        )
        if reason:
            counts["dropped"][reason] = counts["dropped"].get(reason, 0) + 1
            answers.append(None)
        else:
            counts["base_model"] += 1
            answers.append(s.text)
    return answers, counts


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def evaluate_run(
    run_dir: str | Path,
    anchors: str | AnchorSet | None = None,
    *,
    split: str | None = "test",
    max_anchors: int | None = None,
    batch_size: int = 8,
    reward_model: str | None = None,
    judge_api_base: str | None = None,
    judge_model: str | None = None,
    judge_client=None,
    report_to: list[str] | None = None,
) -> dict:
    """Score every finished stage of a run on held-out anchors; writes RUN/eval/metrics.json and returns it.

    With `anchors` None, the `split` (default test) of the run's own anchors is used, and must exist.
    """
    from transformers import AutoTokenizer

    from drift.generate import load_policy

    run_dir = Path(run_dir)
    state = read_state(run_dir)
    stages = _finished_stages(state)
    if not stages:
        raise DriftError(f"{run_dir} has no finished training stage yet: run `drift fit` (or `--resume`) first")
    if (judge_api_base is None) != (judge_model is None) and judge_client is None:
        raise DriftError("a judge needs both --judge-api-base URL and --judge-model NAME")
    config = load_config(run_dir / "config.yaml", {"output_dir": str(run_dir), "report_to": "none"})
    if isinstance(anchors, AnchorSet):
        anchor_set = anchors
    elif anchors is None:
        anchor_set = load_anchors(state["anchors"]["source"], split, max_anchors, strict_split=True)
    else:
        anchor_set = load_anchors(anchors, split, max_anchors)
    items = anchor_set.anchors
    base = state["recipe"]["model_name_or_path"]
    tokenizer = AutoTokenizer.from_pretrained(base)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    out_dir = run_dir / "eval"
    cache = out_dir / f"anchors-{anchor_set.fingerprint()}"
    prompts = [training_prompt(tokenizer, a, config.max_prompt_length) for a in items]
    chosen, reference_counts = _reference_answers(config, base, tokenizer, items, cache / "reference")
    usable = [i for i, c in enumerate(chosen) if c is not None]

    models = [("base", base)] + [(s, run_dir / s / "model") for s in stages]
    logps: dict[str, tuple[list, list]] = {}
    with progress("eval: log-likelihoods", total=len(models)) as advance:
        for name, path in models:
            model = load_policy(str(path), config)
            options = {"batch_size": batch_size, "max_length": config.max_length}
            rejected = answer_logps(model, tokenizer, prompts, [a.rejected for a in items], **options)
            usable_prompts, usable_chosen = [prompts[i] for i in usable], [chosen[i] for i in usable]
            better = answer_logps(model, tokenizer, usable_prompts, usable_chosen, **options)
            logps[name] = (rejected, better)
            del model
            advance()

    beta = config.beta
    base_r, base_c = logps["base"]
    results: dict[str, dict] = {}
    rows = []
    for stage in stages:
        r, c = logps[stage]
        dr = [x.logp - y.logp for x, y in zip(r, base_r, strict=True)]
        dc = [x.logp - y.logp for x, y in zip(c, base_c, strict=True)]
        margins = [beta * (dc[j] - dr[i]) for j, i in enumerate(usable)]
        per_token = [d / max(x.tokens, 1) for d, x in zip(dr, r, strict=True)]
        results[stage] = {
            "reward_margin": _mean(margins),
            "reward_accuracy": _mean([float(m > 0) for m in margins]),
            "dsat_logp_change": _mean(dr),
            "dsat_logp_change_per_token": _mean(per_token),
            "chosen_logp_change": _mean(dc),
        }
        for j, i in enumerate(usable):
            rows.append(
                {"anchor_id": items[i].id, "stage": stage, "reward_margin": margins[j], "dsat_logp_change": dr[i]}
            )

    if reward_model or judge_client or judge_api_base:
        wins = _win_rates(config, base, stages, run_dir, tokenizer, items, prompts, cache, reward_model,
                          judge_api_base, judge_model, judge_client)
        for stage, rate in wins.items():
            results[stage]["win_rate"] = rate

    report = {
        "run": str(run_dir),
        "source": anchor_set.source,
        "split": split,
        "anchors": len(items),
        "beta": beta,
        "reference_answers": reference_counts,
        "models": results,
        "mean_logps": {n: {"dsat": _mean([x.logp for x in r]), "chosen": _mean([x.logp for x in c])}
                       for n, (r, c) in logps.items()},
    }
    _write(out_dir, report, rows)
    _refresh_card(run_dir, state, config)
    if report_to:
        report_metrics(report_to, out_dir, results)
    return report


def _win_rates(config, base, stages, run_dir, tokenizer, items, prompts, cache, reward_model,
               judge_api_base, judge_model, judge_client) -> dict[str, float]:
    answers = {
        name: [s.text for s in _sample(config, path, tokenizer, items, cache / "answers" / name, False,
                                       f"eval: {name} answers")]
        for name, path in [("base", base)] + [(s, run_dir / s / "model") for s in stages]
    }
    rates = {}
    if reward_model:
        from drift.reward import RewardModel

        scorer = RewardModel(reward_model, batch_size=config.reward_batch_size)
        convs = {n: [[*p, {"role": "assistant", "content": t}] for p, t in zip(prompts, texts, strict=True)]
                 for n, texts in answers.items()}
        scores = {n: scorer.score(c) for n, c in convs.items()}
        scorer.close()
        for stage in stages:
            rates[stage] = _mean([1.0 if s > b else 0.5 if s == b else 0.0
                                  for s, b in zip(scores[stage], scores["base"], strict=True)])
    else:
        from drift.judge import PairwiseJudge

        judge = PairwiseJudge(judge_api_base, judge_model, api_key_env=config.api_key_env, seed=config.seed,
                              client=judge_client)
        for stage in stages:
            rates[stage] = _mean([judge.prefer(p, s, b)
                                  for p, s, b in zip(prompts, answers[stage], answers["base"], strict=True)])
    return rates


def _write(out_dir: Path, report: dict, rows: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(report, indent=2))
    schema = pa.schema([("anchor_id", pa.string()), ("stage", pa.string()), ("reward_margin", pa.float64()),
                        ("dsat_logp_change", pa.float64())])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), out_dir / "per_anchor.parquet")


def _refresh_card(run_dir: Path, state: dict, config: DriftConfig) -> None:
    """Re-render the final model's card so it carries the held-out metrics."""
    from drift.card import write_model_card

    final = state.get("final_model")
    if final and (run_dir / final).is_dir():
        write_model_card(run_dir / final, config, state, run_dir)


def report_metrics(report_to: list[str], out_dir: Path, results: dict[str, dict]) -> None:
    """Send per-stage metrics to the trackers TRL would report to (`report_to`), one logging step per stage."""
    from transformers import TrainerControl, TrainerState, TrainingArguments
    from transformers.integrations import get_reporting_integration_callbacks
    from transformers.trainer_callback import CallbackHandler

    args = TrainingArguments(output_dir=str(out_dir), report_to=report_to, run_name=f"{out_dir.parent.name}-eval")
    callbacks = [cls() for cls in get_reporting_integration_callbacks(args.report_to)]
    handler = CallbackHandler(callbacks, None, None, None, None)
    state, control = TrainerState(), TrainerControl()
    handler.on_train_begin(args, state, control)
    for step, (stage, metrics) in enumerate(results.items(), start=1):
        state.global_step = step
        logs = {f"drift_eval/{k}": v for k, v in metrics.items() if v is not None}
        handler.on_log(args, state, control, logs=logs)
    handler.on_train_end(args, state, control)
