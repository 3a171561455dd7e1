"""dsatkit: mine implicit user dissatisfaction (DSAT) from chat logs into preference anchors."""

__version__ = "0.1.0"
