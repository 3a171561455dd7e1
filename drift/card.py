"""The final model's card (README.md): anchors, recipe and metrics, rendered from the run's files, never by hand."""

from __future__ import annotations

import json
from pathlib import Path

TEMPLATE = "model_card.md.j2"


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _stage_rows(state: dict, run_dir: Path) -> list[dict]:
    rows = []
    stages = dict.fromkeys(s.partition("/")[0] for s in state["steps"] if s != "card")
    for stage in stages:
        path = run_dir / stage / "metrics.json"
        metrics = json.loads(path.read_text()) if path.is_file() else {}
        generation, training = metrics.get("generation", {}), metrics.get("training", {})
        dropped = generation.get("dropped_by_reason", {})
        rows.append(
            {
                "stage": stage,
                "pairs": _fmt(training.get("pairs", generation.get("pairs"))),
                "dropped": ", ".join(f"{r} {n}" for r, n in dropped.items()) or "-",
                "samples_per_second": _fmt(generation.get("samples_per_second")),
                "train_loss": _fmt(training.get("train_loss")),
                "margin": _fmt(training.get("rewards/margins")),
                "accuracy": _fmt(training.get("rewards/accuracies")),
                "steps_per_second": _fmt(training.get("train_steps_per_second")),
            }
        )
    return rows


def _evaluation(run_dir: Path) -> dict | None:
    path = run_dir / "eval" / "metrics.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    rows = [{"stage": stage, **{k: _fmt(v) for k, v in m.items()}} for stage, m in data["models"].items()]
    return {
        "anchors": data["anchors"],
        "source": data["source"],
        "rows": rows,
        "has_win_rate": any(m.get("win_rate") is not None for m in data["models"].values()),
    }


def render_model_card(state: dict, run_dir: Path, model_name: str, model_ref: str) -> str:
    """The card's markdown; `model_ref` is what `from_pretrained` loads (a Hub id or the model folder)."""
    import jinja2
    import yaml

    from dsatkit import __version__
    from dsatkit.card import template_folder

    recipe = state["recipe"]
    anchors = state["anchors"]
    metadata = {
        "base_model": recipe["model_name_or_path"],
        "library_name": "transformers",
        "pipeline_tag": "text-generation",
        "tags": ["trl", "dpo", "drift", "dsatkit", recipe["method"]],
    }
    if anchors.get("kind") == "hub":
        metadata["datasets"] = [anchors["source"]]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_folder()),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.get_template(TEMPLATE).render(
        metadata_yaml=yaml.safe_dump(metadata, sort_keys=False),
        version=__version__,
        run_dir_name=run_dir.name,
        model_name=model_name,
        model_ref=model_ref,
        base_model=recipe["model_name_or_path"],
        anchors=anchors,
        recipe=recipe,
        stages=_stage_rows(state, run_dir),
        evaluation=_evaluation(run_dir),
    )


def write_model_card(model_dir: Path, config, state: dict, run_dir: Path) -> Path:
    """Write `model_dir/README.md` for the run, named after `config.hub_model_id` or the run folder."""
    hub_id = getattr(config, "hub_model_id", None)
    path = Path(model_dir) / "README.md"
    path.write_text(render_model_card(state, Path(run_dir), hub_id or Path(run_dir).name, hub_id or str(model_dir)))
    return path
