"""A block store: the votes of each LF on each data partition, kept on disk between runs.

A store is a folder on local disk or at any fsspec URL (``s3://…``, ``gcs://…``,
``memory://…``) that every Dask worker can reach. It holds **blocks**: the votes of one
LF on one partition, keyed by (LF fingerprint, partition fingerprint). Layout::

    STORE/weaklab-store.json                   kind + format version
    STORE/blocks/<lf fingerprint>/<partition fingerprint>.wlb
    STORE/runs/<UTC time>-<run id>.json        one small record per apply_lfs run

**Why one file per (LF, partition).** Measured in ``benchmarks/bench_store.py`` at
1 M rows × 20 LFs in 20 partitions, against one file per partition holding every LF
as an addressable section (same encoding and checksum): writing all votes took 0.087 s
as 400 files vs 0.038 s as 20, reading them 0.044 s vs 0.041 s, 11.7 vs 10.7 MB — both
under 1 % of applying the LFs. With the fsyncs of durable writes the figures became 1.8 s
(a partition's 20 blocks synced together) vs 0.29 s: still small against the 24 s of
computing the votes in-process, where a cold store-backed run measured 0.99× a run
without a store (benchmarks/README.md). Editing one LF costs 0.007 s (20 new files) vs 0.081 s
(every partition file read and rewritten), and with one file per partition two runs
with different LF sets race on the same file (the last rename wins and drops the other
run's columns). A block file is written once, never updated, and only by whoever
computed it, so concurrent runs cannot lose each other's work.

**Block file** (``.wlb``): the 8 bytes ``WLBLOCK1``, a 4-byte little-endian header
length, a UTF-8 JSON header, the raw little-endian arrays ``rows`` (int32, positions
of the non-abstain votes in the partition, strictly increasing) and ``values`` (int8,
or int16 when k > 126: ``label + 1``), then the SHA-256 of everything before it.
Reading checks the digest, every header field, both arrays' dtype and length, that rows
lie in ``[0, n_rows)`` and values in ``[1, k]``, and that the header names the key it
is stored under; nothing is unpickled. A block that fails any check triggers a
:class:`CorruptBlockWarning` naming its path and reads as missing, so it is recomputed.

**Writes are atomic and durable**: a block is written under a temporary name in its
folder (``….wlb.tmp-<random>``) and renamed onto its final name, so a writer killed
half-way leaves only a temporary file, which no reader looks at and
:meth:`BlockStore.prune` removes. On local disk the file is fsynced before the rename and
its folder after it, so a power loss leaves the block either absent or complete (an
object store's upload is atomic and durable by itself). Two processes writing the same block write the same bytes; whichever rename
lands last wins.

**Run records** (``runs/*.json``, :class:`RunRecord`): which LFs (name, fingerprint),
which partitions (fingerprint, rows) and which data columns a run used, when, and how
many blocks it computed and reused. A record is written when a run starts and rewritten when it ends.
:meth:`BlockStore.prune` keeps the blocks the most recent runs referenced;
:meth:`BlockStore.summary` reports last use from them. The records carry a format
version: they are the seam that run manifests build on.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import time
import uuid
import warnings
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from os import PathLike, fspath
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from .._validation import is_fingerprint
from ..matrix.label_matrix import LabelMatrix, LFErrors, _check_cardinality, _data_dtype
from ..persistence import CorruptFileError, StoredFile, loads_json

__all__ = [
    "Block",
    "BlockInfo",
    "BlockStore",
    "CorruptBlockWarning",
    "PruneResult",
    "RunRecord",
    "StoreSummary",
    "join_columns",
    "open_store",
    "split_columns",
]

_MAGIC = b"WLBLOCK1"
_DIGEST = 32
_HEADER_LEN = struct.Struct("<I")
_FORMAT_VERSION = 1
_RUN_FORMAT_VERSION = 2  # 2: 'columns' recorded
_SUFFIX = ".wlb"
_TMP = ".tmp-"
_MAX_HEADER = 1 << 20
#: Temporary files younger than this may belong to a writer still running; prune leaves them.
_TMP_GRACE_S = 3600.0


class CorruptBlockWarning(UserWarning):
    """A stored block failed validation; it is ignored and recomputed.

    Examples
    --------
    >>> import tempfile, warnings
    >>> import pandas as pd
    >>> from weaklab import LabelingFunction, apply_lfs
    >>> from weaklab.labeling.store import BlockStore
    >>> folder = tempfile.mkdtemp()
    >>> lf = LabelingFunction("odd", lambda row: row.n % 2)
    >>> frame = pd.DataFrame({"n": [1, 2, 3]})
    >>> _ = apply_lfs(frame, [lf], cardinality=2, store=folder, progress=False)
    >>> block = BlockStore(folder).list_blocks()[0]
    >>> with open(BlockStore(folder).block_path(block.lf_fingerprint, block.partition_fingerprint), "r+b") as f:
    ...     _ = f.write(b"garbage")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     L = apply_lfs(frame, [lf], cardinality=2, store=folder, progress=False)
    >>> [w.category.__name__ for w in caught], L.run.computed, L.to_dense().ravel().tolist()
    (['CorruptBlockWarning'], 1, [1, 0, 1])
    """


# --------------------------------------------------------------------- blocks
@dataclass(frozen=True, eq=False)
class Block:
    """The votes of one LF on one partition.

    Attributes
    ----------
    lf_fingerprint, partition_fingerprint : str
        The key (64 hex characters each).
    n_rows : int
        Rows in the partition.
    cardinality : int
        Number of classes k of the run that computed it.
    rows : numpy.ndarray of int32
        Positions (in the partition) of the rows the LF voted on, strictly increasing.
    values : numpy.ndarray of int8 or int16
        ``label + 1`` for each of those rows.
    lf_name : str
        The LF's name when the block was computed (informational: names are not keys).
    errors : LFErrors or None
        Failures recorded in fault-tolerant mode, ``first_row`` local to the partition.

    Examples
    --------
    >>> import numpy as np
    >>> b = Block("a" * 64, "b" * 64, 3, 2, np.array([0, 2], np.int32), np.array([1, 2], np.int8), "lf")
    >>> b.to_dense().tolist()
    [0, -1, 1]
    """

    lf_fingerprint: str
    partition_fingerprint: str
    n_rows: int
    cardinality: int
    rows: np.ndarray
    values: np.ndarray
    lf_name: str
    errors: LFErrors | None = None

    def to_dense(self) -> np.ndarray:
        """The LF's vote on every row of the partition, ``-1`` for abstain."""
        out = np.full(self.n_rows, -1, dtype=np.int64)
        out[self.rows] = self.values.astype(np.int64) - 1
        return out


def split_columns(L: LabelMatrix, lf_fps: Sequence[str], part_fp: str) -> list[Block]:
    """One :class:`Block` per column of ``L`` (the votes on one partition; errors local to it).

    Error records keep their index labels only when JSON can hold them (str, int,
    float, bool); other labels become their ``repr``, as in :meth:`LabelMatrix.save`.
    """
    if len(lf_fps) != L.n_lfs:
        raise ValueError(f"got {len(lf_fps)} LF fingerprints for {L.n_lfs} columns")
    csc = L.csr.tocsc()
    csc.sort_indices()
    errors = L.errors
    out = []
    for j, (name, lf_fp) in enumerate(zip(L.lf_names, lf_fps)):
        a, b = csc.indptr[j], csc.indptr[j + 1]
        e = _errors_to_json(errors.get(name))
        out.append(Block(lf_fp, part_fp, L.n_rows, L.cardinality, csc.indices[a:b].astype(np.int32),
                         csc.data[a:b].copy(), name, None if e is None else LFErrors(name, **e)))
    return out


def join_columns(blocks: Sequence[Block], lf_names: Sequence[str], cardinality: int) -> LabelMatrix:
    """The :class:`LabelMatrix` of one partition from its blocks, one per LF, in column order.

    Error records are renamed to ``lf_names`` (a renamed LF keeps its fingerprint); the
    matrix carries the blocks' LF fingerprints.
    """
    if not blocks:
        raise ValueError("join_columns needs at least one block")
    n = blocks[0].n_rows
    if any(b.n_rows != n for b in blocks):
        raise ValueError(f"blocks of one partition disagree on its rows: {sorted({b.n_rows for b in blocks})}")
    k = _check_cardinality(cardinality)
    indptr = np.zeros(len(blocks) + 1, dtype=np.int64)
    np.cumsum([b.rows.size for b in blocks], out=indptr[1:])
    indices = np.concatenate([b.rows for b in blocks])
    data = np.concatenate([b.values for b in blocks]).astype(_data_dtype(k))
    csr = sp.csc_matrix((data, indices, indptr), shape=(n, len(blocks))).tocsr()
    errors = {
        name: LFErrors(name, b.errors.n_failed, b.errors.first_row, b.errors.first_index, b.errors.first_error)
        for name, b in zip(lf_names, blocks) if b.errors is not None
    }
    return LabelMatrix(csr, lf_names, k, errors, [b.lf_fingerprint for b in blocks])


def _errors_to_json(e: LFErrors | None) -> dict | None:
    if e is None:
        return None
    index = e.first_index
    if isinstance(index, np.generic):
        index = index.item()
    if not isinstance(index, (str, int, float, bool)) or isinstance(index, float) and not np.isfinite(index):
        index = repr(index)
    return {"n_failed": int(e.n_failed), "first_row": int(e.first_row), "first_index": index,
            "first_error": str(e.first_error)}


def _encode(block: Block) -> bytes:
    k = _check_cardinality(block.cardinality)
    rows = np.ascontiguousarray(block.rows, dtype="<i4")
    values = np.ascontiguousarray(block.values, dtype=_data_dtype(k).newbyteorder("<"))
    header = {
        "format_version": _FORMAT_VERSION,
        "lf_fingerprint": block.lf_fingerprint,
        "partition_fingerprint": block.partition_fingerprint,
        "lf_name": block.lf_name,
        "n_rows": int(block.n_rows),
        "cardinality": k,
        "nnz": int(rows.size),
        "values_dtype": values.dtype.str,
        "errors": _errors_to_json(block.errors),
    }
    text = json.dumps(header, sort_keys=True).encode("utf-8")
    body = b"".join([_MAGIC, _HEADER_LEN.pack(len(text)), text, rows.tobytes(), values.tobytes()])
    return body + hashlib.sha256(body).digest()


class _Invalid(ValueError):
    pass


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _decode(raw: bytes, lf_fp: str, part_fp: str) -> Block:
    """Parse and validate one block file completely; raise _Invalid saying what is wrong."""
    if len(raw) < len(_MAGIC) + _HEADER_LEN.size + _DIGEST:
        raise _Invalid(f"truncated ({len(raw)} bytes)")
    if raw[: len(_MAGIC)] != _MAGIC:
        raise _Invalid("not a weaklab block (bad magic bytes)")
    body, digest = raw[:-_DIGEST], raw[-_DIGEST:]
    if hashlib.sha256(body).digest() != digest:
        raise _Invalid("checksum mismatch (truncated or altered)")
    (n_header,) = _HEADER_LEN.unpack_from(body, len(_MAGIC))
    start = len(_MAGIC) + _HEADER_LEN.size
    if n_header > _MAX_HEADER or start + n_header > len(body):
        raise _Invalid(f"header length {n_header} does not fit the file")
    try:
        header = json.loads(body[start : start + n_header].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Invalid(f"header is not JSON ({exc})") from None
    expected = {"format_version", "lf_fingerprint", "partition_fingerprint", "lf_name", "n_rows",
                "cardinality", "nnz", "values_dtype", "errors"}
    if not isinstance(header, dict) or set(header) != expected:
        got = sorted(header) if isinstance(header, dict) else type(header).__name__
        raise _Invalid(f"header fields {got} are not {sorted(expected)}")
    if header["format_version"] != _FORMAT_VERSION:
        raise _Invalid(f"format version {header['format_version']!r}, this weaklab reads {_FORMAT_VERSION}")
    if header["lf_fingerprint"] != lf_fp or header["partition_fingerprint"] != part_fp:
        raise _Invalid("header names a different (LF, partition) key than its path")
    if not isinstance(header["lf_name"], str):
        raise _Invalid("lf_name is not a string")
    n, k, nnz = header["n_rows"], header["cardinality"], header["nnz"]
    if not (_is_int(n) and _is_int(k) and _is_int(nnz)) or n < 0 or not 0 <= nnz <= n:
        raise _Invalid(f"n_rows={n!r}, nnz={nnz!r} are not counts with nnz <= n_rows")
    if n > np.iinfo(np.int32).max:
        raise _Invalid(f"n_rows={n} exceeds int32 row positions")
    try:
        k = _check_cardinality(k)
    except (TypeError, ValueError) as exc:
        raise _Invalid(str(exc)) from None
    vdtype = _data_dtype(k).newbyteorder("<")
    if header["values_dtype"] != vdtype.str:
        raise _Invalid(f"values dtype {header['values_dtype']!r}, expected {vdtype.str!r} for k={k}")
    payload = body[start + n_header :]
    if len(payload) != nnz * (4 + vdtype.itemsize):
        raise _Invalid(f"payload of {len(payload)} bytes, expected {nnz * (4 + vdtype.itemsize)}")
    rows = np.frombuffer(payload, dtype="<i4", count=nnz).astype(np.int32)
    values = np.frombuffer(payload, dtype=vdtype, count=nnz, offset=4 * nnz).astype(_data_dtype(k))
    if nnz:
        if rows[0] < 0 or rows[-1] >= n or (nnz > 1 and np.any(np.diff(rows) <= 0)):
            raise _Invalid(f"row positions are not strictly increasing within [0, {n})")
        if values.min() < 1 or values.max() > k:
            raise _Invalid(f"stored values outside 1..{k} (label + 1)")
    errors = header["errors"]
    if errors is not None:
        ok = (
            isinstance(errors, dict)
            and set(errors) == {"n_failed", "first_row", "first_index", "first_error"}
            and _is_int(errors["n_failed"]) and 1 <= errors["n_failed"] <= n
            and _is_int(errors["first_row"]) and 0 <= errors["first_row"] < n
            and isinstance(errors["first_index"], (str, int, float, bool))
            and isinstance(errors["first_error"], str)
        )
        if not ok:
            raise _Invalid(f"malformed error record {errors!r}")
        errors = LFErrors(header["lf_name"], **errors)
    return Block(lf_fp, part_fp, n, k, rows, values, header["lf_name"], errors)


def _check_fp(value: Any, what: str) -> str:
    if not is_fingerprint(value):
        raise ValueError(f"{what} must be 64 lowercase hex characters, got {value!r}")
    return value


# ---------------------------------------------------------------- run records
def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@dataclass
class RunRecord:
    """What one :func:`~weaklab.apply_lfs` run used: LFs, partitions, counts, times.

    ``L.run`` of a matrix returned by ``apply_lfs`` is its record. ``store`` is ``None``
    for a run without a store. ``lfs`` holds ``{"name", "fingerprint", "batch"}`` per
    LF in column order; ``partitions`` holds ``{"fingerprint", "n_rows"}`` per partition
    in row order (filled as partitions complete). ``columns`` names the data's columns
    (in order) that the partition fingerprints cover: reading those columns of the same
    files gives the same fingerprints (None in records written before weaklab kept it).
    ``computed`` / ``reused`` count (partition, LF) blocks. ``status`` is ``"running"``,
    ``"finished"`` or ``"failed"``.

    Examples
    --------
    >>> r = RunRecord.start(None, [], cardinality=2, fault_tolerant=False)
    >>> r.status, r.computed, r.reused
    ('running', 0, 0)
    """

    run_id: str
    started: str
    store: str | None
    cardinality: int
    fault_tolerant: bool
    lfs: list[dict[str, Any]]
    partitions: list[dict[str, Any]] = field(default_factory=list)
    computed: int = 0
    reused: int = 0
    status: str = "running"
    finished: str | None = None
    columns: list[str] | None = None
    format_version: int = _RUN_FORMAT_VERSION

    @classmethod
    def start(cls, store: "BlockStore | None", lfs: Sequence[Any], *, cardinality: int,
              fault_tolerant: bool, columns: Sequence[Any] | None = None) -> "RunRecord":
        """A new record for a run that starts now over ``lfs`` (LabelingFunction objects) and data with ``columns``."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        return cls(
            run_id=f"{stamp}-{uuid.uuid4().hex[:8]}",
            started=_now(),
            store=None if store is None else store.url,
            cardinality=int(cardinality),
            fault_tolerant=bool(fault_tolerant),
            lfs=[{"name": lf.name, "fingerprint": lf.fingerprint, "batch": bool(lf.batch)} for lf in lfs],
            columns=None if columns is None else [str(c) for c in columns],
        )

    def to_json(self) -> str:
        """The record as JSON text (``kind`` and ``format_version`` included)."""
        return json.dumps({"kind": "weaklab-run", **asdict(self)}, sort_keys=True, indent=1)

    @classmethod
    def from_json(cls, text: str | bytes, where: str = "run record") -> "RunRecord":
        """Parse and validate a record written by :meth:`to_json`.

        Raises
        ------
        ValueError
            (:class:`~weaklab.persistence.CorruptFileError`) naming ``where`` and the
            field: not JSON, another kind or version, a missing or unknown field, or a
            value of the wrong type or range (times must be ISO 8601 with a time zone,
            fingerprints 64 hex characters, counts ints >= 0).
        """
        data = loads_json(text, where)
        f = StoredFile(where, {}, data if isinstance(data, dict) else {})
        if not isinstance(data, dict) or data.pop("kind", None) != "weaklab-run":
            raise f.fail("is not a weaklab run record")
        version = data.get("format_version")
        if not _is_int(version) or not 1 <= version <= _RUN_FORMAT_VERSION:
            raise f.fail(f"has format version {version!r}; this weaklab reads 1..{_RUN_FORMAT_VERSION}")
        names = {x.name for x in fields(cls)}
        if version == 1:
            names.discard("columns")  # version 1 records predate it
        if set(data) != names:
            raise f.fail(f"has fields {sorted(data)}, expected {sorted(names)}")

        def fingerprint(value: Any, label: str) -> None:
            if not is_fingerprint(value):
                raise f.fail(f"{label} must be 64 lowercase hex characters, got {value!r:.80}")

        def flag(value: Any, label: str) -> None:
            if not isinstance(value, bool):
                raise f.fail(f"{label} must be true or false, got {value!r:.80}")

        def entries(key: str, want: dict[str, Any]) -> None:
            value = data[key]
            if not isinstance(value, list):
                raise f.fail(f"{key!r} must be a list, got {value!r:.80}")
            for i, entry in enumerate(value):
                label = f"{key}[{i}]"
                if not isinstance(entry, dict) or set(entry) != set(want):
                    raise f.fail(f"{label} must be an object with exactly {sorted(want)}, got {entry!r:.120}")
                for field_name, check in want.items():
                    check(entry[field_name], f"{label}.{field_name}")

        f.check_str(data["run_id"], "'run_id'")
        if not re.fullmatch(r"[0-9A-Za-z-]+", data["run_id"]):
            raise f.fail(f"'run_id' must be letters, digits and '-', got {data['run_id']!r:.80}")
        f.check_time(data["started"], "'started'")
        if data["finished"] is not None:
            f.check_time(data["finished"], "'finished'")
        if data["store"] is not None:
            f.check_str(data["store"], "'store'")
        f.check_int(data["cardinality"], "'cardinality'", low=2, high=np.iinfo(np.int16).max - 1)
        flag(data["fault_tolerant"], "'fault_tolerant'")
        entries("lfs", {"name": f.check_str, "fingerprint": fingerprint, "batch": flag})
        entries("partitions", {"fingerprint": fingerprint, "n_rows": lambda v, label: f.check_int(v, label, low=0)})
        for key in ("computed", "reused"):
            f.check_int(data[key], repr(key), low=0)
        f.check_str(data["status"], "'status'", choices=("running", "finished", "failed"))
        columns = data.setdefault("columns", None)
        if columns is not None:
            if not isinstance(columns, list):
                raise f.fail(f"'columns' must be a list of names, got {columns!r:.80}")
            for i, name in enumerate(columns):
                f.check_str(name, f"columns[{i}]")
            if len(set(columns)) != len(columns):
                raise f.fail(f"'columns' names a column twice: {columns!r:.120}")
        data["format_version"] = _RUN_FORMAT_VERSION  # a version 1 record, rewritten, is a valid version 2 one
        return cls(**data)

    def block_keys(self) -> set[tuple[str, str]]:
        """The (LF fingerprint, partition fingerprint) pairs this run used."""
        return {(lf["fingerprint"], p["fingerprint"]) for lf in self.lfs for p in self.partitions}


# ---------------------------------------------------------------- the store
@dataclass(frozen=True)
class BlockInfo:
    """One stored block as listed by :meth:`BlockStore.list_blocks` (sizes in bytes)."""

    lf_fingerprint: str
    partition_fingerprint: str
    path: str
    size: int
    modified: float | None


@dataclass(frozen=True)
class StoreSummary:
    """What a store holds: per LF and per partition, blocks, bytes and last use.

    ``lfs`` rows: ``{"fingerprint", "names", "blocks", "bytes", "last_used"}``;
    ``partitions`` rows: ``{"fingerprint", "n_rows", "blocks", "bytes", "last_used"}``.
    ``last_used`` is the start time (ISO, UTC) of the latest run that used it, and
    ``n_rows`` the rows a run record gives the partition; both are None where no readable
    run record names it (:meth:`BlockStore.summary` warns, naming each unreadable record).
    """

    url: str
    n_blocks: int
    bytes: int
    runs: int
    lfs: list[dict[str, Any]]
    partitions: list[dict[str, Any]]


@dataclass(frozen=True)
class PruneResult:
    """What :meth:`BlockStore.prune` removed (or would remove, with ``dry_run``)."""

    removed: list[str]
    bytes: int
    kept: int
    dry_run: bool


class BlockStore:
    """Blocks of votes keyed by (LF fingerprint, partition fingerprint), at a path or fsspec URL.

    Parameters
    ----------
    url : str or os.PathLike
        A local folder (created when missing) or an fsspec URL every worker can reach.
    storage_options : dict, optional
        Passed to fsspec (credentials, endpoints).

    Examples
    --------
    >>> import numpy as np
    >>> store = BlockStore("memory://doctest-store")
    >>> b = Block("a" * 64, "b" * 64, 4, 2, np.array([1], np.int32), np.array([2], np.int8), "lf")
    >>> store.write_block(b)
    >>> store.read_block("a" * 64, "b" * 64).to_dense().tolist()
    [-1, 1, -1, -1]
    >>> store.read_block("a" * 64, "c" * 64) is None
    True
    """

    def __init__(self, url: str | PathLike, storage_options: dict | None = None) -> None:
        import fsspec.core

        if isinstance(url, BlockStore):
            url = url.url
        if not isinstance(url, (str, PathLike)):
            raise TypeError(f"store must be a path, an fsspec URL or a BlockStore, got {type(url).__name__}")
        self.url = fspath(url)
        if not self.url:
            raise ValueError("store must not be an empty path")
        self.storage_options = dict(storage_options or {})
        self._fs, root = fsspec.core.url_to_fs(self.url, **self.storage_options)
        protocols = self._fs.protocol if isinstance(self._fs.protocol, tuple) else (self._fs.protocol,)
        self._local = "file" in protocols
        self._root = root.rstrip("/") or "/"
        self._made: set[str] = set()
        self._check_marker()

    def __reduce__(self):
        return (BlockStore, (self.url, self.storage_options))

    def __repr__(self) -> str:
        return f"BlockStore({self.url!r})"

    # ------------------------------------------------------------- paths
    def _join(self, *parts: str) -> str:
        return "/".join([self._root, *parts])

    def block_path(self, lf_fp: str, part_fp: str) -> str:
        """Where the block for (``lf_fp``, ``part_fp``) lives (file system path)."""
        return self._join("blocks", _check_fp(lf_fp, "lf_fp"), _check_fp(part_fp, "part_fp") + _SUFFIX)

    def _check_marker(self) -> None:
        marker = self._join("weaklab-store.json")
        try:
            raw = self._fs.cat_file(marker)
        except FileNotFoundError:
            if self._fs.exists(self._root) and not self._fs.isdir(self._root):
                raise ValueError(f"store {self.url!r} is a file, not a folder") from None
            self._write_atomic(marker, json.dumps({"kind": "weaklab-store", "format_version": _FORMAT_VERSION}).encode())
            return
        try:
            meta = loads_json(raw, marker)
        except CorruptFileError:
            meta = None
        if not isinstance(meta, dict) or meta.get("kind") != "weaklab-store":
            raise ValueError(f"{marker} is not a weaklab store marker")
        if set(meta) != {"kind", "format_version"}:
            raise ValueError(f"{marker} has fields {sorted(meta)}, expected ['format_version', 'kind']")
        if not _is_int(meta["format_version"]) or not 1 <= meta["format_version"] <= _FORMAT_VERSION:
            raise ValueError(f"{marker}: store format {meta['format_version']!r}; this weaklab reads 1..{_FORMAT_VERSION}")

    def _write_atomic(self, path: str, data: bytes) -> None:
        self._write_many([(path, data)])

    def _write_many(self, files: Sequence[tuple[str, bytes]]) -> None:
        """Write each ``(path, data)`` under a temporary name, then rename it onto ``path``.

        On local disk every temporary file is fsynced before its rename and every folder
        after the renames; the fsyncs of one call run concurrently, so the file system
        commits them together (one journal commit instead of one per file).
        """
        for path, _ in files:
            folder = path.rsplit("/", 1)[0]
            if folder not in self._made:
                self._fs.makedirs(folder, exist_ok=True)
                self._made.add(folder)
                if self._local:
                    _fsync_dirs([os.path.dirname(folder)])  # the new folder's own entry
        tmps = [f"{path}{_TMP}{uuid.uuid4().hex}" for path, _ in files]
        try:
            if self._local:
                _write_durable([(tmp, path, data) for tmp, (path, data) in zip(tmps, files)])
            else:  # an object store's put is atomic and durable once it returns
                for tmp, (path, data) in zip(tmps, files):
                    with self._fs.open(tmp, "wb") as fh:
                        fh.write(data)
                    self._fs.mv(tmp, path)
        except BaseException:
            for tmp in tmps:
                try:
                    self._fs.rm_file(tmp)
                except Exception:  # noqa: BLE001 - best effort (renamed or never written); prune removes leftovers
                    pass
            raise

    # ------------------------------------------------------- other files
    def write_file(self, folder: str, name: str, data: bytes) -> str:
        """Write ``data`` atomically as ``folder/name`` in the store (manifests, labels);
        return that relative path."""
        for part in (folder, name):
            if not isinstance(part, str) or not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z._-]*", part) or _TMP in part:
                raise ValueError(f"store file name parts must be plain names, got {part!r}")
        self._write_atomic(self._join(folder, name), bytes(data))
        return f"{folder}/{name}"

    def read_file(self, relative: str) -> bytes:
        """The bytes of ``relative`` (``folder/name``) in the store; ``FileNotFoundError`` if absent."""
        parts = relative.split("/") if isinstance(relative, str) else []
        if len(parts) != 2 or any(not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z._-]*", p) for p in parts):
            raise ValueError(f"store file {relative!r} must be 'folder/name' with plain names")
        return self._fs.cat_file(self._join(*parts))

    def list_files(self, folder: str) -> list[str]:
        """Relative paths (``folder/name``) of the complete files in ``folder``, sorted."""
        prefix = self._join(folder) + "/"
        return sorted(p[len(prefix):] and f"{folder}/{p[len(prefix):]}" for p in self._find(folder)
                      if p.startswith(prefix) and "/" not in p[len(prefix):] and _TMP not in p)

    # ------------------------------------------------------------- blocks
    def write_block(self, block: Block) -> None:
        """Write ``block`` atomically (temporary name, then rename) with its checksum."""
        self.write_blocks([block])

    def write_blocks(self, blocks: Sequence[Block]) -> None:
        """Write ``blocks`` (e.g. one partition's), each atomically and, on local disk,
        durably; their fsyncs are issued together."""
        for block in blocks:
            if not isinstance(block, Block):
                raise TypeError(f"block must be a Block, got {type(block).__name__}")
        self._write_many([(self.block_path(b.lf_fingerprint, b.partition_fingerprint), _encode(b)) for b in blocks])

    def read_block(self, lf_fp: str, part_fp: str) -> Block | None:
        """The stored block, or None when it is missing or fails validation.

        A block that fails validation (truncated, altered, wrong key) is never returned:
        a :class:`CorruptBlockWarning` names its path and the caller recomputes it.
        """
        block, problem = self.load_block(lf_fp, part_fp)
        if problem is not None:
            warnings.warn(problem, CorruptBlockWarning, stacklevel=2)
        return block

    def load_block(self, lf_fp: str, part_fp: str) -> tuple[Block | None, str | None]:
        """``(block, None)``, ``(None, None)`` when missing, or ``(None, problem)`` where
        ``problem`` names the corrupt block's path and what is wrong (no warning: for
        callers that report problems themselves, e.g. from Dask worker threads)."""
        path = self.block_path(lf_fp, part_fp)
        try:
            raw = self._fs.cat_file(path)
        except FileNotFoundError:
            return None, None
        try:
            return _decode(raw, lf_fp, part_fp), None
        except _Invalid as exc:
            return None, f"corrupt block {path}: {exc}; it is ignored and recomputed"

    def list_blocks(self) -> list[BlockInfo]:
        """Every complete block file in the store (temporary files are not listed)."""
        out = []
        for path, info in sorted(self._find("blocks").items()):
            parts = path.rsplit("/", 2)
            if len(parts) != 3 or not parts[2].endswith(_SUFFIX):
                continue
            lf_fp, part_fp = parts[1], parts[2][: -len(_SUFFIX)]
            if is_fingerprint(lf_fp) and is_fingerprint(part_fp):
                out.append(BlockInfo(lf_fp, part_fp, path, int(info.get("size") or 0), _mtime(info)))
        return out

    def _find(self, sub: str) -> dict[str, dict]:
        try:
            return self._fs.find(self._join(sub), detail=True)
        except FileNotFoundError:
            return {}

    # ---------------------------------------------------------- run records
    def write_run(self, record: RunRecord) -> None:
        """Write (or rewrite) a run's record atomically under ``runs/``."""
        if not isinstance(record, RunRecord):
            raise TypeError(f"record must be a RunRecord, got {type(record).__name__}")
        if not re.fullmatch(r"[0-9A-Za-z-]+", record.run_id):
            raise ValueError(f"run_id {record.run_id!r} must be letters, digits and '-'")
        self._write_atomic(self._join("runs", record.run_id + ".json"), record.to_json().encode("utf-8"))

    def runs(self) -> list[RunRecord]:
        """Every valid run record, oldest first; an unreadable record warns and is skipped."""
        records, problems = self._read_runs()
        for problem in problems:
            warnings.warn(f"skipping run record {problem}", stacklevel=2)
        return records

    def _read_runs(self) -> tuple[list[RunRecord], list[str]]:
        """The valid run records, oldest first, and one line per unreadable record."""
        records, problems = [], []
        for path in sorted(self._find("runs")):
            if not path.endswith(".json") or _TMP in path:
                continue
            try:
                record = RunRecord.from_json(self._fs.cat_file(path), where=path)
                name = path.rsplit("/", 1)[-1][: -len(".json")]
                if record.run_id != name:  # a copied or renamed record: two files would claim one run
                    raise CorruptFileError(path, f"holds run_id {record.run_id!r}, but its file name says {name!r}")
                records.append(record)
            except CorruptFileError as exc:
                problems.append(str(exc))
            except (ValueError, TypeError, OSError) as exc:
                problems.append(f"{path}: {exc}")
        return sorted(records, key=lambda r: datetime.fromisoformat(r.started)), problems

    # ---------------------------------------------------------- maintenance
    def summary(self) -> StoreSummary:
        """LFs (names and fingerprint), partitions, sizes and last use of what the store holds."""
        blocks = self.list_blocks()
        runs = self.runs()
        names: dict[str, list[str]] = {}
        rows: dict[str, int] = {}
        lf_used: dict[str, str] = {}
        part_used: dict[str, str] = {}
        for r in runs:  # oldest first: later runs overwrite last use
            for lf in r.lfs:
                seen = names.setdefault(lf["fingerprint"], [])
                if lf["name"] in seen:
                    seen.remove(lf["name"])
                seen.append(lf["name"])
                lf_used[lf["fingerprint"]] = r.started
            for p in r.partitions:
                rows[p["fingerprint"]] = p["n_rows"]
                part_used[p["fingerprint"]] = r.started
        lfs: dict[str, dict] = {}
        parts: dict[str, dict] = {}
        for b in blocks:
            e = lfs.setdefault(b.lf_fingerprint, {"fingerprint": b.lf_fingerprint,
                                                  "names": names.get(b.lf_fingerprint, [])[::-1],
                                                  "blocks": 0, "bytes": 0,
                                                  "last_used": lf_used.get(b.lf_fingerprint)})
            e["blocks"] += 1
            e["bytes"] += b.size
            p = parts.setdefault(b.partition_fingerprint, {"fingerprint": b.partition_fingerprint,
                                                           "n_rows": rows.get(b.partition_fingerprint),
                                                           "blocks": 0, "bytes": 0,
                                                           "last_used": part_used.get(b.partition_fingerprint)})
            p["blocks"] += 1
            p["bytes"] += b.size
        return StoreSummary(self.url, len(blocks), sum(b.size for b in blocks), len(runs),
                            sorted(lfs.values(), key=lambda e: (e["names"][:1], e["fingerprint"])),
                            sorted(parts.values(), key=lambda e: e["fingerprint"]))

    def prune(self, keep: int = 1, dry_run: bool = False) -> PruneResult:
        """Remove blocks that none of the ``keep`` most recent runs used.

        A run still marked ``running`` (it may be going on now, or was killed) keeps
        every block of its LFs, whatever the partition. Temporary files older than an
        hour (left by killed writers) are removed too.

        Parameters
        ----------
        keep : int
            How many of the most recent runs protect their blocks (>= 1).
        dry_run : bool
            Only report what would be removed.

        Raises
        ------
        ValueError
            A run record cannot be read (truncated, edited): which blocks it protects is
            unknown, so nothing is removed; the error names the records. With
            ``dry_run`` they are reported as a warning instead, and the result counts
            their runs' blocks as removable.
        """
        if isinstance(keep, bool) or not isinstance(keep, (int, np.integer)) or keep < 1:
            raise ValueError(f"keep must be an int >= 1, got {keep!r}")
        records, problems = self._read_runs()
        if problems:
            message = (f"cannot prune {self.url}: {len(problems)} run record(s) cannot be read, so the blocks "
                       f"their runs use are unknown; repair or delete them first: " + "; ".join(problems))
            if not dry_run:
                raise ValueError(message)
            warnings.warn(message, stacklevel=2)
        recent = records[-int(keep):]
        used: set[tuple[str, str]] = set()
        open_lfs: set[str] = set()
        for r in recent:
            used |= r.block_keys()
            if r.status == "running":
                open_lfs |= {lf["fingerprint"] for lf in r.lfs}
        removed, freed, kept = [], 0, 0
        for b in self.list_blocks():
            if (b.lf_fingerprint, b.partition_fingerprint) in used or b.lf_fingerprint in open_lfs:
                kept += 1
                continue
            removed.append(b.path)
            freed += b.size
        now = time.time()
        for path, info in self._find("").items():
            if _TMP in path.rsplit("/", 1)[-1] and now - (_mtime(info) or now) > _TMP_GRACE_S:
                removed.append(path)
                freed += int(info.get("size") or 0)
        if not dry_run:
            for path in removed:
                try:
                    self._fs.rm_file(path)
                except FileNotFoundError:
                    pass
        return PruneResult(removed, freed, kept, bool(dry_run))


def _write_durable(files: Sequence[tuple[str, str, bytes]]) -> None:
    """Write each ``(tmp, path, data)`` to ``tmp``, fsync them, rename each onto ``path``
    and fsync their folders: after a power loss each file is either absent or complete.

    The fsyncs run on a few threads at once: ext4, XFS and most journalling file systems
    then commit them in one journal transaction (measured on this machine's ext4: 40
    files in ~0.03 s instead of ~0.25 s one after another).
    """
    fds: list[int] = []
    try:
        for tmp, _, data in files:
            fds.append(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            view = memoryview(data)
            while view:
                view = view[os.write(fds[-1], view):]
        _concurrently(os.fsync, fds)
    finally:
        for fd in fds:
            os.close(fd)
    for tmp, path, _ in files:
        os.replace(tmp, path)
    _fsync_dirs([os.path.dirname(path) for _, path, _ in files])


def _concurrently(fn, items: Sequence[Any]) -> None:
    if len(items) <= 1:
        for item in items:
            fn(item)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(len(items), 16)) as pool:
        list(pool.map(fn, items))


def _fsync_dirs(folders: Sequence[str]) -> None:
    """fsync folders so that a rename or a new entry in them survives a power loss
    (skipped where the platform cannot open a folder, e.g. Windows)."""

    def sync(folder: str) -> None:
        try:
            fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:  # some file systems refuse fsync on a folder; the files are synced
            pass
        finally:
            os.close(fd)

    _concurrently(sync, sorted(set(folders)))


def _mtime(info: dict) -> float | None:
    value = info.get("mtime", info.get("LastModified", info.get("created")))
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    return None



def open_store(store: "str | PathLike | BlockStore") -> BlockStore:
    """``store`` as a :class:`BlockStore` (a path or URL is opened; a BlockStore is returned as is)."""
    return store if isinstance(store, BlockStore) else BlockStore(store)
