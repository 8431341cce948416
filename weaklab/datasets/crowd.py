"""Crowdsourcing data sets: workers are the LFs, items are the rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..matrix import LabelMatrix
from ..persistence import CorruptFileError
from .labeled_votes import LabeledVotes

__all__ = ["load_crowd"]


def _read_yaml_map(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            mapping = yaml.safe_load(f)
    except yaml.YAMLError as exc:
        raise CorruptFileError(path, f"not valid YAML ({exc})") from None
    if not isinstance(mapping, dict):
        raise CorruptFileError(path, f"expected a mapping at the top level, got {type(mapping).__name__}")
    return mapping


def _as_class(value: object, path: Path, where: str) -> int:
    if not isinstance(value, bool):
        raise CorruptFileError(path, f"{where} must be true or false, got {value!r}")
    return int(value)


def _read_bluebirds(directory: Path) -> pd.DataFrame:
    labels_path, gold_path = directory / "labels.yaml", directory / "gt.yaml"
    rows = []
    for worker, answers in _read_yaml_map(labels_path).items():
        if not isinstance(answers, dict):
            raise CorruptFileError(labels_path, f"worker {worker!r} must map items to answers, got {answers!r:.80}")
        for item, value in answers.items():
            rows.append((str(item), str(worker), _as_class(value, labels_path, f"worker {worker!r}, item {item!r}")))
    truth = [
        (str(item), _as_class(value, gold_path, f"item {item!r}")) for item, value in _read_yaml_map(gold_path).items()
    ]
    answers = pd.DataFrame(rows, columns=["item", "worker", "label"])
    return answers.merge(pd.DataFrame(truth, columns=["item", "gold"]), on="item", how="outer")


def _read_table(path: Path, columns: list[str], sep: str = ",") -> pd.DataFrame:
    """A CSV/TSV file with at least ``columns``; unreadable files name themselves."""
    try:
        frame = pd.read_csv(path, sep=sep)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise CorruptFileError(path, f"cannot be parsed ({type(exc).__name__}: {exc})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CorruptFileError(path, f"lacks the column(s) {missing}; columns are {list(frame.columns)[:10]}")
    return frame


def _check_classes(frame: pd.DataFrame, column: str, path: Path) -> None:
    """Answers and gold labels are whole numbers >= 0 (a class id) or missing."""
    values = frame[column]
    present = values.notna().to_numpy()
    numeric = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    bad = present & ~(np.isfinite(numeric) & (numeric == np.round(numeric)) & (numeric >= 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        value = values.iloc[i]
        value = value.item() if isinstance(value, np.generic) else value
        raise CorruptFileError(
            path, f"line {i + 2}: {column} {value!r} is not a class id (an int >= 0)"
        )


def load_crowd(directory: str | Path) -> LabeledVotes:
    """Load a crowdsourcing data set as a worker × item label matrix (workers are the LFs).

    Three layouts are recognised from the files in ``directory``:

    * ``labels.yaml`` + ``gt.yaml`` (CUBAM, e.g. bluebirds): ``{worker: {item: bool}}``
      and ``{item: bool}``; ``false`` is class 0.
    * ``*.standardized.tsv`` (e.g. Snow et al.'s rte): columns ``!amt_worker_ids``,
      ``orig_id``, ``response``, ``gold``.
    * ``answer.csv`` + ``truth.csv`` (e.g. dog): ``question,worker,answer`` and
      ``question,truth``; classes are the answers ``0..k-1``.

    Rows are the items in sorted order; workers who never label an item abstain.

    Returns
    -------
    LabeledVotes
        ``y`` is ``-1`` for items without a gold label.

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
        long = _read_bluebirds(directory)
    elif (directory / "answer.csv").is_file() and (directory / "truth.csv").is_file():
        answer_path, truth_path = directory / "answer.csv", directory / "truth.csv"
        answers = _read_table(answer_path, ["question", "worker", "answer"]).rename(
            columns={"question": "item", "answer": "label"}
        )
        truth = _read_table(truth_path, ["question", "truth"]).rename(columns={"question": "item", "truth": "gold"})
        _check_classes(answers, "label", answer_path)
        _check_classes(truth, "gold", truth_path)
        long = answers.merge(truth, on="item", how="outer")
    elif list(directory.glob("*.standardized.tsv")):
        tsv_path = next(iter(sorted(directory.glob("*.standardized.tsv"))))
        raw = _read_table(tsv_path, ["!amt_worker_ids", "orig_id", "response", "gold"], sep="\t")
        long = raw.rename(columns={"!amt_worker_ids": "worker", "orig_id": "item", "response": "label"})
        long = long[["item", "worker", "label", "gold"]]
        _check_classes(long, "label", tsv_path)
        _check_classes(long, "gold", tsv_path)
    else:
        raise FileNotFoundError(
            f"{directory} holds no known crowd layout (labels.yaml+gt.yaml, answer.csv+truth.csv "
            "or *.standardized.tsv)"
        )
    long["item"] = long["item"].astype(str)
    long["worker"] = long["worker"].astype(str)
    items = np.array(sorted(long["item"].unique(), key=lambda v: (len(v), v)))
    item_pos = {item: i for i, item in enumerate(items)}
    answered = long.dropna(subset=["worker", "label"])
    workers = sorted(answered["worker"].unique(), key=lambda v: (len(v), v))
    labels = answered["label"].astype(np.int64).to_numpy()
    gold_by_item = long.dropna(subset=["gold"]).groupby("item")["gold"].first()
    k = int(max(labels.max(initial=0), gold_by_item.max() if len(gold_by_item) else 0)) + 1
    votes = pd.DataFrame(
        {"row": answered["item"].map(item_pos).to_numpy(), "lf": answered["worker"].to_numpy(), "label": labels}
    ).drop_duplicates(subset=["row", "lf"], keep="first")
    votes["lf"] = "worker_" + votes["lf"]
    L = LabelMatrix.from_long(votes, len(items), [f"worker_{w}" for w in workers], max(k, 2))
    y = np.full(len(items), -1, dtype=np.int64)
    for item, g in gold_by_item.items():
        y[item_pos[item]] = int(g)
    return LabeledVotes(L=L, y=y, items=items)
