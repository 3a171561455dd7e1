"""Trained DSAT classifiers: the embedding head, its training, the cascade `extract` runs, and distillation.

Heavy libraries (sentence-transformers, scikit-learn) load only when a model is built or trained.
"""

from dsatkit.classifier.cascade import Cascade, CascadeConfig, build_cascade
from dsatkit.classifier.features import FeatureConfig
from dsatkit.classifier.head import Head, HeadConfig, HeadDetector, HeadFormatError, default_head_dir

__all__ = [
    "Cascade",
    "CascadeConfig",
    "FeatureConfig",
    "Head",
    "HeadConfig",
    "HeadDetector",
    "HeadFormatError",
    "build_cascade",
    "default_head_dir",
]
