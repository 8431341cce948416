"""Saving and loading without pickle: NumPy arrays in an ``.npz`` plus JSON metadata.

One file holds both: the arrays under their own names and the metadata as a JSON string
under the reserved key ``__meta__``. Loading uses ``allow_pickle=False``, so opening a file
can never execute code.

Files are untrusted input. :func:`read_npz_json` opens one and hands back a
:class:`StoredFile` whose accessors check every header field and every array (type,
shape, dtype, range, finiteness) as the loader asks for it; whatever is wrong with a file
is raised as one :class:`CorruptFileError` that names the file and the problem.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any, Collection, Iterator, Mapping, Sequence

import numpy as np

__all__ = [
    "FORMAT_VERSION",
    "CorruptFileError",
    "StoredFile",
    "atomic_path",
    "csv_line_of_row",
    "csv_row_location",
    "load_npz_json",
    "loads_json",
    "read_json",
    "read_npz_json",
    "save_npz_json",
]

#: Version of the on-disk layout written by :func:`save_npz_json`.
FORMAT_VERSION = 1

_META_KEY = "__meta__"


class CorruptFileError(ValueError):
    """A file is unreadable, inconsistent, or not what its loader expects.

    The message starts with the file's path and says what is wrong.

    Attributes
    ----------
    path : str
        The file.
    problem : str
        What is wrong with it.

    Examples
    --------
    >>> err = CorruptFileError("m.npz", "array 'data' holds NaN")
    >>> print(err)
    m.npz: array 'data' holds NaN
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __reduce__(self):  # keep (path, problem) when the error crosses processes
        return (type(self), (self.path, self.problem))


def save_npz_json(path: str | Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> Path:
    """Write ``arrays`` and JSON-serialisable ``meta`` to one ``.npz`` file.

    Parameters
    ----------
    path : str or Path
        Target file; ``.npz`` is appended when missing. Written atomically (a
        temporary file in the same folder, then renamed).
    arrays : mapping of str to numpy.ndarray
        Numeric arrays (object arrays are refused: they would need pickle).
    meta : mapping
        JSON-serialisable metadata; ``format_version`` is added.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> folder = tempfile.mkdtemp()
    >>> save_npz_json(folder + "/x", {"a": np.arange(3)}, {"kind": "demo"}).name
    'x.npz'
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    if _META_KEY in arrays:
        raise ValueError(f"array name {_META_KEY!r} is reserved for the metadata")
    clean: dict[str, np.ndarray] = {}
    for name, value in arrays.items():
        arr = np.asarray(value)
        if arr.dtype == object:
            raise TypeError(f"array {name!r} has dtype object, which cannot be saved without pickle")
        clean[name] = arr
    payload = dict(meta)
    payload["format_version"] = FORMAT_VERSION
    text = json.dumps(payload, sort_keys=True, allow_nan=False)
    with atomic_path(path) as tmp:
        np.savez(tmp, **clean, **{_META_KEY: np.array(text)})
    return path


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed onto it when the block succeeds.

    A crash or an exception mid-write leaves the old file (or none), never a truncated
    one under the final name. The temporary name ends with ``path``'s suffix, so writers
    that append a suffix (``np.save``) keep it.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "probs.npy"
    >>> with atomic_path(target) as tmp:
    ...     np.save(tmp, np.zeros(3))
    >>> np.load(target).tolist()
    [0.0, 0.0, 0.0]
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp" + path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _resolve(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file() and path.with_name(path.name + ".npz").is_file():
        path = path.with_name(path.name + ".npz")
    return path


def _reject_constant(token: str) -> float:
    raise ValueError(f"non-standard JSON number {token}")


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.load keeps the last of repeated keys; a repeat would silently drop an entry.
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def read_json(path: str | Path) -> Any:
    """Parse the JSON file at ``path``; NaN/Infinity, repeated keys and broken text are errors naming it.

    Raises
    ------
    CorruptFileError
        The text is not valid JSON, holds NaN or Infinity, or an object repeats a key
        (which ``json.load`` would resolve by keeping only the last value).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.json"
    >>> _ = p.write_text('{"a": NaN}')
    >>> read_json(p)
    Traceback (most recent call last):
    ...
    weaklab.persistence.CorruptFileError: ...x.json: is not valid JSON (non-standard JSON number NaN)
    >>> _ = p.write_text('{"a": 1, "a": 2}')
    >>> read_json(p)
    Traceback (most recent call last):
    ...
    weaklab.persistence.CorruptFileError: ...x.json: the key 'a' appears twice in one object
    """
    path = Path(path)
    with open(path, "rb") as f:
        return loads_json(f.read(), path)


def loads_json(text: str | bytes, where: str | Path) -> Any:
    """Parse JSON text (UTF-8 when bytes) read from ``where``, by the rules of :func:`read_json`.

    Raises
    ------
    CorruptFileError
        Naming ``where``: not valid UTF-8 or JSON, NaN or Infinity, or a repeated key.

    Examples
    --------
    >>> loads_json(b'{"a": [1, 2]}', "x.json")
    {'a': [1, 2]}
    >>> loads_json('{"a": Infinity}', "x.json")
    Traceback (most recent call last):
    ...
    weaklab.persistence.CorruptFileError: x.json: is not valid JSON (non-standard JSON number Infinity)
    """
    try:
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8")
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise CorruptFileError(where, f"the key {exc.args[0]!r} appears twice in one object") from None
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise CorruptFileError(where, f"is not valid JSON ({exc})") from None


def read_npz_json(path: str | Path, kind_key: str | None = None, kind: str | None = None) -> "StoredFile":
    """Open a file written by :func:`save_npz_json` and check its envelope.

    Parameters
    ----------
    path : str or Path
        The file (``.npz`` is appended when the bare name does not exist).
    kind_key, kind : str, optional
        When given, the header's ``kind_key`` must equal ``kind`` (e.g.
        ``"kind"``, ``"LabelMatrix"``).

    Returns
    -------
    StoredFile
        The arrays and the header, with checking accessors.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    CorruptFileError
        Not a readable ``.npz``, an array needing pickle, a header that is not a JSON
        object, or a format version other than ``1..FORMAT_VERSION``.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> p = save_npz_json(tempfile.mkdtemp() + "/x", {"a": np.arange(3)}, {"kind": "demo", "n": 3})
    >>> f = read_npz_json(p, "kind", "demo")
    >>> f.header_int("n", low=0), f.array("a", shape=(3,), kind="int").tolist()
    (3, [0, 1, 2])
    """
    path = _resolve(path)
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            if not isinstance(npz, np.lib.npyio.NpzFile):
                raise CorruptFileError(path, "is a single .npy array, not a weaklab .npz file")
            if _META_KEY not in npz.files:
                raise CorruptFileError(path, f"is not a weaklab file (no {_META_KEY} entry)")
            raw_meta = npz[_META_KEY]
            arrays = {name: npz[name] for name in npz.files if name != _META_KEY}
            # a member whose .npy header is damaged comes back as raw bytes
            for name, value in [(_META_KEY, raw_meta), *arrays.items()]:
                if not isinstance(value, np.ndarray):
                    raise CorruptFileError(path, f"member {name!r} is not a NumPy array (damaged .npy header)")
    except CorruptFileError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, TypeError, MemoryError) as exc:
        # BadZipFile/EOFError: truncated or not a zip; ValueError: an array needing pickle
        # or a broken .npy header; OSError: unreadable; zlib errors are OSError/ValueError.
        raise CorruptFileError(path, f"cannot be read as an .npz file ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # zlib.error and friends are not in the list above
        raise CorruptFileError(path, f"cannot be read as an .npz file ({type(exc).__name__}: {exc})") from None
    if raw_meta.shape != () or raw_meta.dtype.kind != "U":
        raise CorruptFileError(path, f"the {_META_KEY} entry is not one JSON string")
    try:
        meta = json.loads(str(raw_meta), parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise CorruptFileError(path, f"the header's key {exc.args[0]!r} appears twice in one object") from None
    except ValueError as exc:  # JSONDecodeError is a ValueError
        raise CorruptFileError(path, f"the header is not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise CorruptFileError(path, f"the header must be a JSON object, got {type(meta).__name__}")
    stored = StoredFile(path, arrays, meta)
    version = meta.get("format_version")
    if not _is_int(version) or not 1 <= version <= FORMAT_VERSION:
        raise CorruptFileError(
            path, f"has format version {version!r}; this weaklab reads versions 1..{FORMAT_VERSION}"
        )
    if kind_key is not None:
        stored._seen_keys.add(kind_key)
        found = meta.get(kind_key)
        if found != kind:
            raise CorruptFileError(path, f"holds a {found!r} ({kind_key!r} in its header), not a {kind}")
    return stored


def load_npz_json(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a file written by :func:`save_npz_json`: its arrays and its header.

    Only the envelope is checked (see :func:`read_npz_json`); loaders of a specific
    kind of file should use :func:`read_npz_json` and check every field.

    Returns
    -------
    arrays : dict of str to numpy.ndarray
    meta : dict
        The metadata, including ``format_version``.

    Raises
    ------
    CorruptFileError
        If the file cannot be read, has no metadata or an unknown format version.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> arrays, meta = load_npz_json(save_npz_json(tempfile.mkdtemp() + "/x", {"a": np.ones(2)}, {}))
    >>> arrays["a"].tolist(), meta["format_version"]
    ([1.0, 1.0], 1)
    """
    stored = read_npz_json(path)
    return stored.arrays, stored.meta


def csv_line_of_row(path: str | Path, row: int) -> int | None:
    """The 1-based line where data row ``row`` (0-based, after the header) of a CSV file starts.

    Rows are counted as pandas reads them: blank lines are skipped, and a quoted field
    spanning several lines is one row (Python's csv reader; tab-separated for a ``.tsv``
    file). None when the file has fewer rows. ``path`` may be an fsspec URL.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = path.write_text('text\\n"two\\nlines"\\n\\nthird\\n')
    >>> csv_line_of_row(path, 1)
    5
    """
    import fsspec

    with fsspec.open(str(path), "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t" if str(path).lower().endswith(".tsv") else ",")
        seen, start = -1, 1  # the header is row -1
        for record in reader:
            if record:
                if seen == row:
                    return start
                seen += 1
            start = reader.line_num + 1
    return None


def csv_row_location(path: str | Path, row: int) -> str:
    """``"line N"`` of data row ``row`` of a CSV file, for an error message.

    ``"data row R"`` when the file no longer has that row.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = path.write_text("a\\n\\n1\\n")
    >>> csv_row_location(path, 0), csv_row_location(path, 5)
    ('line 3', 'data row 5')
    """
    line = csv_line_of_row(path, row)
    return f"data row {row}" if line is None else f"line {line}"


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


_KINDS = {
    "int": ("iu", "integers"),
    "float": ("f", "floating-point numbers"),
    "number": ("iuf", "numbers"),
    "bool": ("b", "booleans"),
}


class StoredFile:
    """An opened weaklab file: its arrays and header, read through checking accessors.

    Every accessor raises :class:`CorruptFileError` naming the file and the field.
    :meth:`finish` then refuses whatever header key or array no accessor asked for, so
    a file can carry nothing its loader does not understand.

    Examples
    --------
    >>> import numpy as np
    >>> f = StoredFile("m.npz", {"w": np.array([0.5, np.nan])}, {"n": 4.7})
    >>> f.header_int("n")
    Traceback (most recent call last):
    ...
    weaklab.persistence.CorruptFileError: m.npz: header field 'n' must be an integer, got 4.7
    >>> f.array("w", shape=(2,), kind="float")
    Traceback (most recent call last):
    ...
    weaklab.persistence.CorruptFileError: m.npz: array 'w' holds NaN or infinite values
    """

    def __init__(self, path: str | Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> None:
        self.path = Path(path)
        self.arrays = dict(arrays)
        self.meta = dict(meta)
        self._seen_keys: set[str] = {"format_version"}
        self._seen_arrays: set[str] = set()

    def fail(self, problem: str) -> CorruptFileError:
        """The error to raise for ``problem`` (the caller raises it)."""
        return CorruptFileError(self.path, problem)

    # ---------------------------------------------------------------- header
    def _get(self, key: str, where: str | None, default: Any = ...) -> tuple[Any, str]:
        label = where or f"header field {key!r}"
        self._seen_keys.add(key)
        if key not in self.meta:
            if default is not ...:
                return default, label
            raise self.fail(f"the header has no {key!r} field")
        return self.meta[key], label

    def header(self, key: str, default: Any = ...) -> Any:
        """The raw value of header field ``key`` (marked as understood)."""
        return self._get(key, None, default)[0]

    def header_int(self, key: str, *, low: int | None = None, high: int | None = None, default: Any = ...) -> int:
        """Header field ``key`` as an int in ``[low, high]`` (bools and 4.7 are refused)."""
        value, label = self._get(key, None, default)
        return self.check_int(value, label, low=low, high=high)

    def header_float(
        self, key: str, *, low: float | None = None, high: float | None = None, default: Any = ...
    ) -> float:
        """Header field ``key`` as a finite float in ``[low, high]``."""
        value, label = self._get(key, None, default)
        return self.check_float(value, label, low=low, high=high)

    def header_bool(self, key: str, default: Any = ...) -> bool:
        """Header field ``key`` as a JSON boolean."""
        value, label = self._get(key, None, default)
        if not isinstance(value, bool):
            raise self.fail(f"{label} must be true or false, got {value!r}")
        return value

    def header_str(self, key: str, *, choices: Collection[str] | None = None, default: Any = ...) -> str:
        """Header field ``key`` as a string (one of ``choices`` when given)."""
        value, label = self._get(key, None, default)
        return self.check_str(value, label, choices=choices)

    def header_names(self, key: str, *, length: int | None = None) -> tuple[str, ...]:
        """Header field ``key`` as a list of unique strings (of ``length`` when given)."""
        value, label = self._get(key, None)
        if not isinstance(value, list):
            raise self.fail(f"{label} must be a list of strings, got {value!r:.80}")
        for item in value:
            if not isinstance(item, str):
                raise self.fail(f"{label} must hold strings only, found {item!r:.80}")
        if len(set(value)) != len(value):
            seen: set[str] = set()
            dupes = sorted({v for v in value if v in seen or seen.add(v)})
            raise self.fail(f"{label} repeats {dupes[:5]}")
        if length is not None and len(value) != length:
            raise self.fail(f"{label} has {len(value)} entries, expected {length}")
        return tuple(value)

    def header_dict(self, key: str, default: Any = ...) -> dict:
        """Header field ``key`` as a JSON object."""
        value, label = self._get(key, None, default)
        if not isinstance(value, dict):
            raise self.fail(f"{label} must be a JSON object, got {value!r:.80}")
        return value

    def header_list(self, key: str, default: Any = ...) -> list:
        """Header field ``key`` as a JSON list."""
        value, label = self._get(key, None, default)
        if not isinstance(value, list):
            raise self.fail(f"{label} must be a list, got {value!r:.80}")
        return value

    # ------------------------------------------------------ value checkers
    def check_int(self, value: Any, label: str, *, low: int | None = None, high: int | None = None) -> int:
        """``value`` as an int in ``[low, high]``; ``label`` names it in the error."""
        if not _is_int(value):
            raise self.fail(f"{label} must be an integer, got {value!r:.80}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail(f"{label} = {value} is outside [{low}, {high}]")
        return int(value)

    def check_float(
        self, value: Any, label: str, *, low: float | None = None, high: float | None = None
    ) -> float:
        """``value`` as a finite float in ``[low, high]``."""
        if not _is_number(value) or not np.isfinite(value):
            raise self.fail(f"{label} must be a finite number, got {value!r:.80}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail(f"{label} = {value} is outside [{low}, {high}]")
        return float(value)

    def check_str(self, value: Any, label: str, *, choices: Collection[str] | None = None) -> str:
        """``value`` as a string (one of ``choices`` when given)."""
        if not isinstance(value, str):
            raise self.fail(f"{label} must be a string, got {value!r:.80}")
        if choices is not None and value not in choices:
            raise self.fail(f"{label} = {value!r} is not one of {sorted(choices)}")
        return value

    def check_time(self, value: Any, label: str) -> datetime:
        """``value`` as an ISO 8601 time with a time zone (how weaklab writes and sorts times)."""
        self.check_str(value, label)
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise self.fail(f"{label} must be an ISO 8601 time with a time zone, got {value!r:.80}")
        return when

    def check_keys(self, mapping: Mapping[str, Any], allowed: Collection[str], label: str) -> None:
        """Refuse keys of ``mapping`` outside ``allowed``."""
        extra = sorted(set(mapping) - set(allowed))
        if extra:
            raise self.fail(f"{label} has unknown entries {extra[:10]}")

    # ---------------------------------------------------------------- arrays
    def array(
        self,
        name: str,
        *,
        shape: Sequence[int | None],
        kind: str,
        low: float | None = None,
        high: float | None = None,
        optional: bool = False,
    ) -> np.ndarray | None:
        """Array ``name`` checked against ``shape`` (``None`` = any length), ``kind``
        (``"int"``, ``"float"``, ``"number"``, ``"bool"``), finiteness and ``[low, high]``."""
        self._seen_arrays.add(name)
        if name not in self.arrays:
            if optional:
                return None
            raise self.fail(f"array {name!r} is missing")
        arr = self.arrays[name]
        kinds, what = _KINDS[kind]
        if arr.dtype.kind not in kinds:
            raise self.fail(f"array {name!r} must hold {what}, got dtype {arr.dtype}")
        want = tuple(shape)
        if arr.ndim != len(want) or any(w is not None and s != w for s, w in zip(arr.shape, want)):
            shown = tuple("any" if w is None else w for w in want)
            raise self.fail(f"array {name!r} has shape {arr.shape}, expected {shown}")
        if arr.size and arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            raise self.fail(f"array {name!r} holds NaN or infinite values")
        if arr.size and low is not None and arr.min() < low:
            raise self.fail(f"array {name!r} holds {arr.min().item()!r}, below its minimum {low}")
        if arr.size and high is not None and arr.max() > high:
            raise self.fail(f"array {name!r} holds {arr.max().item()!r}, above its maximum {high}")
        return arr

    def finish(self) -> None:
        """Refuse header keys and arrays that no accessor asked for."""
        extra_keys = sorted(set(self.meta) - self._seen_keys)
        if extra_keys:
            raise self.fail(f"the header has unknown fields {extra_keys[:10]}")
        extra_arrays = sorted(set(self.arrays) - self._seen_arrays)
        if extra_arrays:
            raise self.fail(f"unknown arrays {extra_arrays[:10]}")
