"""Crowdsourcing data sets: workers are the LFs, items are the rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..matrix import LabelMatrix
from ..persistence import CorruptFileError, csv_row_location
from .labeled_votes import LabeledVotes

__all__ = ["load_crowd"]


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key repeated in one mapping (PyYAML keeps the last)."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    if len(mapping) < len(node.value):
        keys = [loader.construct_object(key, deep=True) for key, _ in node.value]
        twice = next(key for i, key in enumerate(keys) if key in keys[:i])
        raise yaml.constructor.ConstructorError(
            None, None, f"the key {twice!r} appears twice in one mapping", node.start_mark
        )
    return mapping


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def _read_yaml_map(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            mapping = yaml.load(f, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise CorruptFileError(path, f"not valid YAML ({exc})") from None
    if not isinstance(mapping, dict):
        raise CorruptFileError(path, f"expected a mapping at the top level, got {type(mapping).__name__}")
    return mapping


def _as_class(value: object, path: Path, where: str) -> int:
    if not isinstance(value, bool):
        raise CorruptFileError(path, f"{where} must be true or false, got {value!r}")
    return int(value)


#: The largest class id: a LabelMatrix holds at most 32766 classes.
_MAX_CLASS = 32765


def _by_text(mapping: dict, path: Path, what: str) -> dict[str, object]:
    """``mapping`` keyed by ``str(key)``; two keys such as 1 and '1' that read the same are an error."""
    out: dict[str, object] = {}
    original: dict[str, object] = {}
    for key, value in mapping.items():
        text = str(key)
        if text in out:
            raise CorruptFileError(path, f"{what} {original[text]!r} and {key!r} are both the id {text!r}")
        out[text], original[text] = value, key
    return out


def _read_bluebirds(directory: Path) -> tuple[pd.DataFrame, pd.Series]:
    labels_path, gold_path = directory / "labels.yaml", directory / "gt.yaml"
    rows = []
    for worker, answers in _by_text(_read_yaml_map(labels_path), labels_path, "workers").items():
        if not isinstance(answers, dict):
            raise CorruptFileError(labels_path, f"worker {worker!r} must map items to answers, got {answers!r:.80}")
        for item, value in _by_text(answers, labels_path, f"worker {worker!r}: items").items():
            rows.append((item, worker, _as_class(value, labels_path, f"worker {worker!r}, item {item!r}")))
    gold = {
        item: _as_class(value, gold_path, f"item {item!r}")
        for item, value in _by_text(_read_yaml_map(gold_path), gold_path, "items").items()
    }
    return pd.DataFrame(rows, columns=["item", "worker", "label"]), pd.Series(gold, dtype=np.int64)


def _read_table(path: Path, columns: list[str], sep: str = ",") -> pd.DataFrame:
    """A CSV/TSV file with at least ``columns``, every cell as text; unreadable files name themselves."""
    try:
        # As text: pandas would read ids 01 and 1 (or 1.0 and 1) as one number and NA,
        # nan, null or an empty cell as missing.
        frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise CorruptFileError(path, f"cannot be parsed ({type(exc).__name__}: {exc})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CorruptFileError(path, f"lacks the column(s) {missing}; columns are {list(frame.columns)[:10]}")
    return frame


def _check_ids(frame: pd.DataFrame, columns: list[str], path: Path) -> None:
    for column in columns:
        empty = (frame[column].str.strip() == "").to_numpy()
        if empty.any():
            raise CorruptFileError(path, f"{csv_row_location(path, int(np.flatnonzero(empty)[0]))}: the {column} is empty")


def _class_ids(frame: pd.DataFrame, column: str, path: Path, missing_ok: bool) -> np.ndarray:
    """The text cells of ``column`` as class ids (ints 0.._MAX_CLASS); an empty cell is -1 where ``missing_ok``."""
    cells = frame[column]
    numbers = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~(np.isfinite(numbers) & (numbers == np.round(numbers)) & (numbers >= 0) & (numbers <= _MAX_CLASS))
    if missing_ok:
        bad &= (cells.str.strip() != "").to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise CorruptFileError(
            path, f"{csv_row_location(path, i)}: {column} {cells.iloc[i]!r} is not a class id (an int from 0 to {_MAX_CLASS})"
        )
    return np.where(np.isfinite(numbers), numbers, -1).astype(np.int64)


def _read_votes(frame: pd.DataFrame, path: Path, item: str, worker: str, answer: str) -> pd.DataFrame:
    """Columns item, worker, label from the file's columns ``item``, ``worker``, ``answer``.

    A worker's repeated identical answer to an item is kept once; different answers are an error.
    """
    _check_ids(frame, [item, worker], path)
    labels = _class_ids(frame, answer, path, missing_ok=False)
    votes = pd.DataFrame({"item": frame[item], "worker": frame[worker], "label": labels})
    clash = (votes.groupby(["item", "worker"])["label"].transform("nunique") > 1).to_numpy()
    if clash.any():
        lines = np.flatnonzero(clash)
        first = votes.iloc[lines[0]]
        same = (votes["item"] == first["item"]).to_numpy() & (votes["worker"] == first["worker"]).to_numpy()
        other = int(np.flatnonzero(same & clash & (labels != first["label"]))[0])
        raise CorruptFileError(
            path, f"worker {first['worker']!r} answers item {first['item']!r} twice with different answers: "
            f"{first['label']} ({csv_row_location(path, int(lines[0]))}) and {labels[other]} ({csv_row_location(path, other)})"
        )
    return votes.drop_duplicates(subset=["item", "worker"])


def _read_gold(frame: pd.DataFrame, path: Path, item: str, gold: str) -> pd.Series:
    """Gold class by item (-1 for an item without one) from the file's columns ``item``, ``gold``.

    An item may repeat its gold label (the TSV layout gives it on every answer); two different ones are an error.
    """
    _check_ids(frame, [item], path)
    labels = pd.Series(_class_ids(frame, gold, path, missing_ok=True), index=frame[item].to_numpy())
    given = labels[labels >= 0]
    clash = given.groupby(level=0, sort=False).nunique()
    if (clash > 1).any():
        name = clash.index[(clash > 1).to_numpy()][0]
        found = sorted(set(given[name].tolist()))
        raise CorruptFileError(path, f"item {name!r} has different gold labels: {found}")
    return labels.groupby(level=0, sort=False).max()


def load_crowd(directory: str | Path) -> LabeledVotes:
    """Load a crowdsourcing data set as a worker × item label matrix (workers are the LFs).

    Three layouts are recognised from the files in ``directory``:

    * ``labels.yaml`` + ``gt.yaml`` (CUBAM, e.g. bluebirds): ``{worker: {item: bool}}``
      and ``{item: bool}``; ``false`` is class 0.
    * ``*.standardized.tsv`` (e.g. Snow et al.'s rte): columns ``!amt_worker_ids``,
      ``orig_id``, ``response``, ``gold``.
    * ``answer.csv`` + ``truth.csv`` (e.g. dog): ``question,worker,answer`` and
      ``question,truth``; classes are the answers ``0..k-1``.

    Item and worker ids are text as written: ``01``, ``1`` and ``1.0`` are three items,
    ``NA`` is a worker like any other. An empty gold cell means the item has no gold
    label; an empty id or answer is an error. A worker's answer repeated identically is
    kept once. Rows are the items in sorted order; workers who never label an item abstain.

    Returns
    -------
    LabeledVotes
        ``y`` is ``-1`` for items without a gold label.

    Raises
    ------
    FileNotFoundError
        ``directory`` holds none of the three layouts.
    ValueError
        ``directory`` holds more than one ``*.standardized.tsv`` file.
    weaklab.persistence.CorruptFileError
        (a ``ValueError``) a file cannot be parsed or lacks a column, an item or worker
        id is empty, an answer or gold label is not a class id (an int from 0 to 32765),
        a worker gives one item two different answers, an item has two different gold
        labels, or a YAML mapping repeats a key or has two keys such as ``1`` and
        ``'1'`` (the same id). The message names the file and the line, item or worker.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "answer.csv").write_text("question,worker,answer\\nq1,w1,0\\nq1,w2,1\\nq2,w2,1\\n")
    >>> _ = (folder / "truth.csv").write_text("question,truth\\nq1,0\\nq2,1\\n")
    >>> crowd = load_crowd(folder)
    >>> crowd.L.lf_names, crowd.L.to_dense().tolist(), crowd.y.tolist(), crowd.items.tolist()
    (('worker_w1', 'worker_w2'), [[0, 1], [-1, 1]], [0, 1], ['q1', 'q2'])
    """
    directory = Path(directory)
    if (directory / "labels.yaml").is_file() and (directory / "gt.yaml").is_file():
        answers, gold = _read_bluebirds(directory)
    elif (directory / "answer.csv").is_file() and (directory / "truth.csv").is_file():
        answer_path, truth_path = directory / "answer.csv", directory / "truth.csv"
        answers = _read_votes(_read_table(answer_path, ["question", "worker", "answer"]), answer_path,
                              "question", "worker", "answer")
        gold = _read_gold(_read_table(truth_path, ["question", "truth"]), truth_path, "question", "truth")
    elif list(directory.glob("*.standardized.tsv")):
        tsv_files = sorted(directory.glob("*.standardized.tsv"))
        if len(tsv_files) > 1:  # reading one would silently leave the others' answers out
            raise ValueError(f"{directory} holds {len(tsv_files)} *.standardized.tsv files "
                             f"({', '.join(p.name for p in tsv_files)}); a crowd folder holds one")
        tsv_path = tsv_files[0]
        raw = _read_table(tsv_path, ["!amt_worker_ids", "orig_id", "response", "gold"], sep="\t")
        answers = _read_votes(raw, tsv_path, "orig_id", "!amt_worker_ids", "response")
        gold = _read_gold(raw, tsv_path, "orig_id", "gold")
    else:
        raise FileNotFoundError(
            f"{directory} holds no known crowd layout (labels.yaml+gt.yaml, answer.csv+truth.csv "
            "or *.standardized.tsv)"
        )
    items = np.array(sorted(set(answers["item"]) | set(gold.index), key=lambda v: (len(v), v)))
    item_pos = {item: i for i, item in enumerate(items)}
    workers = sorted(answers["worker"].unique(), key=lambda v: (len(v), v))
    labels = answers["label"].to_numpy(dtype=np.int64)
    k = int(max(labels.max(initial=0), gold.max() if len(gold) else 0)) + 1
    votes = pd.DataFrame(
        {"row": answers["item"].map(item_pos).to_numpy(), "lf": ("worker_" + answers["worker"]).to_numpy(), "label": labels}
    )
    L = LabelMatrix.from_long(votes, len(items), [f"worker_{w}" for w in workers], max(k, 2))
    y = np.full(len(items), -1, dtype=np.int64)
    for item, g in gold.items():
        y[item_pos[item]] = g
    return LabeledVotes(L=L, y=y, items=items)
