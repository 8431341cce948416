"""Partition fingerprints: what identifies the content of a block of rows.

A block store keys the votes of one LF on one partition by (LF fingerprint, partition
fingerprint). The partition fingerprint is a SHA-256 over the partition's length, its
column names and dtypes, its index dtype and names, and the values of its index (a batch
LF sees the index) and of every column, each column hashed by the rule for its kind:

- NumPy numbers, booleans and datetimes: their bytes, with the dtype.
- Arrow strings and binaries: their null mask, offsets and bytes.
- Categoricals: their codes, their categories (values, order and dtype) and whether they
  are ordered. The same values under another category order (Parquet dictionary columns
  can carry a different dictionary order per file) have other ``.cat.codes``, so they are
  other content.
- Object columns whose values are all ``str`` (or all ``bytes``) apart from missing ones:
  pandas' per-row hash (:func:`pandas.util.hash_pandas_object`), plus the position and
  type of each missing value (``None``, ``NaN``, ``pd.NA`` and ``NaT`` are one "missing"
  to pandas, not to an LF testing ``x is None``).
- Every other object column (mixed types, lists, dicts, sets, NumPy arrays: Parquet list
  columns read back as arrays) and Arrow nested columns (lists, structs, maps; hashed by
  the Python value a cell hands an LF): cell by cell, each by its type and content, so
  ``1``, ``1.0``, ``True``, ``numpy.int64(1)`` and ``"1"`` differ. Lists, tuples and
  dicts are hashed element by element in their order, sets in a sorted order, NumPy
  arrays by dtype, shape and bytes, any other object by its type and ``repr``. This path
  runs in Python, one cell at a time: slower than the vectorised ones above.
- A :class:`pandas.MultiIndex`: level by level, each with its dtype.
- Other extension types (nullable numbers, Arrow numbers and dates, intervals, periods,
  sparse): pandas' per-row hash.

Nothing hashed depends on the process (Python's salted ``hash`` is not used), so the same
data has the same fingerprint in every process. A changed cell changes the fingerprint
of the partition that holds it and of no other. On Dask it is computed on the worker that
holds the partition.

pandas input is cut into fixed chunks of ``chunk_rows`` rows (:data:`DEFAULT_CHUNK_ROWS`)
so the same rule applies: each chunk is one partition. Appending rows to a frame leaves
every full chunk before them unchanged.

Notes
-----
Equal values stored differently (``0.0`` and ``-0.0``, NaN payloads, an Arrow column
holding data behind null slots, the same strings in an ``object`` and a ``str`` column)
may give different fingerprints: the block is then recomputed, never wrongly reused.
The other way round, different content with one fingerprint would hand back stale
votes; the rules above prevent it, within these limits:

- An object in an object column that is not a built-in scalar, container or NumPy array
  is hashed through its ``repr``. A ``repr`` that does not show all of the object's state
  (one that leaves fields out, or abbreviates, like that of a pandas object) hides a
  change to what it leaves out; one that shows the object's address changes in every
  process, so its blocks are always recomputed.
- In an object column of strings, a ``str`` subclass (``numpy.str_``) hashes like ``str``.
- Column and index names are hashed through ``str``: a column ``1`` and a column ``"1"``
  do not differ.
- Per-row hashes are 64 bits wide: two different values collide with negligible
  probability.
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
    if isinstance(index, pd.MultiIndex):  # level by level (each vectorised), with its dtype
        digest = hashlib.sha256(b"multi:%d" % index.nlevels)
        for level in range(index.nlevels):
            values = index.get_level_values(level)
            digest.update(str(values.dtype).encode("utf-8") + b"\0")
            digest.update(_column_digest(values.to_series(index=pd.RangeIndex(len(values)))))
        return digest.digest()
    return _column_digest(index.to_series(index=pd.RangeIndex(len(index))))


def _column_digest(column: pd.Series) -> bytes:
    """SHA-256 of one column's values: raw bytes for NumPy numbers and Arrow strings
    (fast), codes and categories for categoricals, pandas' row hashes for all-string
    object columns and extension types, a type-tagged encoding of every cell for
    any other object column and for nested Arrow types."""
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
        if pa.types.is_nested(kind):
            # Lists, structs, maps: a cell is what pandas hands an LF (its Python value).
            return _objects_digest(array.to_pylist(), b"arrow-nested:" + str(kind).encode("utf-8"))
    raw = column.to_numpy() if isinstance(column.dtype, np.dtype) else None
    if raw is not None and raw.dtype.kind in "biufcmM":
        data = np.ascontiguousarray(raw)
        return hashlib.sha256(f"numpy:{data.dtype.str}".encode() + data.view(np.uint8).tobytes()).digest()
    if raw is not None and raw.dtype.kind == "O":
        return _object_column_digest(column, raw)
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


def _object_column_digest(column: pd.Series, raw: np.ndarray) -> bytes:
    """An object column whose values are all ``str`` (or all ``bytes``) apart from missing
    ones keeps pandas' vectorised row hashes, plus the position and type of every missing
    value (``None`` and ``NaN`` are both "missing" to pandas, not to an LF). Any other
    object column is hashed cell by cell (:func:`_objects_digest`)."""
    inferred = pd.api.types.infer_dtype(raw, skipna=True)
    if inferred not in ("string", "bytes"):
        return _objects_digest(raw, b"objects")
    hashed = pd.util.hash_pandas_object(column, index=False).to_numpy(dtype=np.uint64)
    digest = hashlib.sha256((b"pandas-hash" if inferred == "string" else b"pandas-hash-bytes")
                            + np.ascontiguousarray(hashed).tobytes())
    missing = np.flatnonzero(pd.isna(raw))
    if len(missing):
        digest.update(b"missing" + missing.astype(np.int64).tobytes())
        digest.update(b"\0".join(_type_name(v) for v in raw[missing]))
    return digest.digest()


def _type_name(value) -> bytes:
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}".encode("utf-8")


def _objects_digest(values, tag: bytes) -> bytes:
    """SHA-256 of a sequence of Python objects, each by its type and content."""
    out: list[bytes] = [tag, b"|%d|" % len(values)]
    for value in values:
        _encode(value, out)
    return hashlib.sha256(b"".join(out)).digest()


def _encode(value, out: list) -> None:
    """Append an unambiguous, process-independent encoding of ``value`` to ``out``.

    Every piece is tagged with the type, so ``1``, ``1.0``, ``True``, ``"1"`` and
    ``None``/``NaN`` differ; strings and bytes are length-prefixed; lists, tuples and
    dicts are encoded element by element in their order, sets in a sorted order (their
    iteration order depends on the process' hash seed); a NumPy array by its dtype,
    shape and bytes (an object array element by element); anything else by its type
    and ``repr``.
    """
    kind = type(value)
    if value is None:
        out.append(b"N;")
    elif kind is str:
        data = value.encode("utf-8", "surrogatepass")
        out.append(b"s%d:" % len(data))
        out.append(data)
    elif kind is bytes:
        out.append(b"y%d:" % len(value))
        out.append(value)
    elif kind is bool:
        out.append(b"b1;" if value else b"b0;")
    elif kind is int:
        out.append(b"i%d;" % value)
    elif kind is float:
        out.append(b"f" + value.hex().encode() + b";")
    elif isinstance(value, np.ndarray):
        name = b"" if kind is np.ndarray else _type_name(value)
        out.append(b"A%d:%s%s;%s;" % (len(name), name, value.dtype.str.encode(),
                                       ",".join(map(str, value.shape)).encode()))
        if value.dtype.hasobject:
            for item in value.ravel(order="C"):
                _encode(item, out)
        else:
            data = np.ascontiguousarray(value).tobytes()
            out.append(b"%d:" % len(data))
            out.append(data)
    elif isinstance(value, (list, tuple)):
        name = b"" if kind in (list, tuple) else _type_name(value)
        out.append(b"%s%d:%s[%d;" % (b"L" if isinstance(value, list) else b"T", len(name), name, len(value)))
        for item in value:
            _encode(item, out)
        out.append(b"]")
    elif isinstance(value, dict):
        name = b"" if kind is dict else _type_name(value)
        out.append(b"D%d:%s{%d;" % (len(name), name, len(value)))
        for key, item in value.items():
            _encode(key, out)
            _encode(item, out)
        out.append(b"}")
    elif isinstance(value, (set, frozenset)):
        name = _type_name(value)
        items = []
        for item in value:
            piece: list[bytes] = []
            _encode(item, piece)
            items.append(b"".join(piece))
        out.append(b"S%d:%s{%d;" % (len(name), name, len(items)))
        out.extend(sorted(items))
        out.append(b"}")
    else:
        name, text = _type_name(value), repr(value).encode("utf-8", "surrogatepass")
        out.append(b"o%d:%s%d:" % (len(name), name, len(text)))
        out.append(text)


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
