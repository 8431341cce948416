"""The shared label-model API (weaklab.models.base and its parts): checks, ties, scoring, guardrails."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaklab import LabelMatrix
from weaklab.datasets import make_synthetic_label_matrix
from weaklab.models import (
    DawidSkene,
    LabelModel,
    LabelModelWarning,
    MajorityVote,
    MatrixCompletion,
    MMSR,
    NotFittedError,
    TripletModel,
    WeightedMajorityVote,
)


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
    with pytest.raises(TypeError, match=r"class_balance must be 2 numbers, got \['a', 'b'\]"):
        MajorityVote().fit(syn.L, class_balance=["a", "b"])


def test_dev_set_needs_votes_and_labels_with_the_same_lfs(syn):
    with pytest.raises(ValueError, match="together"):
        MajorityVote().fit(syn.L, L_dev=syn.L)
    with pytest.raises(ValueError, match="Y_dev"):
        MajorityVote().fit(syn.L, L_dev=syn.L[:10], Y_dev=np.full(10, 7))
    with pytest.raises(ValueError, match="same LFs"):
        MajorityVote().fit(syn.L, L_dev=syn.L.select(["lf_0"]), Y_dev=syn.y)


@pytest.mark.parametrize("cls", [MajorityVote, DawidSkene, LabelModel], ids=lambda c: c.__name__)
def test_a_dev_set_without_any_gold_label_is_refused(syn, cls):
    with pytest.raises(ValueError, match=r"Y_dev holds no gold label \(only -1"):
        cls().fit(syn.L, L_dev=syn.L[:10], Y_dev=np.full(10, -1))
    partly = np.full(10, -1)
    partly[:3] = syn.y[:3]
    cls().fit(syn.L, L_dev=syn.L[:10], Y_dev=partly)  # a partly labelled dev set keeps working


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
        model.evaluate(syn.L, syn.y, metrics=("auc",))


def test_evaluate_reports_requested_metrics_and_skips_missing_gold():
    # Majority vote's labels, worked out by hand: rows 0-3 clear votes (0, 1, 1, 0),
    # row 4 a tie (abstain -> wrong), row 5 no votes (prior -> class 0), row 6 gold unknown.
    L = LabelMatrix.from_dense(np.array([[0, 0], [1, 1], [1, -1], [0, 0], [0, 1], [-1, -1], [1, 1]]))
    y = np.array([0, 1, 0, 0, 1, 1, -1])
    model = MajorityVote().fit(L, class_balance=[0.6, 0.4])
    assert model.predict(L).tolist() == [0, 1, 1, 0, -1, 0, 1]
    # Gold rows 0-5: right on 0, 1, 3. Class 1 (positive): predicted on rows 1, 2 (one
    # right), gold on rows 1, 4, 5. Class 0: predicted on 0, 3, 5 (two right), gold on 0, 2, 3.
    scores = model.evaluate(L, y, metrics=("accuracy", "precision", "recall", "f1", "f1_macro", "coverage"))
    assert scores["accuracy"] == pytest.approx(3 / 6)
    assert scores["precision"] == pytest.approx(1 / 2)
    assert scores["recall"] == pytest.approx(1 / 3)
    assert scores["f1"] == pytest.approx(2 / (2 + 3))
    assert scores["f1_macro"] == pytest.approx((2 / 3 + 2 / 5) / 2)
    assert scores["coverage"] == pytest.approx(6 / 7)
    assert model.score(L, y) == pytest.approx(3 / 6)


@pytest.mark.parametrize("metrics", [("accuracy",), ("f1",), ("coverage", "precision")])
def test_evaluate_without_any_gold_label_is_an_error_naming_y(metrics):
    L = LabelMatrix.from_dense(np.array([[0, 0], [1, 1], [0, -1]]))
    model = MajorityVote().fit(L)
    with pytest.raises(ValueError, match=r"y has no labelled row \(all 3 gold labels are -1\)"):
        model.evaluate(L, [-1, -1, -1], metrics=metrics)
    assert model.evaluate(L, [-1, -1, -1], metrics=("coverage",)) == {"coverage": 1.0}  # needs no gold


def test_evaluate_takes_a_single_metric_name_as_one_metric():
    L = LabelMatrix.from_dense(np.array([[0, 0], [1, 1], [0, -1], [1, -1]]))
    model = MajorityVote().fit(L)
    assert model.evaluate(L, [0, 1, 1, 1], metrics="accuracy") == {"accuracy": 0.75}  # row 2 wrong
    with pytest.raises(ValueError, match=r"unknown metrics \['auc'\]"):
        model.evaluate(L, [0, 1, 1, 1], metrics="auc")


def test_random_tie_break_is_seeded():
    L = LabelMatrix.from_dense(np.tile([[0, 1]], (200, 1)))
    model = MajorityVote().fit(L)
    a, b = model.predict(L, "random", seed=3), model.predict(L, "random", seed=3)
    np.testing.assert_array_equal(a, b)
    assert 0 < a.mean() < 1


@pytest.mark.parametrize(
    "seed, error, message",
    [(-1, ValueError, "seed == -1, must be >= 0"), (1.5, TypeError, "seed must be an instance of int"),
     (True, TypeError, "seed must be an int, got True"), ("x", TypeError, "seed must be an instance of int")],
)
def test_a_bad_predict_seed_is_named(seed, error, message):
    L = LabelMatrix.from_dense(np.array([[0, 1], [1, 0], [0, -1]]))
    model = MajorityVote().fit(L)
    with pytest.raises(error, match=message):
        model.predict(L, tie_break="random", seed=seed)
    with pytest.raises(error, match=message):
        model.evaluate(L, [0, 1, 0], tie_break="random", seed=seed)


def test_guardrail_warns_on_a_model_that_contradicts_the_majority(syn):
    reversed_weights = WeightedMajorityVote(weights=[-1.0] * 5)
    with pytest.warns(LabelModelWarning, match="majority vote"):
        reversed_weights.fit(syn.L)
    assert reversed_weights.agreement_with_majority_ < 0.5
    assert any("majority" in w for w in reversed_weights.warnings_)


def test_fewer_than_three_lfs_fit_and_follow_the_votes():
    syn = make_synthetic_label_matrix(300, 2, 3, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = DawidSkene().fit(syn.L)
    dense = syn.L.to_dense()
    pred = model.predict(syn.L)
    # Two better-than-random LFs: where they agree, or only one votes, that vote is the label.
    agree = (dense[:, 0] == dense[:, 1]) & (dense[:, 0] >= 0)
    single = (dense >= 0).sum(axis=1) == 1
    assert agree.sum() > 10 and single.sum() > 50
    np.testing.assert_array_equal(pred[agree], dense[agree, 0])
    np.testing.assert_array_equal(pred[single], dense[single].max(axis=1))


def test_an_lf_voting_one_class_only_is_evidence_for_that_class():
    syn = make_synthetic_label_matrix(1500, 4, 3, seed=2)
    dense = syn.L.to_dense()
    rng = np.random.default_rng(0)
    # LF 0 becomes a keyword rule: it votes class 2 on 60 % of the class-2 rows, and on
    # 3 % of the other rows (its only mistakes), and abstains everywhere else.
    fires = np.where(syn.y == 2, rng.random(syn.y.size) < 0.6, rng.random(syn.y.size) < 0.03)
    dense[:, 0] = np.where(fires, 2, -1)
    L = LabelMatrix.from_dense(dense)
    model = DawidSkene().fit(L)
    proba = model.predict_proba(L)
    assert np.all(np.isfinite(proba))
    assert np.mean(syn.y[fires] == 2) > 0.85  # its accuracy, from the gold labels
    assert model.accuracies_[0] > 0.85  # learned as a good LF, not as uninformative (1/3)
    alone = fires & ((dense[:, 1:] >= 0).sum(axis=1) == 0)
    assert alone.sum() > 20
    assert np.all(proba[alone].argmax(axis=1) == 2)
    # Its vote adds to another LF's vote for class 2; its abstain takes from it.
    probe = model.predict_proba(LabelMatrix.from_dense(np.array([[2, 2, -1, -1], [-1, 2, -1, -1]]), cardinality=3))
    assert probe[0, 2] > probe[1, 2]
    assert probe[1, 2] < DawidSkene(model_abstain=False).fit(L).predict_proba(
        LabelMatrix.from_dense(np.array([[-1, 2, -1, -1]]), cardinality=3))[0, 2]


def test_load_refuses_a_file_of_another_model(syn, tmp_path):
    path = MajorityVote().fit(syn.L).save(tmp_path / "mv")
    with pytest.raises(ValueError, match="not a DawidSkene"):
        DawidSkene.load(path)


_LOGLINEAR = ["DawidSkene", "LabelModel", "WeightedMajorityVote", "TripletModel", "MatrixCompletion", "MMSR"]


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
    # LabelModel with a dev set fits eight candidates and runs the guardrails: the
    # majority-vote statistics they all read are computed once.
    from weaklab.models import LabelModel, fit_source

    calls = []
    original = fit_source._majority_block
    monkeypatch.setattr(fit_source, "_majority_block", lambda L: calls.append(L.n_rows) or original(L))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabelModelWarning)
        model = LabelModel().fit(syn.L[:300], L_dev=syn.L[300:], Y_dev=syn.y[300:])
    assert len(model.dev_scores_) == 8
    assert calls == [300]


def _reaches(root: object, target: object) -> bool:
    """Whether ``target`` is reachable from ``root`` through object references (not
    through classes, modules or functions, which reach everything)."""
    import gc
    import types

    seen, stack = set(), [root]
    while stack:
        obj = stack.pop()
        if obj is target:
            return True
        if id(obj) in seen or isinstance(obj, (type, types.ModuleType, types.FunctionType)):
            continue
        seen.add(id(obj))
        stack.extend(gc.get_referents(obj))
    return False


def test_fit_does_not_keep_the_training_matrix():
    from weaklab.models import LabelModel

    syn = make_synthetic_label_matrix(300, 5, 2, seed=7)
    for model in (DawidSkene(), LabelModel()):
        L = LabelMatrix.from_dense(syn.L.to_dense())
        model.fit(L, L_dev=L[:50], Y_dev=syn.y[:50])
        assert not _reaches(model, L), f"{type(model).__name__} keeps the training matrix"
        assert not _reaches(model, L.csr.data), f"{type(model).__name__} keeps the training votes"


class _BrokenModel(MajorityVote):
    """A user's model whose estimate degenerates (a NaN accuracy)."""

    def _fit(self, source, class_balance, dev):
        super()._fit(source, class_balance, dev)
        self.accuracies_ = np.where(np.arange(source.n_lfs) == 1, np.nan, self.accuracies_)


def test_every_fit_checks_that_its_learned_parameters_are_finite(syn):
    model = _BrokenModel()
    with pytest.raises(ValueError, match="non-finite accuracies_"):
        model.fit(syn.L)
    assert not hasattr(model, "accuracies_")


@pytest.mark.parametrize(
    "model, name",
    [
        (LabelModel(prior_strength=np.inf), "prior_strength"),
        (LabelModel(prior_shrink=np.inf), "prior_shrink"),
        (LabelModel(prior_accuracy=np.nan), "prior_accuracy"),
        (LabelModel(tol=-1.0), "tol"),
        (LabelModel(max_iter=2.5), "max_iter"),
        (LabelModel(dev_metric="coverage"), "dev_metric"),
        (DawidSkene(prior_strength=-1.0), "prior_strength"),
        (DawidSkene(one_coin="yes"), "one_coin"),
        (DawidSkene(model_abstain=1), "model_abstain"),
        (DawidSkene(init="zeros"), "init"),
        (WeightedMajorityVote(smoothing=np.inf), "smoothing"),
        (WeightedMajorityVote(smoothing=0.0), "smoothing"),
        (WeightedMajorityVote(weights=[1.0, np.nan, 1.0, 1.0, 1.0]), "weights"),
        (WeightedMajorityVote(weights=["a"] * 5), "weights"),
        (MatrixCompletion(l2=np.inf), "l2"),
        (MatrixCompletion(max_iter=0), "max_iter"),
        (TripletModel(min_overlap=0), "min_overlap"),
        (TripletModel(dev_strength=0.0), "dev_strength"),
        (TripletModel(default_accuracy=0.2), "default_accuracy"),
        (MMSR(trim=-1), "trim"),
        (MMSR(trim=1.5), "trim"),
        (MMSR(max_iter=0), "max_iter"),
        (MMSR(dev_strength=0.0), "dev_strength"),
        (MajorityVote(seed=-3), "seed"),
        (MajorityVote(seed=1.5), "seed"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_bad_hyper_parameters_are_named_before_fitting(syn, model, name):
    with pytest.raises((ValueError, TypeError), match=name):
        model.fit(syn.L)
    assert not hasattr(model, "class_balance_") and not hasattr(model, "lf_names_")
