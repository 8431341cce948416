"""Saving and loading without pickle: NumPy arrays in an ``.npz`` plus JSON metadata.

One file holds both: the arrays under their own names and the metadata as a JSON string
under the reserved key ``__meta__``. Loading uses ``allow_pickle=False``, so opening a file
can never execute code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import numpy as np

__all__ = ["FORMAT_VERSION", "load_npz_json", "save_npz_json"]

#: Version of the on-disk layout written by :func:`save_npz_json`.
FORMAT_VERSION = 1

_META_KEY = "__meta__"


def save_npz_json(path: str | Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> Path:
    """Write ``arrays`` and JSON-serialisable ``meta`` to one ``.npz`` file.

    Parameters
    ----------
    path : str or Path
        Target file; ``.npz`` is appended when missing.
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
    np.savez(path, **clean, **{_META_KEY: np.array(text)})
    return path


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
