"""LabelModel: the recommended default."""

from __future__ import annotations

import numpy as np

from weaklab.datasets import make_synthetic_label_matrix
from weaklab import LabelMatrix
from weaklab.datasets import load_lf_matrix_csv
from weaklab.models import LabelModel, MajorityVote, load_model
from weaklab.models import ClassBalancedVote


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
    assert set(model.dev_scores_) == {
        "DawidSkene", "DawidSkene-1coin", "MajorityVote", "MatrixCompletion",
        "ClassBalancedVote", "DawidSkene+uniform", "DawidSkene-1coin+uniform",
    }
    assert model.dev_scores_[model.selected_] == max(model.dev_scores_.values())


def test_selected_candidate_survives_save_and_load(tmp_path):
    syn = make_synthetic_label_matrix(1000, 5, 2, seed=3)
    model = LabelModel().fit(syn.L[200:], L_dev=syn.L[:200], Y_dev=syn.y[:200])
    loaded = load_model(model.save(tmp_path / "lm.npz"))
    assert loaded.selected_ == model.selected_
    np.testing.assert_allclose(loaded.predict_proba(syn.L), model.predict_proba(syn.L))


def test_prior_fallback_is_recorded_and_off_for_a_given_class_balance():
    syn = make_synthetic_label_matrix(1000, 6, 2, seed=4)
    model = LabelModel().fit(syn.L, class_balance=[0.5, 0.5])
    assert model.prior_fallback_ is False
    np.testing.assert_allclose(model.class_balance_, [0.5, 0.5])


def test_class_balanced_vote_lets_a_rare_class_win_a_conflict():
    # class 0 holds 6 of 8 votes: share 7/10 vs 3/10 after add-one smoothing
    L = LabelMatrix.from_dense(np.array([[0, 0, 1], [0, 0, -1], [0, -1, -1], [0, -1, 1]]))
    model = ClassBalancedVote().fit(L)
    np.testing.assert_allclose(model.vote_share_, [0.7, 0.3])
    np.testing.assert_allclose(model.predict_proba(L)[0], np.array([2 / 0.7, 1 / 0.3]) / (2 / 0.7 + 1 / 0.3))
    assert model.predict(L).tolist() == [1, 0, 0, 1]


def test_class_balanced_vote_agrees_with_majority_vote_on_unanimous_rows():
    syn = make_synthetic_label_matrix(500, 6, 3, coverage=(0.1, 0.3), seed=5)
    dense = syn.L.to_dense()
    unanimous = np.array([len(set(r[r >= 0])) == 1 for r in dense])
    cbv = ClassBalancedVote().fit(syn.L).predict(syn.L)
    mv = MajorityVote().fit(syn.L).predict(syn.L)
    assert unanimous.any()
    np.testing.assert_array_equal(cbv[unanimous], mv[unanimous])


def test_class_balanced_vote_scores_a_class_never_voted_in_training():
    train = LabelMatrix.from_dense(np.array([[0, 0], [0, -1]]), cardinality=3)
    test = LabelMatrix.from_dense(np.array([[2, 0]]), cardinality=3)
    proba = ClassBalancedVote().fit(train).predict_proba(test)
    assert np.isfinite(proba).all() and proba[0].argmax() == 2


def test_dev_set_choice_of_class_balanced_vote_survives_save_and_load(shared_data, tmp_path):
    base = shared_data / "regularized_data_programming" / "TubeSpam" / "TubeSpam_lf_matrix_"
    train, valid = load_lf_matrix_csv(f"{base}train.csv"), load_lf_matrix_csv(f"{base}val.csv")
    model = LabelModel().fit(train.L, L_dev=valid.L, Y_dev=valid.y)
    assert model.selected_ == "ClassBalancedVote"
    loaded = load_model(model.save(tmp_path / "lm.npz"))
    np.testing.assert_allclose(loaded.vote_share_, model.vote_share_)
    np.testing.assert_allclose(loaded.predict_proba(train.L), model.predict_proba(train.L))
