import json

import numpy as np
import pytest

from dsatkit.classifier.features import FeatureConfig
from dsatkit.classifier.head import Head, HeadConfig, HeadFormatError, best_f1_threshold, fit_head, merge_rare_labels

SCALARS_ONLY = FeatureConfig(scalars=True, prototypes=False, reaction=False)
N_FEATURES = len(SCALARS_ONLY.names(4))


def synthetic(n_conv: int = 120, seed: int = 0, noise: float = 1.0):
    """Feature 0 carries the DSAT signal, feature 1 separates clarification from neutral, the rest is noise."""
    rng = np.random.default_rng(seed)
    rows, labels, groups = [], [], []
    for c in range(n_conv):
        for t in range(4):
            label = rng.choice(["complaint", "correction", "clarification", "neutral", "neutral", "neutral"])
            x = rng.normal(0, noise, N_FEATURES)
            x[0] += 2.5 if label in ("complaint", "correction") else 0.0
            x[1] += 2.5 if label == "clarification" else 0.0
            rows.append(x)
            labels.append(label)
            groups.append(f"c{c}")
    return np.array(rows), np.array(labels, dtype=object), np.array(groups)


def fit(x, y, g, **config):
    return fit_head(
        x, y, g, embedding_model="fake", embedding_dim=4, feature_config=SCALARS_ONLY,
        config=HeadConfig(c_grid=(0.1, 1.0), folds=3, **config),
    )


@pytest.fixture(scope="module")
def trained():
    x, y, g = synthetic()
    head, report = fit(x, y, g)
    return head, report, (x, y, g)


def test_head_separates_dsat_on_fresh_data(trained):
    head, _, _ = trained
    x, y, _ = synthetic(seed=1)
    p = head.dsat_probability(x)
    is_dsat = np.isin(y, ["complaint", "correction"])
    assert p[is_dsat].mean() > 0.7 > 0.3 > p[~is_dsat].mean()


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_calibrated_probability_matches_observed_rate(method):
    x, y, g = synthetic(n_conv=300, noise=2.0)
    head, _ = fit(x, y, g, calibration=method)
    xt, yt, _ = synthetic(n_conv=300, seed=2, noise=2.0)
    p = head.dsat_probability(xt)
    truth = np.isin(yt, ["complaint", "correction"])
    for lo, hi in ((0.0, 0.3), (0.3, 0.7), (0.7, 1.01)):
        mask = (p >= lo) & (p < hi)
        if mask.sum() >= 40:
            assert abs(p[mask].mean() - truth[mask].mean()) < 0.12


def test_save_and_load_give_the_same_probabilities(trained, tmp_path):
    head, _, (x, _, _) = trained
    head.save(tmp_path)
    loaded = Head.load(tmp_path)
    assert loaded.classes == head.classes
    assert loaded.threshold == head.threshold
    np.testing.assert_allclose(loaded.dsat_probability(x[:50]), head.dsat_probability(x[:50]), atol=1e-5)


def test_reaction_probe_travels_inside_the_head(trained, tmp_path):
    from dsatkit.classifier.reaction import ReactionProbe

    head, _, _ = trained
    head.reaction = ReactionProbe(np.arange(4, dtype=float), 0.5, "fake")
    try:
        head.save(tmp_path)
    finally:
        head.reaction = None
    loaded = Head.load(tmp_path)
    np.testing.assert_allclose(loaded.reaction.score(np.ones((1, 4))), [6.5])


def test_saved_weights_load_without_pickle(trained, tmp_path):
    head, _, _ = trained
    head.save(tmp_path)
    with np.load(tmp_path / "head.npz", allow_pickle=False) as arrays:
        assert set(arrays.files) >= {"mean", "scale", "coef", "intercept"}


def test_load_names_the_missing_files(tmp_path):
    (tmp_path / "weights.bin").write_text("x")
    with pytest.raises(HeadFormatError, match=r"expected head.npz and head.json, found \['weights.bin'\]"):
        Head.load(tmp_path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"format": "other/9"}, "this dsatkit reads 'dsatkit-head/1'"),
        ({"scalar_features": ["old_feature"]}, "trained on other scalar features"),
        ({"classes": ["neutral", "angry"]}, r"labels outside the taxonomy: \['angry'\]"),
    ],
)
def test_load_rejects_heads_made_for_other_features(trained, tmp_path, edit, message):
    head, _, _ = trained
    head.save(tmp_path)
    meta = json.loads((tmp_path / "head.json").read_text())
    meta.update(edit)
    (tmp_path / "head.json").write_text(json.dumps(meta))
    with pytest.raises(HeadFormatError, match=message):
        Head.load(tmp_path)


def test_wrong_feature_count_says_which_model_to_use(trained):
    head, _, _ = trained
    with pytest.raises(HeadFormatError, match="expects .* features, got 3: it was trained with embedding model 'fake'"):
        head.proba(np.zeros((2, 3)))


def test_cross_validation_picks_c_from_the_grid(trained):
    _, report, _ = trained
    assert report["chosen_c"] in (0.1, 1.0)
    assert set(report["c_scores_average_precision"]) == {"0.1", "1.0"}


def test_too_few_dsat_turns_is_refused():
    x, y, g = synthetic(n_conv=20)
    y[:] = "neutral"
    y[:2] = "complaint"
    with pytest.raises(ValueError, match=r"at least 3 DSAT and 3 non-DSAT turns, got 2 and"):
        fit(x, y, g)


def test_rare_labels_merge_into_their_side():
    labels = np.array(["rephrase", "complaint", "complaint", "positive", "neutral", "neutral"], dtype=object)
    merged = merge_rare_labels(labels, min_count=2)
    assert merged.tolist() == ["complaint", "complaint", "complaint", "neutral", "neutral", "neutral"]


def test_best_f1_threshold_sits_between_the_classes():
    p = np.array([0.1, 0.2, 0.25, 0.6, 0.7, 0.9])
    y = np.array([False, False, False, True, True, True])
    assert 0.25 < best_f1_threshold(p, y) <= 0.6


@pytest.mark.parametrize("bad", [{"calibration": "beta"}, {"folds": 1}, {"c_grid": (0.0,)}])
def test_head_config_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        HeadConfig(**bad)
