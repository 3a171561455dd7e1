"""Anchor filters: PII scrubbing, dedup and quality, each dropping with a counted reason.

Heavy libraries (Presidio, spaCy, datasketch) load only when a filter that needs them is built.
"""

from dsatkit.filters.base import AnchorFilter, dropped_by_reason, filter_stats, run_filters
from dsatkit.filters.config import AnchorFilterConfig, build_anchor_filters

__all__ = [
    "AnchorFilter",
    "AnchorFilterConfig",
    "build_anchor_filters",
    "dropped_by_reason",
    "filter_stats",
    "run_filters",
]
