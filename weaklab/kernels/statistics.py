"""Numba kernels behind :mod:`weaklab.analysis`, each with a plain-NumPy reference.

All kernels read the CSR arrays of a :class:`~weaklab.matrix.LabelMatrix` directly
(``data`` holds ``label + 1``). The ``_reference`` twins compute the same numbers with
vectorised NumPy; tests prove the two agree. Nothing here ever builds an n × m array.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit


class LFCounts(NamedTuple):
    """Raw counts from one pass over the label matrix.

    Attributes
    ----------
    class_votes : ndarray of int64, shape (m, k)
        Votes of each LF for each class.
    overlaps : ndarray of int64, shape (m,)
        Votes of each LF on rows where at least one other LF votes too.
    conflicts : ndarray of int64, shape (m,)
        Votes of each LF on rows that hold at least two different labels.
    correct, incorrect : ndarray of int64, shape (r, m)
        Votes equal / unequal to each of the ``r`` reference label vectors (gold labels,
        a model's predictions), counted on rows where the reference is not ``-1``.
    majority : ndarray of int64, shape (n,)
        Majority-vote label of each row; ``-1`` for rows with no vote or a tie.
    n_covered, n_overlapped, n_conflicted : int
        Rows with at least one vote / at least two votes / at least two different labels.
    """

    class_votes: np.ndarray
    overlaps: np.ndarray
    conflicts: np.ndarray
    correct: np.ndarray
    incorrect: np.ndarray
    majority: np.ndarray
    n_covered: int
    n_overlapped: int
    n_conflicted: int


@njit(cache=True)
def _lf_counts_kernel(indptr, indices, data, n_lfs, k, refs):  # pragma: no cover - compiled
    n = indptr.size - 1
    r = refs.shape[0]
    class_votes = np.zeros((n_lfs, k), np.int64)
    overlaps = np.zeros(n_lfs, np.int64)
    conflicts = np.zeros(n_lfs, np.int64)
    correct = np.zeros((r, n_lfs), np.int64)
    incorrect = np.zeros((r, n_lfs), np.int64)
    majority = np.full(n, -1, np.int64)
    tally = np.zeros(k, np.int64)
    n_covered = 0
    n_overlapped = 0
    n_conflicted = 0
    for i in range(n):
        start = indptr[i]
        end = indptr[i + 1]
        if end == start:
            continue
        n_covered += 1
        overlapped = end - start > 1
        conflicted = False
        first = data[start]
        for p in range(start + 1, end):
            if data[p] != first:
                conflicted = True
                break
        if overlapped:
            n_overlapped += 1
        if conflicted:
            n_conflicted += 1
        for p in range(start, end):
            j = indices[p]
            c = np.int64(data[p]) - 1
            class_votes[j, c] += 1
            tally[c] += 1
            if overlapped:
                overlaps[j] += 1
            if conflicted:
                conflicts[j] += 1
            for q in range(r):
                t = refs[q, i]
                if t >= 0:
                    if t == c:
                        correct[q, j] += 1
                    else:
                        incorrect[q, j] += 1
        best = -1
        best_count = 0
        tie = False
        for p in range(start, end):
            c = np.int64(data[p]) - 1
            if tally[c] > best_count:
                best = c
                best_count = tally[c]
                tie = False
            elif tally[c] == best_count and c != best:
                tie = True
        majority[i] = -1 if tie else best
        for p in range(start, end):
            tally[np.int64(data[p]) - 1] = 0
    return (
        class_votes, overlaps, conflicts, correct, incorrect, majority,
        n_covered, n_overlapped, n_conflicted,
    )


def lf_counts(indptr, indices, data, n_lfs: int, k: int, refs: np.ndarray) -> LFCounts:
    """Run the one-pass counting kernel (see :class:`LFCounts`)."""
    refs = np.ascontiguousarray(np.atleast_2d(refs), dtype=np.int64)
    out = _lf_counts_kernel(indptr, indices, data, int(n_lfs), int(k), refs)
    return LFCounts(*out[:6], int(out[6]), int(out[7]), int(out[8]))


def _row_ids(indptr: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(indptr.size - 1, dtype=np.int64), np.diff(indptr))


def row_min_max(indptr: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest stored value (``label + 1``) of each row; 0 for empty rows."""
    n = indptr.size - 1
    lo = np.zeros(n, np.int64)
    hi = np.zeros(n, np.int64)
    nonempty = np.flatnonzero(np.diff(indptr) > 0)
    if nonempty.size:
        starts = indptr[nonempty]
        values = data.astype(np.int64, copy=False)
        lo[nonempty] = np.minimum.reduceat(values, starts)
        hi[nonempty] = np.maximum.reduceat(values, starts)
    return lo, hi


def lf_counts_reference(indptr, indices, data, n_lfs: int, k: int, refs: np.ndarray) -> LFCounts:
    """Plain-NumPy twin of :func:`lf_counts`, used by the tests."""
    n = indptr.size - 1
    refs = np.atleast_2d(np.asarray(refs, dtype=np.int64))
    rows = _row_ids(indptr)
    labels = data.astype(np.int64) - 1
    cols = indices.astype(np.int64)
    row_nnz = np.diff(indptr)
    lo, hi = row_min_max(indptr, data)
    overlapped = row_nnz > 1
    conflicted = lo != hi
    class_votes = np.bincount(cols * k + labels, minlength=n_lfs * k).reshape(n_lfs, k)
    overlaps = np.bincount(cols[overlapped[rows]], minlength=n_lfs)
    conflicts = np.bincount(cols[conflicted[rows]], minlength=n_lfs)
    correct = np.zeros((refs.shape[0], n_lfs), np.int64)
    incorrect = np.zeros((refs.shape[0], n_lfs), np.int64)
    for q, ref in enumerate(refs):
        t = ref[rows]
        known = t >= 0
        correct[q] = np.bincount(cols[known & (t == labels)], minlength=n_lfs)
        incorrect[q] = np.bincount(cols[known & (t != labels)], minlength=n_lfs)
    tally = np.bincount(rows * k + labels, minlength=n * k).reshape(n, k)
    top = tally.max(axis=1) if n else np.zeros(0, np.int64)
    winners = (tally == top[:, None]).sum(axis=1)
    majority = np.where((top > 0) & (winners == 1), tally.argmax(axis=1) if n else 0, -1)
    return LFCounts(
        class_votes.astype(np.int64), overlaps.astype(np.int64), conflicts.astype(np.int64),
        correct, incorrect, majority.astype(np.int64),
        int((row_nnz > 0).sum()), int(overlapped.sum()), int(conflicted.sum()),
    )


@njit(cache=True)
def _pair_counts_kernel(indptr, indices, data, n_lfs):  # pragma: no cover - compiled
    overlap = np.zeros((n_lfs, n_lfs), np.int64)
    conflict = np.zeros((n_lfs, n_lfs), np.int64)
    for i in range(indptr.size - 1):
        start = indptr[i]
        end = indptr[i + 1]
        for p in range(start, end):
            a = indices[p]
            overlap[a, a] += 1
            for q in range(p + 1, end):
                b = indices[q]
                overlap[a, b] += 1
                if data[p] != data[q]:
                    conflict[a, b] += 1
    # Only one triangle was filled (column indices are sorted, but mirror both ways
    # so the result does not depend on that).
    for a in range(n_lfs):
        for b in range(a + 1, n_lfs):
            s = overlap[a, b] + overlap[b, a]
            overlap[a, b] = s
            overlap[b, a] = s
            s = conflict[a, b] + conflict[b, a]
            conflict[a, b] = s
            conflict[b, a] = s
    return overlap, conflict


def pair_counts(indptr, indices, data, n_lfs: int) -> tuple[np.ndarray, np.ndarray]:
    """m × m counts of rows where two LFs both vote (overlap) and vote differently (conflict).

    The diagonal of ``overlap`` is each LF's number of votes; that of ``conflict`` is 0.
    """
    return _pair_counts_kernel(indptr, indices, data, int(n_lfs))


def pair_counts_reference(indptr, indices, data, n_lfs: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Sparse-product twin of :func:`pair_counts`: ``B.T @ B`` and ``sum_c B_c.T @ B_c``."""
    import scipy.sparse as sp

    n = indptr.size - 1
    ones = np.ones(indices.size, np.int64)
    B = sp.csr_matrix((ones, indices, indptr), shape=(n, n_lfs))
    overlap = (B.T @ B).toarray()
    agree = np.zeros((n_lfs, n_lfs), np.int64)
    for c in range(1, k + 1):
        Bc = sp.csr_matrix(((data == c).astype(np.int64), indices, indptr), shape=(n, n_lfs))
        agree += (Bc.T @ Bc).toarray()
    return overlap, overlap - agree


@njit(cache=True)
def _rows_with_other_label_kernel(indptr, data, rows, values):  # pragma: no cover - compiled
    out = np.zeros(rows.size, np.bool_)
    for t in range(rows.size):
        r = rows[t]
        for p in range(indptr[r], indptr[r + 1]):
            if data[p] != values[t]:
                out[t] = True
                break
    return out


def rows_with_other_label(indptr, data, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each ``rows[t]``, whether that row stores a value other than ``values[t]``.

    Reads only the listed rows, so the cost is their number of votes.
    """
    return _rows_with_other_label_kernel(
        indptr, data, np.asarray(rows, np.int64), np.asarray(values, data.dtype)
    )
