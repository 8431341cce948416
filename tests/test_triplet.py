"""TripletModel: closed-form accuracies from triples of LFs, for k >= 2."""

from __future__ import annotations

import numpy as np
import pytest

from weaklab import LabelMatrix
from weaklab.datasets import make_synthetic_label_matrix
from weaklab.models import TripletModel


@pytest.mark.parametrize("k", [2, 4])
def test_recovers_accuracies(k):
    syn = make_synthetic_label_matrix(5000, 6, k, coverage=(0.5, 0.9), seed=k)
    model = TripletModel().fit(syn.L)
    np.testing.assert_allclose(model.accuracies_, syn.accuracies, atol=0.05)
    assert np.all(model.n_triplets_ > 0) and model.solved_.all()


def test_fewer_than_three_lfs_warn_and_fall_back():
    syn = make_synthetic_label_matrix(300, 2, 2, seed=1)
    with pytest.warns(UserWarning, match="triples"):
        model = TripletModel().fit(syn.L)
    assert np.all(model.n_triplets_ == 0) and not model.solved_.any()
    assert model.predict_proba(syn.L).shape == (300, 2)


def _correlated_pair(seed: int = 2):
    """Four LFs of accuracy 0.8 where LF 3 copies LF 2 on 90 % of the rows: the pair breaks
    the conditional independence the triplet identity rests on."""
    syn = make_synthetic_label_matrix(3000, 4, 2, accuracy=0.8, coverage=0.9, seed=seed)
    dense = syn.L.to_dense()
    copy = np.random.default_rng(0).random(len(dense)) < 0.9
    dense[copy, 3] = dense[copy, 2]
    votes = dense >= 0
    empirical = np.array([np.mean(dense[votes[:, j], j] == syn.y[votes[:, j]]) for j in range(4)])
    return LabelMatrix.from_dense(dense), syn.y, dense, empirical


def test_dev_set_corrects_the_closed_form_estimate():
    L, y, dense, empirical = _correlated_pair()
    plain = TripletModel().fit(L)
    assert np.all(np.abs(plain.accuracies_[2:] - empirical[2:]) > 0.15)  # the copies look near-perfect
    model = TripletModel(dev_strength=1.0).fit(L, L_dev=L[:500], Y_dev=y[:500])
    np.testing.assert_allclose(model.accuracies_, empirical, atol=0.05)


def test_dev_accuracy_is_the_dev_hits_shrunk_toward_the_closed_form():
    L, y, dense, _ = _correlated_pair()
    strength = 25.0
    closed_form = TripletModel().fit(L).accuracies_
    model = TripletModel(dev_strength=strength).fit(L, L_dev=L[:400], Y_dev=y[:400])
    dev, gold = dense[:400], y[:400]
    hits = ((dev == gold[:, None]) & (dev >= 0)).sum(axis=0)
    votes = (dev >= 0).sum(axis=0)
    expected = np.clip((hits + strength * closed_form) / (votes + strength), 1e-3, 0.999)
    np.testing.assert_allclose(model.accuracies_, expected, rtol=1e-12)
