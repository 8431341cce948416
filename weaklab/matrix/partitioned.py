"""A label matrix held as Dask partitions: fit label models from summed statistics.

:func:`weaklab.apply_lfs` with ``collect=False`` returns a :class:`PartitionedLabelMatrix`:
one small CSR block per partition of the data, computed where the data lives. Label models
never see Dask: they read votes through :meth:`PartitionedLabelMatrix.map_sum`, which runs
a statistics function on every block and adds the results (per-LF vote counts, overlap
matrices, one EM step's expected counts), so only m × m × k × k numbers travel, never the
rows. Prediction runs per partition (:meth:`PartitionedLabelMatrix.map_blocks`).

Examples
--------
>>> import numpy as np
>>> from weaklab import LabelMatrix
>>> from weaklab.models import MajorityVote
>>> L = LabelMatrix.from_dense(np.array([[0, 0], [1, -1], [1, 1], [-1, 0]]))
>>> parts = PartitionedLabelMatrix.from_label_matrix(L, n_blocks=2)
>>> model = MajorityVote().fit(parts)
>>> model.predict_proba(parts).compute().shape
(4, 2)
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import dask
import dask.array as da
import numpy as np
from dask.delayed import Delayed

from .._validation import check_int
from .label_matrix import LabelMatrix, _refuse_string, stack_errors

__all__ = ["PartitionedLabelMatrix"]


def add_stats(a: Any, b: Any) -> Any:
    """Add two statistics results (arrays, floats, or tuples / dicts of them) element-wise.

    Examples
    --------
    >>> import numpy as np
    >>> add_stats((np.array([1, 2]), {"n": 3}), (np.array([10, 20]), {"n": 4}))
    (array([11, 22]), {'n': 7})
    """
    if isinstance(a, tuple):
        return tuple(add_stats(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return {key: add_stats(a[key], b[key]) for key in a}
    return a + b


def _check_block(block: Any, lf_names: tuple[str, ...], cardinality: int, position: int) -> LabelMatrix:
    if not isinstance(block, LabelMatrix):
        raise TypeError(f"partition {position} computed to {type(block).__name__}, not a LabelMatrix")
    if block.lf_names != lf_names or block.cardinality != cardinality:
        raise ValueError(
            f"partition {position} has LFs {list(block.lf_names)[:5]}... / cardinality "
            f"{block.cardinality}; expected {list(lf_names)[:5]}... / {cardinality}"
        )
    return block


def _n_rows(block: LabelMatrix) -> int:
    return block.n_rows


def _rows_and_errors(block: LabelMatrix) -> tuple[int, dict]:
    return block.n_rows, block.errors


def _apply_checked(fn: Callable, lf_names: tuple[str, ...], cardinality: int, position: int, block: Any) -> Any:
    return fn(_check_block(block, lf_names, cardinality, position))


class PartitionedLabelMatrix:
    """Votes of m LFs on rows split over Dask partitions, one LabelMatrix per partition.

    Parameters
    ----------
    blocks : list of dask.delayed.Delayed
        Each computes to a :class:`~weaklab.LabelMatrix` with these LFs and cardinality;
        together, in order, they are the rows of the matrix.
    lf_names : tuple of str
    cardinality : int

    Notes
    -----
    The first pass over the blocks persists them (``dask.persist``; on a
    ``distributed.Client`` they stay in the workers' memory), so iterative fitting does
    not recompute the labeling functions on every pass.

    Examples
    --------
    >>> import dask
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> blocks = [dask.delayed(LabelMatrix.from_dense)(np.array(rows), ["a", "b"]) for rows in ([[0, 1]], [[1, -1], [1, 1]])]
    >>> L = PartitionedLabelMatrix(blocks, ("a", "b"), cardinality=2)
    >>> L.shape, L.n_blocks
    ((3, 2), 2)
    >>> L.map_sum(lambda block: block.csr.nnz)  # summed over partitions, computed where they live
    5
    >>> L.compute().to_dense().tolist()
    [[0, 1], [1, -1], [1, 1]]
    """

    def __init__(self, blocks: Sequence[Delayed], lf_names: tuple[str, ...], cardinality: int) -> None:
        blocks = list(blocks)
        if not blocks:
            raise ValueError("PartitionedLabelMatrix needs at least one block")
        for i, b in enumerate(blocks):
            if not isinstance(b, Delayed):
                raise TypeError(f"block {i} is a {type(b).__name__}, not a dask.delayed.Delayed")
        _refuse_string(lf_names, "lf_names")
        names = tuple(lf_names)
        if not all(isinstance(n, str) for n in names):
            raise TypeError("lf_names must be strings")
        check_int(cardinality, "cardinality", min_val=2)
        self.blocks = blocks
        self.lf_names = names
        self.cardinality = int(cardinality)
        self._persisted = False
        self._block_rows: np.ndarray | None = None
        self._run = None
        self._lf_fingerprints: tuple[str, ...] | None = None
        self._errors: dict | None = {}  # None: not known until the blocks are computed

    @property
    def run(self):
        """The record of the :func:`weaklab.apply_lfs` run that produced this matrix, or None."""
        return self._run

    @property
    def lf_fingerprints(self) -> tuple[str, ...] | None:
        """Fingerprint of each column's LF version (from the run that produced it), or None."""
        if self._lf_fingerprints is not None:
            return self._lf_fingerprints
        lfs = getattr(self._run, "lfs", None)
        if lfs and [lf.get("name") for lf in lfs] == list(self.lf_names):
            return tuple(str(lf.get("fingerprint")) for lf in lfs)
        return None

    @property
    def errors(self) -> dict:
        """Per-LF failures (:class:`~weaklab.matrix.LFErrors`) of the fault-tolerant
        :func:`weaklab.apply_lfs` run behind this matrix; empty when nothing failed.

        A lazy run (``collect=False`` without a store) has not run its LFs when it
        returns: the first read computes the blocks (and keeps them computed) to find
        out, rather than report no failures it has not looked for.
        """
        if self._errors is None:
            self._errors = stack_errors(self.map_each(_rows_and_errors))
        return dict(self._errors)

    @classmethod
    def from_label_matrix(cls, L: LabelMatrix, n_blocks: int) -> "PartitionedLabelMatrix":
        """Split an in-memory matrix into ``n_blocks`` consecutive row blocks (for tests)."""
        if not isinstance(L, LabelMatrix):
            raise TypeError(f"L must be a LabelMatrix, got {type(L).__name__}")
        check_int(n_blocks, "n_blocks", min_val=1)
        edges = np.linspace(0, L.n_rows, int(n_blocks) + 1).astype(np.int64)
        blocks = [dask.delayed(L[int(a):int(b)], pure=True) for a, b in zip(edges[:-1], edges[1:])]
        return cls(blocks, L.lf_names, L.cardinality)

    # ----------------------------------------------------------------- shape
    @property
    def n_lfs(self) -> int:
        """Number of labeling functions m."""
        return len(self.lf_names)

    @property
    def n_blocks(self) -> int:
        """Number of partitions."""
        return len(self.blocks)

    @property
    def block_rows(self) -> np.ndarray:
        """Rows in each partition (computed on first use)."""
        if self._block_rows is None:
            self._persist()
            rows = dask.compute(*[dask.delayed(_n_rows)(b) for b in self.blocks])
            self._block_rows = np.asarray(rows, dtype=np.int64)
        return self._block_rows

    @property
    def n_rows(self) -> int:
        """Total number of rows n."""
        return int(self.block_rows.sum())

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_lfs)``."""
        return self.n_rows, self.n_lfs

    def __repr__(self) -> str:
        return (
            f"PartitionedLabelMatrix(n_blocks={self.n_blocks}, n_lfs={self.n_lfs}, "
            f"cardinality={self.cardinality})"
        )

    # ------------------------------------------------------------ execution
    def _persist(self) -> None:
        if not self._persisted:
            self.blocks = list(dask.persist(*self.blocks))
            self._persisted = True

    def map_sum(self, fn: Callable[[LabelMatrix], Any]) -> Any:
        """Apply ``fn`` to every partition's LabelMatrix and add the results.

        ``fn`` returns an array, a number, or a tuple / dict of them; results are added
        element-wise in a tree, partition order fixed. This is how label models compute
        their sufficient statistics.
        """
        self._persist()
        parts = [
            dask.delayed(_apply_checked)(fn, self.lf_names, self.cardinality, i, b)
            for i, b in enumerate(self.blocks)
        ]
        while len(parts) > 1:
            paired = [dask.delayed(add_stats)(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
            if len(parts) % 2:
                paired.append(parts[-1])
            parts = paired
        (total,) = dask.compute(parts[0])
        return total

    def map_each(self, fn: Callable[[LabelMatrix], Any]) -> list[Any]:
        """Apply ``fn`` to every partition's LabelMatrix; the results, in partition order.

        For results that do not add up (per-partition labels beside their counts); the
        partitions are computed together, each once.

        Examples
        --------
        >>> L = LabelMatrix.from_dense(np.array([[0, -1], [1, 1], [-1, 0]]), ["a", "b"])
        >>> PartitionedLabelMatrix.from_label_matrix(L, n_blocks=2).map_each(lambda b: b.n_rows)
        [1, 2]
        """
        self._persist()
        parts = [
            dask.delayed(_apply_checked)(fn, self.lf_names, self.cardinality, i, b)
            for i, b in enumerate(self.blocks)
        ]
        return list(dask.compute(*parts))

    def take(self, rows: Sequence[int] | np.ndarray) -> LabelMatrix:
        """The given rows (global positions, strictly increasing), in memory.

        Each partition computes only its share, so a small sample of a large matrix never
        gathers the rest; the result equals ``self.compute()[rows]``.

        Examples
        --------
        >>> L = LabelMatrix.from_dense(np.array([[0, -1], [1, 1], [-1, 0], [1, -1]]), ["a", "b"])
        >>> PartitionedLabelMatrix.from_label_matrix(L, n_blocks=2).take([0, 3]).to_dense().tolist()
        [[0, -1], [1, -1]]
        """
        rows = np.asarray(rows)
        if rows.ndim != 1 or not (rows.size == 0 or np.issubdtype(rows.dtype, np.integer)):
            raise TypeError(f"rows must be a 1-D array of integers, got shape {rows.shape} ({rows.dtype})")
        rows = rows.astype(np.int64)
        if rows.size and (rows[0] < 0 or rows[-1] >= self.n_rows or np.any(np.diff(rows) <= 0)):
            raise ValueError(f"rows must be strictly increasing positions in [0, {self.n_rows})")
        self._persist()
        stops = np.cumsum(self.block_rows)
        starts = stops - self.block_rows
        parts = []
        for i, (block, start, stop) in enumerate(zip(self.blocks, starts, stops)):
            local = rows[(rows >= start) & (rows < stop)] - start
            if local.size:
                parts.append(dask.delayed(_apply_checked)(lambda b, local=local: b[local], self.lf_names,
                                                          self.cardinality, i, block))
        if not parts:
            return LabelMatrix.from_dense(np.zeros((0, self.n_lfs), dtype=np.int64), self.lf_names,
                                          cardinality=self.cardinality)
        return LabelMatrix.vstack(list(dask.compute(*parts)))

    def map_blocks(self, fn: Callable[[LabelMatrix], np.ndarray], n_columns: int) -> da.Array:
        """Apply ``fn`` (returning an (rows, n_columns) array) per partition; a Dask array."""
        rows = self.block_rows
        arrays = [
            da.from_delayed(
                dask.delayed(_apply_checked)(fn, self.lf_names, self.cardinality, i, b),
                shape=(int(r), int(n_columns)),
                dtype=np.float64,
            )
            for i, (b, r) in enumerate(zip(self.blocks, rows))
        ]
        return da.concatenate(arrays, axis=0)

    def compute(self) -> LabelMatrix:
        """Collect every partition into one in-memory :class:`~weaklab.LabelMatrix`."""
        self._persist()
        blocks = dask.compute(*self.blocks)
        return LabelMatrix.vstack(
            [_check_block(b, self.lf_names, self.cardinality, i) for i, b in enumerate(blocks)]
        )
