"""Per-row vote tallies: weighted class votes, vote shares and each row's majority class.

Each kernel has a ``*_reference`` twin in plain NumPy on the dense votes; the tests
prove the two agree.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._arrays import csr_args, dense_votes, onehot
from .chunks import fill_rows

__all__ = [
    "majority_of_row",
    "majority_winner",
    "majority_winner_reference",
    "vote_share_proba",
    "vote_share_proba_reference",
    "weighted_vote_counts",
    "weighted_vote_counts_reference",
]


@njit(cache=True, nogil=True, inline="always")
def majority_of_row(indptr, data, i, votes):  # pragma: no cover - compiled
    """Unique majority class of row ``i`` (its vote counts are left in ``votes``), -1 on a tie.

    The one definition of a row's majority every kernel uses. For k = 2 the votes are
    counted without touching memory (a sum of labels).
    """
    k = votes.shape[0]
    start = indptr[i]
    stop = indptr[i + 1]
    if k == 2:
        n1 = 0
        for p in range(start, stop):
            n1 += data[p] - 1
        votes[1] = n1
        votes[0] = (stop - start) - n1
    else:
        for y in range(k):
            votes[y] = 0
        for p in range(start, stop):
            votes[data[p] - 1] += 1
    best = -1
    top = 0
    for y in range(k):
        if votes[y] > top:
            top = votes[y]
            best = y
        elif votes[y] == top and top > 0:
            best = -1
    return best


@njit(cache=True, nogil=True)
def _weighted_vote_counts_rows(lo, hi, out, indptr, indices, data, weights):  # pragma: no cover
    for i in range(lo, hi):
        for p in range(indptr[i], indptr[i + 1]):
            out[i, data[p] - 1] += weights[indices[p]]


def weighted_vote_counts(indptr, indices, data, weights, k: int) -> np.ndarray:
    """Per-row sum of LF weights for each class: ``out[i, c] = sum_{j votes c} weights[j]``.

    Examples
    --------
    >>> indptr, indices, data = np.array([0, 2, 3]), np.array([0, 1, 1]), np.array([1, 2, 2])
    >>> weighted_vote_counts(indptr, indices, data, np.array([1.0, 3.0]), 2).tolist()
    [[1.0, 3.0], [0.0, 3.0]]
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    out = np.zeros((indptr.shape[0] - 1, int(k)), dtype=np.float64)
    fill_rows(_weighted_vote_counts_rows, out.shape[0], data.shape[0], out, indptr, indices, data,
              np.ascontiguousarray(weights, dtype=np.float64))
    return out


def weighted_vote_counts_reference(indptr, indices, data, weights, k: int) -> np.ndarray:
    """NumPy twin of :func:`weighted_vote_counts`."""
    votes = onehot(dense_votes(indptr, indices, data, len(weights)), k)
    return np.einsum("imc,m->ic", votes, np.asarray(weights, dtype=np.float64))


@njit(cache=True, nogil=True)
def _vote_share_rows(lo, hi, out, indptr, indices, data, class_weights, prior):  # pragma: no cover
    k = class_weights.shape[0]
    for i in range(lo, hi):
        start, stop = indptr[i], indptr[i + 1]
        if stop == start:
            for y in range(k):
                out[i, y] = prior[y]
            continue
        for y in range(k):
            out[i, y] = 0.0
        for p in range(start, stop):
            out[i, data[p] - 1] += 1.0
        total = 0.0
        for y in range(k):
            out[i, y] *= class_weights[y]
            total += out[i, y]
        for y in range(k):
            out[i, y] /= total


def vote_share_proba(indptr, indices, data, class_weights, prior) -> np.ndarray:
    """Vote-count probabilities in one pass: ``out[i, c] ∝ votes_c(i) * class_weights[c]``.

    With unit weights these are each row's vote shares (majority vote's probabilities).
    Rows without votes get ``prior`` (already normalised by the caller). Weights must be
    positive (a row voting only for a zero-weight class would divide 0 by 0).

    Examples
    --------
    >>> indptr, indices, data = np.array([0, 3, 3]), np.array([0, 1, 2]), np.array([1, 2, 2])
    >>> vote_share_proba(indptr, indices, data, np.ones(2), np.array([0.5, 0.5])).round(3).tolist()
    [[0.333, 0.667], [0.5, 0.5]]
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    class_weights = np.ascontiguousarray(class_weights, dtype=np.float64)
    out = np.empty((indptr.shape[0] - 1, class_weights.shape[0]), dtype=np.float64)
    fill_rows(_vote_share_rows, out.shape[0], data.shape[0], out, indptr, indices, data, class_weights,
              np.ascontiguousarray(prior, dtype=np.float64))
    return out


def vote_share_proba_reference(indptr, indices, data, class_weights, prior) -> np.ndarray:
    """NumPy twin of :func:`vote_share_proba`."""
    k = len(class_weights)
    counts = onehot(dense_votes(indptr, indices, data), k).sum(axis=1) * np.asarray(class_weights)
    total = counts.sum(axis=1, keepdims=True)
    voted = np.diff(indptr)[:, None] > 0
    return np.where(voted, counts / np.where(voted, total, 1.0), np.asarray(prior, dtype=np.float64))


@njit(cache=True, nogil=True)
def _majority_winner_rows(lo, hi, out, indptr, data, k):  # pragma: no cover - compiled
    votes = np.empty(k, dtype=np.int64)
    for i in range(lo, hi):
        out[i] = majority_of_row(indptr, data, i, votes)


def majority_winner(indptr, indices, data, k: int) -> np.ndarray:
    """Per row: the unique majority class, or -1 for ties and rows without votes.

    Examples
    --------
    >>> indptr, indices, data = np.array([0, 3, 5, 5]), np.array([0, 1, 2, 0, 1]), np.array([1, 2, 2, 1, 2])
    >>> majority_winner(indptr, indices, data, 2).tolist()
    [1, -1, -1]
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    out = np.empty(indptr.shape[0] - 1, dtype=np.int64)
    fill_rows(_majority_winner_rows, out.shape[0], data.shape[0], out, indptr, data, int(k))
    return out


def majority_winner_reference(indptr, indices, data, k: int) -> np.ndarray:
    """NumPy twin of :func:`majority_winner`."""
    counts = onehot(dense_votes(indptr, indices, data), k).sum(axis=1)
    top = counts.max(axis=1, initial=0)
    unique = (counts == top[:, None]).sum(axis=1) == 1
    return np.where((top > 0) & unique, counts.argmax(axis=1), -1)
