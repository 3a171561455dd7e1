"""Detectors: each takes a table of user turns and returns label / confidence / evidence columns."""

from dsatkit.detect.base import DETECTION_SCHEMA, Detector, combine

__all__ = ["DETECTION_SCHEMA", "Detector", "combine"]
