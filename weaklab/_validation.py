"""Input checks shared by the label models, :mod:`weaklab.analysis`, the drill-down helpers and the report."""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np
from sklearn.utils import check_scalar

from .matrix import LabelMatrix

def check_matrix(L: object) -> LabelMatrix:
    if not isinstance(L, LabelMatrix):
        raise TypeError(f"L must be a LabelMatrix, got {type(L).__name__}")
    return L


def check_labels(y: object, n: int, k: int, name: str = "y", allow_missing: bool = False) -> np.ndarray:
    """Check gold labels: 1-D ints in ``0..k-1`` (``-1`` allowed when ``allow_missing``)."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} labels for {n} rows")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    low = -1 if allow_missing else 0
    bad = np.flatnonzero((arr < low) | (arr >= k))
    if bad.size:
        raise ValueError(
            f"{name}[{bad[0]}] = {arr[bad[0]]} is outside [{low}, {k - 1}] for cardinality {k}"
        )
    return arr


def check_gold(y: object, L: LabelMatrix) -> np.ndarray:
    """Gold labels for the rows of ``L`` as int64, -1 for unknown (a column vector is accepted)."""
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim == 1 and arr.shape[0] != L.n_rows:
        raise ValueError(f"y has {arr.shape[0]} labels but L has {L.n_rows} rows")
    return check_labels(arr, L.n_rows, L.cardinality, allow_missing=True)


class ModelView(NamedTuple):
    predictions: np.ndarray  # (n,), -1 = abstain
    accuracies: np.ndarray | None  # (m,)
    class_balance: np.ndarray | None  # (k,)
    warnings: list[str]


def check_model(model: object, L: LabelMatrix) -> ModelView:
    """Ask a fitted label model for its predictions and learned parameters."""
    if not callable(getattr(model, "predict", None)):
        raise TypeError(f"model must be a fitted label model with predict(L), got {type(model).__name__}")
    names = getattr(model, "lf_names_", None)
    if names is not None and tuple(names) != tuple(L.lf_names):
        raise ValueError(
            f"model was fitted on LFs {list(names)[:5]}... but L has {list(L.lf_names)[:5]}...; "
            "pass the label matrix the model was fitted on (same LFs, same order)"
        )
    pred = np.asarray(model.predict(L, tie_break="abstain"))
    if pred.shape != (L.n_rows,):
        raise ValueError(f"model.predict returned shape {pred.shape}, expected ({L.n_rows},)")
    pred = pred.astype(np.int64, copy=False)
    if pred.size and (pred.min() < -1 or pred.max() >= L.cardinality):
        raise ValueError(f"model.predict returned labels outside [-1, {L.cardinality - 1}]")
    acc = getattr(model, "accuracies_", None)
    if acc is not None:
        acc = np.asarray(acc, dtype=np.float64)
        if acc.shape != (L.n_lfs,):
            raise ValueError(f"model.accuracies_ has shape {acc.shape}, expected ({L.n_lfs},)")
    balance = getattr(model, "class_balance_", None)
    if balance is not None:
        balance = np.asarray(balance, dtype=np.float64)
    warnings = [str(w) for w in (getattr(model, "warnings_", None) or [])]
    return ModelView(pred, acc, balance, warnings)


def resolve_lf(L: LabelMatrix, lf: object, argname: str) -> int:
    if isinstance(lf, (int, np.integer)) and not isinstance(lf, bool):
        if not 0 <= lf < L.n_lfs:
            raise ValueError(f"{argname}={lf} is not a column of L (it has {L.n_lfs} LFs)")
        return int(lf)
    if not isinstance(lf, str):
        raise TypeError(f"{argname} must be an LF name or column position, got {lf!r}")
    try:
        return L.col(lf)
    except KeyError:
        raise ValueError(f"{argname}={lf!r} is not an LF of L; known: {list(L.lf_names)[:10]}...") from None


def check_int(
    value: object, name: str, *, min_val: int | None = None, max_val: int | None = None
) -> int:
    """Check an integer argument (booleans are refused) and return it as ``int``.

    Parameters
    ----------
    value : object
        The argument.
    name : str
        Its name in error messages.
    min_val, max_val : int, optional
        Inclusive bounds.

    Raises
    ------
    TypeError
        Not an integer (``True`` included).
    ValueError
        Outside the bounds.

    Examples
    --------
    >>> check_int(3, "max_iter", min_val=1)
    3
    >>> check_int(0, "max_iter", min_val=1)
    Traceback (most recent call last):
    ...
    ValueError: max_iter == 0, must be >= 1.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    return int(check_scalar(value, name, numbers.Integral, min_val=min_val, max_val=max_val))


def check_float(
    value: object,
    name: str,
    *,
    min_val: float | None = None,
    max_val: float | None = None,
    include_boundaries: str = "both",
) -> float:
    """Check a finite real argument (booleans are refused) and return it as ``float``.

    Parameters
    ----------
    value : object
        The argument.
    name : str
        Its name in error messages.
    min_val, max_val : float, optional
        Bounds; ``include_boundaries`` is ``"both"``, ``"left"``, ``"right"`` or
        ``"neither"`` as in :func:`sklearn.utils.check_scalar`.

    Raises
    ------
    TypeError
        Not a real number.
    ValueError
        NaN, infinite, or outside the bounds.

    Examples
    --------
    >>> check_float(0.5, "tol", min_val=0)
    0.5
    >>> check_float(float("inf"), "tol", min_val=0)
    Traceback (most recent call last):
    ...
    ValueError: tol must be finite, got inf
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    check_scalar(value, name, numbers.Real)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    check_scalar(
        value, name, numbers.Real, min_val=min_val, max_val=max_val,
        include_boundaries=include_boundaries,
    )
    return float(value)
