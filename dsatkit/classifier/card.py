"""The model card written next to a head's weights: what it was trained on and how well it does."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dsatkit import __version__


def _figures_row(name: str, s: dict) -> str:
    auc = "n/a" if s.get("auc") is None else f"{s['auc']:.3f}"
    return (
        f"| {name} | {s['turns']} | {s['dsat_support']} | {s['precision']:.3f} | {s['recall']:.3f} | "
        f"{s['f1']:.3f} | {auc} | {s['ece']:.3f} |"
    )


def render_model_card(head, report: dict, trained_on: Sequence[dict]) -> str:
    lines = [
        "# dsatkit DSAT head",
        "",
        "A light classifier that gives each user turn k >= 1 a calibrated probability of signalling",
        "dissatisfaction (DSAT) with the assistant answer before it. `dsatkit extract` runs it in its cascade",
        "(heuristics + this head, + an optional LLM judge on uncertain turns).",
        "",
        "## Model",
        f"- Multinomial logistic regression (L2, C={report['chosen_c']} chosen by conversation-grouped",
        f"  cross-validation) over {len(head.mean)} features; classes: {', '.join(head.classes)}.",
        f"- P(DSAT) = sum of the DSAT classes, calibrated with {head.calibration['method']} scaling on out-of-fold",
        f"  predictions. Decision threshold {head.threshold} (best out-of-fold DSAT F1).",
        f"- Embedding model: `{head.embedding_model}` ({head.embedding_dim} dims).",
        f"- Feature blocks: {', '.join(k for k, v in head.feature_config.to_dict().items() if v is True)}.",
        "- Labels of DSAT turns come from the heuristic cue that fired, else from the nearest label prototype",
        "  or the rephrase similarity; the head decides DSAT or not. In `extract`'s cascade the head overrules",
        "  a cue only when P(DSAT) < 0.01 and adds a DSAT call only when P(DSAT) >= 0.5 (`--low`, `--high`);",
        "  in between the cue rules (or the LLM judge, when on) decide.",
        "- Weights: `head.npz` (numpy, loaded with allow_pickle=False) and `head.json`; no pickled code.",
        "",
        "## Training data",
    ]
    for item in trained_on:
        extra = ", ".join(f"{k}: {v}" for k, v in item.items() if k != "name")
        lines.append(f"- {item.get('name', '?')}" + (f" ({extra})" if extra else ""))
    lines += [
        "",
        f"Labelled turns used: {report['turns']} ({report['dsat_turns']} DSAT). By label: "
        + ", ".join(f"{k} {v}" for k, v in report["labels"].items())
        + ".",
        "",
        "## How well it does",
        "",
        "| split | turns | DSAT | precision | recall | F1 | AUC | ECE |",
        "|---|---|---|---|---|---|---|---|",
        _figures_row("held-out conversations", report["held_out"]),
        _figures_row("cross-validation (out-of-fold)", report["cross_validation"]),
        "",
        "ECE: expected calibration error of P(DSAT) over 5 bins (0 is perfect). The cross-validation row scores",
        "predictions of heads that did not see the turn, but C and the threshold were chosen on them: read it",
        "as a ceiling; the held-out row is the honest one (and small when DSAT turns are few).",
        "",
        "Reliability on the held-out split (mean predicted P(DSAT) vs observed DSAT rate):",
        "",
        "| P(DSAT) bin | turns | mean P | DSAT rate |",
        "|---|---|---|---|",
        *[f"| {r['bin']} | {r['turns']} | {r['mean_p']} | {r['dsat_rate']} |" for r in report["held_out"]["reliability"]],
        "",
    ]
    per_label = report["held_out"].get("per_label") or {}
    if per_label:
        lines += [
            "Per gold label on the held-out split (share of turns put on the right side of DSAT / not DSAT):",
            "",
            "| label | turns | right side |",
            "|---|---|---|",
            *[f"| {k} | {v['support']} | {v['side_recall']:.3f} |" for k, v in per_label.items()],
            "",
        ]
    lines += [
        "## Limits",
        "- Figures are on the data above; other products, languages and assistants shift both the DSAT rate",
        "  and the calibration. Check on a few hundred of your own labelled turns (`dsatkit eval`), or train on",
        "  them (`dsatkit train-classifier`, `dsatkit distill`).",
        "- The weights hold no training text.",
        "",
        f"Written by dsatkit {__version__}.",
        "",
    ]
    return "\n".join(lines)


def write_model_card(out_dir: str | Path, head, report: dict, trained_on: Sequence[dict]) -> Path:
    path = Path(out_dir) / "README.md"
    path.write_text(render_model_card(head, report, trained_on), encoding="utf-8")
    return path
