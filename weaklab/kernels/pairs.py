"""Counts over pairs of votes in a row: which LFs vote together, agree, or vote which labels.

:func:`pair_counts` is the one pair pass behind both :func:`weaklab.lf_pairwise` (and the
drift monitor) and the triplet model; :func:`overlap_counts` gives the matrix-completion
model the second moments of the one-hot votes. Each kernel has a ``*_reference`` twin.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit

from ._arrays import csr_args, dense_votes, onehot
from .chunks import sum_over_rows

__all__ = ["overlap_counts", "overlap_counts_reference", "pair_counts", "pair_counts_reference"]


@njit(cache=True, nogil=True)
def _pair_counts_chunk(lo, hi, indptr, indices, data, m):  # pragma: no cover - compiled
    both = np.zeros((m, m), dtype=np.int64)
    agree = np.zeros((m, m), dtype=np.int64)
    for i in range(lo, hi):
        # Each unordered pair once (the result is mirrored): half the updates.
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            both[j, j] += 1
            agree[j, j] += 1
            for p2 in range(p + 1, indptr[i + 1]):
                j2 = indices[p2]
                both[j, j2] += 1
                if data[p] == data[p2]:
                    agree[j, j2] += 1
    return both, agree


def pair_counts(indptr, indices, data, m: int) -> tuple[np.ndarray, np.ndarray]:
    """m × m counts of rows where two LFs both vote (``both``) and vote the same label (``agree``).

    The diagonals are each LF's number of votes. Rows where the two vote differently
    (conflicts) are ``both - agree``.

    Examples
    --------
    >>> both, agree = pair_counts(np.array([0, 2, 4]), np.array([0, 1, 0, 1]), np.array([1, 1, 1, 2]), 2)
    >>> both.tolist(), agree.tolist()
    ([[2, 2], [2, 2]], [[2, 1], [1, 2]])
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    m = int(m)
    half_both, half_agree = sum_over_rows(_pair_counts_chunk, indptr, 2 * m * m, indices, data, m)
    # One triangle was filled per pair (columns are sorted, but mirroring both ways does
    # not depend on it); the diagonal was counted once.
    both = half_both + half_both.T
    agree = half_agree + half_agree.T
    np.fill_diagonal(both, np.diag(half_both))
    np.fill_diagonal(agree, np.diag(half_agree))
    return both, agree


def pair_counts_reference(indptr, indices, data, m: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Sparse-product twin of :func:`pair_counts`: ``B.T @ B`` and ``sum_c B_c.T @ B_c``."""
    n = len(indptr) - 1
    data = np.asarray(data)
    B = sp.csr_matrix((np.ones(len(indices), np.int64), indices, indptr), shape=(n, m))
    agree = np.zeros((m, m), np.int64)
    for c in range(1, k + 1):
        Bc = sp.csr_matrix(((data == c).astype(np.int64), indices, indptr), shape=(n, m))
        agree += (Bc.T @ Bc).toarray()
    return (B.T @ B).toarray(), agree


@njit(cache=True, nogil=True)
def _overlap_counts_chunk(lo, hi, indptr, indices, data, k, d):  # pragma: no cover - compiled
    local = np.zeros((d, d), dtype=np.float64)
    for i in range(lo, hi):
        for p in range(indptr[i], indptr[i + 1]):
            a = indices[p] * k + data[p] - 1
            for p2 in range(indptr[i], indptr[i + 1]):
                local[a, indices[p2] * k + data[p2] - 1] += 1.0
    return (local,)


def overlap_counts(indptr, indices, data, m: int, k: int) -> np.ndarray:
    """Sum over rows of the outer product of the one-hot vote vectors, shape (m*k, m*k).

    Entry ``[j*k + l, j2*k + l2]`` counts rows where LF j votes l and LF j2 votes l2;
    the diagonal blocks hold each LF's own vote counts.

    Examples
    --------
    >>> overlap_counts(np.array([0, 2]), np.array([0, 1]), np.array([1, 2]), 2, 2)[0].tolist()
    [1.0, 0.0, 0.0, 1.0]
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    d = int(m) * int(k)
    (out,) = sum_over_rows(_overlap_counts_chunk, indptr, d * d, indices, data, int(k), d)
    return out


def overlap_counts_reference(indptr, indices, data, m: int, k: int) -> np.ndarray:
    """NumPy twin of :func:`overlap_counts`."""
    flat = onehot(dense_votes(indptr, indices, data, m), k).reshape(len(indptr) - 1, m * k)
    return flat.T @ flat
