"""DawidSkene recovers known LF parameters and honours its options."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaklab import LabelMatrix
from weaklab.datasets import make_synthetic_label_matrix
from weaklab.models import DawidSkene, LabelModelWarning


def empirical_accuracies(L: LabelMatrix, y: np.ndarray) -> np.ndarray:
    """Share of each LF's votes that match the gold label."""
    dense = L.to_dense()
    voted = dense >= 0
    return ((dense == y[:, None]) & voted).sum(axis=0) / np.maximum(voted.sum(axis=0), 1)


def test_recovers_accuracies_of_symmetric_lfs():
    syn = make_synthetic_label_matrix(4000, 8, 3, coverage=(0.3, 0.8), seed=1)
    model = DawidSkene().fit(syn.L)
    np.testing.assert_allclose(model.accuracies_, syn.accuracies, atol=0.04)
    np.testing.assert_allclose(model.class_balance_, syn.class_balance, atol=0.03)


def test_recovers_one_sided_lfs_under_80_20_imbalance():
    # A one-sided LF is better than random when its accuracy exceeds its class's prior.
    syn = make_synthetic_label_matrix(
        4000, 10, 2, class_balance=[0.8, 0.2], accuracy=(0.82, 0.95), one_sided=True, seed=2
    )
    model = DawidSkene().fit(syn.L)
    np.testing.assert_allclose(model.accuracies_, empirical_accuracies(syn.L, syn.y), atol=0.05)
    assert model.score(syn.L, syn.y, tie_break="random") > 0.9


def test_confusion_rows_are_distributions():
    syn = make_synthetic_label_matrix(500, 5, 4, seed=3)
    model = DawidSkene().fit(syn.L)
    assert model.confusion_.shape == (5, 4, 4)
    np.testing.assert_allclose(model.confusion_.sum(axis=2), 1.0)


def test_one_coin_confusion_has_one_accuracy_per_lf():
    syn = make_synthetic_label_matrix(2000, 6, 3, coverage=(0.4, 0.9), seed=4)
    model = DawidSkene(one_coin=True, model_abstain=False).fit(syn.L)
    diag = np.einsum("jyy->jy", model.confusion_)
    np.testing.assert_allclose(diag, diag[:, :1].repeat(3, axis=1))
    np.testing.assert_allclose(model.accuracies_, empirical_accuracies(syn.L, syn.y), atol=0.03)


def test_loss_history_decreases_until_converged():
    syn = make_synthetic_label_matrix(2000, 6, 2, seed=5)
    model = DawidSkene(tol=1e-5).fit(syn.L)
    assert model.converged_ and len(model.loss_history_) == model.n_iter_
    assert model.loss_history_[-1] <= model.loss_history_[0]


def test_non_convergence_is_reported():
    syn = make_synthetic_label_matrix(2000, 6, 2, seed=5)
    with pytest.warns(UserWarning, match="did not converge"):
        model = DawidSkene(max_iter=1, tol=0.0).fit(syn.L)
    assert any("did not converge" in w for w in model.warnings_)


def test_random_init_depends_on_seed_only():
    syn = make_synthetic_label_matrix(800, 5, 3, seed=6)
    a = DawidSkene(init="random", seed=1, max_iter=3).fit(syn.L).predict_proba(syn.L)
    b = DawidSkene(init="random", seed=1, max_iter=3).fit(syn.L).predict_proba(syn.L)
    c = DawidSkene(init="random", seed=2, max_iter=3).fit(syn.L).predict_proba(syn.L)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_auto_abstain_ignores_coverage_of_lfs_voting_several_classes():
    syn = make_synthetic_label_matrix(1000, 6, 2, seed=7)
    model = DawidSkene(model_abstain="auto").fit(syn.L)
    np.testing.assert_allclose(model.coverage_[:, 0], model.coverage_[:, 1])


def test_dev_labels_anchor_an_adversarial_lf():
    # LF 0 is always wrong; without the better-than-random constraint the dev rows let
    # EM learn exactly that.
    syn = make_synthetic_label_matrix(2000, 4, 2, accuracy=0.8, coverage=0.9, seed=8)
    dense = syn.L.to_dense()
    dense[:, 0] = np.where(dense[:, 0] >= 0, 1 - syn.y, -1)
    L = LabelMatrix.from_dense(dense)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = DawidSkene(model_abstain=False, better_than_random=False).fit(L)
        anchored = DawidSkene(model_abstain=False, better_than_random=False).fit(
            L, L_dev=L[:200], Y_dev=syn.y[:200]
        )
    assert anchored.accuracies_[0] < 0.1
    assert anchored.score(L, syn.y, tie_break="random") >= plain.score(L, syn.y, tie_break="random")


def test_invalid_hyper_parameters_are_named():
    L = make_synthetic_label_matrix(50, 3, 2, seed=0).L
    with pytest.raises(ValueError, match="prior_accuracy"):
        DawidSkene(prior_accuracy=0.2).fit(L)
    with pytest.raises(ValueError, match="init"):
        DawidSkene(init="spectral").fit(L)
    with pytest.raises(ValueError, match="model_abstain"):
        DawidSkene(model_abstain="sometimes").fit(L)


def test_prior_shrink_pulls_the_class_balance_toward_uniform():
    syn = make_synthetic_label_matrix(3000, 8, 2, class_balance=[0.8, 0.2], coverage=(0.3, 0.7), seed=9)
    plain = DawidSkene().fit(syn.L).class_balance_
    shrunk = DawidSkene(prior_shrink=1.0).fit(syn.L).class_balance_
    assert abs(plain[0] - 0.8) < 0.03
    assert 0.5 < shrunk[0] < plain[0]


@pytest.mark.parametrize("init", ["majority", "random"])
def test_unsmoothed_fit_on_votes_for_one_class_stays_finite(init):
    # Every row is voted class 1 by 40 LFs: class 0 gets no posterior mass at all, and
    # without smoothing its coverage update was 0 / 0 (the fit turned NaN).
    L = LabelMatrix.from_dense(np.ones((500, 40), dtype=int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabelModelWarning)
        model = DawidSkene(prior_strength=0.0, init=init).fit(L)
    assert np.all(np.isfinite(model.class_balance_)) and model.class_balance_[1] > 0.99
    assert np.all(np.isfinite(model.confusion_)) and np.all(np.isfinite(model.coverage_))
    assert model.converged_
    assert np.all(model.predict(L) == 1)


def test_better_than_random_pools_each_violated_label_column_on_its_own():
    # P(vote l | y) for one LF, k = 3 (abstains ignored: the confusion is P(vote l | y)).
    # Column 1: y = 0 votes 1 more often (0.3) than y = 1 does (0.2); column 2: y = 1
    # votes 2 more often (0.9) than y = 2 (0.8). Each violation is pooled with the
    # diagonal entry, weighted by the class sums (1, 3, 1), and nothing else moves.
    conf = np.array([[[0.6, 0.3, 0.1], [0.1, 0.2, 0.9], [0.1, 0.1, 0.8]]])
    cov = np.full((1, 3), 0.5)
    model = DawidSkene(model_abstain=False)
    new_conf, new_cov = model._project_better_than_random(conf, cov, np.array([1.0, 3.0, 1.0]), None)
    pooled_1 = (0.3 * 1 + 0.2 * 3) / 4  # 0.225
    pooled_2 = (0.9 * 3 + 0.8 * 1) / 4  # 0.875
    mu = np.array([[0.6, pooled_1, 0.1], [0.1, pooled_1, pooled_2], [0.1, 0.1, pooled_2]])
    np.testing.assert_allclose(new_conf[0], mu / mu.sum(axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_array_equal(new_cov, cov)
