"""Filter tests share the planted-PII corpus (pii_corpus.py) by path: importlib mode has no sibling imports."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
