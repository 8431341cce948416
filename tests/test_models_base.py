"""The shared label-model API (weaklab.models.base and its parts): checks, ties, scoring, guardrails."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaklab import LabelMatrix
from weaklab.datasets import make_synthetic_label_matrix
from weaklab.models import DawidSkene, LabelModelWarning, MajorityVote, NotFittedError, WeightedMajorityVote


@pytest.fixture(scope="module")
def syn():
    return make_synthetic_label_matrix(500, 5, 2, coverage=(0.4, 0.8), seed=0)


def test_fit_rejects_a_dense_array(syn):
    with pytest.raises(TypeError, match="LabelMatrix.from_dense"):
        MajorityVote().fit(syn.L.to_dense())


def test_fit_rejects_a_bad_class_balance(syn):
    with pytest.raises(ValueError, match="class_balance"):
        MajorityVote().fit(syn.L, class_balance=[0.5, 0.6])
    with pytest.raises(ValueError, match="class_balance"):
        MajorityVote().fit(syn.L, class_balance=[1.0])


def test_dev_set_needs_votes_and_labels_with_the_same_lfs(syn):
    with pytest.raises(ValueError, match="together"):
        MajorityVote().fit(syn.L, L_dev=syn.L)
    with pytest.raises(ValueError, match="Y_dev"):
        MajorityVote().fit(syn.L, L_dev=syn.L[:10], Y_dev=np.full(10, 7))
    with pytest.raises(ValueError, match="same LFs"):
        MajorityVote().fit(syn.L, L_dev=syn.L.select(["lf_0"]), Y_dev=syn.y)


def test_predicting_other_lfs_is_refused(syn):
    model = MajorityVote().fit(syn.L)
    with pytest.raises(ValueError, match="differ from the fitted LFs"):
        model.predict_proba(syn.L.select(["lf_1", "lf_0", "lf_2", "lf_3", "lf_4"]))


def test_unfitted_model_names_itself(syn):
    with pytest.raises(NotFittedError, match="DawidSkene is not fitted"):
        DawidSkene().predict(syn.L)
    with pytest.raises(NotFittedError):
        DawidSkene().save("unused")


def test_unknown_tie_break_and_metric_are_refused(syn):
    model = MajorityVote().fit(syn.L)
    with pytest.raises(ValueError, match="tie_break"):
        model.predict(syn.L, tie_break="coin")
    with pytest.raises(ValueError, match="unknown metrics"):
        model.score(syn.L, syn.y, metrics=("auc",))


def test_score_reports_requested_metrics_and_skips_missing_gold(syn):
    model = DawidSkene().fit(syn.L)
    y = syn.y.copy()
    y[:50] = -1
    scores = model.score(syn.L, y, metrics=("accuracy", "f1", "f1_macro", "coverage"))
    pred = model.predict(syn.L, tie_break="random")
    assert scores["accuracy"] == pytest.approx(np.mean(pred[50:] == syn.y[50:]))
    assert 0 <= scores["f1"] <= 1 and 0 < scores["coverage"] <= 1


def test_random_tie_break_is_seeded():
    L = LabelMatrix.from_dense(np.tile([[0, 1]], (200, 1)))
    model = MajorityVote().fit(L)
    a, b = model.predict(L, "random", seed=3), model.predict(L, "random", seed=3)
    np.testing.assert_array_equal(a, b)
    assert 0 < a.mean() < 1


def test_guardrail_warns_on_a_model_that_contradicts_the_majority(syn):
    reversed_weights = WeightedMajorityVote(weights=[-1.0] * 5)
    with pytest.warns(LabelModelWarning, match="majority vote"):
        reversed_weights.fit(syn.L)
    assert reversed_weights.agreement_with_majority_ < 0.5
    assert any("majority" in w for w in reversed_weights.warnings_)


def test_fewer_than_three_lfs_fit_without_error():
    syn = make_synthetic_label_matrix(300, 2, 3, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = DawidSkene().fit(syn.L)
    assert model.predict_proba(syn.L).shape == (300, 3)


def test_an_lf_voting_one_class_only_is_handled():
    syn = make_synthetic_label_matrix(500, 4, 3, seed=2)
    dense = syn.L.to_dense()
    dense[:, 0] = np.where(dense[:, 0] >= 0, 2, -1)
    L = LabelMatrix.from_dense(dense)
    proba = DawidSkene().fit(L).predict_proba(L)
    assert np.all(np.isfinite(proba))


def test_load_refuses_a_file_of_another_model(syn, tmp_path):
    path = MajorityVote().fit(syn.L).save(tmp_path / "mv")
    with pytest.raises(ValueError, match="not a DawidSkene"):
        DawidSkene.load(path)


_LOGLINEAR = ["DawidSkene", "LabelModel", "WeightedMajorityVote", "TripletModel", "MatrixCompletion"]


@pytest.mark.parametrize("name", _LOGLINEAR)
def test_fused_predict_proba_matches_the_unfused_path(name):
    from weaklab import models

    syn3 = make_synthetic_label_matrix(400, 6, 3, coverage=(0.1, 0.5), seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabelModelWarning)
        model = getattr(models, name)().fit(syn3.L)
    assert model._loglinear_tables() is not None
    proba = model.predict_proba(syn3.L)
    reference = model._predict_proba_covered(syn3.L).copy()
    empty = np.diff(syn3.L.csr.indptr) == 0
    assert empty.any()
    reference[empty] = model.class_balance_
    reference /= reference.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(proba, reference, rtol=0, atol=1e-12)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("name", _LOGLINEAR + ["MajorityVote"])
def test_one_pass_guardrail_statistics_match_the_unfused_path(name, k, monkeypatch):
    from weaklab import models
    from weaklab.models import guardrails

    syn = make_synthetic_label_matrix(400, 6, k, coverage=(0.1, 0.5), seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabelModelWarning)
        model = getattr(models, name)().fit(syn.L)
    fused = guardrails._model_vs_majority(model, syn.L)
    monkeypatch.setattr(type(model), "_argmax_tables", lambda self: None)
    unfused = guardrails._model_vs_majority(model, syn.L)
    for a, b in zip(fused, unfused):
        np.testing.assert_array_equal(a, b)


def test_one_majority_vote_pass_serves_a_whole_fit(syn, monkeypatch):
    # LabelModel with a dev set fits seven candidates and runs the guardrails: the
    # majority-vote statistics they all read are computed once.
    from weaklab.models import LabelModel, fit_source

    calls = []
    original = fit_source._majority_block
    monkeypatch.setattr(fit_source, "_majority_block", lambda L: calls.append(L.n_rows) or original(L))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabelModelWarning)
        model = LabelModel().fit(syn.L[:300], L_dev=syn.L[300:], Y_dev=syn.y[300:])
    assert len(model.dev_scores_) == 7
    assert calls == [300]


def test_fit_does_not_keep_the_training_matrix(syn):
    from weaklab.models import LabelModel

    model = DawidSkene().fit(syn.L)
    assert "_agreement_memo" not in vars(model)
    wrapper = LabelModel().fit(syn.L)
    assert "_agreement_memo" not in vars(wrapper) and "_agreement_memo" not in vars(wrapper._model)
