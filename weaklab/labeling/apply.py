"""Apply labeling functions to pandas or Dask DataFrames, producing a :class:`LabelMatrix`.

pandas data is labeled in-process, cut into fixed chunks of ``chunk_rows`` rows (each
chunk is labeled like one Dask partition: a batch LF sees one chunk at a time). Dask data
is labeled partition by partition on the workers of whatever scheduler is active (a
``distributed.Client`` included): each partition returns a small CSR block, and only the
blocks travel back. Row ``i`` of the result is row ``i`` of the data, whatever the
partitioning.

With a ``store`` (:class:`~weaklab.labeling.store.BlockStore`), every partition is
fingerprinted where it lives; the votes of an LF on a partition already in the store are
read back, only the missing (LF, partition) blocks are computed, and each is written by
the process that computed it as soon as it exists. The result is the matrix a store-less
call returns, row for row; ``L.run`` (a :class:`~weaklab.labeling.store.RunRecord`)
counts the blocks ``computed`` and ``reused``. Each partition is also counted where it is
labelled (:class:`~weaklab.matrix.counts.DriftCounts`, small and mergeable), and the sum
goes into the run's manifest (``weaklab/labeling/manifest.py``), written when the run
finishes: the client never needs the votes for it.

Error policy: by default an exception inside an LF is re-raised as
:class:`LFApplicationError` naming the LF and the row. With ``fault_tolerant=True``
the vote becomes an abstain and :attr:`LabelMatrix.errors` records, per LF, how many
rows failed and the first failure with its row. A batch LF that raises on a partition
is re-run on its halves, recursively, until the failing rows are isolated: only those
rows abstain. An LF that *returns* an invalid vote
(not an int in ``[-1, k-1]``, or a batch array of the wrong length or dtype) is a bug
in the LF and always fails. A stored block with recorded failures is reused only by
fault-tolerant runs; a strict run recomputes it (and raises).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from tqdm.auto import tqdm

from .cluster import ship_once
from .fingerprint import DEFAULT_CHUNK_ROWS, chunk_bounds, partition_fingerprint
from .lf import LabelingFunction, Preprocessor, iter_rows, refresh_fingerprints
from .manifest import apply_manifest, write_manifest
from .store import (
    Block,
    BlockStore,
    CorruptBlockWarning,
    RunRecord,
    _now,
    join_columns,
    open_store,
    split_columns,
)
from .._validation import check_bool
from ..matrix.counts import DriftCounts
from ..matrix.label_matrix import ABSTAIN, LabelMatrix, LFErrors, _check_cardinality, _data_dtype

__all__ = ["LFApplicationError", "apply_lfs"]

_PROGRESS_EVERY = 4096

# Raised by user code, these are still LF failures on a worker (never a dead worker); in
# the user's own process a KeyboardInterrupt is a Ctrl-C and propagates.
_INTERRUPTS = (KeyboardInterrupt,)


class LFApplicationError(RuntimeError):
    """An LF (or one of its preprocessors) raised, or returned an invalid vote.

    Examples
    --------
    >>> import pandas as pd
    >>> from weaklab import LabelingFunction, apply_lfs
    >>> broken = LabelingFunction("broken", lambda row: 1 // 0)
    >>> try:
    ...     apply_lfs(pd.DataFrame({"text": ["a", "b"]}), [broken], cardinality=2, progress=False)
    ... except LFApplicationError as error:
    ...     print("'broken'" in str(error), "ZeroDivisionError" in str(error))
    True True
    """


def apply_lfs(
    data: Any,
    lfs: Sequence[LabelingFunction],
    *,
    cardinality: int,
    fault_tolerant: bool = False,
    progress: bool = True,
    collect: bool = True,
    store: "str | PathLike | BlockStore | None" = None,
    chunk_rows: int | None = None,
    data_source: str | None = None,
):
    """Label ``data`` with ``lfs``.

    Parameters
    ----------
    data : pandas.DataFrame or dask.dataframe.DataFrame
        The rows to label.
    lfs : sequence of LabelingFunction
        Unique names required; row-wise and batch LFs may be mixed.
    cardinality : int
        Number of classes k; every vote must lie in ``[-1, k-1]``.
    fault_tolerant : bool
        If True, an exception inside an LF turns that vote into an abstain and is
        recorded in the result's ``errors``; if False (default) it is re-raised. A
        batch LF that raises is re-run on halves of the partition until the failing
        rows are found; only they abstain.
    progress : bool
        Show a tqdm progress bar (rows for pandas, partitions for Dask; with a store it
        also shows the blocks computed and reused).
    collect : bool
        Dask data only: if False, return a
        :class:`~weaklab.matrix.PartitionedLabelMatrix`. Without a store its blocks stay
        on the workers; with a store the run completes (every block written by its
        worker, only counts travel to the client) and each partition is read back from
        the store lazily, on the workers.
    store : str, os.PathLike or BlockStore, optional
        A block store (local folder or fsspec URL every worker can reach): blocks that
        exist are read, missing ones computed and written.
    chunk_rows : int, optional
        pandas data only: rows per partition (default
        :data:`~weaklab.labeling.fingerprint.DEFAULT_CHUNK_ROWS`, 100 000). Keep it fixed
        between runs over one store, or no block is found again.
    data_source : str, optional
        Where the rows came from (a path, URL or table name), recorded in the run's
        manifest.

    Returns
    -------
    LabelMatrix
        ``n_rows × len(lfs)``, columns in the order of ``lfs``; ``L.run`` records the run.
        With a store, the finished run's manifest (:class:`~weaklab.RunManifest`: LFs
        with their source, partitions, blocks, versions, summary metrics and drift
        counts) is written to ``STORE/manifests/<run id>.json``; read it with
        :func:`weaklab.load_run`.

    Raises
    ------
    LFApplicationError
        An LF raised (without ``fault_tolerant``) or returned an invalid vote.

    Warns
    -----
    CorruptBlockWarning
        A stored block failed validation (named by path); it was recomputed.

    Examples
    --------
    >>> import pandas as pd
    >>> from weaklab import labeling_function, apply_lfs
    >>> @labeling_function()
    ... def short(row):
    ...     return 0 if len(row.text) < 5 else -1
    >>> frame = pd.DataFrame({"text": ["hi", "hello there"]})
    >>> apply_lfs(frame, [short], cardinality=2, progress=False).to_dense().tolist()
    [[0], [-1]]
    >>> L = apply_lfs(frame, [short], cardinality=2, progress=False, store="memory://doc")
    >>> L = apply_lfs(frame, [short], cardinality=2, progress=False, store="memory://doc")
    >>> L.run.computed, L.run.reused
    (0, 1)
    >>> from weaklab import load_run
    >>> load_run("memory://doc", L.run.run_id).metrics["coverage"]
    0.5
    """
    k = _check_cardinality(cardinality)
    fault_tolerant = check_bool(fault_tolerant, "fault_tolerant")
    progress, collect = check_bool(progress, "progress"), check_bool(collect, "collect")
    lfs = _check_lfs(lfs)
    refresh_fingerprints(lfs)  # what an LF reads may have changed since an earlier call
    is_pandas = isinstance(data, pd.DataFrame)
    if not is_pandas and not _is_dask_dataframe(data):
        raise TypeError(
            f"data must be a pandas or Dask DataFrame, got {type(data).__module__}.{type(data).__name__}"
        )
    _check_columns(data.columns)
    if is_pandas and not collect:
        raise ValueError("collect=False only applies to Dask DataFrames")
    if chunk_rows is not None and not is_pandas:
        raise ValueError("chunk_rows only applies to pandas data; a Dask DataFrame keeps its partitions")
    if data_source is not None and not isinstance(data_source, str):
        raise TypeError(f"data_source must be a string (a path, URL or table name), got {type(data_source).__name__}")
    bounds = chunk_bounds(len(data), DEFAULT_CHUNK_ROWS if chunk_rows is None else chunk_rows) if is_pandas else None
    blocks = None if store is None else open_store(store)
    run = RunRecord.start(blocks, lfs, cardinality=k, fault_tolerant=fault_tolerant, columns=data.columns)
    if blocks is not None:
        blocks.write_run(run)
    summary = None if blocks is None else _Summary(tuple(lf.name for lf in lfs), k)
    try:
        if is_pandas:
            result = _apply_pandas(data, bounds, lfs, k, fault_tolerant, progress, blocks, run, summary)
        else:
            result = _apply_dask(data, lfs, k, fault_tolerant, progress, collect, blocks, run, summary)
    except BaseException:
        _close_run(run, blocks, "failed")
        raise
    _close_run(run, blocks, "finished")
    if blocks is not None:
        write_manifest(blocks, apply_manifest(run, lfs, summary.counts, summary.errors, data_source))
    result._run = run
    if not isinstance(result, LabelMatrix):  # a PartitionedLabelMatrix: what the blocks would say
        result._lf_fingerprints = tuple(lf.fingerprint for lf in lfs)
        # Without a store the blocks have not run yet: their failures are known once computed.
        result._errors = summary.errors if summary is not None else None if fault_tolerant else {}
    return result


def _close_run(run: RunRecord, blocks: BlockStore | None, status: str) -> None:
    run.status, run.finished = status, _now()
    if blocks is not None:
        try:
            blocks.write_run(run)
        except Exception as exc:  # noqa: BLE001 - never mask the run's own outcome
            if status == "finished":
                raise
            warnings.warn(f"could not record the failed run in {blocks.url}: {exc}", stacklevel=3)


def _check_lfs(lfs: Sequence[LabelingFunction]) -> tuple[LabelingFunction, ...]:
    if isinstance(lfs, LabelingFunction):
        lfs = [lfs]
    lfs = tuple(lfs)
    if not lfs:
        raise ValueError("lfs is empty: pass at least one LabelingFunction")
    for lf in lfs:
        if not isinstance(lf, LabelingFunction):
            raise TypeError(
                f"lfs must hold LabelingFunction objects (use @labeling_function()), got {lf!r}"
            )
    seen: set[str] = set()
    dupes = sorted({lf.name for lf in lfs if lf.name in seen or seen.add(lf.name)})
    if dupes:
        raise ValueError(f"duplicate LF names: {dupes}; every LF needs a unique name")
    return lfs


def _check_columns(columns: pd.Index) -> None:
    """A row exposes each column once: repeated names would make ``row.name`` ambiguous.

    Rows name columns by ``str(name)``, so ``1`` and ``"1"`` repeat each other.
    """
    names = pd.Index([str(c) for c in columns])
    repeated = sorted(set(names[names.duplicated()]))
    if repeated:
        raise ValueError(f"data has duplicate column names {repeated}; rename them before applying LFs")


def _is_dask_dataframe(data: Any) -> bool:
    if not type(data).__module__.startswith("dask"):
        return False
    import dask.dataframe as dd

    return isinstance(data, dd.DataFrame)


# ----------------------------------------------------------- one pandas frame
def _label_frame(
    frame: pd.DataFrame,
    lfs: tuple[LabelingFunction, ...],
    k: int,
    fault_tolerant: bool,
    *,
    bar: Any = None,
    row_offset: int = 0,
    where: str = "",
    on_worker: bool = False,
) -> LabelMatrix:
    """Label one pandas frame; raised errors report positions as ``row_offset + i``, the
    recorded :class:`LFErrors` positions local to the frame.

    User code may raise anything. ``SystemExit`` (and any other ``BaseException``) is an
    LF failure like an exception; ``KeyboardInterrupt`` propagates in-process (the user
    pressed Ctrl-C) and, ``on_worker``, fails the job naming the LF even when
    ``fault_tolerant`` (it must not kill the worker, nor become abstains).
    """
    n, m = len(frame), len(lfs)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    failures: dict[int, list] = {}  # column -> [n_failed, first_pos, first_index, first_error]

    def fail(j: int, i: int, exc: BaseException, what: str) -> None:
        lf = lfs[j]
        if isinstance(exc, _INTERRUPTS) and not on_worker:
            raise exc
        if not fault_tolerant or isinstance(exc, _INTERRUPTS):
            raise LFApplicationError(
                f"LF {lf.name!r}{what} raised {type(exc).__name__}: {exc} on row index "
                f"{_label_at(frame, i)!r} (position {row_offset + i}{where})"
            ) from exc
        rec = failures.get(j)
        if rec is None:
            failures[j] = [1, i, _label_at(frame, i), f"{type(exc).__name__}: {exc}{what}"]
        else:
            rec[0] += 1

    row_lfs = [j for j, lf in enumerate(lfs) if not lf.batch]
    if row_lfs and n:
        r, c, v = _label_rows(frame, lfs, row_lfs, k, fail, bar, row_offset, where, on_worker)
        rows.append(r), cols.append(c), vals.append(v)
    elif bar is not None:
        bar.update(n)
    for j, lf in enumerate(lfs):
        if lf.batch and n:
            try:
                out = lf(frame)
            except BaseException as exc:  # noqa: BLE001 - user code may raise anything
                if isinstance(exc, _INTERRUPTS) and not on_worker:
                    raise
                if not fault_tolerant or isinstance(exc, _INTERRUPTS):
                    raise LFApplicationError(
                        f"batch LF {lf.name!r} raised {type(exc).__name__}: {exc} on the rows at "
                        f"positions {row_offset}..{row_offset + n - 1}{where} (first index "
                        f"{_label_at(frame, 0)!r})"
                    ) from exc
                votes, failed, first_exc = _bisect_batch(lf, frame, k, row_offset, where, exc)
                if failed:
                    failures[j] = [len(failed), failed[0], _label_at(frame, failed[0]),
                                   f"{type(first_exc).__name__}: {first_exc} (batch LF, on that row alone)"]
            else:
                votes = _check_batch_output(lf, out, n, k, frame, row_offset, where)
            hit = np.flatnonzero(votes != ABSTAIN)
            rows.append(hit), cols.append(np.full(hit.size, j)), vals.append(votes[hit] + 1)
    csr = _to_csr(rows, cols, vals, n, m, k)
    errors = {
        lfs[j].name: LFErrors(lfs[j].name, rec[0], rec[1], rec[2], rec[3])
        for j, rec in sorted(failures.items())
    }
    return LabelMatrix(csr, [lf.name for lf in lfs], k, errors, [lf.fingerprint for lf in lfs])


def _label_rows(frame, lfs, row_lfs, k, fail, bar, row_offset, where, on_worker):
    """Row-major loop over row-wise LFs; each preprocessor chain runs once per row."""
    # Distinct preprocessor chains, each computed from its longest computed prefix.
    chains: list[tuple[Preprocessor, ...]] = [()]
    for j in row_lfs:
        pre = lfs[j].pre
        for end in range(1, len(pre) + 1):
            if pre[:end] not in chains:
                chains.append(pre[:end])
    chain_id = {c: i for i, c in enumerate(chains)}
    steps = [(chain_id[c[:-1]], c[-1]) for c in chains[1:]]
    calls = [(j, lfs[j].f, lfs[j].resources, chain_id[lfs[j].pre]) for j in row_lfs]

    out_rows: list[list[int]] = [[] for _ in lfs]
    out_vals: list[list[int]] = [[] for _ in lfs]
    enriched: list[Any] = [None] * len(chains)
    broken: list[tuple[BaseException, str] | None] = [None] * len(chains)
    has_pre = len(chains) > 1
    hi = k - 1
    for i, row in enumerate(iter_rows(frame)):
        if has_pre:
            enriched[0] = row
            for s, (parent, pre) in enumerate(steps, start=1):
                if broken[parent] is not None:
                    broken[s] = broken[parent]
                    continue
                try:
                    enriched[s] = pre(enriched[parent])
                    broken[s] = None
                except BaseException as exc:  # noqa: BLE001 - SystemExit must not end the job
                    if isinstance(exc, _INTERRUPTS) and not on_worker:
                        raise
                    broken[s] = (exc, pre.name)
        for j, f, res, cid in calls:
            if has_pre:
                if broken[cid] is not None:
                    exc, pre_name = broken[cid]
                    fail(j, i, exc, f" (in its preprocessor {pre_name!r})")
                    continue
                x = enriched[cid]
            else:
                x = row
            try:
                v = f(x, **res) if res else f(x)
            except BaseException as exc:  # noqa: BLE001 - SystemExit must not end the job
                fail(j, i, exc, "")
                continue
            if v.__class__ is not int or v < -1 or v > hi:
                v = _check_vote(lfs[j], v, k, frame, i, row_offset, where)
            if v != ABSTAIN:
                out_rows[j].append(i)
                out_vals[j].append(v + 1)
        if bar is not None and (i + 1) % _PROGRESS_EVERY == 0:
            bar.update(_PROGRESS_EVERY)
    if bar is not None:
        bar.update(len(frame) % _PROGRESS_EVERY)
    rows = np.concatenate([np.asarray(out_rows[j], dtype=np.int64) for j in row_lfs])
    cols = np.concatenate([np.full(len(out_rows[j]), j, dtype=np.int64) for j in row_lfs])
    vals = np.concatenate([np.asarray(out_vals[j], dtype=np.int64) for j in row_lfs])
    return rows, cols, vals


def _bisect_batch(lf, frame, k, offset, where, exc) -> tuple[np.ndarray, list[int], BaseException | None]:
    """Votes of a batch LF that raised on ``frame``: re-run it on halves, recursively.

    Halves on which the LF succeeds keep its votes; a single row on which it still
    raises is a failing row and abstains. Returns the votes, the failing positions
    (ascending) and the exception of the first one. At most ``2 n - 2`` more calls; votes
    equal the whole-frame votes for any LF whose vote on a row depends on that row only.
    ``exc`` is what the LF raised on the whole frame.
    """
    n = len(frame)
    votes = np.full(n, ABSTAIN, dtype=np.int64)
    if n == 1:
        return votes, [0], exc
    failed: list[int] = []
    first_exc: BaseException | None = None
    pending = [(n // 2, n), (0, n // 2)]  # a stack: the left half is popped first
    while pending:
        lo, hi = pending.pop()
        part = frame.iloc[lo:hi]
        try:
            out = lf(part)
        except BaseException as part_exc:  # noqa: BLE001 - user code may raise anything
            if isinstance(part_exc, _INTERRUPTS):
                raise
            if hi - lo == 1:
                failed.append(lo)
                first_exc = first_exc or part_exc
            else:
                mid = (lo + hi) // 2
                pending += [(mid, hi), (lo, mid)]
            continue
        votes[lo:hi] = _check_batch_output(lf, out, hi - lo, k, part, offset + lo, where)
    return votes, failed, first_exc


def _label_at(frame: pd.DataFrame, i: int) -> Any:
    """The index label of row ``i`` as a plain Python value (for messages and records)."""
    label = frame.index[i]
    return label.item() if isinstance(label, np.generic) else label


def _check_vote(lf: LabelingFunction, v: Any, k: int, frame: pd.DataFrame, i: int, offset: int, where: str) -> int:
    """Slow path for votes that are not a plain in-range int: accept NumPy ints, else fail."""
    if isinstance(v, (np.integer, int)) and not isinstance(v, (bool, np.bool_)) and -1 <= v < k:
        return int(v)
    hint = " (return ABSTAIN, i.e. -1, to abstain)" if v is None else ""
    raise LFApplicationError(
        f"LF {lf.name!r} returned {v!r} ({type(v).__name__}) on row index {_label_at(frame, i)!r} "
        f"(position {offset + i}{where}); a vote must be an int in [-1, {k - 1}]{hint}"
    )


def _check_batch_output(lf, out, n, k, frame, offset, where) -> np.ndarray:
    if isinstance(out, pd.Series) and not out.index.equals(frame.index):
        same_rows = (
            len(out) == n and frame.index.is_unique and out.index.is_unique and out.index.isin(frame.index).all()
        )
        if not same_rows:
            raise LFApplicationError(
                f"batch LF {lf.name!r} returned a Series whose index is not the frame's{where} "
                f"(first labels {list(out.index[:3])!r}, the frame's {list(frame.index[:3])!r}); "
                "return a Series on frame.index, or an array in the frame's row order"
            )
        out = out.reindex(frame.index)  # the same rows in another order: align on the index
    if isinstance(out, (pd.Series, pd.Index)):
        if out.hasnans:
            raise LFApplicationError(f"batch LF {lf.name!r} returned missing values{where}; use -1 to abstain")
        out = out.to_numpy()
    arr = np.asarray(out)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise LFApplicationError(
            f"batch LF {lf.name!r} returned shape {arr.shape} for a partition of {n} rows{where}; "
            f"it must return a 1-D array of length {n}"
        )
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise LFApplicationError(
            f"batch LF {lf.name!r} returned dtype {arr.dtype}{where}; it must return integers "
            f"in [-1, {k - 1}]"
        )
    bad = np.flatnonzero((arr < -1) | (arr >= k))
    if bad.size:
        i = int(bad[0])
        raise LFApplicationError(
            f"batch LF {lf.name!r} returned {arr[i].item()!r} on row index {_label_at(frame, i)!r} "
            f"(position {offset + i}{where}); votes must lie in [-1, {k - 1}]"
        )
    return arr.astype(np.int64, copy=False)


def _to_csr(rows, cols, vals, n: int, m: int, k: int) -> sp.csr_matrix:
    if not rows:
        return sp.csr_matrix((n, m), dtype=_data_dtype(k))
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    v = np.concatenate(vals).astype(_data_dtype(k))
    return sp.csr_matrix((v, (r, c)), shape=(n, m))


# ------------------------------------------------------------ one partition
@dataclass
class _Outcome:
    """What labeling one partition produced; only this (small) object travels to the client
    when votes are not collected."""

    fingerprint: str | None
    n_rows: int
    computed: int
    reused: int
    corrupt: list[str] = field(default_factory=list)
    matrix: LabelMatrix | None = None
    counts: DriftCounts | None = None
    errors: dict[str, LFErrors] = field(default_factory=dict)


def _reusable(block: Block, n_rows: int, k: int, fault_tolerant: bool) -> bool:
    """A valid stored block serves this run unless it needs a recomputation to behave
    like a store-less run: a vote outside this run's classes (which must raise), or
    recorded failures in a strict run (which must raise)."""
    if block.values.size and int(block.values.max()) > k:
        return False
    return fault_tolerant or block.errors is None


def _label_partition(
    frame: pd.DataFrame,
    lfs: Sequence[LabelingFunction],
    k: int,
    fault_tolerant: bool,
    store: BlockStore | None,
    *,
    row_offset: int = 0,
    where: str = "",
    bar: Any = None,
    keep_votes: bool = True,
    on_worker: bool = False,
) -> _Outcome:
    """Label one partition (in-process or on a worker); error records local to it.

    With a store: read the blocks that exist, compute the missing LFs only, write their
    blocks. ``row_offset`` and ``where`` only shape error messages.
    """
    lfs = tuple(lfs)
    n = len(frame)
    if store is None:
        L = _label_frame(frame, lfs, k, fault_tolerant, bar=bar, row_offset=row_offset, where=where,
                         on_worker=on_worker)
        return _Outcome(None, n, len(lfs), 0, [], L)
    fp = partition_fingerprint(frame)
    found: dict[int, Block] = {}
    corrupt: list[str] = []
    for j, lf in enumerate(lfs):
        block, problem = store.load_block(lf.fingerprint, fp)
        if block is not None and block.n_rows != n:
            problem = (f"corrupt block {store.block_path(lf.fingerprint, fp)}: it holds {block.n_rows} rows, "
                       f"the partition {n}; it is ignored and recomputed")
            block = None
        if problem is not None:
            corrupt.append(problem)
        if block is not None and _reusable(block, n, k, fault_tolerant):
            found[j] = block
    missing = [j for j in range(len(lfs)) if j not in found]
    if missing:
        todo = tuple(lfs[j] for j in missing)
        fresh = _label_frame(frame, todo, k, fault_tolerant, bar=bar, row_offset=row_offset, where=where,
                             on_worker=on_worker)
        computed = split_columns(fresh, [lf.fingerprint for lf in todo], fp)
        store.write_blocks(computed)
        found.update(zip(missing, computed))
    elif bar is not None:
        bar.update(n)
    matrix = join_columns([found[j] for j in range(len(lfs))], [lf.name for lf in lfs], k)
    return _Outcome(fp, n, len(missing), len(lfs) - len(missing), corrupt, matrix if keep_votes else None,
                    DriftCounts.from_matrix(matrix), matrix.errors)


class _Summary:
    """What a store-backed run's manifest summarises, summed over its partitions in row order:
    the vote counts and the fault-tolerant failures (first row in the whole data set)."""

    def __init__(self, lf_names: tuple[str, ...], k: int) -> None:
        self.lf_names, self.k = lf_names, k
        self._counts: DriftCounts | None = None
        self.errors: dict[str, LFErrors] = {}
        self.n_rows = 0

    @property
    def counts(self) -> DriftCounts:
        if self._counts is None:  # no partition at all: the counts of no rows
            empty = LabelMatrix(sp.csr_matrix((0, len(self.lf_names))), self.lf_names, self.k)
            return DriftCounts.from_matrix(empty)
        return self._counts

    def add(self, out: _Outcome) -> None:
        if out.counts is not None:
            self._counts = out.counts if self._counts is None else self._counts + out.counts
        for name, e in out.errors.items():
            prev = self.errors.get(name)
            self.errors[name] = (LFErrors(name, e.n_failed, e.first_row + self.n_rows, e.first_index, e.first_error)
                                 if prev is None else
                                 LFErrors(name, prev.n_failed + e.n_failed, prev.first_row, prev.first_index,
                                          prev.first_error))
        self.n_rows += out.n_rows


def _record(run: RunRecord, outcomes: Sequence[_Outcome], summary: _Summary | None = None) -> None:
    for out in outcomes:
        run.computed += out.computed
        run.reused += out.reused
        if out.fingerprint is not None:
            run.partitions.append({"fingerprint": out.fingerprint, "n_rows": out.n_rows})
        if summary is not None:
            summary.add(out)
        for message in out.corrupt:
            warnings.warn(message, CorruptBlockWarning, stacklevel=4)


def _apply_pandas(frame, bounds, lfs, k, fault_tolerant, progress, blocks, run, summary) -> LabelMatrix:
    parts = []
    with tqdm(total=len(frame), disable=not progress, unit="rows", desc="applying LFs") as bar:
        for start, stop in bounds:
            out = _label_partition(frame.iloc[start:stop], lfs, k, fault_tolerant, blocks,
                                   row_offset=start, bar=bar)
            _record(run, [out], summary)
            if blocks is not None:
                bar.set_postfix(computed=run.computed, reused=run.reused, refresh=False)
            parts.append(out.matrix)
    return LabelMatrix.vstack(parts)


# ------------------------------------------------------------------------ Dask
def _dask_partition(frame: pd.DataFrame, lfs, k: int, fault_tolerant: bool, store, number: int,
                    keep_votes: bool) -> Any:
    """Runs on a worker: one partition in; its CSR block (no store) or its outcome out."""
    try:
        out = _label_partition(frame, tuple(lfs), k, fault_tolerant, store, where=f" in partition {number}",
                               keep_votes=keep_votes, on_worker=True)
    except LFApplicationError as err:
        # The error travels back pickled with its whole cause/context chain; one user
        # exception there that cannot be pickled turns it into a bare Exception.
        if all(_round_trips(e) for e in _chain(err)):
            raise
        message = f"{err} (the original exception could not be sent back from the worker)"
    else:
        return out.matrix if store is None else out
    raise LFApplicationError(message)  # outside the except block: no chained context


def _chain(err: BaseException) -> list[BaseException]:
    """The exceptions chained below ``err`` (causes and contexts, each once)."""
    found: list[BaseException] = []
    stack = [err.__cause__, err.__context__]
    while stack:
        e = stack.pop()
        if e is not None and all(e is not f for f in found):
            found.append(e)
            stack += [e.__cause__, e.__context__]
    return found


def _round_trips(obj: object) -> bool:
    import pickle

    import cloudpickle

    try:
        pickle.loads(cloudpickle.dumps(obj))
    except Exception:  # noqa: BLE001 - any failure means it cannot travel
        return False
    return True


def _check_lfs_travel(lfs) -> None:
    """On a scheduler with worker processes, each LF (code, resources, preprocessors) is
    pickled; find the one that cannot be before Dask fails without naming it."""
    import cloudpickle

    for lf in lfs:
        try:
            cloudpickle.dumps(lf)
        except Exception as exc:  # noqa: BLE001 - pickling can fail in many ways
            raise TypeError(
                f"LF {lf.name!r} cannot be sent to the Dask workers: pickling it failed with "
                f"{type(exc).__name__}: {exc}; create unpicklable resources (locks, connections, "
                "open files) inside the LF, or use a scheduler without worker processes"
            ) from None


def _uses_worker_processes() -> bool:
    import dask

    try:
        from distributed import default_client

        default_client()
        return True
    except (ImportError, ValueError):
        return dask.config.get("scheduler", None) in ("processes", "multiprocessing")


def _read_partition(store: BlockStore, lf_fps: tuple[str, ...], lf_names: tuple[str, ...], part_fp: str,
                    n_rows: int, k: int, fault_tolerant: bool) -> LabelMatrix:
    """Runs on a worker: one partition's votes read back from the store."""
    found = []
    for lf_fp, name in zip(lf_fps, lf_names):
        block, _ = store.load_block(lf_fp, part_fp)
        if block is None or block.n_rows != n_rows or not _reusable(block, n_rows, k, fault_tolerant):
            raise ValueError(
                f"block {store.block_path(lf_fp, part_fp)} (LF {name!r}) is missing or invalid since "
                "apply_lfs wrote it; run apply_lfs with this store again to recompute it"
            )
        found.append(block)
    return join_columns(found, lf_names, k)


def _apply_dask(ddf, lfs, k: int, fault_tolerant: bool, progress: bool, collect: bool, blocks, run, summary):
    import dask

    from ..matrix.partitioned import PartitionedLabelMatrix

    if _uses_worker_processes():
        _check_lfs_travel(lfs)
    lfs_node = ship_once(list(lfs))
    # With a store a task's outcome depends on what the store holds: never share its key.
    label = dask.delayed(_dask_partition, pure=blocks is None)
    keep_votes = collect or blocks is None
    tasks = [
        label(part, lfs_node, k, fault_tolerant, blocks, number, keep_votes)
        for number, part in enumerate(ddf.to_delayed(optimize_graph=True))
    ]
    names = tuple(lf.name for lf in lfs)
    if blocks is None:
        if not collect:
            run.computed = len(tasks) * len(lfs)
            return PartitionedLabelMatrix(tasks, names, k)
        results = _compute_with_progress(tasks, progress, None)
        run.computed = len(results) * len(lfs)
    else:
        outcomes = _compute_with_progress(tasks, progress, run)
        _record(run, outcomes, summary)
        if not collect:
            read = dask.delayed(_read_partition, pure=True)
            fps = tuple(lf.fingerprint for lf in lfs)
            return PartitionedLabelMatrix(
                [read(blocks, fps, names, o.fingerprint, o.n_rows, k, fault_tolerant) for o in outcomes], names, k
            )
        results = [o.matrix for o in outcomes]
    if not results:
        return LabelMatrix(sp.csr_matrix((0, len(lfs))), names, k, lf_fingerprints=[lf.fingerprint for lf in lfs])
    return LabelMatrix.vstack(results)


def _compute_with_progress(tasks: list, progress: bool, run: RunRecord | None) -> list:
    """Compute delayed tasks on the active scheduler, in order, with a bar per partition.

    With a run (store-backed tasks returning outcomes) the bar also shows the blocks
    computed and reused so far.
    """
    try:
        from distributed import as_completed, default_client

        client = default_client()
    except (ImportError, ValueError):
        client = None
    counts = {"computed": 0, "reused": 0}

    def tick(bar, result) -> None:
        if run is not None and isinstance(result, _Outcome):
            counts["computed"] += result.computed
            counts["reused"] += result.reused
            bar.set_postfix(counts, refresh=False)
        bar.update(1)

    with tqdm(total=len(tasks), disable=not progress, unit="partitions", desc="applying LFs") as bar:
        if client is not None:
            futures = client.compute(tasks)
            position = {id(f): i for i, f in enumerate(futures)}
            results: list = [None] * len(futures)
            failed = []
            for future in as_completed(futures):
                i = position[id(future)]
                if future.status == "finished":
                    results[i] = future.result()
                    tick(bar, results[i])
                else:
                    failed.append(i)
                    bar.update(1)
            if failed:
                if run is not None:  # blocks of the finished partitions are stored: record them
                    _record(run, [r for r in results if r is not None])
                futures[min(failed)].result()  # re-raises the first failure, in partition order
            return results
        import dask
        from dask.callbacks import Callback

        keys = {t.key for t in tasks}

        # Not tqdm.dask.TqdmCallback: it counts every task of the graph (the frame's own
        # split and getitem tasks too) and has no hook on a task's result, so it can show
        # neither partitions nor the blocks computed / reused. The distributed path above
        # cannot use it at all (dask callbacks run only on the local schedulers).
        class _Bar(Callback):
            def _posttask(self, key, result, dsk, state, worker_id):
                if key in keys:
                    tick(bar, result)

        with _Bar():
            return list(dask.compute(*tasks))
