"""The WRENCH benchmark format: ``train.json``, ``valid.json``, ``test.json``, ``label.json``.

Nothing here downloads anything: :func:`load_wrench` reads local files in that layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..matrix import LabelMatrix
from ..persistence import CorruptFileError, read_json

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

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from weaklab import LabelMatrix
    >>> split = WrenchSplit(LabelMatrix.from_dense(np.array([[0, -1]])), np.array([0]), pd.DataFrame({"text": ["hi"]}), ("ham", "spam"))
    >>> split.L.shape, split.label_names
    ((1, 2), ('ham', 'spam'))
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

    Raises
    ------
    FileNotFoundError
        ``{split}.json`` or ``label.json`` is missing.
    weaklab.persistence.CorruptFileError
        (a ``ValueError``) a file is not valid JSON or breaks the layout: a weak label
        that is not an int in ``[-1, k-1]``, a gold label outside ``[0, k-1]``, examples
        of different widths, class ids other than ``0..k-1``, an example id or class id
        that appears twice (JSON would keep only the last). The message names the file
        and the example or key.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "label.json").write_text(json.dumps({"0": "ham", "1": "spam"}))
    >>> examples = {"0": {"label": 1, "weak_labels": [1, -1], "data": {"text": "buy now"}},
    ...             "1": {"label": 0, "weak_labels": [-1, 0], "data": {"text": "nice"}}}
    >>> _ = (folder / "train.json").write_text(json.dumps(examples))
    >>> split = load_wrench(folder, "train")
    >>> split.L.to_dense().tolist(), split.y.tolist(), split.label_names, split.data.text.tolist()
    ([[1, -1], [-1, 0]], [1, 0], ('ham', 'spam'), ['buy now', 'nice'])
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
    label_names = _read_label_names(label_path)
    k = len(label_names)
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise CorruptFileError(path, f"must map example ids to examples, got a JSON {type(raw).__name__}")
    if not raw:
        raise CorruptFileError(path, "holds no examples")
    width = None
    weak_rows: list[list[int]] = []
    gold: list[int] = []
    data: list[dict] = []
    for key, item in raw.items():
        where = f"example {key!r}"
        if not isinstance(item, dict):
            raise CorruptFileError(path, f"{where} must be a JSON object, got {item!r:.80}")
        weak = item.get("weak_labels")
        if not isinstance(weak, list):
            raise CorruptFileError(path, f"{where}: 'weak_labels' must be a list of ints, got {weak!r:.80}")
        if width is None:
            width = len(weak)
        elif len(weak) != width:
            raise CorruptFileError(
                path, f"{where} has {len(weak)} weak labels, the examples before it have {width}"
            )
        for j, vote in enumerate(weak):
            if not _is_json_int(vote) or not -1 <= vote < k:
                raise CorruptFileError(
                    path, f"{where}: weak label of LF {j} is {vote!r}; votes must be ints in [-1, {k - 1}] "
                    f"({k} classes in label.json)"
                )
        label = item.get("label")
        if label is not None and (not _is_json_int(label) or not -1 <= label < k):
            raise CorruptFileError(
                path, f"{where}: gold label {label!r} is not an int in [0, {k - 1}] (or null / -1 for none; "
                f"{k} classes in label.json)"
            )
        fields = item.get("data", {})
        if not isinstance(fields, dict):
            raise CorruptFileError(path, f"{where}: 'data' must be a JSON object, got {fields!r:.80}")
        weak_rows.append(weak)
        gold.append(-1 if label is None else label)
        data.append(fields)
    weak_arr = np.array(weak_rows, dtype=np.int64).reshape(len(weak_rows), width)
    y = np.array(gold, dtype=np.int64)
    L = LabelMatrix.from_dense(weak_arr, [f"lf_{j}" for j in range(width)], k)
    return WrenchSplit(L=L, y=y, data=pd.DataFrame(data), label_names=label_names)


def _is_json_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _read_label_names(path: Path) -> tuple[str, ...]:
    """``label.json``: ``{"0": name, "1": name, ...}`` with keys exactly ``0..k-1``, k >= 2."""
    label_map = read_json(path)
    if not isinstance(label_map, dict):
        raise CorruptFileError(path, f"must map class ids to names, got a JSON {type(label_map).__name__}")
    k = len(label_map)
    expected = {str(i) for i in range(k)}
    if set(label_map) != expected:
        raise CorruptFileError(
            path, f"class ids must be exactly '0'..'{k - 1}', got {sorted(label_map)[:10]}"
        )
    if k < 2:
        raise CorruptFileError(path, f"names {k} class(es); a classification task needs at least 2")
    names = tuple(label_map[str(i)] for i in range(k))
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise CorruptFileError(path, f"class {i} has name {name!r}; class names are strings")
        if name in names[:i]:  # two classes nobody could tell apart in a report or a prediction
            raise CorruptFileError(path, f"classes {names.index(name)} and {i} are both named {name!r}")
    return names
