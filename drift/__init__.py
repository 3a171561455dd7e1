"""drift: train chat models on DSAT anchors with DRIFT (arXiv 2510.02341), on TRL.

    from drift import DriftConfig, fit
    result = fit(DriftConfig(model_name_or_path="Qwen/Qwen2.5-0.5B-Instruct", anchors="out/", output_dir="run/"))

Heavy libraries (torch, transformers, trl) load on first use of an attribute, so importing `drift` is instant.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "DriftConfig": "drift.config",
    "load_config": "drift.config",
    "DriftTrainer": "drift.trainer",
    "FitResult": "drift.trainer",
    "fit": "drift.trainer",
    "evaluate_run": "drift.evaluate",
    "Anchor": "drift.anchors",
    "AnchorSet": "drift.anchors",
    "load_anchors": "drift.anchors",
    "DriftError": "drift.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'drift' has no attribute {name!r}")
