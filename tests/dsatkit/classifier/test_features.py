import numpy as np
import polars as pl
import pytest
from classifier_fakes import conversation, table

from dsatkit.classifier.features import PROTOTYPE_FEATURES, SCALAR_FEATURES, FeatureConfig, build_features, heuristic_scalars
from dsatkit.classifier.reaction import ReactionProbe

NO_REACTION = FeatureConfig(reaction=False)


@pytest.fixture
def turns() -> pl.DataFrame:
    return table(
        conversation("a", "book a table for two", "Done, for four people.", "no, for two people", "Fixed.", "thanks"),
        conversation("b", "hello"),
    )


def test_only_turns_after_an_answer_are_featurised(turns, fake_embedder):
    feats = build_features(turns, fake_embedder, {}, NO_REACTION)
    assert feats.rows.tolist() == [False, True, True, False]
    assert not feats.matrix[~feats.rows].any()


def test_turn_zero_texts_are_encoded_only_as_earlier_requests(turns, fake_embedder):
    build_features(turns, fake_embedder, {}, FeatureConfig(prototypes=False, reaction=False))
    encoded_as_turns = fake_embedder.calls[0]
    assert encoded_as_turns == ["no, for two people", "thanks"]


@pytest.mark.parametrize(
    ("config", "width"),
    [
        (FeatureConfig(), len(SCALAR_FEATURES) + len(PROTOTYPE_FEATURES) + 1),
        (FeatureConfig(prototypes=False, reaction=False), len(SCALAR_FEATURES)),
        (FeatureConfig(scalars=False, prototypes=False, reaction=False, user_embedding=True), 32),
        (FeatureConfig(user_embedding=True, answer_embedding=True), len(SCALAR_FEATURES) + len(PROTOTYPE_FEATURES) + 65),
    ],
)
def test_feature_names_match_the_matrix(turns, fake_embedder, config, width):
    probe = ReactionProbe(np.ones(32), 0.0, "fake-bow")
    feats = build_features(turns, fake_embedder, {}, config, probe)
    assert feats.matrix.shape == (turns.height, width) == (turns.height, len(feats.names))


def test_overlap_with_the_previous_request_is_measured(turns, fake_embedder):
    feats = build_features(turns, fake_embedder, {}, FeatureConfig(prototypes=False, reaction=False))
    col = feats.names.index("jaccard_prev_request")
    # "no, for two people" vs "book a table for two": {for, two} of 7 distinct words.
    assert feats.matrix[1, col] == pytest.approx(2 / 7)


def test_heuristic_evidence_is_grouped_by_meaning():
    out_a = pl.DataFrame({"label": ["revision", None, "positive"], "confidence": [0.7, None, 0.9], "evidence": ["x", None, "y"]})
    out_b = pl.DataFrame({"label": ["complaint", "clarification", None], "confidence": [0.8, 0.6, None], "evidence": ["z", "w", None]})
    got = heuristic_scalars({"a": out_a, "b": out_b}, 3)
    # columns: best DSAT cue, positive, clarification, any fired
    np.testing.assert_allclose(got, [[0.8, 0, 0, 1], [0, 0, 0.6, 1], [0, 0.9, 0, 1]])


def test_a_config_with_no_features_is_refused():
    with pytest.raises(ValueError, match="turns every feature block off"):
        FeatureConfig(scalars=False, prototypes=False, reaction=False)


def test_reaction_feature_needs_its_probe(turns, fake_embedder):
    with pytest.raises(ValueError, match="no reaction probe was given"):
        build_features(turns, fake_embedder, {}, FeatureConfig())


def test_answers_are_encoded_only_for_the_answer_block(turns, fake_embedder):
    build_features(turns, fake_embedder, {}, NO_REACTION)
    encoded = [t for call in fake_embedder.calls for t in call]
    assert "Done, for four people." not in encoded
    build_features(turns, fake_embedder, {}, FeatureConfig(reaction=False, answer_embedding=True))
    assert "Done, for four people." in [t for call in fake_embedder.calls for t in call]
