"""One conformance test that every label model passes (the shared API contract).

Label models are scikit-learn estimators: ``clone``, ``get_params`` / ``set_params``,
``check_is_fitted``, ``GridSearchCV`` and ``cross_val_score`` work on a LabelMatrix, and a
fit that fails leaves the model as it was.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.utils.validation import check_is_fitted

from weaklab import LabelMatrix
from weaklab.datasets import make_synthetic_label_matrix
from weaklab.models import BaseLabelModel, MajorityVote, NotFittedError, load_model
from weaklab.models.persistence import _REGISTRY

MODELS = sorted(
    (cls for name, cls in _REGISTRY.items() if cls.__module__.startswith("weaklab.models")),
    key=lambda cls: cls.__name__,
)

#: A hyper-parameter of each model for the model-selection tests (two values it accepts).
GRID = {
    "ClassBalancedVote": {"seed": [0, 1]},
    "DawidSkene": {"prior_strength": [0.5, 8.0]},
    "LabelModel": {"prior_shrink": [0.0, 0.5]},
    "MajorityVote": {"seed": [0, 1]},
    "MatrixCompletion": {"l2": [0.0, 0.5]},
    "MMSR": {"trim": [0, 2]},
    "TripletModel": {"n_partners": [2, 20]},
    "WeightedMajorityVote": {"smoothing": [0.5, 8.0]},
}


def test_every_model_has_a_grid():
    assert sorted(GRID) == sorted(cls.__name__ for cls in MODELS)


def _matrix_with_gaps(k: int, seed: int) -> tuple[LabelMatrix, np.ndarray]:
    """Synthetic votes plus an LF that never votes and rows where every LF abstains."""
    syn = make_synthetic_label_matrix(400, 5, k, coverage=(0.3, 0.7), seed=seed)
    dense = syn.L.to_dense()
    dense[:20] = -1
    dense = np.hstack([dense, np.full((dense.shape[0], 1), -1)])
    names = [*syn.L.lf_names, "silent"]
    return LabelMatrix.from_dense(dense, names, k), syn.y


def _fit_quietly(model: BaseLabelModel, *args, **kwargs) -> BaseLabelModel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(*args, **kwargs)


def _majority_accuracy(L: LabelMatrix, y: np.ndarray) -> float:
    """Accuracy of a plain vote count, ties and empty rows counted half / by chance (NumPy)."""
    dense = L.to_dense()
    k = L.cardinality
    counts = np.stack([(dense == c).sum(axis=1) for c in range(k)], axis=1)
    top = counts.max(axis=1, keepdims=True)
    winners = counts == top
    return float(np.mean(winners[np.arange(len(y)), y] / winners.sum(axis=1)))


@pytest.mark.parametrize("k", [2, 6])
@pytest.mark.parametrize("model_cls", MODELS, ids=lambda c: c.__name__)
def test_model_conforms_to_label_model_contract(model_cls, k, tmp_path):
    L, y = _matrix_with_gaps(k, seed=k)
    with pytest.raises(NotFittedError):
        model_cls().predict_proba(L)
    model = _fit_quietly(model_cls(seed=3), L)
    again = _fit_quietly(model_cls(seed=3), L)
    assert _fit_quietly(model, L) is model

    proba = model.predict_proba(L)
    assert proba.shape == (L.n_rows, k) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba[:20], np.tile(model.class_balance_, (20, 1)))
    np.testing.assert_array_equal(proba, again.predict_proba(L))

    assert model.cardinality_ == k and model.lf_names_ == L.lf_names
    assert model.class_balance_.shape == (k,)
    assert model.accuracies_.shape == (L.n_lfs,)
    assert isinstance(model.warnings_, list) and 0 <= model.agreement_with_majority_ <= 1
    assert model.predict(L, tie_break="random").shape == (L.n_rows,)
    # Every model does at least as well as counting votes (computed here in NumPy), up to
    # a few rows; the LFs are conditionally independent and better than random.
    accuracy = model.score(L, y, tie_break="random")
    assert isinstance(accuracy, float)
    assert accuracy >= _majority_accuracy(L, y) - 0.03

    path = model.save(tmp_path / "model")
    loaded = load_model(path)
    assert type(loaded) is model_cls and loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(L), proba)
    assert isinstance(BaseLabelModel.load(path), model_cls)


@pytest.mark.parametrize("model_cls", MODELS, ids=lambda c: c.__name__)
def test_model_is_a_scikit_learn_estimator(model_cls):
    L, _ = _matrix_with_gaps(2, seed=2)
    (name, values), = GRID[model_cls.__name__].items()
    model = model_cls(**{name: values[1]})
    params = model.get_params(deep=True)
    assert params == model.get_params(deep=False) and params[name] == values[1]
    assert set(params) == set(model_cls().get_params())

    copy = clone(model)
    assert type(copy) is model_cls and copy is not model and copy.get_params() == params
    assert model.set_params(**{name: values[0]}) is model and model.get_params()[name] == values[0]
    with pytest.raises(ValueError, match="no_such_parameter"):
        model.set_params(no_such_parameter=1)

    with pytest.raises(SklearnNotFittedError, match=f"{model_cls.__name__}.* not fitted"):
        check_is_fitted(model)
    assert NotFittedError is SklearnNotFittedError  # one exception type
    _fit_quietly(model, L)
    check_is_fitted(model)
    with pytest.raises(NotFittedError):
        check_is_fitted(clone(model))  # a clone of a fitted model is unfitted


class _LostPartition:
    """A partitioned matrix (the documented ``map_sum`` protocol) whose worker dies."""

    def __init__(self, L: LabelMatrix) -> None:
        self.n_rows, self.n_lfs, self.lf_names, self.cardinality = L.n_rows, L.n_lfs, L.lf_names, L.cardinality

    def map_sum(self, fn):
        raise OSError("partition 3 lost with its worker")


@pytest.mark.parametrize("model_cls", MODELS, ids=lambda c: c.__name__)
def test_a_failed_refit_leaves_the_fitted_model_unchanged(model_cls):
    L, y = _matrix_with_gaps(2, seed=4)
    model = _fit_quietly(model_cls(), L)
    before = {key: value for key, value in vars(model).items()}
    proba = model.predict_proba(L)
    fewer = L.select(list(L.lf_names[:3]))

    with pytest.raises(OSError, match="partition 3 lost"):  # fails inside the fit
        model.fit(_LostPartition(fewer))
    with pytest.raises(ValueError, match="seed"):  # fails at the hyper-parameter check
        model.set_params(seed=-1).fit(fewer)
    model.set_params(seed=before["seed"])
    with pytest.raises(ValueError, match="Y_dev"):
        model.fit(fewer, L_dev=fewer, Y_dev=np.full(fewer.n_rows, 9))

    assert vars(model).keys() == before.keys()
    assert all(vars(model)[key] is value for key, value in before.items())
    assert model.lf_names_ == L.lf_names
    np.testing.assert_array_equal(model.predict_proba(L), proba)

    unfitted = model_cls()
    with pytest.raises(OSError):
        unfitted.fit(_LostPartition(L))
    assert vars(unfitted) == vars(model_cls())  # still nothing fitted
    # and a later fit works as if nothing had happened
    np.testing.assert_array_equal(_fit_quietly(unfitted, L).predict_proba(L), proba)


def _dev_f1(estimator: BaseLabelModel, L: LabelMatrix, y: np.ndarray) -> float:
    """The dev scorer: macro F1 of the model's labels on held-out gold rows."""
    return estimator.evaluate(L, y, ("f1_macro",))["f1_macro"]


@pytest.mark.parametrize("model_cls", MODELS, ids=lambda c: c.__name__)
def test_grid_search_and_cross_validation_work_on_a_label_matrix(model_cls):
    L, y = _matrix_with_gaps(3, seed=5)
    grid = GRID[model_cls.__name__]
    (name, values), = grid.items()
    folds = KFold(3, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = GridSearchCV(model_cls(), grid, scoring=_dev_f1, cv=folds, error_score="raise").fit(L, y)
        cv_scores = cross_val_score(model_cls(), L, y, cv=folds, error_score="raise")

        # The same folds by hand: fit on the training rows only, score on the held-out gold.
        expected_search, expected_cv = [], []
        for value in values:
            per_fold = []
            for train, test in folds.split(np.arange(L.n_rows)):
                fitted = model_cls(**{name: value}).fit(L[train])
                per_fold.append(_dev_f1(fitted, L[test], y[test]))
            expected_search.append(np.mean(per_fold))
        for train, test in folds.split(np.arange(L.n_rows)):
            expected_cv.append(model_cls().fit(L[train]).score(L[test], y[test]))
        refit = model_cls(**search.best_params_).fit(L)

    np.testing.assert_allclose(search.cv_results_["mean_test_score"], expected_search, rtol=1e-12)
    assert search.best_params_ == {name: values[int(np.argmax(expected_search))]}
    np.testing.assert_array_equal(search.best_estimator_.predict_proba(L), refit.predict_proba(L))
    np.testing.assert_allclose(cv_scores, expected_cv, rtol=1e-12)


def test_score_is_the_accuracy_of_predict_with_the_same_tie_break():
    # Rows 1 and 3 tie; predict and score share their default (abstain: a tie is wrong).
    L = LabelMatrix.from_dense(np.array([[0, 0, 1], [0, 1, -1], [1, 1, -1], [-1, 0, 1]]))
    y = np.array([0, 1, 1, 0])
    model = MajorityVote().fit(L)
    assert model.predict(L).tolist() == [0, -1, 1, -1]
    assert model.score(L, y) == 0.5
    assert model.score(L, y, tie_break="first") == 0.75  # both ties go to class 0: row 3 right
    defaults = {
        method: inspect.signature(getattr(BaseLabelModel, method)).parameters["tie_break"].default
        for method in ("predict", "score", "evaluate")
    }
    assert set(defaults.values()) == {"abstain"}
