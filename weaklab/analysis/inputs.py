"""Checks of the inputs analysis and the report take: a label matrix, gold labels, a fitted model, an LF.

Label vectors themselves are checked by :func:`weaklab._validation.check_labels`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import check_labels
from ..matrix import LabelMatrix
from ..matrix.counts import model_predictions

__all__ = ["ModelView", "check_gold", "check_matrix", "check_model", "resolve_lf"]


def check_matrix(L: object) -> LabelMatrix:
    """Return ``L`` if it is a :class:`~weaklab.LabelMatrix`, else raise ``TypeError``.

    Examples
    --------
    >>> check_matrix([[0, 1]])
    Traceback (most recent call last):
    ...
    TypeError: L must be a LabelMatrix, got list
    """
    if not isinstance(L, LabelMatrix):
        raise TypeError(f"L must be a LabelMatrix, got {type(L).__name__}")
    return L


def check_gold(y: object, L: LabelMatrix) -> np.ndarray:
    """Gold labels for the rows of ``L`` as int64, -1 for unknown (a column vector is accepted)."""
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim == 1 and arr.shape[0] != L.n_rows:
        raise ValueError(f"y has {arr.shape[0]} labels but L has {L.n_rows} rows")
    return check_labels(arr, L.n_rows, L.cardinality, allow_missing=True)


class ModelView(NamedTuple):
    """What analysis reads from a fitted label model (see :func:`check_model`)."""

    predictions: np.ndarray  # (n,), -1 = abstain
    accuracies: np.ndarray | None  # (m,)
    class_balance: np.ndarray | None  # (k,)
    warnings: list[str]


def check_model(model: object, L: LabelMatrix) -> ModelView:
    """Ask a fitted label model for its predictions and learned parameters."""
    pred = model_predictions(model, L)
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
    """Column position of an LF given by name or position, checked against ``L``.

    Examples
    --------
    >>> L = LabelMatrix.from_dense(np.array([[0, 1]]), ["a", "b"])
    >>> resolve_lf(L, "b", "lf"), resolve_lf(L, 0, "lf")
    (1, 0)
    """
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


