"""MMSR: one-coin accuracies from a trimmed rank-one fit of pairwise LF agreements."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import softmax

from weaklab import LabelMatrix
from weaklab.datasets import make_synthetic_label_matrix
from weaklab.models import MMSR, DawidSkene
from weaklab.models.mmsr import trimmed_means


def test_trimmed_means_drop_trim_values_on_each_side_of_the_current_estimate():
    # Row 0, current 1.0: below are 0.1, 0.2, 0.9 (drop the 2 smallest), above 5, 6, 9
    # (drop the 2 largest): kept 0.9, 1.0, 5.0. Row 1, current 0.4: one value below (fewer
    # than 2: all values below go, here 0.3) and four above (the 2 largest go): kept 0.5
    # and 0.7. Row 2 has nothing left (two values, both above, trim 2): it keeps 3.0.
    values = np.array([5.0, 0.1, 9.0, 0.9, 1.0, 0.2, 6.0, 0.3, 0.9, 0.5, 0.7, 0.8, 7.0, 8.0])
    rows = np.array([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2])
    current = np.array([1.0, 0.4, 3.0])
    got = trimmed_means(values, rows, current, 2)
    np.testing.assert_allclose(got, [(0.9 + 1.0 + 5.0) / 3, (0.5 + 0.7) / 2, 3.0])
    np.testing.assert_allclose(trimmed_means(values, rows, current, 0),
                               [np.mean(values[:7]), np.mean(values[7:12]), 7.5])

@pytest.mark.parametrize("k", [2, 4])
def test_recovers_one_coin_accuracies(k):
    syn = make_synthetic_label_matrix(6000, 8, k, coverage=(0.4, 0.9), seed=k)
    model = MMSR().fit(syn.L)
    np.testing.assert_allclose(model.accuracies_, syn.accuracies, atol=0.04)
    assert model.solved_.all() and model.converged_


def test_copies_of_an_lf_are_not_learned_as_perfect():
    syn = make_synthetic_label_matrix(6000, 9, 2, accuracy=(0.65, 0.8), coverage=0.8, seed=5)
    dense = syn.L.to_dense()
    copied = LabelMatrix.from_dense(np.hstack([dense, np.repeat(dense[:, :1], 3, axis=1)]))
    ds = DawidSkene(model_abstain=False).fit(copied)
    assert np.all(ds.accuracies_[[0, 9, 10, 11]] > 0.95)  # naive Bayes believes the copies
    model = MMSR().fit(copied)
    assert model.trim_ == 4  # every LF shares rows with the 11 others: floor(11 / 2) - 1
    np.testing.assert_allclose(model.accuracies_[:9], syn.accuracies, atol=0.04)
    np.testing.assert_allclose(model.accuracies_[9:], syn.accuracies[0], atol=0.04)


def test_an_lf_worse_than_random_gets_a_negative_weight():
    syn = make_synthetic_label_matrix(6000, 7, 2, accuracy=(0.7, 0.85), coverage=0.7, seed=6)
    dense = syn.L.to_dense()
    voted = dense[:, 0] >= 0
    dense[voted, 0] = 1 - dense[voted, 0]  # LF 0 now right 15-30 % of the time
    model = MMSR().fit(LabelMatrix.from_dense(dense))
    assert abs(model.accuracies_[0] - (1 - syn.accuracies[0])) < 0.04
    assert model.weights_[0] < 0 and np.all(model.weights_[1:] > 0)


def test_pairs_of_one_sided_lfs_are_not_used():
    # Both LFs vote one class only: their agreement says nothing about accuracy, so each
    # falls back to its (add-one smoothed) agreement with the majority vote.
    dense = np.array([[0, -1], [0, 1], [-1, 1], [0, -1], [-1, 1], [0, 1], [-1, -1]])
    model = MMSR().fit(LabelMatrix.from_dense(dense))
    assert not model.solved_.any()
    # Majority distributions: rows 1 and 5 tie (1/2 each), the others are unanimous.
    # LF 0 votes 0 on rows 0, 1, 3, 5: hits 1 + 1/2 + 1 + 1/2 = 3 of 4 -> (3 + 1) / (4 + 2).
    # LF 1 votes 1 on rows 1, 2, 4, 5: hits 1/2 + 1 + 1 + 1/2 = 3 of 4 -> the same.
    np.testing.assert_allclose(model.accuracies_, [4 / 6, 4 / 6])


def test_dev_set_shrinks_the_estimate_toward_the_dev_hits():
    syn = make_synthetic_label_matrix(3000, 6, 2, coverage=0.8, seed=7)
    strength = 5.0
    plain = MMSR().fit(syn.L).accuracies_
    model = MMSR(dev_strength=strength).fit(syn.L, L_dev=syn.L[:300], Y_dev=syn.y[:300])
    dev, gold = syn.L.to_dense()[:300], syn.y[:300]
    hits = ((dev == gold[:, None]) & (dev >= 0)).sum(axis=0)
    votes = (dev >= 0).sum(axis=0)
    np.testing.assert_allclose(model.accuracies_, (hits + strength * plain) / (votes + strength), rtol=1e-12)


def test_predicts_a_vote_weighted_by_the_log_odds_of_each_accuracy():
    syn = make_synthetic_label_matrix(800, 5, 3, coverage=(0.3, 0.7), seed=8)
    model = MMSR().fit(syn.L)
    a = model.accuracies_
    weight = np.log(2 * a / (1 - a))
    dense = syn.L.to_dense()
    scores = np.zeros((dense.shape[0], 3))
    for j in range(5):
        voted = dense[:, j] >= 0
        scores[np.flatnonzero(voted), dense[voted, j]] += weight[j]
    expected = softmax(scores, axis=1)
    empty = (dense < 0).all(axis=1)
    expected[empty] = model.class_balance_
    np.testing.assert_allclose(model.predict_proba(syn.L), expected, atol=1e-12)


def test_an_lf_pair_graph_without_an_odd_cycle_leaves_skills_unsolved():
    # LFs 0 and 1 vote one class each, so only their pairs with LF 2 count: a star, where
    # s0 s2 and s1 s2 fix no scale. Adding LF 3 (two-sided) closes the triangle 2-3-0.
    syn = make_synthetic_label_matrix(3000, 4, 2, accuracy=0.8, coverage=0.6, seed=9)
    dense = syn.L.to_dense()
    dense[dense[:, 0] == 1, 0] = -1
    dense[dense[:, 1] == 0, 1] = -1
    star = MMSR().fit(LabelMatrix.from_dense(dense[:, :3]))
    assert not star.solved_.any()
    closed = MMSR().fit(LabelMatrix.from_dense(dense))
    assert closed.solved_.all()
