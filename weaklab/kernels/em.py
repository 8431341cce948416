"""E-steps of the log-linear label models: posteriors per row, only their sums kept.

For each row the posterior is ``q = softmax(base + sum_votes table[j, l, :])``; an E-step
returns ``counts[j, l, y] = sum_i w_i q[i, y] [LF j votes l on row i]``, the class sums
``sum_i w_i q[i, :]`` and the log-likelihood ``sum_i w_i logsumexp(scores_i)``, where row
``i`` counts ``w_i`` times (the number of rows holding a distinct vote pattern; an empty
``weights`` counts every row once). Each kernel has a ``*_reference`` twin in NumPy.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._arrays import csr_args, dense_votes, onehot
from .chunks import sum_over_rows
from .posterior import loglinear_scores_reference, row_scores, softmax_in_place

__all__ = [
    "em_pass",
    "em_pass_binary",
    "em_pass_binary_reference",
    "em_pass_pairs",
    "em_pass_reference",
]


@njit(cache=True, nogil=True)
def _em_chunk(lo, hi, indptr, indices, data, table, base, m):  # pragma: no cover - compiled
    k = base.shape[0]
    cnt = np.zeros((m, k, k), dtype=np.float64)
    tot_q = np.zeros(k, dtype=np.float64)
    ll = 0.0
    s = np.empty(k, dtype=np.float64)
    for i in range(lo, hi):
        row_scores(indptr, indices, data, table, base, i, s)
        ll += softmax_in_place(s)
        for y in range(k):
            tot_q[y] += s[y]
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            l = data[p] - 1
            for y in range(k):
                cnt[j, l, y] += s[y]
    return cnt, tot_q, ll


def em_pass(indptr, indices, data, table, base, m: int) -> tuple[np.ndarray, np.ndarray, float]:
    """One E-step plus the row sums the M-step needs, without storing the posteriors.

    Returns
    -------
    counts : (m, k, k) float64
        ``counts[j, l, y] = sum_i q[i, y] [LF j votes l on row i]``.
    class_sums : (k,) float64
        ``sum_i q[i, :]``.
    loglik : float
        ``sum_i logsumexp(scores_i)`` (the marginal log-likelihood up to constants).

    Examples
    --------
    >>> counts, sums, loglik = em_pass(np.array([0, 1, 1]), np.array([0]), np.array([1]),
    ...                                np.zeros((1, 2, 2)), np.zeros(2), 1)
    >>> counts[0].tolist(), sums.tolist(), round(loglik, 4)  # two rows, each q = (1/2, 1/2)
    ([[0.5, 0.5], [0.0, 0.0]], [1.0, 1.0], 1.3863)
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    table = np.ascontiguousarray(table, dtype=np.float64)
    base = np.ascontiguousarray(base, dtype=np.float64)
    k = base.shape[0]
    return sum_over_rows(_em_chunk, indptr, m * k * k + k, indices, data, table, base, int(m))


def em_pass_reference(indptr, indices, data, table, base, m: int, weights=None) -> tuple:
    """NumPy twin of :func:`em_pass` (and, with ``weights``, of :func:`em_pass_pairs`)."""
    k = base.shape[0]
    scores = loglinear_scores_reference(indptr, indices, data, table, base)
    top = scores.max(axis=1, keepdims=True, initial=-np.inf) if scores.size else np.zeros((0, 1))
    lse = np.log(np.exp(scores - top).sum(axis=1)) + top[:, 0]
    w = np.ones(scores.shape[0]) if weights is None or len(weights) == 0 else np.asarray(weights, float)
    q = np.exp(scores - lse[:, None]) * w[:, None]
    votes = onehot(dense_votes(indptr, indices, data, m), k)
    return np.einsum("iml,iy->mly", votes, q), q.sum(axis=0), float((w * lse).sum())


@njit(cache=True, nogil=True)
def _em_binary_chunk(lo, hi, indptr, indices, data, flat_delta, base_delta, m, weights):  # pragma: no cover
    weighted = weights.shape[0]
    local = np.zeros((2 * m, 2), dtype=np.float64)
    # The row's flat (LF, label) positions, kept for the update loop.
    pos = np.empty(m, dtype=np.intp)
    q0_sum = 0.0
    q1_sum = 0.0
    sp_sum = 0.0
    for i in range(lo, hi):
        start = indptr[i]
        n_votes = indptr[i + 1] - start
        z = base_delta
        for t in range(n_votes):
            r = np.intp(indices[start + t]) * 2 + np.intp(data[start + t]) - 1
            pos[t] = r
            z += flat_delta[r]
        # Numerically stable sigmoids and softplus of z, without branches on the sign
        # of z (a coin flip from row to row).
        e = np.exp(-abs(z))
        inv = 1.0 / (1.0 + e)
        w = 1.0 if weighted == 0 else weights[i]
        q1 = w * (inv if z >= 0 else e * inv)
        q0 = w * (e * inv if z >= 0 else inv)
        sp_sum += w * (max(z, 0.0) + np.log1p(e))
        q0_sum += q0
        q1_sum += q1
        for t in range(n_votes):
            local[pos[t], 0] += q0
            local[pos[t], 1] += q1
    acc = np.empty(3, dtype=np.float64)
    acc[0] = q0_sum
    acc[1] = q1_sum
    acc[2] = sp_sum
    return local, acc


def em_pass_binary(indptr, indices, data, delta, base_delta, m: int, weights) -> tuple[np.ndarray, np.ndarray, float]:
    """:func:`em_pass` for k = 2 on log-odds: one table lookup per vote.

    Row i counts ``weights[i]`` times (the number of rows holding a distinct vote
    pattern); an empty ``weights`` counts every row once.

    With ``z_i = base_delta + sum_votes delta[j, l]`` (``delta`` as in
    :func:`~weaklab.kernels.posterior.loglinear_proba_binary`) the posterior is
    ``q1 = sigmoid(z_i)``, ``q0 = sigmoid(-z_i)``, and the row's log-partition is
    ``s0_i + softplus(z_i)``. The caller adds ``sum_i s0_i = n base[0] + sum_{j,l}
    table[j, l, 0] V[j, l]`` from the per-LF vote counts ``V`` it already has (see
    ``dawid_skene.em_totals``). Rows must hold at most one vote per LF
    (:class:`~weaklab.LabelMatrix` guarantees it).

    Returns
    -------
    counts : (m, 2, 2) float64
        As :func:`em_pass`: ``counts[j, l, y] = sum_i q_y(i) [LF j votes l on row i]``.
    class_sums : (2,) float64
        ``sum_i (q0_i, q1_i)``.
    softplus_sum : float
        ``sum_i log(1 + exp(z_i))``.

    Examples
    --------
    >>> counts, sums, softplus = em_pass_binary(np.array([0, 1, 1]), np.array([0]), np.array([1]),
    ...                                         np.zeros((1, 2)), 0.0, 1, np.empty(0))
    >>> counts[0].tolist(), sums.tolist(), round(softplus, 4)
    ([[0.5, 0.5], [0.0, 0.0]], [1.0, 1.0], 1.3863)
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    m = int(m)
    flat_delta = np.ascontiguousarray(delta, dtype=np.float64).ravel()
    local, acc = sum_over_rows(_em_binary_chunk, indptr, 4 * m + 3, indices, data, flat_delta,
                               float(base_delta), m, np.ascontiguousarray(weights, dtype=np.float64))
    return local.reshape((m, 2, 2)), acc[:2].copy(), float(acc[2])


def em_pass_binary_reference(indptr, indices, data, delta, base_delta, m: int, weights) -> tuple:
    """NumPy twin of :func:`em_pass_binary`."""
    table = np.zeros((m, 2, 2))
    table[:, :, 1] = delta
    scores = loglinear_scores_reference(indptr, indices, data, table, np.array([0.0, base_delta]))
    z = scores[:, 1]
    w = np.ones(z.shape[0]) if len(weights) == 0 else np.asarray(weights, float)
    q1 = 1.0 / (1.0 + np.exp(-z))
    q = np.stack([1.0 - q1, q1], axis=1) * w[:, None]
    votes = onehot(dense_votes(indptr, indices, data, m), 2)
    return np.einsum("iml,iy->mly", votes, q), q.sum(axis=0), float((w * np.logaddexp(0.0, z)).sum())


@njit(cache=True, nogil=True)
def _em_pairs_chunk(lo, hi, indptr, pairs, table, base, weights):  # pragma: no cover - compiled
    n_pairs, k = table.shape
    weighted = weights.shape[0]
    cnt = np.zeros((n_pairs, k), dtype=np.float64)
    tot_q = np.zeros(k, dtype=np.float64)
    ll = 0.0
    s = np.empty(k, dtype=np.float64)
    for i in range(lo, hi):
        for y in range(k):
            s[y] = base[y]
        for p in range(indptr[i], indptr[i + 1]):
            r = pairs[p]
            for y in range(k):
                s[y] += table[r, y]
        w = 1.0 if weighted == 0 else weights[i]
        ll += w * softmax_in_place(s)
        for y in range(k):
            s[y] *= w
            tot_q[y] += s[y]
        for p in range(indptr[i], indptr[i + 1]):
            r = pairs[p]
            for y in range(k):
                cnt[r, y] += s[y]
    return cnt, tot_q, ll


def em_pass_pairs(indptr, pairs, table, base, weights) -> tuple[np.ndarray, np.ndarray, float]:
    """:func:`em_pass` on votes given as (LF, label) pair ids: ``pairs[p]`` indexes ``table``.

    ``table[pair, y]`` holds only the pairs the LFs actually vote (a one-sided LF has one),
    so the per-chunk accumulators are (pairs, k) instead of (m, k, k): with 100 one-sided
    LFs and k = 50, 5 000 floats instead of 250 000. Row i counts ``weights[i]`` times (an
    empty ``weights`` counts every row once).

    Returns
    -------
    counts : (pairs, k) float64
        ``counts[pair, y] = sum_i w_i q[i, y] [row i holds the vote pair]``.
    class_sums : (k,) float64
    loglik : float

    Examples
    --------
    >>> counts, sums, loglik = em_pass_pairs(np.array([0, 1, 1]), np.array([0]), np.zeros((1, 2)),
    ...                                      np.zeros(2), np.array([3.0, 1.0]))
    >>> counts.tolist(), sums.tolist()
    ([[1.5, 1.5]], [2.0, 2.0])
    """
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    table = np.ascontiguousarray(table, dtype=np.float64)
    n_pairs, k = table.shape
    return sum_over_rows(_em_pairs_chunk, indptr, n_pairs * k + k, np.ascontiguousarray(pairs, dtype=np.int64),
                         table, np.ascontiguousarray(base, dtype=np.float64),
                         np.ascontiguousarray(weights, dtype=np.float64))
