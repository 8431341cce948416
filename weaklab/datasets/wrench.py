"""The WRENCH benchmark format: ``train.json``, ``valid.json``, ``test.json``, ``label.json``.

Nothing here downloads anything: :func:`load_wrench` reads local files in that layout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..matrix import LabelMatrix

__all__ = ["WrenchSplit", "load_wrench"]

WRENCH_SPLITS = ("train", "valid", "test")


@dataclass(frozen=True)
class WrenchSplit:
    """One split of a WRENCH-format data set.

    Attributes
    ----------
    L : LabelMatrix
        The weak labels (one column per LF).
    y : numpy.ndarray of int
        Gold labels (``-1`` where the file has none).
    data : pandas.DataFrame
        The ``data`` field of each example (for text sets, a ``text`` column), in file order.
    label_names : tuple of str
        Class names by index, from ``label.json``.
    """

    L: LabelMatrix
    y: np.ndarray
    data: pd.DataFrame
    label_names: tuple[str, ...]


def load_wrench(directory: str | Path, split: str = "train") -> WrenchSplit:
    """Load one split of a WRENCH-format data set from ``directory``.

    Parameters
    ----------
    directory : str or Path
        Folder holding ``{split}.json`` and ``label.json``.
    split : {"train", "valid", "test"}

    Returns
    -------
    WrenchSplit
    """
    if split not in WRENCH_SPLITS:
        raise ValueError(f"split must be one of {WRENCH_SPLITS}, got {split!r}")
    directory = Path(directory)
    path = directory / f"{split}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no WRENCH split file at {path}")
    label_path = directory / "label.json"
    if not label_path.is_file():
        raise FileNotFoundError(f"no label.json (class names) in {directory}")
    with open(label_path, encoding="utf-8") as f:
        label_map = json.load(f)
    label_names = tuple(label_map[str(i)] for i in range(len(label_map)))
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    items = list(raw.values())
    if not items:
        raise ValueError(f"{path} holds no examples")
    widths = {len(item["weak_labels"]) for item in items}
    if len(widths) != 1:
        raise ValueError(f"{path}: examples have different numbers of weak labels: {sorted(widths)}")
    weak = np.array([item["weak_labels"] for item in items], dtype=np.int64)
    y = np.array([-1 if item.get("label") is None else item["label"] for item in items], dtype=np.int64)
    data = pd.DataFrame([item.get("data", {}) for item in items])
    k = len(label_names)
    L = LabelMatrix.from_dense(weak, [f"lf_{j}" for j in range(weak.shape[1])], k)
    return WrenchSplit(L=L, y=y, data=data, label_names=label_names)
