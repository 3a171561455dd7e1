"""A linear probe over the user-turn embedding: does this turn read like a reaction to a broken answer?

Labelled DSAT turns are scarce, but dialogues whose *system* turns carry breakdown labels are not. A user
turn after an answer most annotators call a breakdown ("what?", "that makes no sense", "you didn't
answer") reads differently from one after an answer they call fine; a probe trained to tell the two apart
scores how much a turn sounds like a reaction, whatever the product. Only the user turn is read, never
the answer, so the probe learns reactions, not what broken chatbot answers look like.

The packaged probe is trained on DBDC3 (MIT) by scripts/train_default_head.py and ships inside the head.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(slots=True)
class ReactionProbe:
    weights: np.ndarray  # (embedding_dim,)
    bias: float
    embedding_model: str

    def score(self, user_vectors: np.ndarray) -> np.ndarray:
        """Log-odds that the turn follows a broken answer (0 for a zero vector: no text)."""
        out = user_vectors @ self.weights + self.bias
        out[~user_vectors.any(axis=1)] = 0.0
        return out.astype(np.float32)


def fit_reaction_probe(
    user_vectors: np.ndarray,
    after_breakdown: np.ndarray,
    groups: np.ndarray,
    *,
    embedding_model: str,
    c_grid: tuple[float, ...] = (0.003, 0.01, 0.03, 0.1),
    folds: int = 5,
    seed: int = 0,
) -> tuple[ReactionProbe, dict]:
    """Choose C by conversation-grouped CV (ROC AUC), refit on all turns. Returns the probe and the CV report."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    y = np.asarray(after_breakdown, dtype=bool)
    if y.sum() < folds or (~y).sum() < folds:
        raise ValueError(
            f"the reaction probe needs at least {folds} turns on each side, got {int(y.sum())} after a breakdown "
            f"and {int((~y).sum())} after a fine answer"
        )
    splits = list(GroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(user_vectors, y, groups))
    scores = {}
    for c in c_grid:
        oof = np.zeros(len(y))
        for train_idx, test_idx in splits:
            model = LogisticRegression(C=c, max_iter=3000).fit(user_vectors[train_idx], y[train_idx])
            oof[test_idx] = model.decision_function(user_vectors[test_idx])
        scores[c] = float(roc_auc_score(y, oof))
    best = max(scores, key=lambda c: (round(scores[c], 3), -c))  # near-ties go to the stronger regularisation
    model = LogisticRegression(C=best, max_iter=3000).fit(user_vectors, y)
    probe = ReactionProbe(model.coef_[0].astype(np.float64), float(model.intercept_[0]), embedding_model)
    report = {
        "turns": int(len(y)),
        "after_breakdown": int(y.sum()),
        "chosen_c": best,
        "cv_auc": {str(c): round(s, 4) for c, s in scores.items()},
    }
    return probe, report
