"""Posteriors of log-linear label models: per-row scores, probabilities, and their argmax
against majority vote (the guardrail statistics).

A log-linear model scores row ``i`` as ``base[y] + sum_{votes (j, l)} table[j, l, y]``.
For k = 2 the ``*_binary`` kernels work on log-odds ``delta[j, l] = table[j, l, 1] -
table[j, l, 0]`` and ``base_delta = base[1] - base[0]``: one addition per vote. Each
kernel has a ``*_reference`` twin in plain NumPy.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._arrays import csr_args, dense_votes, onehot
from .chunks import fill_rows, sum_over_rows
from .votes import majority_of_row, majority_winner_reference

__all__ = [
    "argmax_vs_majority",
    "argmax_vs_majority_binary",
    "argmax_vs_majority_reference",
    "loglinear_proba",
    "loglinear_proba_binary",
    "loglinear_proba_reference",
    "loglinear_scores",
    "loglinear_scores_reference",
    "row_scores",
    "softmax_in_place",
]


@njit(cache=True, nogil=True, inline="always")
def row_scores(indptr, indices, data, table, base, i, s):  # pragma: no cover - compiled
    """Write the log-linear scores ``base + sum_votes table[j, l, :]`` of row ``i`` into ``s``."""
    k = base.shape[0]
    for y in range(k):
        s[y] = base[y]
    for p in range(indptr[i], indptr[i + 1]):
        j = indices[p]
        l = data[p] - 1
        for y in range(k):
            s[y] += table[j, l, y]


@njit(cache=True, nogil=True, inline="always")
def softmax_in_place(s):  # pragma: no cover - compiled
    """Replace the log scores ``s`` by their softmax; returns ``logsumexp(s)``.

    The one softmax every kernel that needs a posterior uses.
    """
    k = s.shape[0]
    mx = s[0]
    for y in range(1, k):
        if s[y] > mx:
            mx = s[y]
    tot = 0.0
    for y in range(k):
        s[y] = np.exp(s[y] - mx)
        tot += s[y]
    for y in range(k):
        s[y] /= tot
    return mx + np.log(tot)


def _tables(table, base):
    return np.ascontiguousarray(table, dtype=np.float64), np.ascontiguousarray(base, dtype=np.float64)


@njit(cache=True, nogil=True)
def _scores_rows(lo, hi, out, indptr, indices, data, table, base):  # pragma: no cover - compiled
    for i in range(lo, hi):
        row_scores(indptr, indices, data, table, base, i, out[i])


def loglinear_scores(indptr, indices, data, table, base) -> np.ndarray:
    """Per-row log scores ``base[y] + sum_{votes (j, l)} table[j, l, y]``, shape (n, k).

    Examples
    --------
    >>> table = np.array([[[1.0, 0.0], [0.0, 2.0]]])  # one LF: (its vote, class)
    >>> loglinear_scores(np.array([0, 1, 1]), np.array([0]), np.array([2]), table, np.zeros(2)).tolist()
    [[0.0, 2.0], [0.0, 0.0]]
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    table, base = _tables(table, base)
    out = np.empty((indptr.shape[0] - 1, base.shape[0]), dtype=np.float64)
    fill_rows(_scores_rows, out.shape[0], data.shape[0], out, indptr, indices, data, table, base)
    return out


def loglinear_scores_reference(indptr, indices, data, table, base) -> np.ndarray:
    """NumPy twin of :func:`loglinear_scores`."""
    m, k = table.shape[0], table.shape[2]
    return base + np.einsum("iml,mly->iy", onehot(dense_votes(indptr, indices, data, m), k), table)


@njit(cache=True, nogil=True)
def _proba_rows(lo, hi, out, indptr, indices, data, table, base, prior):  # pragma: no cover
    k = base.shape[0]
    for i in range(lo, hi):
        if indptr[i + 1] == indptr[i]:
            for y in range(k):
                out[i, y] = prior[y]
            continue
        row_scores(indptr, indices, data, table, base, i, out[i])
        softmax_in_place(out[i])


def loglinear_proba(indptr, indices, data, table, base, prior) -> np.ndarray:
    """Normalised probabilities in one pass: ``softmax(base + sum_votes table[j, l, :])``.

    Rows without votes get ``prior`` (already normalised by the caller). This is the
    whole of ``predict_proba`` for the log-linear models: no (n, k) temporaries.

    Examples
    --------
    >>> table = np.array([[[0.0, 0.0], [0.0, np.log(3.0)]]])
    >>> loglinear_proba(np.array([0, 1, 1]), np.array([0]), np.array([2]), table, np.zeros(2),
    ...                 np.array([0.4, 0.6])).round(3).tolist()
    [[0.25, 0.75], [0.4, 0.6]]
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    table, base = _tables(table, base)
    out = np.empty((indptr.shape[0] - 1, base.shape[0]), dtype=np.float64)
    fill_rows(_proba_rows, out.shape[0], data.shape[0], out, indptr, indices, data, table, base,
              np.ascontiguousarray(prior, dtype=np.float64))
    return out


def loglinear_proba_reference(indptr, indices, data, table, base, prior) -> np.ndarray:
    """NumPy twin of :func:`loglinear_proba` (and of :func:`loglinear_proba_binary`)."""
    scores = loglinear_scores_reference(indptr, indices, data, table, base)
    e = np.exp(scores - scores.max(axis=1, keepdims=True, initial=-np.inf))
    out = e / e.sum(axis=1, keepdims=True)
    out[np.diff(indptr) == 0] = prior
    return out


@njit(cache=True, nogil=True)
def _proba_binary_rows(lo, hi, out, indptr, indices, data, delta, base_delta, prior):  # pragma: no cover
    for i in range(lo, hi):
        if indptr[i + 1] == indptr[i]:
            out[i, 0] = prior[0]
            out[i, 1] = prior[1]
            continue
        z = base_delta
        for p in range(indptr[i], indptr[i + 1]):
            z += delta[indices[p], data[p] - 1]
        # A numerically stable logistic function of the log-odds z.
        if z >= 0:
            e = np.exp(-z)
            out[i, 1] = 1.0 / (1.0 + e)
            out[i, 0] = e / (1.0 + e)
        else:
            e = np.exp(z)
            out[i, 0] = 1.0 / (1.0 + e)
            out[i, 1] = e / (1.0 + e)


def loglinear_proba_binary(indptr, indices, data, delta, base_delta, prior) -> np.ndarray:
    """:func:`loglinear_proba` for k = 2, on log-odds: one addition per vote, one exp per row.

    Examples
    --------
    >>> delta = np.array([[0.0, np.log(3.0)]])  # LF 0 voting class 1 triples the odds
    >>> loglinear_proba_binary(np.array([0, 1, 1]), np.array([0]), np.array([2]), delta, 0.0,
    ...                        np.array([0.4, 0.6])).round(3).tolist()
    [[0.25, 0.75], [0.4, 0.6]]
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    out = np.empty((indptr.shape[0] - 1, 2), dtype=np.float64)
    fill_rows(_proba_binary_rows, out.shape[0], data.shape[0], out, indptr, indices, data,
              np.ascontiguousarray(delta, dtype=np.float64), float(base_delta),
              np.ascontiguousarray(prior, dtype=np.float64))
    return out


@njit(cache=True, nogil=True)
def _argmax_vs_majority_chunk(lo, hi, indptr, indices, data, table, base):  # pragma: no cover
    k = base.shape[0]
    s = np.empty(k, dtype=np.float64)
    votes = np.empty(k, dtype=np.int64)
    agree = 0.0
    pred_counts = np.zeros(k, dtype=np.float64)
    for i in range(lo, hi):
        if indptr[i + 1] == indptr[i]:
            continue
        row_scores(indptr, indices, data, table, base, i, s)
        pred = 0
        for y in range(1, k):
            if s[y] > s[pred]:
                pred = y
        pred_counts[pred] += 1.0
        if majority_of_row(indptr, data, i, votes) == pred:
            agree += 1.0
    return agree, pred_counts


def argmax_vs_majority(indptr, indices, data, table, base) -> tuple[float, np.ndarray]:
    """The model-dependent guardrail statistics of a log-linear model, in one gather pass.

    Per covered row: the model's argmax of ``base + sum_votes table[j, l, :]`` (first
    maximum) and the row's unique majority class (none on ties).

    Returns
    -------
    agree : float
        Rows with a unique majority where the model's argmax equals it.
    pred_counts : (k,) float64
        The model's argmax counts over covered rows.

    Examples
    --------
    >>> table = np.array([[[0.0, 1.0], [0.0, 1.0]]])  # the model always says class 1
    >>> agree, counts = argmax_vs_majority(np.array([0, 1, 2]), np.array([0, 0]), np.array([1, 2]),
    ...                                    table, np.zeros(2))
    >>> agree, counts.tolist()
    (1.0, [0.0, 2.0])
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    table, base = _tables(table, base)
    return sum_over_rows(_argmax_vs_majority_chunk, indptr, base.shape[0] + 1, indices, data, table, base)


@njit(cache=True, nogil=True)
def _argmax_vs_majority_binary_chunk(lo, hi, indptr, indices, data, delta, base_delta):  # pragma: no cover
    agree = 0.0
    pred1 = 0.0
    covered = 0.0
    for i in range(lo, hi):
        start = indptr[i]
        stop = indptr[i + 1]
        if stop == start:
            continue
        z = base_delta
        n1 = 0
        for p in range(start, stop):
            l = data[p] - 1
            z += delta[indices[p], l]
            n1 += l
        pred = 1 if z > 0 else 0
        covered += 1.0
        pred1 += pred
        twice = 2 * n1
        nv = stop - start
        if (twice > nv and pred == 1) or (twice < nv and pred == 0):
            agree += 1.0
    acc = np.empty(3, dtype=np.float64)
    acc[0] = agree
    acc[1] = covered - pred1
    acc[2] = pred1
    return (acc,)


def argmax_vs_majority_binary(indptr, indices, data, delta, base_delta) -> tuple[float, np.ndarray]:
    """:func:`argmax_vs_majority` for k = 2 on log-odds (``delta`` as in
    :func:`loglinear_proba_binary`); a tie in the scores predicts class 0.

    Examples
    --------
    >>> agree, counts = argmax_vs_majority_binary(np.array([0, 1, 2]), np.array([0, 0]),
    ...                                           np.array([1, 2]), np.array([[1.0, 1.0]]), 0.0)
    >>> agree, counts.tolist()
    (1.0, [0.0, 2.0])
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    (acc,) = sum_over_rows(_argmax_vs_majority_binary_chunk, indptr, 3, indices, data,
                           np.ascontiguousarray(delta, dtype=np.float64), float(base_delta))
    return float(acc[0]), acc[1:].copy()


def argmax_vs_majority_reference(indptr, indices, data, table, base) -> tuple[float, np.ndarray]:
    """NumPy twin of :func:`argmax_vs_majority` (and of the binary kernel)."""
    k = table.shape[2]
    pred = loglinear_scores_reference(indptr, indices, data, table, base).argmax(axis=1)
    winner = majority_winner_reference(indptr, indices, data, k)
    covered = np.diff(indptr) > 0
    agree = float(np.count_nonzero((pred == winner) & (winner >= 0)))
    return agree, np.bincount(pred[covered], minlength=k).astype(np.float64)
