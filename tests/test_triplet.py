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
    assert np.all(model.n_triplets_ > 0)


def test_fewer_than_three_lfs_warn_and_fall_back():
    syn = make_synthetic_label_matrix(300, 2, 2, seed=1)
    with pytest.warns(UserWarning, match="triples"):
        model = TripletModel().fit(syn.L)
    assert np.all(model.n_triplets_ == 0)
    assert model.predict_proba(syn.L).shape == (300, 2)


def test_dev_set_corrects_the_closed_form_estimate():
    syn = make_synthetic_label_matrix(2000, 4, 2, accuracy=0.8, coverage=0.9, seed=2)
    dense = syn.L.to_dense()
    L = LabelMatrix.from_dense(dense)
    model = TripletModel(dev_strength=1.0).fit(L, L_dev=L[:500], Y_dev=syn.y[:500])
    np.testing.assert_allclose(model.accuracies_, syn.accuracies, atol=0.05)
