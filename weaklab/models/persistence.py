"""Label models on disk: the registry of model classes, ``save`` and ``load_model``.

A model file is one ``.npz`` (see :mod:`weaklab.persistence`): the fitted arrays, plus a
JSON header with the model's class name, its hyper-parameters and its fitted scalars.
Nothing is ever unpickled; the class is looked up in the registry that every subclass
of :class:`~weaklab.models.BaseLabelModel` joins when it is defined.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator  # every label model is one; naming the base class here would be an import loop

from ..matrix.label_matrix import _check_fingerprints
from ..persistence import StoredFile, read_npz_json, save_npz_json
from ._maths import lf_accuracies


__all__ = ["LEARNED", "Learned", "load_model", "read_model", "register", "save_model"]

_REGISTRY: dict[str, type[BaseEstimator]] = {}


def register(cls: type[BaseEstimator]) -> None:
    """Make ``cls`` loadable by name (called for every subclass of ``BaseLabelModel``).

    Private classes (a leading underscore: a model's internal building block, saved as
    part of the public model that holds it) are not registered.

    Examples
    --------
    >>> from weaklab.models import DawidSkene
    >>> _REGISTRY["DawidSkene"] is DawidSkene  # registered when the class was defined
    True
    >>> "_GuardedDawidSkene" in _REGISTRY
    False
    """
    if not cls.__name__.startswith("_"):
        _REGISTRY[cls.__name__] = cls


def _fitted_state(model: BaseEstimator) -> dict[str, Any]:
    return {name: value for name, value in vars(model).items() if name.endswith("_") and not name.startswith("_")}


@dataclass(frozen=True)
class Learned:
    """The declaration of one learned attribute, checked when a model file is loaded.

    ``shape`` is ``None`` for a value kept in the JSON header, else the array's shape in
    terms of ``"m"`` (the number of LFs) and ``"k"`` (the number of classes). ``kind`` is
    an array kind of :meth:`weaklab.persistence.StoredFile.array` or, for header values,
    one of ``"int"``, ``"bool"``, ``"str"``, ``"float"`` (``null`` reads as NaN),
    ``"floats"`` (a list of them), ``"strs"`` and ``"scores"`` (names to floats).
    """

    kind: str
    shape: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None
    optional: bool = False


_PROBS = dict(kind="float", low=0.0, high=1.0)
_HISTORY = {"loss_history_": Learned("floats"), "n_iter_": Learned("int", low=0), "converged_": Learned("bool")}
_CONFUSION = Learned(shape=("m", "k", "k"), **_PROBS)
_COVERAGE = Learned(shape=("m", "k"), **_PROBS)

#: What each model learns (beyond :data:`_COMMON`). A model file holds exactly these keys.
LEARNED: dict[str, dict[str, Learned]] = {
    "MajorityVote": {},
    "WeightedMajorityVote": {"weights_": Learned("float", ("m",))},
    "ClassBalancedVote": {"vote_share_": Learned("float", ("k",), low=0.0, high=1.0)},
    "DawidSkene": {"confusion_": _CONFUSION, "coverage_": _COVERAGE, **_HISTORY},
    "MatrixCompletion": {
        "mu_": Learned(shape=("m", "k", "k"), **_PROBS), "confusion_": _CONFUSION, "coverage_": _COVERAGE, **_HISTORY,
    },
    "MMSR": {
        "weights_": Learned("float", ("m",)),
        "solved_": Learned("bool", ("m",)),
        "trim_": Learned("int", low=0),
        "n_iter_": Learned("int", low=0),
        "converged_": Learned("bool"),
    },
    "TripletModel": {
        "confusion_": _CONFUSION,
        "n_triplets_": Learned("int", ("m",), low=0),
        "solved_": Learned("bool", ("m",)),
    },
    "LabelModel": {
        "confusion_": _CONFUSION,
        "coverage_": _COVERAGE,
        "vote_share_": Learned("float", ("k",), low=0.0, high=1.0, optional=True),
        "selected_": Learned("str"),
        "dev_scores_": Learned("scores"),
        # absent from files saved before the no-dev choice existed
        "holdout_agreement_": Learned("scores", optional=True),
        "holdout_z_": Learned("float", optional=True),
        "prior_fallback_": Learned("bool"),
        **_HISTORY,
    },
}

#: Learned by every model (``cardinality_``, ``n_lfs_`` and ``lf_names_`` are read first).
_COMMON: dict[str, Learned] = {
    "class_balance_": Learned(shape=("k",), **_PROBS),
    "accuracies_": Learned(shape=("m",), **_PROBS),
    "warnings_": Learned("strs"),
    "agreement_with_majority_": Learned("float", low=0.0, high=1.0),
    "lf_fingerprints_": Learned("strs", optional=True),
}
_SHAPE_KEYS = ("cardinality_", "n_lfs_", "lf_names_")


def _declared(name: str) -> dict[str, Learned]:
    return {**_COMMON, **LEARNED.get(name, {})}


def save_model(model: BaseEstimator, path: str | Path) -> Path:
    """Write a fitted ``model``'s hyper-parameters and fitted state to one ``.npz`` file.

    Returns the file written (``.npz`` appended when missing). A learned attribute that
    is not declared in :data:`LEARNED` is an error: the file could not be loaded.

    Examples
    --------
    >>> import tempfile
    >>> from weaklab import LabelMatrix
    >>> from weaklab.models import MajorityVote
    >>> model = MajorityVote().fit(LabelMatrix.from_dense(np.array([[0, 0], [1, -1]])))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save_model(model, Path(folder) / "mv").name
    'mv.npz'
    """
    name = type(model).__name__
    declared = _declared(name)
    arrays: dict[str, np.ndarray] = {}
    scalars: dict[str, Any] = {}
    for key, value in _fitted_state(model).items():
        if key not in declared and key not in _SHAPE_KEYS:
            raise ValueError(
                f"{name} learned {key!r}, which weaklab.models.persistence.LEARNED does not declare; "
                "declare its shape and range there so the file can be checked on load"
            )
        if isinstance(value, np.ndarray):
            arrays[key] = value
        else:
            scalars[key] = _to_json(value)
    meta = {"model": name, "params": _to_json(model.get_params()), "fitted": scalars}
    return save_npz_json(path, arrays, meta)


def read_model(path: str | Path, expected: type[BaseEstimator] | None = None) -> BaseEstimator:
    """The model saved in ``path``; with ``expected``, the file must hold that class.

    Everything in the file is checked before it reaches the model: the class name, the
    hyper-parameters (exactly the constructor's, each a value ``fit`` accepts), every learned value against its
    declaration in :data:`LEARNED` (shape from ``n_lfs_`` and ``cardinality_``, dtype,
    range, finiteness; undeclared keys refused), one 64-hex-digit fingerprint per LF
    when ``lf_fingerprints_`` is saved, that ``class_balance_`` and every row of
    ``confusion_`` sum to 1, that a MatrixCompletion's ``confusion_`` and ``coverage_``
    are those its ``mu_`` gives and, for log-linear models, that the prediction tables
    are finite.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    weaklab.persistence.CorruptFileError
        (a ``ValueError``) anything wrong with the file, named with its path.

    Examples
    --------
    >>> import tempfile
    >>> from weaklab import LabelMatrix
    >>> from weaklab.models import DawidSkene, MajorityVote
    >>> model = MajorityVote().fit(LabelMatrix.from_dense(np.array([[0, 0], [1, -1]])))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = model.save(Path(folder) / "mv")
    ...     loaded = read_model(path, MajorityVote)
    ...     try:
    ...         read_model(path, DawidSkene)
    ...     except ValueError as error:
    ...         str(error).endswith("holds a MajorityVote, not a DawidSkene")
    True
    >>> loaded.predict_proba(LabelMatrix.from_dense(np.array([[1, 1]]))).tolist()
    [[0.0, 1.0]]
    """
    f = read_npz_json(path)
    name = f.header_str("model", choices=sorted(_REGISTRY))
    target = _REGISTRY[name]
    if expected is not None and target is not expected:
        raise f.fail(f"holds a {name}, not a {expected.__name__}")
    model = target(**_read_params(f, target))
    fitted = f.header_dict("fitted")
    where = "fitted value"
    k = f.check_int(fitted.get("cardinality_"), f"{where} 'cardinality_'", low=2, high=np.iinfo(np.int16).max - 1)
    m = f.check_int(fitted.get("n_lfs_"), f"{where} 'n_lfs_'", low=1, high=np.iinfo(np.int32).max)
    try:
        model._check_params(k, m)  # what fit would have refused
    except (TypeError, ValueError) as exc:
        raise f.fail(f"hyper-parameter {exc}") from None
    names = fitted.get("lf_names_")
    probe = StoredFile(f.path, {}, {"lf_names_": names})
    model.cardinality_, model.n_lfs_ = k, m
    model.lf_names_ = probe.header_names("lf_names_", length=m)
    declared = _declared(name)
    f.check_keys(fitted, set(declared) | set(_SHAPE_KEYS), "'fitted'")
    sizes = {"m": m, "k": k}
    for key, spec in declared.items():
        if spec.shape is None:
            if key not in fitted:
                if spec.optional:
                    continue
                raise f.fail(f"the fitted state has no {key!r}")
            value = _read_value(f, fitted[key], spec, f"{where} {key!r}")
        else:
            value = f.array(
                key, shape=tuple(sizes[d] for d in spec.shape), kind=spec.kind,
                low=spec.low, high=spec.high, optional=spec.optional,
            )
            if value is None:
                continue
        setattr(model, key, value)
    f.finish()
    _check_consistent(f, model, name)
    return model


def _read_params(f: StoredFile, target: type[BaseEstimator]) -> dict[str, Any]:
    params = f.header_dict("params")
    names = target._get_param_names()
    f.check_keys(params, names, "'params'")
    missing = sorted(set(names) - set(params))
    if missing:
        raise f.fail(f"'params' lacks {missing}")
    for key, value in params.items():
        ok = value is None or isinstance(value, (bool, int, str)) or (
            isinstance(value, float) and np.isfinite(value)
        ) or (isinstance(value, list) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in value
        ))
        if not ok:
            raise f.fail(f"hyper-parameter {key!r} = {value!r:.80} is not a plain value")
    if "seed" in params:
        f.check_int(params["seed"], "hyper-parameter 'seed'", low=0)
    return params


def _read_value(f: StoredFile, value: Any, spec: Learned, label: str) -> Any:
    kind = spec.kind
    if kind == "int":
        return f.check_int(value, label, low=spec.low, high=spec.high)
    if kind == "bool":
        if not isinstance(value, bool):
            raise f.fail(f"{label} must be true or false, got {value!r:.80}")
        return value
    if kind == "str":
        return f.check_str(value, label)
    if kind == "float":
        return float("nan") if value is None else f.check_float(value, label, low=spec.low, high=spec.high)
    if kind in ("floats", "strs"):
        if not isinstance(value, list):
            raise f.fail(f"{label} must be a list, got {value!r:.80}")
        if kind == "strs":
            return [f.check_str(v, f"{label} entry {i}") for i, v in enumerate(value)]
        return [float("nan") if v is None else f.check_float(v, f"{label} entry {i}") for i, v in enumerate(value)]
    if kind == "scores":
        if not isinstance(value, dict):
            raise f.fail(f"{label} must be a JSON object, got {value!r:.80}")
        return {
            str(n): float("nan") if v is None else f.check_float(v, f"{label} entry {n!r}") for n, v in value.items()
        }
    raise AssertionError(f"undeclared kind {kind!r}")  # a bug in LEARNED, not in the file


def _check_consistent(f: StoredFile, model: BaseEstimator, name: str) -> None:
    """Relations between learned values that their shapes alone do not pin down."""
    if abs(float(model.class_balance_.sum()) - 1.0) > 1e-6:
        raise f.fail(f"class_balance_ sums to {model.class_balance_.sum()!r}, not 1")
    if hasattr(model, "confusion_"):  # confusion_[j, y, :] = P(vote | y, LF j votes)
        sums = model.confusion_.sum(axis=2)
        j, y = np.unravel_index(np.abs(sums - 1.0).argmax(), sums.shape)
        if abs(sums[j, y] - 1.0) > 1e-6:
            raise f.fail(f"confusion_ of LF {model.lf_names_[j]!r} for class {y} sums to {float(sums[j, y])!r}, not 1")
    if hasattr(model, "lf_fingerprints_"):
        try:  # the rule a LabelMatrix holds its own fingerprints to
            _check_fingerprints(model.lf_fingerprints_, model.lf_names_)
        except ValueError as exc:
            raise f.fail(f"fitted value 'lf_fingerprints_': {exc}") from None
    if name == "MatrixCompletion":
        coverage, confusion = model._from_mu(model.mu_)
        gap = max(np.abs(coverage - model.coverage_).max(), np.abs(confusion - model.confusion_).max())
        if gap > 1e-6:
            raise f.fail(f"mu_ does not give the saved confusion_ and coverage_ (they differ by up to {gap:.3g})")
        if model.mu_.sum(axis=1).max() > 1 + 1e-6:
            raise f.fail(f"mu_ gives an LF a vote probability of {float(model.mu_.sum(axis=1).max())!r}, above 1")
    if name in ("ClassBalancedVote", "LabelModel") and hasattr(model, "vote_share_"):
        if np.any(model.vote_share_ <= 0):
            raise f.fail("vote_share_ holds a share <= 0")
        if abs(float(model.vote_share_.sum()) - 1.0) > 1e-6:  # shares of all training votes
            raise f.fail(f"vote_share_ sums to {float(model.vote_share_.sum())!r}, not 1")
    with np.errstate(over="ignore"):
        overflow = name == "WeightedMajorityVote" and not np.isfinite(np.abs(model.weights_).sum())
    if overflow:
        raise f.fail("weights_ are too large: a row's weighted vote count overflows")
    if name == "LabelModel":
        candidates = model._candidates()
        choices = set(candidates) | {n + "+uniform" for n in ("DawidSkene", "DawidSkene-1coin")} | {"DawidSkene+unshrunk"}
        f.check_str(model.selected_, "fitted value 'selected_'", choices=choices)
        f.check_keys(model.dev_scores_, choices, "fitted value 'dev_scores_'")
        holdout = getattr(model, "holdout_agreement_", {})
        f.check_keys(holdout, {"DawidSkene", "ClassBalancedVote"}, "fitted value 'holdout_agreement_'")
        for key, value in holdout.items():
            if not 0.0 <= value <= 1.0:
                raise f.fail(f"fitted value 'holdout_agreement_' entry {key!r} = {value!r} is not in [0, 1]")
        needs_share = model.selected_ == "ClassBalancedVote"
        if needs_share != hasattr(model, "vote_share_"):
            raise f.fail(
                "vote_share_ must be saved exactly when selected_ is 'ClassBalancedVote' "
                f"(selected_ is {model.selected_!r})"
            )
    with np.errstate(all="ignore"):  # a zero probability is reported below, not warned about
        tables = model._loglinear_tables()
        bound = None if tables is None else np.abs(tables[1]).max() + np.abs(tables[0]).max(axis=(1, 2)).sum()
    if tables is not None:
        if not np.isfinite(bound):
            raise f.fail("the learned probabilities give infinite log-scores (a probability of 0 or an overflow)")
    if name == "MMSR":  # its votes are weighted by the log-odds of its accuracies
        k = model.cardinality_
        with np.errstate(divide="ignore"):
            expected = np.log((k - 1) * model.accuracies_ / (1 - model.accuracies_))
        gap = float(np.abs(expected - model.weights_).max(initial=0.0))
        if not gap <= 1e-6:
            raise f.fail(f"weights_ are not the log-odds its accuracies_ give (off by up to {gap:.3g})")
    estimator = model.selected_.split("+")[0] if name == "LabelModel" else name
    if estimator in ("DawidSkene", "DawidSkene-1coin", "MatrixCompletion"):
        # Their accuracies_ (what reports and lf_summary show) follow from the other values.
        expected = lf_accuracies(model.class_balance_, model.confusion_, model.coverage_)
        gap = float(np.abs(expected - model.accuracies_).max(initial=0.0))
        if gap > 1e-6:
            raise f.fail(f"accuracies_ are not those its class_balance_, confusion_ and coverage_ give (off by up to {gap:.3g})")


def load_model(path: str | Path) -> BaseEstimator:
    """Load any weaklab label model saved with ``save`` (never unpickles).

    Examples
    --------
    >>> import tempfile
    >>> from weaklab import LabelMatrix
    >>> from weaklab.models import MajorityVote
    >>> L = LabelMatrix.from_dense(np.array([[0, 0, 1], [1, 1, -1]]))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = MajorityVote().fit(L).save(Path(folder) / "mv")
    ...     load_model(path).predict(L).tolist()
    [0, 1]
    """
    return read_model(path)


def _to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None  # JSON has no NaN; declared floats read null as NaN
    return value
