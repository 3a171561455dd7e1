"""Speed of `drift fit` against a plain TRL DPOTrainer run on the same pairs (a GPU benchmark, not a test).

    python benchmarks/drift_speed.py --model Qwen/Qwen2.5-0.5B-Instruct --anchors OUT/ --max-anchors 256
    python benchmarks/drift_speed.py --tiny            # CPU smoke run on the offline tiny model

It runs one DRIFT iteration (sample improved answers, build pairs, one DPO epoch), then trains a fresh
`trl.DPOTrainer` from the same base model on the pairs that iteration wrote, with the same `DPOConfig`. It reports
generation samples/s, training steps/s, and the overhead of our loop beyond generation:

    overhead = (drift fit wall time - generate step wall time) / (TRL init + train + save wall time) - 1

which should stay under 10%. Without --anchors it extracts anchors from ../shared/data/lmsys-chat-1000 when that
folder exists. Extra `--name value` arguments go to `drift fit` (e.g. --per_device_train_batch_size 8).
Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LMSYS = REPO.parent / "shared" / "data" / "lmsys-chat-1000" / "lmsys_1000.jsonl"


def _anchors(args, work: Path) -> str:
    if args.anchors:
        return args.anchors
    if args.tiny:
        from drift.testing import tiny_anchor_rows, write_extract_folder

        rows = [{**r, "id": f"{r['id']}-{i}"} for i in range(8) for r in tiny_anchor_rows()]  # 64 anchors
        return str(write_extract_folder(work / "extract", rows))
    if not LMSYS.is_file():
        sys.exit(f"no anchors: pass --anchors OUT (a `dsatkit extract` folder); {LMSYS} is not here to extract from")
    from dsatkit.pipeline import extract

    out = work / "extract"
    if not (out / "anchors").is_dir():
        extract([str(LMSYS)], out)
    return str(out)


def _model(args, work: Path) -> str:
    if args.tiny:
        from drift.testing import cached_tiny_chat_model

        return str(cached_tiny_chat_model(work))
    return args.model


def _warm(model: str) -> None:
    """Import the trainer stack and load the model once, so neither run pays first-import or cold-disk costs."""
    import datasets  # noqa: F401
    import peft  # noqa: F401
    from transformers import AutoModelForCausalLM
    from trl import DPOTrainer  # noqa: F401

    AutoModelForCausalLM.from_pretrained(model)  # discarded: only the page cache matters


def run_drift(model: str, anchors: str, run: Path, args, extra: list[str]):
    from drift.config import load_config
    from drift.trainer import fit

    values = {"model_name_or_path": model, "anchors": anchors, "output_dir": str(run), "iterations": 1,
              "max_anchors": args.max_anchors, "backend": args.backend, "report_to": "none"}
    if args.tiny:
        from drift.testing import FAST_OPTIONS

        values = {**FAST_OPTIONS, **values}
    config = load_config(values=values, args=extra)
    started = time.perf_counter()
    result = fit(config)
    wall = time.perf_counter() - started
    state = json.loads((run / "state.json").read_text())
    step = state["steps"]["iter_1/generate"]
    return config, result, wall, step["finished"] - step["started"]


def run_trl(model: str, config, run: Path) -> tuple[float, dict]:
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import DPOTrainer

    from drift.trainer import read_pairs

    rows = read_pairs(run / "iter_1" / "pairs.parquet")
    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(model)
    tokenizer.padding_side = "left"
    args = config.stage_args(run.parent / "trl-baseline", config.num_train_epochs, "trl-baseline")
    trainer = DPOTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tokenizer)
    result = trainer.train()
    trainer.save_model(str(run.parent / "trl-baseline" / "model"))
    return time.perf_counter() - started, result.metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="Qwen/Qwen2.5-0.5B-Instruct")
    parser.add_argument("--anchors", help="extract OUT folder, dataset id or DRIFT-style JSONL")
    parser.add_argument("--max-anchors", type=int, default=256)
    parser.add_argument("--backend", default="transformers", choices=["transformers", "vllm"])
    parser.add_argument("--workdir", default="/tmp/drift-speed")
    parser.add_argument("--tiny", action="store_true", help="offline CPU smoke run on the tiny test model")
    args, extra = parser.parse_known_args()

    work = Path(args.workdir)
    for sub in ("run", "trl-baseline"):
        shutil.rmtree(work / sub, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    model, anchors = _model(args, work), _anchors(args, work)
    _warm(model)

    config, result, drift_wall, generate_wall = run_drift(model, anchors, work / "run", args, extra)
    trl_wall, trl_metrics = run_trl(model, config, work / "run")

    generation = result.metrics["iter_1"]["generation"]
    training = result.metrics["iter_1"]["training"]
    beyond_generation = drift_wall - generate_wall
    overhead = beyond_generation / trl_wall - 1
    report = {
        "model": model,
        "anchors": anchors,
        "pairs": training["pairs"],
        "dropped_by_reason": generation["dropped_by_reason"],
        "generation_samples_per_second": generation["samples_per_second"],
        "generation_tokens_per_second": generation["tokens_per_second"],
        "drift_train_steps_per_second": training["train_steps_per_second"],
        "trl_train_steps_per_second": trl_metrics["train_steps_per_second"],
        "drift_fit_seconds": round(drift_wall, 2),
        "drift_generate_step_seconds": round(generate_wall, 2),
        "drift_beyond_generation_seconds": round(beyond_generation, 2),
        "trl_init_train_save_seconds": round(trl_wall, 2),
        "overhead_beyond_generation": round(overhead, 4),
        "target": "overhead_beyond_generation < 0.10",
    }
    print(json.dumps(report, indent=2))
    verdict = "within" if overhead < 0.10 else "OVER"
    print(f"overhead of drift beyond generation: {overhead:+.1%} ({verdict} the 10% target)", file=sys.stderr)


if __name__ == "__main__":
    main()
