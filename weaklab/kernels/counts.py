"""Sums of votes over rows: per LF and class, against reference labels, against soft labels.

:func:`lf_counts` is the one pass behind :mod:`weaklab.analysis`; :func:`majority_vote_stats`
and :func:`soft_vote_counts` give the models their majority-vote and fixed-posterior counts.
Each kernel has a ``*_reference`` twin in plain NumPy.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from ._arrays import csr_args, dense_votes, onehot
from .chunks import sum_over_rows
from .votes import majority_of_row, majority_winner_reference

__all__ = [
    "LFCounts",
    "lf_counts",
    "lf_counts_reference",
    "majority_vote_stats",
    "majority_vote_stats_reference",
    "soft_vote_counts",
    "soft_vote_counts_reference",
]


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

    Examples
    --------
    Two rows, two LFs: row 0 holds votes 0 and 1 (a conflict), row 1 one vote for class 1
    (the CSR stores ``label + 1``).

    >>> c = lf_counts(np.array([0, 2, 3]), np.array([0, 1, 1]), np.array([1, 2, 2]), 2, 2, np.array([[-1, -1]]))
    >>> c.overlaps.tolist(), c.n_covered, c.n_overlapped, c.n_conflicted
    ([1, 1], 2, 1, 1)
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


@njit(cache=True, nogil=True)
def _lf_counts_chunk(lo, hi, indptr, indices, data, n_lfs, k, refs, majority):  # pragma: no cover
    r = refs.shape[0]
    class_votes = np.zeros((n_lfs, k), np.int64)
    overlaps = np.zeros(n_lfs, np.int64)
    conflicts = np.zeros(n_lfs, np.int64)
    correct = np.zeros((r, n_lfs), np.int64)
    incorrect = np.zeros((r, n_lfs), np.int64)
    rows = np.zeros(3, np.int64)  # covered, overlapped, conflicted
    votes = np.empty(k, np.int64)
    for i in range(lo, hi):
        start = indptr[i]
        end = indptr[i + 1]
        if end == start:
            continue
        rows[0] += 1
        overlapped = end - start > 1
        conflicted = False
        for p in range(start + 1, end):
            if data[p] != data[start]:
                conflicted = True
                break
        if overlapped:
            rows[1] += 1
        if conflicted:
            rows[2] += 1
        for p in range(start, end):
            j = indices[p]
            c = np.int64(data[p]) - 1
            class_votes[j, c] += 1
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
        majority[i] = majority_of_row(indptr, data, i, votes)
    return class_votes, overlaps, conflicts, correct, incorrect, rows


def lf_counts(indptr, indices, data, n_lfs: int, k: int, refs: np.ndarray) -> LFCounts:
    """Every per-LF count :mod:`weaklab.analysis` reports, in one pass (see :class:`LFCounts`).

    ``refs`` holds ``r`` reference label vectors of length n (``-1`` = unknown), shape (r, n).

    Examples
    --------
    >>> c = lf_counts(np.array([0, 2, 3]), np.array([0, 1, 1]), np.array([1, 2, 2]), 2, 2,
    ...               np.array([[0, 1]]))
    >>> c.class_votes.tolist(), c.conflicts.tolist(), c.correct.tolist(), c.majority.tolist()
    ([[1, 0], [0, 2]], [1, 1], [[1, 1]], [-1, 1])
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    refs = np.ascontiguousarray(np.atleast_2d(refs), dtype=np.int64)
    n_lfs, k = int(n_lfs), int(k)
    majority = np.full(indptr.shape[0] - 1, -1, np.int64)
    per_chunk = n_lfs * (k + 2 + 2 * refs.shape[0])
    *counts, rows = sum_over_rows(_lf_counts_chunk, indptr, per_chunk, indices, data, n_lfs, k, refs, majority)
    return LFCounts(*counts, majority, int(rows[0]), int(rows[1]), int(rows[2]))


def lf_counts_reference(indptr, indices, data, n_lfs: int, k: int, refs: np.ndarray) -> LFCounts:
    """NumPy twin of :func:`lf_counts`."""
    dense = dense_votes(indptr, indices, data, n_lfs)
    refs = np.atleast_2d(np.asarray(refs, dtype=np.int64))
    voted = dense >= 0
    n_votes = voted.sum(axis=1)
    lo = np.where(voted, dense, k).min(axis=1, initial=k)
    hi = dense.max(axis=1, initial=-1)
    overlapped = n_votes > 1
    conflicted = voted.any(axis=1) & (lo != hi)
    known = [(ref[:, None] >= 0) & voted for ref in refs]
    same = [ref[:, None] == dense for ref in refs]
    return LFCounts(
        onehot(dense, k).sum(axis=0).astype(np.int64),
        (voted & overlapped[:, None]).sum(axis=0),
        (voted & conflicted[:, None]).sum(axis=0),
        np.array([(kn & s).sum(axis=0) for kn, s in zip(known, same)], np.int64).reshape(-1, n_lfs),
        np.array([(kn & ~s).sum(axis=0) for kn, s in zip(known, same)], np.int64).reshape(-1, n_lfs),
        majority_winner_reference(indptr, indices, data, k),
        int((n_votes > 0).sum()), int(overlapped.sum()), int(conflicted.sum()),
    )


@njit(cache=True, nogil=True)
def _majority_stats_chunk(lo, hi, indptr, indices, data, m, k):  # pragma: no cover - compiled
    hard = np.zeros((k, m, k), dtype=np.float64)
    soft = np.zeros((m, k, k), dtype=np.float64)
    tie_votes = np.zeros((m, k), dtype=np.float64)
    wins = np.zeros(k, dtype=np.float64)
    tie_q = np.zeros(k, dtype=np.float64)
    votes = np.empty(k, dtype=np.int64)
    for i in range(lo, hi):
        start = indptr[i]
        stop = indptr[i + 1]
        if stop == start:
            continue
        w = majority_of_row(indptr, data, i, votes)
        if w >= 0:
            wins[w] += 1.0
            for p in range(start, stop):
                hard[w, indices[p], data[p] - 1] += 1.0
            continue
        top = 0
        for y in range(k):
            if votes[y] > top:
                top = votes[y]
        n_top = 0
        for y in range(k):
            if votes[y] == top:
                n_top += 1
        share = 1.0 / n_top
        for y in range(k):
            if votes[y] == top:
                tie_q[y] += share
        for p in range(start, stop):
            j = indices[p]
            l = data[p] - 1
            tie_votes[j, l] += 1.0
            for y in range(k):
                if votes[y] == top:
                    soft[j, l, y] += share
    return hard, soft, tie_votes, wins, tie_q


def majority_vote_stats(indptr, indices, data, m: int, k: int) -> tuple:
    """Every majority-vote statistic the models and guardrails need, in one pass.

    Over rows with votes, each row's majority distribution ``q`` splits evenly over its
    tied top classes. Rows with a unique majority class ``w`` (most rows) cost one
    update per vote, into ``hard[w, j, l]``; tied rows spread ``q`` into ``soft``.

    Returns
    -------
    counts : (m, k, k) float64
        ``counts[j, l, y] = sum_i q[i, y] [LF j votes l on row i]``.
    class_sums : (k,) float64
        Sum of the majority distributions (the number of covered rows in total).
    lf_class : (m, k) float64
        Votes of each LF for each class.
    winner_counts : (k,) float64
        Rows whose unique majority is each class (their sum: rows with a unique majority).
    lf_votes, lf_agree : (m,) float64
        Per LF: votes on rows with a unique majority, and how many of them equal it.

    Examples
    --------
    >>> stats = majority_vote_stats(np.array([0, 2, 4]), np.array([0, 1, 0, 1]), np.array([1, 1, 1, 2]), 2, 2)
    >>> [s.tolist() for s in stats[1:]]  # row 0: both vote 0; row 1: a tie
    [[1.5, 0.5], [[2.0, 0.0], [1.0, 1.0]], [1.0, 0.0], [1.0, 1.0], [1.0, 1.0]]
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    m, k = int(m), int(k)
    hard, soft, tie_votes, wins, tie_q = sum_over_rows(
        _majority_stats_chunk, indptr, 2 * m * k * k + m * k + 2 * k, indices, data, m, k
    )
    # hard[w, j, l] holds whole numbers: adding them in any order is exact.
    counts = soft + hard.transpose(1, 2, 0)
    lf_class = tie_votes + hard.sum(axis=0)
    lf_votes = hard.sum(axis=(0, 2))
    lf_agree = np.einsum("wjw->j", hard)
    return counts, wins + tie_q, lf_class, wins, lf_votes, lf_agree


def majority_vote_stats_reference(indptr, indices, data, m: int, k: int) -> tuple:
    """NumPy twin of :func:`majority_vote_stats`."""
    votes = onehot(dense_votes(indptr, indices, data, m), k)
    per_row = votes.sum(axis=1)
    top = per_row.max(axis=1, keepdims=True, initial=0)
    tied = (per_row == top) & (top > 0)
    q = tied / np.maximum(tied.sum(axis=1, keepdims=True), 1)
    winner = majority_winner_reference(indptr, indices, data, k)
    on_winner = votes[winner >= 0]
    w = winner[winner >= 0]
    return (
        np.einsum("iml,iy->mly", votes, q), q.sum(axis=0), votes.sum(axis=0),
        np.bincount(w, minlength=k).astype(np.float64), on_winner.sum(axis=(0, 2)),
        on_winner[np.arange(w.size), :, w].sum(axis=0) if w.size else np.zeros(m),
    )


@njit(cache=True, nogil=True)
def _soft_vote_counts_chunk(lo, hi, indptr, indices, data, q, m):  # pragma: no cover - compiled
    k = q.shape[1]
    cnt = np.zeros((m, k, k), dtype=np.float64)
    for i in range(lo, hi):
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            l = data[p] - 1
            for y in range(k):
                cnt[j, l, y] += q[i, y]
    return (cnt,)


def soft_vote_counts(indptr, indices, data, q, m: int) -> np.ndarray:
    """``counts[j, l, y] = sum_i q[i, y] [LF j votes l on row i]`` for given row weights q (n, k).

    An M-step's counts for fixed posteriors (e.g. one-hot gold labels of a dev set).

    Examples
    --------
    >>> q = np.array([[1.0, 0.0], [0.25, 0.75]])
    >>> soft_vote_counts(np.array([0, 1, 2]), np.array([0, 0]), np.array([2, 2]), q, 1)[0].tolist()
    [[0.0, 0.0], [1.25, 0.75]]
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    q = np.ascontiguousarray(q, dtype=np.float64)
    m = int(m)
    (counts,) = sum_over_rows(_soft_vote_counts_chunk, indptr, m * q.shape[1] ** 2 + q.shape[1],
                              indices, data, q, m)
    return counts


def soft_vote_counts_reference(indptr, indices, data, q, m: int) -> np.ndarray:
    """NumPy twin of :func:`soft_vote_counts`."""
    return np.einsum("iml,iy->mly", onehot(dense_votes(indptr, indices, data, m), q.shape[1]), q)
