"""The result of a batch job, read back from its store: the label matrix of a finished run.

``weaklab fit --store``, ``weaklab label`` and ``weaklab report`` start from what
``weaklab apply --store`` left: the latest run record that finished lists the LFs (names
and fingerprints) and the partitions (fingerprints and rows, in row order);
:func:`stored_matrix` turns it into a :class:`~weaklab.matrix.PartitionedLabelMatrix`
whose partitions are read from the store lazily (on the workers of an active
``distributed`` client, else in local threads), so label models fit from summed
per-partition statistics and no step needs all votes in one place.
"""

from __future__ import annotations

from os import PathLike

import numpy as np

from ..matrix.partitioned import PartitionedLabelMatrix
from .store import BlockStore, RunRecord, open_store

__all__ = ["finished_run", "stored_matrix"]


def finished_run(store: "str | PathLike | BlockStore", run_id: str | None = None) -> RunRecord:
    """The latest run of ``store`` that finished (or the run ``run_id``, which must have finished).

    Raises
    ------
    ValueError
        The store holds no finished run (none ran, or every run failed or was killed), or
        no run ``run_id``.
    """
    blocks = open_store(store)
    runs = blocks.runs()
    if run_id is not None:
        chosen = [r for r in runs if r.run_id == run_id]
        if not chosen:
            raise ValueError(f"store {blocks.url} has no run {run_id!r}")
        run = chosen[0]
        if run.status != "finished":
            raise ValueError(f"run {run_id} in {blocks.url} is {run.status}, not finished; rerun weaklab apply")
        return run
    done = [r for r in runs if r.status == "finished" and r.partitions]
    if not done:
        state = f"{len(runs)} run(s), none finished" if runs else "no runs"
        raise ValueError(f"store {blocks.url} holds {state}; run 'weaklab apply ... --store {blocks.url}' to the end first")
    return done[-1]


def stored_matrix(store: "str | PathLike | BlockStore", run_id: str | None = None) -> PartitionedLabelMatrix:
    """The label matrix of a finished run, partition by partition, read lazily from ``store``.

    Examples
    --------
    >>> import pandas as pd, dask.dataframe as dd
    >>> from weaklab import apply_lfs, keyword_lf
    >>> lf = keyword_lf("free", ["free"], 1)
    >>> frame = dd.from_pandas(pd.DataFrame({"text": ["free stuff", "hello", "free"]}), npartitions=2)
    >>> _ = apply_lfs(frame, [lf], cardinality=2, store="memory://stored-doc", progress=False,
    ...               collect=False)
    >>> stored_matrix("memory://stored-doc").compute().to_dense().ravel().tolist()
    [1, -1, 1]
    """
    import dask

    from .apply import _read_partition

    blocks = open_store(store)
    run = finished_run(blocks, run_id)
    names = tuple(lf["name"] for lf in run.lfs)
    fps = tuple(lf["fingerprint"] for lf in run.lfs)
    read = dask.delayed(_read_partition, pure=True)
    parts = [read(blocks, fps, names, p["fingerprint"], p["n_rows"], run.cardinality, run.fault_tolerant)
             for p in run.partitions]
    matrix = PartitionedLabelMatrix(parts, names, run.cardinality)
    matrix._run = run
    matrix._block_rows = np.asarray([p["n_rows"] for p in run.partitions], dtype=np.int64)
    return matrix
