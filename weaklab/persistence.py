"""Saving and loading without pickle: NumPy arrays in an ``.npz`` plus JSON metadata.

One file holds both: the arrays under their own names and the metadata as a JSON string
under the reserved key ``__meta__``. Loading uses ``allow_pickle=False``, so opening a file
can never execute code.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np

__all__ = ["FORMAT_VERSION", "atomic_path", "load_npz_json", "save_npz_json"]

#: Version of the on-disk layout written by :func:`save_npz_json`.
FORMAT_VERSION = 1

_META_KEY = "__meta__"


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
    text = json.dumps(payload, sort_keys=True)
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


def load_npz_json(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a file written by :func:`save_npz_json`.

    Returns
    -------
    arrays : dict of str to numpy.ndarray
    meta : dict
        The metadata, including ``format_version``.

    Raises
    ------
    ValueError
        If the file has no metadata or a newer format version than this library reads.
    """
    path = Path(path)
    if not path.is_file() and path.with_name(path.name + ".npz").is_file():
        path = path.with_name(path.name + ".npz")
    with np.load(path, allow_pickle=False) as npz:
        if _META_KEY not in npz.files:
            raise ValueError(f"{path} is not a weaklab file (no {_META_KEY} entry)")
        meta = json.loads(str(npz[_META_KEY]))
        arrays = {name: npz[name] for name in npz.files if name != _META_KEY}
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path} has format version {version!r}; this weaklab reads versions <= {FORMAT_VERSION}"
        )
    return arrays, meta
