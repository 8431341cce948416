"""MatrixCompletion recovers LF conditionals from overlap statistics."""

from __future__ import annotations

import numpy as np

from weaklab.datasets import make_synthetic_label_matrix
from weaklab.models import MatrixCompletion


def test_recovers_accuracies_of_symmetric_lfs():
    syn = make_synthetic_label_matrix(4000, 8, 3, coverage=(0.3, 0.8), seed=1)
    model = MatrixCompletion().fit(syn.L)
    np.testing.assert_allclose(model.accuracies_, syn.accuracies, atol=0.05)
    assert model.converged_ and model.loss_history_[-1] <= model.loss_history_[0]


def test_learned_conditionals_are_probabilities():
    syn = make_synthetic_label_matrix(1000, 5, 2, seed=2)
    model = MatrixCompletion().fit(syn.L)
    assert np.all(model.mu_ >= 0) and np.all(model.mu_.sum(axis=1) <= 1 + 1e-9)
    np.testing.assert_allclose(model.confusion_.sum(axis=2), 1.0)


def test_one_sided_imbalanced_lfs_are_labelled_well_with_abstain_evidence():
    syn = make_synthetic_label_matrix(4000, 10, 2, class_balance=[0.8, 0.2], one_sided=True, seed=3)
    with_abstains = MatrixCompletion(model_abstain=True).fit(syn.L).score(syn.L, syn.y, tie_break="random")
    assert with_abstains > 0.85


def _dev_conditionals(dense: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """``mu[j, l, c] = P(LF j votes l | gold c)`` counted on the dev rows (NumPy)."""
    mu = np.zeros((dense.shape[1], k, k))
    for c in range(k):
        rows = dense[y == c]
        for l in range(k):
            mu[:, l, c] = (rows == l).mean(axis=0)
    return mu


def test_dev_set_moves_the_estimates_toward_the_gold_counts():
    syn = make_synthetic_label_matrix(2000, 5, 2, coverage=(0.3, 0.6), seed=4)
    plain = MatrixCompletion().fit(syn.L)
    anchored = MatrixCompletion().fit(syn.L, L_dev=syn.L[:500], Y_dev=syn.y[:500])
    np.testing.assert_allclose(anchored.accuracies_, syn.accuracies, atol=0.06)
    # Gold labels that contradict the votes: the estimates follow the dev counts, away
    # from the votes-only fit (an implementation that ignored the dev set stays put).
    flipped = 1 - syn.y[:500]
    target = _dev_conditionals(syn.L[:500].to_dense(), flipped, 2)
    pulled = MatrixCompletion().fit(syn.L, L_dev=syn.L[:500], Y_dev=flipped)
    distance_plain = np.abs(plain.mu_ - target).mean()
    distance_pulled = np.abs(pulled.mu_ - target).mean()
    assert distance_pulled < 0.5 * distance_plain
    assert np.all(pulled.accuracies_ < 0.5) and np.all(plain.accuracies_ > 0.6)
