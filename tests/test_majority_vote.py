"""MajorityVote and WeightedMajorityVote."""

from __future__ import annotations

import numpy as np
import pytest

from weaklab import LabelMatrix
from weaklab.datasets import make_synthetic_label_matrix
from weaklab.models import MajorityVote, WeightedMajorityVote


def test_majority_vote_returns_vote_shares():
    L = LabelMatrix.from_dense(np.array([[0, 0, 1], [2, -1, 2], [1, 0, 2]]), cardinality=3)
    proba = MajorityVote().fit(L).predict_proba(L)
    np.testing.assert_allclose(proba, [[2 / 3, 1 / 3, 0], [0, 0, 1], [1 / 3, 1 / 3, 1 / 3]])


def test_majority_vote_ties_follow_the_policy():
    L = LabelMatrix.from_dense(np.array([[0, 1], [1, 1]]))
    model = MajorityVote().fit(L)
    assert model.predict(L, tie_break="abstain").tolist() == [-1, 1]
    assert model.predict(L, tie_break="first").tolist() == [0, 1]


def test_random_tie_break_picks_only_among_the_tied_classes_evenly():
    # 300 rows tie between classes 0 and 2 (class 1 has one vote), 100 rows are clear 1s.
    tied = np.tile([[0, 2, 1, 0, 2]], (300, 1))
    clear = np.tile([[1, 1, 0, -1, -1]], (100, 1))
    L = LabelMatrix.from_dense(np.vstack([tied, clear]), cardinality=3)
    model = MajorityVote().fit(L)
    pred = model.predict(L, tie_break="random", seed=1)
    assert set(pred[:300]) == {0, 2} and np.all(pred[300:] == 1)
    assert 100 < np.count_nonzero(pred[:300] == 0) < 200  # ~Binomial(300, 1/2): mean 150, sd 8.7
    np.testing.assert_array_equal(pred, model.predict(L, tie_break="random", seed=1))
    assert not np.array_equal(pred, model.predict(L, tie_break="random", seed=2))


def test_majority_vote_accuracies_come_from_the_dev_set_when_given():
    syn = make_synthetic_label_matrix(3000, 5, 2, accuracy=(0.6, 0.95), coverage=(0.5, 0.9), seed=1)
    model = MajorityVote().fit(syn.L, L_dev=syn.L[:1000], Y_dev=syn.y[:1000])
    np.testing.assert_allclose(model.accuracies_, syn.accuracies, atol=0.05)


def test_weighted_vote_recovers_accuracies_and_beats_plain_vote():
    syn = make_synthetic_label_matrix(4000, 7, 3, accuracy=(0.4, 0.95), coverage=(0.5, 0.9), seed=2)
    weighted = WeightedMajorityVote().fit(syn.L)
    assert np.corrcoef(weighted.accuracies_, syn.accuracies)[0, 1] > 0.9
    assert weighted.score(syn.L, syn.y, tie_break="random") >= MajorityVote().fit(syn.L).score(syn.L, syn.y, tie_break="random")


def test_weighted_vote_uses_given_weights():
    L = LabelMatrix.from_dense(np.array([[0, 1, 1]]))
    model = WeightedMajorityVote(weights=[5.0, 1.0, 1.0]).fit(L)
    assert model.predict(L).tolist() == [0]


def test_weighted_vote_rejects_wrong_number_of_weights():
    L = LabelMatrix.from_dense(np.array([[0, 1, 1]]))
    with pytest.raises(ValueError, match="weights"):
        WeightedMajorityVote(weights=[1.0]).fit(L)
