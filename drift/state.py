"""The run's state file: which steps are finished, what they produced, and the recipe they were run with.

A run is a fixed list of steps (`seed/train`, `iter_1/generate`, `iter_1/train`, ..., `card`). A step is marked
done only after everything it writes is on disk, so `drift fit --resume` restarts at the first unfinished step
and a kill loses at most the step in progress (and generation keeps its finished batches).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from drift.errors import DriftError

STATE_FILE = "state.json"
FORMAT = 1


def plan_steps(iterations: int, seed_stage: bool) -> list[str]:
    steps = ["seed/train"] if seed_stage else []
    for k in range(1, iterations + 1):
        steps += [f"iter_{k}/generate", f"iter_{k}/train"]
    return [*steps, "card"]


def _differences(old: dict, new: dict, limit: int = 3) -> str:
    keys = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    shown = "; ".join(f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in keys[:limit])
    more = f"; and {len(keys) - limit} more" if len(keys) > limit else ""
    return shown + more


class RunState:
    """Reads and writes RUN/state.json atomically; only the main process writes."""

    def __init__(self, run_dir: Path, data: dict, writer: bool = True):
        self.run_dir = run_dir
        self.data = data
        self.writer = writer

    @classmethod
    def open(
        cls, run_dir: Path, recipe: dict, anchors: dict, *, resume: bool, writer: bool = True
    ) -> RunState:
        """Start a new state, or on `resume` load the existing one after checking it ran the same recipe."""
        path = run_dir / STATE_FILE
        steps = plan_steps(recipe["iterations"], recipe["seed_stage"])
        if path.is_file():
            if not resume:
                raise DriftError(
                    f"{run_dir} already holds a drift run: pass --resume to continue it, or choose a new -o folder"
                )
            data = json.loads(path.read_text())
            if data.get("recipe") != recipe:
                raise DriftError(
                    f"{run_dir} was started with a different config ({_differences(data.get('recipe', {}), recipe)}): "
                    f"resume with the original options (`--config {run_dir / 'config.yaml'}`) or use a new -o folder"
                )
            if data["anchors"]["fingerprint"] != anchors["fingerprint"]:
                raise DriftError(
                    f"{run_dir} was started on other anchors ({data['anchors']['anchors']} rows from "
                    f"{data['anchors']['source']}, now {anchors['anchors']} from {anchors['source']}): resume with the "
                    "same anchors or use a new -o folder"
                )
            return cls(run_dir, data, writer)
        if run_dir.is_dir() and any(run_dir.iterdir()):
            raise DriftError(f"{run_dir} is not empty and holds no drift run: choose an empty or new -o folder")
        data = {
            "format": FORMAT,
            "recipe": recipe,
            "anchors": anchors,
            "steps": {step: {"status": "pending"} for step in steps},
            "current_stage": None,  # the stage whose model the next step starts from; None: the base model
            "final_model": None,
            "created": time.time(),
        }
        state = cls(run_dir, data, writer)
        state.save()
        return state

    @property
    def steps(self) -> list[str]:
        return list(self.data["steps"])

    def is_done(self, step: str) -> bool:
        return self.data["steps"][step]["status"] == "done"

    def outputs(self, step: str) -> dict:
        return self.data["steps"].get(step, {}).get("outputs", {})

    def current_model(self, base: str) -> str:
        """The policy the next step starts from: the base model, then each finished stage's model folder."""
        stage = self.data["current_stage"]
        return base if stage is None else str(self.run_dir / stage / "model")

    def mark_started(self, step: str) -> None:
        self.data["steps"][step] = {"status": "running", "started": time.time()}
        self.save()

    def mark_done(self, step: str, outputs: dict, stage: str | None = None) -> None:
        """Record a finished step; a training step passes its `stage`, whose model the next step starts from."""
        started = self.data["steps"][step].get("started")
        self.data["steps"][step] = {"status": "done", "started": started, "finished": time.time(), "outputs": outputs}
        if stage is not None:
            self.data["current_stage"] = stage
        self.save()

    def finish(self, final_model: str) -> None:
        self.data["final_model"] = final_model
        self.save()

    def save(self) -> None:
        if not self.writer:
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        path = self.run_dir / STATE_FILE
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(self.data, indent=2, default=str))
        os.replace(tmp, path)


def read_state(run_dir: str | Path) -> dict:
    path = Path(run_dir) / STATE_FILE
    if not path.is_file():
        raise DriftError(f"{run_dir} holds no drift run ({STATE_FILE} missing): pass the -o folder of `drift fit`")
    return json.loads(path.read_text())
