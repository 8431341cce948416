"""The one way a kernel runs over the rows of a label matrix: fixed chunks, added in order.

A pass splits the rows into at most :data:`MAX_CHUNKS` chunks of consecutive rows; how
many depends only on the data's shape, never on the number of threads. Every chunk runs
the same compiled loop (``@njit(cache=True, nogil=True)``, serial: no ``parallel=True``,
whose compile cost was most of a fresh install's first run) from zeroed accumulators,
and the chunks' results are added in chunk order, so a sum is bit-identical on any
machine with any number of threads. Passes over many votes run their chunks on a
thread pool of ``numba.config.NUMBA_NUM_THREADS`` threads (the compiled loops release
the GIL); small ones run them in the calling thread, where a thread hand-off would cost
more than the work.

A chunk kernel takes ``(lo, hi, *args)`` and works on rows ``lo .. hi - 1``:

- :func:`sum_over_rows` adds the tuples of accumulators the chunks return;
- :func:`fill_rows` runs kernels that write their rows of an output array in ``args``.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import numba
import numpy as np

__all__ = ["CHUNK_BUDGET", "MAX_CHUNKS", "PARALLEL_WORK", "chunk_bounds", "fill_rows", "sum_over_rows"]

#: Most chunks one pass is split into.
MAX_CHUNKS = 16
#: Most accumulator floats all chunks of one pass hold together.
CHUNK_BUDGET = 16_000_000
#: Work units (votes, or rows for per-row passes) below which chunks run in the calling thread.
PARALLEL_WORK = 100_000

_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()


def chunk_bounds(n: int, per_chunk: int) -> np.ndarray:
    """Row bounds of the chunks of an ``n``-row pass with ``per_chunk`` accumulator floats.

    Examples
    --------
    >>> chunk_bounds(10, 1).tolist()
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    >>> chunk_bounds(100, CHUNK_BUDGET // 4).tolist()  # big accumulators: fewer chunks
    [0, 25, 50, 75, 100]
    >>> chunk_bounds(0, 1).tolist()
    [0, 0]
    """
    n_chunks = max(min(CHUNK_BUDGET // max(per_chunk, 1), MAX_CHUNKS, n), 1)
    return (np.int64(n) * np.arange(n_chunks + 1, dtype=np.int64)) // n_chunks


def _executor() -> ThreadPoolExecutor:
    """The process's chunk thread pool (a new one after a fork: the old threads are gone)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(numba.config.NUMBA_NUM_THREADS, thread_name_prefix="weaklab-kernel")
            _pool_pid = os.getpid()
        return _pool


def _run_chunks(kernel: Callable, bounds: np.ndarray, work: int, args: tuple) -> list:
    spans = list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))
    if len(spans) == 1 or work < PARALLEL_WORK or numba.config.NUMBA_NUM_THREADS < 2:
        return [kernel(lo, hi, *args) for lo, hi in spans]
    return list(_executor().map(lambda span: kernel(span[0], span[1], *args), spans))


def sum_over_rows(kernel: Callable, indptr: np.ndarray, per_chunk: int, *args: Any) -> tuple:
    """Run ``kernel(lo, hi, indptr, *args)`` on every chunk; its tuples added in chunk order.

    Examples
    --------
    >>> from numba import njit
    >>> @njit
    ... def votes_and_rows(lo, hi, indptr):
    ...     return indptr[hi] - indptr[lo], hi - lo
    >>> sum_over_rows(votes_and_rows, np.array([0, 2, 2, 5]), 1)
    (5, 3)
    """
    n = indptr.shape[0] - 1
    parts = _run_chunks(kernel, chunk_bounds(n, per_chunk), int(indptr[-1] - indptr[0]), (indptr, *args))
    total = list(parts[0])
    for part in parts[1:]:
        for t, value in enumerate(part):
            total[t] = total[t] + value
    return tuple(total)


def fill_rows(kernel: Callable, n: int, work: int, *args: Any) -> None:
    """Run ``kernel(lo, hi, *args)`` on the chunks of ``n`` rows; it writes its rows into ``args``.

    ``work`` (e.g. the number of votes read) decides whether the chunks go to the thread
    pool. Chunks write disjoint rows, so the result does not depend on the order.

    Examples
    --------
    >>> from numba import njit
    >>> @njit
    ... def row_lengths(lo, hi, out, indptr):
    ...     for i in range(lo, hi):
    ...         out[i] = indptr[i + 1] - indptr[i]
    >>> out = np.empty(3, np.int64)
    >>> fill_rows(row_lengths, 3, 5, out, np.array([0, 2, 2, 5]))
    >>> out.tolist()
    [2, 0, 3]
    """
    _run_chunks(kernel, chunk_bounds(n, 1), work, args)
