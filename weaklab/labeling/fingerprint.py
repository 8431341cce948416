"""Partition fingerprints: what identifies the content of a block of rows.

A block store keys the votes of one LF on one partition by (LF fingerprint, partition
fingerprint). The partition fingerprint is a SHA-256 over the partition's length, its
column names and dtypes, its index dtype, and pandas' per-row hash
(:func:`pandas.util.hash_pandas_object`, index included: a batch LF sees the index) of
every row. A categorical column is hashed by its codes, its categories (values, order and
dtype) and whether it is ordered: the same values under another category order have other
``.cat.codes`` (Parquet dictionary columns can carry a different order per file). A changed
cell changes the fingerprint of the partition that holds it and of no other. On Dask it is
computed on the worker that holds the partition.

pandas input is cut into fixed chunks of ``chunk_rows`` rows (:data:`DEFAULT_CHUNK_ROWS`)
so the same rule applies: each chunk is one partition. Appending rows to a frame leaves
every full chunk before them unchanged.

Notes
-----
Equal values stored differently (``0.0`` and ``-0.0``, NaN payloads, an Arrow column
holding data behind null slots) may give different fingerprints: the block is then
recomputed, never wrongly reused. Object columns whose values pandas cannot hash directly (mixed types, lists, dicts) are
hashed through their ``str`` form, so a cell changed from ``1`` to ``"1"`` in such a
column does not change the fingerprint.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_CHUNK_ROWS", "chunk_bounds", "partition_fingerprint"]

#: Rows per partition when pandas input is labeled (and stored) chunk by chunk.
DEFAULT_CHUNK_ROWS = 100_000

_VERSION = "weaklab-partition-v1"


def partition_fingerprint(frame: pd.DataFrame) -> str:
    """Hex SHA-256 of a partition's content (rows, index, column names and dtypes, length).

    Parameters
    ----------
    frame : pandas.DataFrame

    Returns
    -------
    str
        64 hexadecimal characters.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"text": ["hi", "there"]})
    >>> b = a.copy()
    >>> partition_fingerprint(a) == partition_fingerprint(b)
    True
    >>> b.loc[1, "text"] = "there!"
    >>> partition_fingerprint(a) == partition_fingerprint(b)
    False
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    header = {
        "version": _VERSION,
        "rows": len(frame),
        "columns": [str(c) for c in frame.columns],
        "dtypes": [str(t) for t in frame.dtypes],
        "index": [str(frame.index.dtype), [str(n) for n in frame.index.names]],
    }
    digest = hashlib.sha256(json.dumps(header, sort_keys=True).encode("utf-8"))
    if len(frame):
        digest.update(_index_digest(frame.index))
        for position in range(frame.shape[1]):
            digest.update(_column_digest(frame.iloc[:, position]))
    return digest.hexdigest()


def _index_digest(index: pd.Index) -> bytes:
    if isinstance(index, pd.RangeIndex):
        return hashlib.sha256(f"range:{index.start}:{index.stop}:{index.step}".encode()).digest()
    return _column_digest(index.to_series(index=pd.RangeIndex(len(index))))


def _column_digest(column: pd.Series) -> bytes:
    """SHA-256 of one column's values: raw bytes for NumPy numbers and Arrow strings
    (fast), codes and categories for categoricals, pandas' row hashes for everything else."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return _categorical_digest(column.array)
    values = column.array
    arrow = getattr(values, "_pa_array", None)
    if arrow is not None:
        import pyarrow as pa

        array = arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow
        kind = array.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind) \
                or pa.types.is_large_binary(kind):
            width = np.int64 if pa.types.is_large_string(kind) or pa.types.is_large_binary(kind) else np.int32
            _, offsets, data = array.buffers()
            offsets = np.frombuffer(offsets, dtype=width)[array.offset : array.offset + len(array) + 1]
            digest = hashlib.sha256(b"arrow-binary")
            digest.update(np.packbits(array.is_null().to_numpy(zero_copy_only=False)).tobytes())
            digest.update((offsets - offsets[0]).astype(np.int64).tobytes())
            if data is not None:
                digest.update(memoryview(data)[int(offsets[0]) : int(offsets[-1])])
            return digest.digest()
    raw = column.to_numpy() if isinstance(column.dtype, np.dtype) else None
    if raw is not None and raw.dtype.kind in "biufcmM":
        data = np.ascontiguousarray(raw)
        return hashlib.sha256(f"numpy:{data.dtype.str}".encode() + data.view(np.uint8).tobytes()).digest()
    hashed = pd.util.hash_pandas_object(column, index=False).to_numpy(dtype=np.uint64)
    return hashlib.sha256(b"pandas-hash" + np.ascontiguousarray(hashed).tobytes()).digest()


def _categorical_digest(values: pd.Categorical) -> bytes:
    """A categorical is its codes, its categories (values, order, dtype) and ``ordered``:
    the same values under another category order have other codes (``.cat.codes``)."""
    categories = values.categories
    header = {"ordered": bool(values.ordered), "categories": [str(categories.dtype), len(categories)]}
    digest = hashlib.sha256(b"categorical" + json.dumps(header, sort_keys=True).encode("utf-8"))
    digest.update(_column_digest(categories.to_series(index=pd.RangeIndex(len(categories)))))
    codes = np.ascontiguousarray(values.codes)
    digest.update(codes.dtype.str.encode() + codes.view(np.uint8).tobytes())
    return digest.digest()


def chunk_bounds(n_rows: int, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> list[tuple[int, int]]:
    """``(start, stop)`` of each fixed chunk of ``chunk_rows`` rows (the last may be shorter).

    An empty frame is one empty chunk, so it still yields a (zero-row) partition.

    Examples
    --------
    >>> chunk_bounds(250, 100)
    [(0, 100), (100, 200), (200, 250)]
    >>> chunk_bounds(0, 100)
    [(0, 0)]
    """
    if isinstance(n_rows, bool) or not isinstance(n_rows, (int, np.integer)) or n_rows < 0:
        raise ValueError(f"n_rows must be an int >= 0, got {n_rows!r}")
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, (int, np.integer)) or chunk_rows < 1:
        raise ValueError(f"chunk_rows must be an int >= 1, got {chunk_rows!r}")
    n, c = int(n_rows), int(chunk_rows)
    if n == 0:
        return [(0, 0)]
    return [(start, min(start + c, n)) for start in range(0, n, c)]
