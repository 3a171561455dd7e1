"""Fixtures of the classifier tests; helpers they share live in classifier_fakes.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# importlib import mode: test modules are not importable by each other, so share helpers by path.
sys.path.insert(0, str(Path(__file__).parent))

from classifier_fakes import BagOfWordsEmbedder  # noqa: E402


@pytest.fixture
def fake_embedder() -> BagOfWordsEmbedder:
    return BagOfWordsEmbedder()
