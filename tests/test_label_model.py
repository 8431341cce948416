"""LabelModel: the recommended default."""

from __future__ import annotations

import numpy as np

from weaklab.datasets import make_synthetic_label_matrix
from weaklab.models import LabelModel, MajorityVote, load_model


def test_without_dev_set_it_is_abstain_aware_dawid_skene():
    syn = make_synthetic_label_matrix(4000, 12, 2, class_balance=[0.8, 0.2], one_sided=True,
                                      accuracy=(0.82, 0.95), seed=1)
    model = LabelModel().fit(syn.L)
    assert model.selected_ == "DawidSkene" and model.dev_scores_ == {}
    mv = MajorityVote().fit(syn.L).score(syn.L, syn.y)["accuracy"]
    assert model.score(syn.L, syn.y)["accuracy"] > mv


def test_dev_set_selects_the_most_accurate_candidate():
    syn = make_synthetic_label_matrix(3000, 6, 3, seed=2)
    model = LabelModel().fit(syn.L[500:], L_dev=syn.L[:500], Y_dev=syn.y[:500])
    assert set(model.dev_scores_) == {"DawidSkene", "DawidSkene-1coin", "MajorityVote", "MatrixCompletion"}
    assert model.dev_scores_[model.selected_] == max(model.dev_scores_.values())


def test_selected_candidate_survives_save_and_load(tmp_path):
    syn = make_synthetic_label_matrix(1000, 5, 2, seed=3)
    model = LabelModel().fit(syn.L[200:], L_dev=syn.L[:200], Y_dev=syn.y[:200])
    loaded = load_model(model.save(tmp_path / "lm.npz"))
    assert loaded.selected_ == model.selected_
    np.testing.assert_allclose(loaded.predict_proba(syn.L), model.predict_proba(syn.L))
