"""Saved label models are untrusted files: every learned value is checked on load."""

import json

import numpy as np
import pytest

from weaklab import CorruptFileError, LabelMatrix, load_model, make_synthetic_label_matrix
from weaklab.models import (
    ClassBalancedVote,
    DawidSkene,
    LabelModel,
    MajorityVote,
    MatrixCompletion,
    MMSR,
    TripletModel,
    WeightedMajorityVote,
)

ALL_MODELS = [MajorityVote, WeightedMajorityVote, ClassBalancedVote, DawidSkene, LabelModel, MatrixCompletion,
              TripletModel, MMSR]


@pytest.fixture(scope="module")
def votes():
    return make_synthetic_label_matrix(300, 4, 3, seed=0)


def _edit(path, *, arrays=None, fitted=None, params=None, drop_arrays=(), drop_fitted=()):
    with np.load(path, allow_pickle=False) as npz:
        content = {k: npz[k] for k in npz.files}
    meta = json.loads(str(content.pop("__meta__")))
    meta["fitted"].update(fitted or {})
    meta["params"].update(params or {})
    for key in drop_fitted:
        meta["fitted"].pop(key)
    for key in drop_arrays:
        content.pop(key)
    content.update(arrays or {})
    np.savez(path, **content, __meta__=np.array(json.dumps(meta)))
    return path


def test_a_header_that_repeats_a_key_is_refused(votes, tmp_path):
    # json.loads keeps the last of repeated keys: an edited header could hide a value.
    path = MajorityVote().fit(votes.L).save(tmp_path / "mv")
    with np.load(path, allow_pickle=False) as npz:
        content = {k: npz[k] for k in npz.files}
    header = str(content.pop("__meta__"))
    assert header.startswith("{")
    repeated = '{"format_version": 1, ' + header[1:]
    np.savez(path, **content, __meta__=np.array(repeated))
    with pytest.raises(CorruptFileError, match=r"mv\.npz: the header's key 'format_version' appears twice"):
        load_model(path)


def test_the_issue_reproduction_short_arrays_are_refused(votes, tmp_path):
    model = DawidSkene().fit(votes.L)
    path = model.save(tmp_path / "ds")
    _edit(path, arrays={"confusion_": model.confusion_[:1], "coverage_": model.coverage_[:1]})
    with pytest.raises(CorruptFileError, match=r"ds\.npz: array 'confusion_' has shape \(1, 3, 3\), expected \(4, 3, 3\)"):
        load_model(path)


def test_a_header_claiming_millions_of_lfs_is_refused_before_any_kernel_runs(votes, tmp_path):
    path = DawidSkene().fit(votes.L).save(tmp_path / "ds")
    _edit(path, fitted={"n_lfs_": 20_000_000})
    with pytest.raises(CorruptFileError, match=r"'lf_names_' has 4 entries, expected 20000000"):
        load_model(path)


@pytest.mark.parametrize("value, message", [(np.nan, "NaN"), (-0.2, "below its minimum"), (1.5, "above its maximum")])
@pytest.mark.parametrize("array", ["confusion_", "coverage_", "accuracies_", "class_balance_"])
def test_nan_negative_and_out_of_range_probabilities_are_refused(votes, tmp_path, array, value, message):
    model = DawidSkene().fit(votes.L)
    path = model.save(tmp_path / "ds")
    bad = getattr(model, array).copy()
    bad.flat[0] = value
    _edit(path, arrays={array: bad})
    with pytest.raises(CorruptFileError, match=f"array '{array}' holds .*{message}|array '{array}' holds NaN"):
        load_model(path)


@pytest.mark.parametrize("key", ["predict_proba", "_model", "fit", "__class__"])
def test_undeclared_fitted_keys_are_refused(votes, tmp_path, key):
    path = DawidSkene().fit(votes.L).save(tmp_path / "ds")
    _edit(path, fitted={key: 1})
    with pytest.raises(CorruptFileError, match=rf"'fitted' has unknown entries \['{key}'\]"):
        load_model(path)


def test_undeclared_arrays_are_refused(votes, tmp_path):
    path = DawidSkene().fit(votes.L).save(tmp_path / "ds")
    _edit(path, arrays={"predict_proba": np.zeros(3)})
    with pytest.raises(CorruptFileError, match=r"unknown arrays \['predict_proba'\]"):
        load_model(path)


def test_a_vote_share_of_length_one_is_refused(votes, tmp_path):
    path = ClassBalancedVote().fit(votes.L).save(tmp_path / "cb")
    _edit(path, arrays={"vote_share_": np.array([1.0])})
    with pytest.raises(CorruptFileError, match=r"array 'vote_share_' has shape \(1,\), expected \(3,\)"):
        load_model(path)


def test_selected_nope_is_a_clear_error(votes, tmp_path):
    path = LabelModel().fit(votes.L).save(tmp_path / "lm")
    _edit(path, fitted={"selected_": "Nope"})
    with pytest.raises(CorruptFileError, match=r"lm\.npz: fitted value 'selected_' = 'Nope' is not one of"):
        load_model(path)


def test_a_missing_learned_array_is_named(votes, tmp_path):
    path = TripletModel().fit(votes.L).save(tmp_path / "t")
    _edit(path, drop_arrays=["confusion_"])
    with pytest.raises(CorruptFileError, match="array 'confusion_' is missing"):
        load_model(path)


@pytest.mark.parametrize(
    "fitted, message",
    [
        ({"cardinality_": 2.5}, "'cardinality_' must be an integer"),
        ({"n_lfs_": 3}, "'lf_names_' has 4 entries, expected 3"),
        ({"lf_names_": "abcd"}, "'lf_names_' must be a list"),
        ({"n_iter_": -1}, "'n_iter_' = -1 is outside"),
        ({"converged_": "yes"}, "'converged_' must be true or false"),
        ({"loss_history_": [1.0, "x"]}, "'loss_history_' entry 1 must be a finite number"),
        ({"warnings_": [3]}, "'warnings_' entry 0 must be a string"),
        ({"agreement_with_majority_": 7}, "'agreement_with_majority_' = 7 is outside"),
    ],
)
def test_bad_fitted_scalars_are_refused(votes, tmp_path, fitted, message):
    path = DawidSkene().fit(votes.L).save(tmp_path / "ds")
    _edit(path, fitted=fitted)
    with pytest.raises(CorruptFileError, match=message):
        load_model(path)


@pytest.mark.parametrize(
    "params, message",
    [({"unknown": 1}, r"'params' has unknown entries \['unknown'\]"), ({"seed": -3}, "'seed' = -3"),
     ({"tol": [1, {}]}, "'tol' .* is not a plain value")],
)
def test_bad_hyper_parameters_are_refused(votes, tmp_path, params, message):
    path = DawidSkene().fit(votes.L).save(tmp_path / "ds")
    _edit(path, params=params)
    with pytest.raises(CorruptFileError, match=message):
        load_model(path)


@pytest.mark.parametrize(
    "cls, params, message",
    [(DawidSkene, {"prior_accuracy": 5.0}, r"prior_accuracy must lie in \(1/k, 1\) .* got 5\.0"),
     (DawidSkene, {"one_coin": "yes"}, "one_coin must be one of .* got 'yes'"),
     (DawidSkene, {"max_iter": -3}, "max_iter == -3"),
     (LabelModel, {"max_iter": -3}, "max_iter == -3"),
     (WeightedMajorityVote, {"weights": [1.0]}, r"weights must be 4 finite numbers .* shape \(1,\)")],
)
def test_hyper_parameters_that_fit_would_refuse_are_refused(votes, tmp_path, cls, params, message):
    path = cls().fit(votes.L).save(tmp_path / "m")
    _edit(path, params=params)
    with pytest.raises(CorruptFileError, match=rf"m\.npz: hyper-parameter {message}"):
        load_model(path)


def test_a_file_of_another_model_or_kind_is_refused(votes, tmp_path):
    path = MajorityVote().fit(votes.L).save(tmp_path / "mv")
    with pytest.raises(CorruptFileError, match="holds a MajorityVote, not a DawidSkene"):
        DawidSkene.load(path)
    matrix = votes.L.save(tmp_path / "votes")
    with pytest.raises(CorruptFileError, match="header has no 'model' field"):
        load_model(matrix)


def test_probabilities_of_zero_that_give_infinite_scores_are_refused(votes, tmp_path):
    model = DawidSkene().fit(votes.L)
    path = model.save(tmp_path / "ds")
    confusion = model.confusion_.copy()
    confusion[0] = [0.0, 0.5, 0.5]  # LF 0 never votes class 0, whatever the class
    _edit(path, arrays={"confusion_": confusion})
    with pytest.raises(CorruptFileError, match="infinite log-scores"):
        load_model(path)


def test_weights_whose_sum_overflows_are_refused(votes, tmp_path):
    path = WeightedMajorityVote().fit(votes.L).save(tmp_path / "w")
    _edit(path, arrays={"weights_": np.full(4, 1e308)})
    with pytest.raises(CorruptFileError, match="weights_ are too large"):
        load_model(path)


@pytest.mark.parametrize("cls", ALL_MODELS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("with_dev", [False, True])
def test_every_model_round_trips_exactly(votes, tmp_path, cls, with_dev):
    L = votes.L
    model = cls().fit(L, L_dev=L[:60], Y_dev=votes.y[:60]) if with_dev else cls().fit(L)
    back = load_model(model.save(tmp_path / "m"))
    assert type(back) is cls
    np.testing.assert_array_equal(back.predict_proba(L), model.predict_proba(L))


def test_a_nan_agreement_round_trips_as_nan(tmp_path):
    # every row has a tie, so no row has a unique majority and the agreement is undefined
    L = LabelMatrix.from_dense(np.array([[0, 1], [1, 0], [0, 1]]), ["a", "b"], 2)
    model = MajorityVote().fit(L)
    assert np.isnan(model.agreement_with_majority_)
    assert np.isnan(load_model(model.save(tmp_path / "mv")).agreement_with_majority_)


def test_saving_an_undeclared_learned_attribute_is_refused(votes, tmp_path):
    model = MajorityVote().fit(votes.L)
    model.surprise_ = np.zeros(2)
    with pytest.raises(ValueError, match="learned 'surprise_', which .*LEARNED does not declare"):
        model.save(tmp_path / "mv")


@pytest.mark.parametrize("cls", [DawidSkene, MatrixCompletion, TripletModel, LabelModel], ids=lambda c: c.__name__)
def test_confusion_rows_that_do_not_sum_to_one_are_refused(votes, tmp_path, cls):
    model = cls().fit(votes.L)
    path = model.save(tmp_path / "m")
    confusion = np.full_like(model.confusion_, 0.99)  # every entry a probability, every row summing to 1.9801
    confusion[:, :, 1] = 0.0001
    _edit(path, arrays={"confusion_": confusion})
    with pytest.raises(CorruptFileError, match=r"m\.npz: confusion_ of LF 'lf_0' for class 0 sums to 1\.98"):
        load_model(path)


@pytest.mark.parametrize("cls", [DawidSkene, LabelModel], ids=lambda c: c.__name__)
def test_accuracies_that_do_not_follow_from_the_model_are_refused(votes, tmp_path, cls):
    model = cls().fit(votes.L)
    assert model.selected_ == "DawidSkene" if cls is LabelModel else True
    path = model.save(tmp_path / "m")
    _edit(path, arrays={"accuracies_": np.full_like(model.accuracies_, 0.99)})  # what a report would show
    with pytest.raises(CorruptFileError, match=r"m\.npz: accuracies_ are not those its class_balance_, confusion_"):
        load_model(path)


def test_mmsr_weights_that_are_not_its_accuracies_log_odds_are_refused(votes, tmp_path):
    model = MMSR().fit(votes.L)
    path = model.save(tmp_path / "mmsr")
    _edit(path, arrays={"weights_": -model.weights_})  # every LF's votes turned against its class
    with pytest.raises(CorruptFileError, match=r"mmsr\.npz: weights_ are not the log-odds its accuracies_ give"):
        load_model(path)


def test_vote_shares_that_do_not_sum_to_one_are_refused(votes, tmp_path):
    model = ClassBalancedVote().fit(votes.L)
    path = model.save(tmp_path / "cbv")
    _edit(path, arrays={"vote_share_": np.full_like(model.vote_share_, 0.9)})  # three classes
    with pytest.raises(CorruptFileError, match=r"cbv\.npz: vote_share_ sums to 2\.7"):
        load_model(path)


def test_a_matrix_completion_mu_that_does_not_match_its_confusion_is_refused(votes, tmp_path):
    model = MatrixCompletion().fit(votes.L)
    path = model.save(tmp_path / "mc")
    _edit(path, arrays={"mu_": np.zeros_like(model.mu_)})
    with pytest.raises(CorruptFileError, match=r"mc\.npz: mu_ does not give the saved confusion_ and coverage_"):
        load_model(path)


def test_a_matrix_completion_mu_with_vote_probabilities_above_one_is_refused(votes, tmp_path):
    model = MatrixCompletion().fit(votes.L)
    path = model.save(tmp_path / "mc")
    mu = np.full_like(model.mu_, 0.9)  # P(vote | y) = 2.7; coverage_ and confusion_ made to match
    _edit(path, arrays={"mu_": mu, "coverage_": np.full_like(model.coverage_, 1 - 1e-6),
                        "confusion_": np.full_like(model.confusion_, 1 / 3)})
    with pytest.raises(CorruptFileError, match=r"mc\.npz: mu_ gives an LF a vote probability of 2\.7"):
        load_model(path)


@pytest.mark.parametrize(
    "fingerprints, message",
    [(["not-a-fingerprint"], "got 1 LF fingerprints for 2 LFs"),
     (["A" * 64, "0" * 64], "the fingerprint of LF 'a' must be 64 lowercase hex characters, got 'AAAA")],
)
def test_bad_lf_fingerprints_are_refused(tmp_path, fingerprints, message):
    import pandas as pd

    from weaklab import LabelingFunction, apply_lfs

    frame = pd.DataFrame({"n": [1, 2, 3, 4]})
    lfs = [LabelingFunction("a", lambda row: row.n % 2), LabelingFunction("b", lambda row: 1)]
    path = MajorityVote().fit(apply_lfs(frame, lfs, cardinality=2, progress=False)).save(tmp_path / "mv")
    _edit(path, fitted={"lf_fingerprints_": fingerprints})
    with pytest.raises(CorruptFileError, match=rf"mv\.npz: fitted value 'lf_fingerprints_': {message}"):
        load_model(path)
