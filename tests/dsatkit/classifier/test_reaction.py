import numpy as np
import pytest

from dsatkit.classifier.reaction import ReactionProbe, fit_reaction_probe


def reactions(n: int = 200, seed: int = 0):
    """Unit vectors whose first axis leans positive after a breakdown."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.5
    x = rng.normal(0, 1, (n, 8))
    x[:, 0] += np.where(y, 1.5, -1.5)
    return x / np.linalg.norm(x, axis=1, keepdims=True), y, np.array([f"d{i // 4}" for i in range(n)])


def test_probe_scores_turns_after_a_breakdown_higher():
    x, y, g = reactions()
    probe, report = fit_reaction_probe(x, y, g, embedding_model="fake")
    xt, yt, _ = reactions(seed=1)
    scores = probe.score(xt)
    assert scores[yt].mean() > 0 > scores[~yt].mean()
    assert report["cv_auc"][str(report["chosen_c"])] > 0.8


def test_turn_without_text_scores_zero():
    probe = ReactionProbe(np.ones(4), 3.0, "fake")
    assert probe.score(np.zeros((1, 4))).tolist() == [0.0]


def test_one_sided_data_is_refused():
    x, _, g = reactions(n=40)
    with pytest.raises(ValueError, match="at least 5 turns on each side, got 0 after a breakdown"):
        fit_reaction_probe(x, np.zeros(40, dtype=bool), g, embedding_model="fake")
