"""What one ``fit`` reads: the training votes (:class:`FitSource`) and an optional dev set.

Fitting reads the votes only through a :class:`FitSource`: ``source.map_sum(fn)`` applies
``fn`` to every row block of the matrix and adds the results (one block for an in-memory
:class:`~weaklab.LabelMatrix`, one per partition for a
:class:`weaklab.PartitionedLabelMatrix`), and ``source.majority()`` gives the
majority-vote statistics, computed once per fit. So any model whose statistics are sums
over rows fits on partitioned data without knowing about Dask.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from .._validation import check_labels
from .. import kernels as K
from ..matrix import LabelMatrix

__all__ = ["DevSet", "FitSource", "MajorityStats", "check_class_balance", "csr_arrays", "make_dev_set"]


def csr_arrays(L: LabelMatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(indptr, indices, data)`` of the label matrix, ready for the kernels.

    Examples
    --------
    >>> L = LabelMatrix.from_dense(np.array([[0, -1], [1, 1]]))
    >>> [a.tolist() for a in csr_arrays(L)]
    [[0, 1, 3], [0, 0, 1], [1, 2, 2]]
    """
    c = L.csr
    return c.indptr, c.indices, c.data


@dataclass(frozen=True)
class DevSet:
    """A small gold-labelled dev set handed to ``fit`` (already checked, rows with gold only).

    Examples
    --------
    >>> dev = DevSet(LabelMatrix.from_dense(np.array([[0, 1], [1, -1]])), np.array([0, 1]))
    >>> dev.onehot.tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    >>> dev.vote_counts[0].tolist()  # LF 0: votes (rows) against gold labels (columns)
    [[1.0, 0.0], [0.0, 1.0]]
    """

    L: LabelMatrix
    y: np.ndarray

    @property
    def onehot(self) -> np.ndarray:
        """Gold labels as an (n, k) one-hot float matrix."""
        q = np.zeros((self.y.shape[0], self.L.cardinality))
        q[np.arange(self.y.shape[0]), self.y] = 1.0
        return q

    @cached_property
    def vote_counts(self) -> np.ndarray:
        """``counts[j, vote, label]``: each LF's dev votes against the gold labels (m, k, k)."""
        counts = K.soft_vote_counts(*csr_arrays(self.L), self.onehot, self.L.n_lfs)
        counts.setflags(write=False)  # shared by every model that reads this dev set
        return counts


class MajorityStats(NamedTuple):
    """Majority-vote statistics of the training votes (see ``K.majority_vote_stats``)."""

    counts: np.ndarray
    class_sums: np.ndarray
    lf_class: np.ndarray
    winner_counts: np.ndarray
    lf_votes: np.ndarray
    lf_agree: np.ndarray
    n_rows: float


def _majority_block(L: LabelMatrix) -> tuple:
    return (*K.majority_vote_stats(*csr_arrays(L), L.n_lfs, L.cardinality), float(L.n_rows))


def _pair_block(L: LabelMatrix) -> tuple:
    both, agree = K.pair_counts(*csr_arrays(L), L.n_lfs)
    return both.astype(np.float64), agree.astype(np.float64)


class FitSource:
    """The votes one ``fit`` reads: a LabelMatrix (one block) or a partitioned matrix.

    Models read votes only through :meth:`map_sum` and :meth:`majority`; the majority-vote
    statistics are computed once per fit however many models (e.g. LabelModel's
    candidates) and guardrails ask for them. A source lives for one ``fit``: it is the
    fit's context, and :attr:`memo` caches what several steps of the fit share (never
    kept on a model, so no model holds on to the training votes).

    Examples
    --------
    >>> source = FitSource(LabelMatrix.from_dense(np.array([[0, 0], [1, -1], [-1, -1]])))
    >>> source.majority().class_sums.tolist()
    [1.0, 1.0]
    >>> source.map_sum(lambda L: L.n_rows)
    3
    """

    def __init__(self, L: Any) -> None:
        self.L = L
        self.n_rows = L.n_rows
        self.n_lfs = L.n_lfs
        self.lf_names = L.lf_names
        self.cardinality = L.cardinality
        self._majority: MajorityStats | None = None
        self._pairs: tuple[np.ndarray, np.ndarray] | None = None
        self._distinct: tuple | None = None
        #: Per-fit cache, keyed by the computing function's name and what it depends on.
        self.memo: dict[Any, Any] = {}

    def map_sum(self, fn: Callable[[LabelMatrix], Any]) -> Any:
        """``fn`` applied to every row block, results added (see :func:`add_stats`)."""
        if isinstance(self.L, LabelMatrix):
            return fn(self.L)
        return self.L.map_sum(fn)

    def majority(self) -> MajorityStats:
        """The majority-vote statistics, computed on first use."""
        if self._majority is None:
            stats = MajorityStats(*self.map_sum(_majority_block))
            for value in stats:
                if isinstance(value, np.ndarray):
                    value.setflags(write=False)  # shared by every model of the fit
            self._majority = stats
        return self._majority

    def pair_agreement(self) -> tuple[np.ndarray, np.ndarray]:
        """``(both, agree)`` (m, m): per LF pair, rows where both vote and where they vote
        the same (the diagonal: each LF's votes). Computed on first use.

        Examples
        --------
        >>> source = FitSource(LabelMatrix.from_dense(np.array([[0, 0], [1, 0], [-1, 1]])))
        >>> both, agree = source.pair_agreement()
        >>> both.tolist(), agree.tolist()
        ([[2.0, 2.0], [2.0, 3.0]], [[2.0, 1.0], [1.0, 3.0]])
        """
        if self._pairs is None:
            pairs = self.map_sum(_pair_block)
            for value in pairs:
                value.setflags(write=False)  # shared by every model of the fit
            self._pairs = (pairs[0], pairs[1])
        return self._pairs

    def row_sample(self, max_rows: int) -> LabelMatrix:
        """Every ``ceil(n / max_rows)``-th row (all rows when there are fewer), in memory.

        The same rows on every call and however the matrix is partitioned (a partitioned
        fit equals an in-memory one), spread over the whole matrix; computed once per fit
        and size.

        Examples
        --------
        >>> source = FitSource(LabelMatrix.from_dense(np.arange(10)[:, None] % 2))
        >>> source.row_sample(4).to_dense().ravel().tolist()  # rows 0, 3, 6, 9
        [0, 1, 0, 1]
        """
        key = ("row_sample", int(max_rows))
        if key not in self.memo:
            step = max(1, -(-self.n_rows // int(max_rows)))
            rows = np.arange(0, self.n_rows, step)
            if isinstance(self.L, LabelMatrix):
                self.memo[key] = self.L if step == 1 else self.L[rows]
            else:
                self.memo[key] = self.L.take(rows)
        return self.memo[key]

    def distinct_rows(self) -> tuple[LabelMatrix, np.ndarray] | None:
        """``(rows, weights)``: each distinct vote pattern once and how many rows hold it.

        Rows with the same votes have the same posterior, so an E-step over the distinct
        patterns, each weighted by its count, gives exactly the sums over all rows. Sparse
        one-sided LFs leave few patterns (100 k rows x 100 LFs at 1-2 % coverage: about a
        tenth). ``None`` for a partitioned matrix, or when a sample of the rows shows more
        than half of them distinct (dense matrices), where merging would not pay.
        Computed once per fit.

        Examples
        --------
        >>> source = FitSource(LabelMatrix.from_dense(np.array([[0, 1], [-1, -1], [0, 1], [0, 1]])))
        >>> rows, weights = source.distinct_rows()
        >>> sorted(zip(rows.to_dense().tolist(), weights.tolist()))
        [([-1, -1], 1.0), ([0, 1], 3.0)]
        """
        if self._distinct is None:
            self._distinct = (_distinct_rows(self.L) if isinstance(self.L, LabelMatrix) else None,)
        return self._distinct[0]


#: Rows hashed to decide whether merging equal rows pays (see ``FitSource.distinct_rows``).
_PATTERN_SAMPLE = 10_000


def _distinct_rows(L: LabelMatrix) -> tuple[LabelMatrix, np.ndarray] | None:
    indptr, indices, data = csr_arrays(L)
    n = L.n_rows
    sample = np.arange(0, n, max(1, n // _PATTERN_SAMPLE), dtype=np.int64)
    # In expectation a sample holds a larger distinct share than all rows do.
    if np.unique(K.row_hashes(indptr, indices, data, sample)).size > sample.size // 2:
        return None
    hashes = K.row_hashes(indptr, indices, data, np.arange(n, dtype=np.int64))
    _, first, inverse, counts = np.unique(hashes, return_index=True, return_inverse=True, return_counts=True)
    if not K.rows_equal(indptr, indices, data, first[inverse].astype(np.int64)):
        return None  # a 64-bit hash collision: use every row
    return L[first], counts.astype(np.float64)


def check_class_balance(class_balance: Any, k: int) -> np.ndarray | None:
    """``class_balance`` as a float array of shape (k,) summing to 1, or ``None``.

    Examples
    --------
    >>> check_class_balance([0.25, 0.75], 2).tolist()
    [0.25, 0.75]
    >>> check_class_balance([0.5, 0.6], 2)
    Traceback (most recent call last):
    ValueError: class_balance must sum to 1, sums to 1.1
    >>> check_class_balance(["a", "b"], 2)
    Traceback (most recent call last):
    TypeError: class_balance must be 2 numbers, got ['a', 'b']
    """
    if class_balance is None:
        return None
    try:
        cb = np.asarray(class_balance, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"class_balance must be {k} numbers, got {class_balance!r:.80}") from None
    if cb.shape != (k,):
        raise ValueError(f"class_balance must have shape ({k},), got {cb.shape}")
    if not np.all(np.isfinite(cb)) or np.any(cb <= 0):
        raise ValueError(f"class_balance must be positive, got {cb.tolist()}")
    if abs(cb.sum() - 1.0) > 1e-6:
        raise ValueError(f"class_balance must sum to 1, sums to {cb.sum():.6g}")
    return cb / cb.sum()


def make_dev_set(
    L_dev: LabelMatrix | None, Y_dev: Sequence[int] | np.ndarray | None, source: FitSource
) -> DevSet | None:
    """The checked dev set of a fit on ``source`` (rows without gold dropped), or ``None``
    when none is given.

    A ``Y_dev`` without a single gold label (all ``-1``) is an error rather than no dev set.

    Examples
    --------
    >>> L = LabelMatrix.from_dense(np.array([[0, 1], [1, -1], [-1, 0]]))
    >>> make_dev_set(L, [1, -1, 0], FitSource(L)).y.tolist()
    [1, 0]
    """
    if (L_dev is None) != (Y_dev is None):
        raise ValueError("pass L_dev and Y_dev together (a dev set needs votes and gold labels)")
    if L_dev is None:
        return None
    k = source.cardinality
    if not isinstance(L_dev, LabelMatrix):
        raise TypeError(f"L_dev must be a LabelMatrix, got {type(L_dev).__name__}")
    if L_dev.lf_names != tuple(source.lf_names) or L_dev.cardinality != k:
        raise ValueError("L_dev must have the same LFs (names, order) and cardinality as L")
    y = check_labels(Y_dev, L_dev.n_rows, k, "Y_dev", allow_missing=True)
    keep = y >= 0
    if not keep.any():
        raise ValueError("Y_dev holds no gold label (only -1, unknown); pass dev rows with gold labels, or no dev set")
    return DevSet(L_dev[np.flatnonzero(keep)], y[keep])
