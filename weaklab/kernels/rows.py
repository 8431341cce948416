"""Which rows hold which votes: row hashes and equality (merging equal rows), and rows
that hold a label other than a given one (drill-down). Each kernel has a ``*_reference`` twin.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._arrays import csr_args
from .chunks import fill_rows

__all__ = [
    "row_hashes",
    "row_hashes_reference",
    "rows_equal",
    "rows_equal_reference",
    "rows_with_other_label",
    "rows_with_other_label_reference",
]

_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211


@njit(cache=True, nogil=True)
def _row_hashes_rows(lo, hi, out, indptr, indices, data, rows):  # pragma: no cover - compiled
    prime = np.uint64(_FNV_PRIME)
    for r in range(lo, hi):
        i = rows[r]
        h = np.uint64(_FNV_OFFSET)
        for p in range(indptr[i], indptr[i + 1]):
            h = (h ^ (np.uint64(indices[p]) * np.uint64(65536) + np.uint64(data[p]))) * prime
        out[r] = (h ^ np.uint64(indptr[i + 1] - indptr[i])) * prime


def row_hashes(indptr, indices, data, rows) -> np.ndarray:
    """A 64-bit hash of the votes (LF, label) of each row in ``rows`` (FNV-1a over the pairs).

    Equal rows hash equally; different rows collide with probability about 2**-64, so a
    caller that merges rows by hash checks them with :func:`rows_equal`.

    Examples
    --------
    >>> h = row_hashes(np.array([0, 1, 2, 3]), np.array([0, 0, 1]), np.array([1, 1, 1]), np.arange(3))
    >>> bool(h[0] == h[1]), bool(h[0] == h[2])
    (True, False)
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    out = np.empty(rows.shape[0], dtype=np.uint64)
    fill_rows(_row_hashes_rows, rows.shape[0], rows.shape[0], out, indptr, indices, data, rows)
    return out


def row_hashes_reference(indptr, indices, data, rows) -> np.ndarray:
    """Python-integer twin of :func:`row_hashes` (FNV-1a modulo 2**64)."""
    mask = (1 << 64) - 1
    out = []
    for i in np.asarray(rows).tolist():
        h = _FNV_OFFSET
        for p in range(int(indptr[i]), int(indptr[i + 1])):
            h = ((h ^ (int(indices[p]) * 65536 + int(data[p]))) * _FNV_PRIME) & mask
        out.append(((h ^ int(indptr[i + 1] - indptr[i])) * _FNV_PRIME) & mask)
    return np.array(out, dtype=np.uint64)


@njit(cache=True, nogil=True)
def _rows_equal_rows(lo, hi, ok, indptr, indices, data, rep):  # pragma: no cover - compiled
    for i in range(lo, hi):
        a, b = indptr[i], indptr[rep[i]]
        length = indptr[i + 1] - a
        ok[i] = length == indptr[rep[i] + 1] - b
        if not ok[i]:
            continue
        for t in range(length):
            if indices[a + t] != indices[b + t] or data[a + t] != data[b + t]:
                ok[i] = False
                break


def rows_equal(indptr, indices, data, rep) -> bool:
    """Whether every row ``i`` holds exactly the votes of row ``rep[i]``.

    Examples
    --------
    >>> args = np.array([0, 1, 2, 3]), np.array([0, 0, 1]), np.array([1, 1, 1])
    >>> rows_equal(*args, np.array([0, 0, 2])), rows_equal(*args, np.array([0, 0, 0]))
    (True, False)
    """
    indptr, indices, data = csr_args(indptr, indices, data)
    ok = np.empty(indptr.shape[0] - 1, dtype=np.bool_)
    fill_rows(_rows_equal_rows, ok.shape[0], data.shape[0], ok, indptr, indices, data,
              np.ascontiguousarray(rep, dtype=np.int64))
    return bool(ok.all())


def rows_equal_reference(indptr, indices, data, rep) -> bool:
    """Python twin of :func:`rows_equal`."""
    def votes(i):
        span = slice(indptr[i], indptr[i + 1])
        return list(indices[span]), list(data[span])

    return all(votes(i) == votes(r) for i, r in enumerate(np.asarray(rep).tolist()))


@njit(cache=True, nogil=True)
def _other_label_rows(lo, hi, out, indptr, data, rows, values):  # pragma: no cover - compiled
    for t in range(lo, hi):
        r = rows[t]
        out[t] = False
        for p in range(indptr[r], indptr[r + 1]):
            if data[p] != values[t]:
                out[t] = True
                break


def rows_with_other_label(indptr, data, rows, values) -> np.ndarray:
    """For each ``rows[t]``, whether that row stores a value other than ``values[t]``.

    Reads only the listed rows, so the cost is their number of votes.

    Examples
    --------
    >>> rows_with_other_label(np.array([0, 2, 3]), np.array([1, 2, 1]), np.array([0, 1]), np.array([1, 1])).tolist()
    [True, False]
    """
    indptr, _, data = csr_args(indptr, np.zeros(0), data)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    out = np.empty(rows.shape[0], dtype=np.bool_)
    fill_rows(_other_label_rows, rows.shape[0], rows.shape[0], out, indptr, data, rows,
              np.ascontiguousarray(values, dtype=data.dtype))
    return out


def rows_with_other_label_reference(indptr, data, rows, values) -> np.ndarray:
    """Python twin of :func:`rows_with_other_label`."""
    return np.array([bool(np.any(data[indptr[r]:indptr[r + 1]] != v)) for r, v in zip(rows, values)], bool)
