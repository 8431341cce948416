"""Data sets: a WRENCH-format loader and a generated demo corpus.

Nothing here downloads anything: :func:`load_wrench` reads local files in the WRENCH
layout (``train.json``, ``valid.json``, ``test.json`` and ``label.json``), and
:func:`make_demo_corpus` generates a small labelled text corpus from a seed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .matrix import LabelMatrix

__all__ = [
    "LabeledVotes",
    "SyntheticLabels",
    "load_crowd",
    "load_lf_matrix_csv",
    "WrenchSplit",
    "load_wrench",
    "make_demo_corpus",
    "make_synthetic_label_matrix",
]

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


# --------------------------------------------------------------------- demo
# Each fragment kind appears independently of the others given the class, with these
# probabilities (in spam, in ham): LFs keyed on different kinds then err independently,
# as data programming assumes, while no single kind is a perfect signal.
_FRAGMENTS: dict[str, tuple[float, float, list[str]]] = {
    "channel": (0.30, 0.02, ["check out my channel", "visit my channel", "my channel has new videos"]),
    "subscribe": (0.30, 0.04, ["please subscribe", "subscribe to me", "i will subscribe back"]),
    "link": (0.35, 0.04, ["http://bit.ly/{code}", "www.{code}.com", "https://goo.gl/{code}"]),
    "money": (0.20, 0.03, ["free gift cards", "earn money from home", "win a free iphone", "make $500 a day"]),
    "click": (0.12, 0.01, ["click this link", "click the link below"]),
    "praise": (0.10, 0.45, ["i love this", "this is amazing", "her voice is beautiful", "best video ever",
                            "the dance moves are incredible"]),
    "music": (0.08, 0.40, ["the chorus is so catchy", "that guitar solo", "the lyrics are deep",
                           "the drummer is on fire", "this song never gets old"]),
    "year": (0.02, 0.10, ["who is watching in 2026", "still here in 2025", "back in 2012 this was everywhere"]),
}
_FILLERS = (["hey guys", "hello everyone", "guys look"], ["wow", "first", "lol", "so good", "memories"])
# Neutral chatter of either class, so a comment's length says little about its class.
_CHATTER = ["my brother showed me this yesterday", "watching this at 3am", "lol", "ok", "anyone else here",
            "i came here from the radio", "greetings from brazil", "same", "this popped up in my feed"]


def make_demo_corpus(n_rows: int = 20_000, spam_rate: float = 0.3, seed: int = 0) -> pd.DataFrame:
    """Generate a labelled corpus of short video comments (spam vs. ham).

    It imitates the YouTube spam task: comments are built from fragments (links,
    "subscribe", praise of the song, …) that each occur with a class-dependent
    probability, independently of each other, so simple keyword LFs are useful but
    imperfect. About a fifth of spam and a twentieth of ham is written in capitals.

    Parameters
    ----------
    n_rows : int
        Number of comments.
    spam_rate : float
        Fraction of spam comments (class 1).
    seed : int
        Seed of the generator; the same seed gives the same corpus.

    Returns
    -------
    pandas.DataFrame
        Columns ``text`` (str), ``author`` (str) and ``label`` (int, 0 = ham, 1 = spam).
    """
    if isinstance(n_rows, bool) or not isinstance(n_rows, (int, np.integer)) or n_rows < 0:
        raise ValueError(f"n_rows must be a non-negative int, got {n_rows!r}")
    if not 0.0 <= spam_rate <= 1.0:
        raise ValueError(f"spam_rate must lie in [0, 1], got {spam_rate!r}")
    rng = np.random.default_rng(seed)
    is_spam = rng.random(n_rows) < spam_rate
    parts: list[list[str]] = [[] for _ in range(n_rows)]
    for p_spam, p_ham, phrases in _FRAGMENTS.values():
        present = rng.random(n_rows) < np.where(is_spam, p_spam, p_ham)
        choice = rng.integers(0, len(phrases), n_rows)
        for i in np.flatnonzero(present):
            parts[i].append(phrases[choice[i]])
    chatter = rng.integers(0, len(_CHATTER), n_rows)
    for i in np.flatnonzero(rng.random(n_rows) < 0.5):
        parts[i].append(_CHATTER[chatter[i]])
    codes = rng.integers(0, 36**5, n_rows)
    filler = rng.integers(0, 3, n_rows)
    shout = rng.random(n_rows) < np.where(is_spam, 0.20, 0.05)
    order = rng.random((n_rows, 2))
    texts = np.empty(n_rows, dtype=object)
    for i in range(n_rows):
        words = parts[i] or [_FILLERS[0 if is_spam[i] else 1][filler[i] % len(_FILLERS[0 if is_spam[i] else 1])]]
        if len(words) > 1 and order[i, 0] < 0.5:
            words = words[::-1]
        text = (" " if order[i, 1] < 0.5 else ", ").join(words).format(code=np.base_repr(codes[i], 36).lower())
        texts[i] = text.upper() if shout[i] else text
    authors = np.char.add("user", rng.integers(0, max(1, n_rows // 3), n_rows).astype(str))
    return pd.DataFrame(
        {"text": pd.array(texts, dtype="str"), "author": pd.array(authors, dtype="str"), "label": is_spam.astype(np.int64)}
    )


# ---------------------------------------------------------------- synthetic
@dataclass(frozen=True)
class SyntheticLabels:
    """A generated label matrix with the parameters that generated it.

    Attributes
    ----------
    L : LabelMatrix
    y : numpy.ndarray of int
        True class of each row.
    accuracies : numpy.ndarray (m,)
        P(LF correct | LF votes) used to generate each LF.
    coverages : numpy.ndarray (m,)
        P(LF votes) of each LF.
    class_balance : numpy.ndarray (k,)
    targets : numpy.ndarray (m,) of int
        The class each one-sided LF votes for (``-1`` for LFs that may vote any class).
    """

    L: LabelMatrix
    y: np.ndarray
    accuracies: np.ndarray
    coverages: np.ndarray
    class_balance: np.ndarray
    targets: np.ndarray


def _check_range(value: object, name: str, low: float, high: float) -> tuple[float, float]:
    pair = (value, value) if isinstance(value, (int, float)) else tuple(value)  # type: ignore[arg-type]
    if len(pair) != 2 or not (low <= pair[0] <= pair[1] <= high):
        raise ValueError(f"{name} must be a number or a (min, max) pair within [{low}, {high}], got {value!r}")
    return float(pair[0]), float(pair[1])


def make_synthetic_label_matrix(
    n_rows: int = 1000,
    n_lfs: int = 10,
    cardinality: int = 2,
    *,
    class_balance: "np.ndarray | list[float] | None" = None,
    accuracy: "float | tuple[float, float]" = (0.6, 0.9),
    coverage: "float | tuple[float, float]" = (0.1, 0.5),
    one_sided: bool = False,
    seed: int = 0,
) -> SyntheticLabels:
    """Generate votes of conditionally independent LFs with known accuracies.

    Each row's class is drawn from ``class_balance``. Two kinds of LF:

    * ``one_sided=False``: LF j votes on a row with probability ``coverages[j]``
      whatever the class, and then votes the true class with probability
      ``accuracies[j]`` (otherwise a uniformly drawn wrong class).
    * ``one_sided=True``: LF j votes only its target class ``targets[j]`` (assigned
      round-robin over the classes) or abstains, as keyword LFs do. Its firing rates
      on rows of the target class and of other classes are set so that it covers
      ``coverages[j]`` of the rows and is right on ``accuracies[j]`` of its votes
      (the firing rate on target rows is capped at 1, which can lower the coverage).
      Such an LF is better than random only when its accuracy exceeds the prior of
      its target class.

    Parameters
    ----------
    n_rows, n_lfs, cardinality : int
    class_balance : array-like (k,), optional
        Class prior; uniform by default. ``[0.8, 0.2]`` gives an 80/20 imbalance.
    accuracy, coverage : float or (min, max)
        Per-LF values drawn uniformly from the range.
    one_sided : bool
    seed : int

    Returns
    -------
    SyntheticLabels
    """
    for name, value, low in (("n_rows", n_rows, 1), ("n_lfs", n_lfs, 1), ("cardinality", cardinality, 2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    k = int(cardinality)
    if class_balance is None:
        prior = np.full(k, 1.0 / k)
    else:
        prior = np.asarray(class_balance, dtype=np.float64)
        if prior.shape != (k,) or np.any(prior <= 0) or abs(prior.sum() - 1) > 1e-6:
            raise ValueError(f"class_balance must be {k} positive numbers summing to 1, got {class_balance!r}")
    acc_lo, acc_hi = _check_range(accuracy, "accuracy", 0.0, 1.0)
    cov_lo, cov_hi = _check_range(coverage, "coverage", 0.0, 1.0)
    rng = np.random.default_rng(seed)
    y = rng.choice(k, size=n_rows, p=prior)
    acc = rng.uniform(acc_lo, acc_hi, n_lfs)
    cov = rng.uniform(cov_lo, cov_hi, n_lfs)
    votes = np.full((n_rows, n_lfs), -1, dtype=np.int64)
    if one_sided:
        targets = np.arange(n_lfs) % k
        for j in range(n_lfs):
            t = targets[j]
            p_t = min(1.0, acc[j] * cov[j] / prior[t])
            p_o = min(1.0, (1 - acc[j]) * cov[j] / (1 - prior[t]))
            fire = rng.random(n_rows) < np.where(y == t, p_t, p_o)
            votes[fire, j] = t
            cov[j] = prior[t] * p_t + (1 - prior[t]) * p_o
            acc[j] = prior[t] * p_t / cov[j] if cov[j] > 0 else acc[j]
    else:
        targets = np.full(n_lfs, -1)
        fire = rng.random((n_rows, n_lfs)) < cov
        right = rng.random((n_rows, n_lfs)) < acc
        wrong = (y[:, None] + rng.integers(1, k, size=(n_rows, n_lfs))) % k
        votes = np.where(fire, np.where(right, y[:, None], wrong), -1)
    L = LabelMatrix.from_dense(votes, [f"lf_{j}" for j in range(n_lfs)], k)
    return SyntheticLabels(L=L, y=y, accuracies=acc, coverages=cov, class_balance=prior, targets=targets)


# ------------------------------------------------------- other file formats
@dataclass(frozen=True)
class LabeledVotes:
    """A label matrix with gold labels, read from a non-WRENCH file format.

    Attributes
    ----------
    L : LabelMatrix
    y : numpy.ndarray of int
        Gold class per row (``-1`` where the source has none).
    items : numpy.ndarray
        The source's identifier of each row (row number for CSV matrices).
    """

    L: LabelMatrix
    y: np.ndarray
    items: np.ndarray


def load_lf_matrix_csv(path: str | Path, label_column: str = "Label") -> LabeledVotes:
    """Load a binary label matrix stored as CSV with +1 / -1 votes and 0 = abstain.

    This is the layout of the regularized-data-programming sets: one column per LF
    (named ``0..m-1``), a gold column (``Label``, also +1 / -1) and optionally other
    columns (e.g. ``Snorkel``), which are ignored. Class 0 is -1 and class 1 is +1.

    Parameters
    ----------
    path : str or Path
    label_column : str
        Name of the gold column.

    Returns
    -------
    LabeledVotes
    """
    frame = pd.read_csv(path)
    if label_column not in frame.columns:
        raise ValueError(f"{path}: no gold column {label_column!r}; columns are {list(frame.columns)}")
    lf_cols = [c for c in frame.columns if str(c).strip().lstrip("-").isdigit()]
    if not lf_cols:
        raise ValueError(f"{path}: no LF columns (columns named 0..m-1)")
    raw = frame[lf_cols].to_numpy()
    gold = frame[label_column].to_numpy()
    for name, arr in (("LF votes", raw), (label_column, gold)):
        bad = ~np.isin(arr, (-1, 0, 1))
        if bad.any():
            raise ValueError(f"{path}: {name} must be -1, 0 (abstain) or +1; found {arr[bad][0]!r}")
    votes = np.where(raw == 0, -1, (raw > 0).astype(np.int64))
    y = np.where(gold == 0, -1, (gold > 0).astype(np.int64))
    L = LabelMatrix.from_dense(votes, [f"lf_{c}" for c in lf_cols], 2)
    return LabeledVotes(L=L, y=y, items=np.arange(len(frame)))


def _flow_yaml_map(text: str) -> dict[str, str]:
    """``{key: value, ...}`` pairs of a flat flow-style YAML mapping."""
    return dict(re.findall(r"([^\s{},:]+)\s*:\s*([^\s{},:]+)", text))


def _read_bluebirds(directory: Path) -> pd.DataFrame:
    text = (directory / "labels.yaml").read_text(encoding="utf-8")
    rows = []
    for worker, body in re.findall(r"([^\s{},:]+)\s*:\s*\{([^}]*)\}", text):
        for item, value in _flow_yaml_map(body).items():
            rows.append((item, worker, value))
    answers = pd.DataFrame(rows, columns=["item", "worker", "label"])
    gold = _flow_yaml_map((directory / "gt.yaml").read_text(encoding="utf-8"))
    truth = pd.DataFrame(list(gold.items()), columns=["item", "gold"])
    as_int = {"true": 1, "false": 0}
    answers["label"] = answers["label"].str.lower().map(as_int)
    truth["gold"] = truth["gold"].str.lower().map(as_int)
    return answers.merge(truth, on="item", how="outer")


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
    """
    directory = Path(directory)
    if (directory / "labels.yaml").is_file() and (directory / "gt.yaml").is_file():
        long = _read_bluebirds(directory)
    elif (directory / "answer.csv").is_file() and (directory / "truth.csv").is_file():
        answers = pd.read_csv(directory / "answer.csv").rename(
            columns={"question": "item", "answer": "label"}
        )
        truth = pd.read_csv(directory / "truth.csv").rename(columns={"question": "item", "truth": "gold"})
        long = answers.merge(truth, on="item", how="outer")
    elif list(directory.glob("*.standardized.tsv")):
        raw = pd.read_csv(next(iter(sorted(directory.glob("*.standardized.tsv")))), sep="\t")
        long = raw.rename(columns={"!amt_worker_ids": "worker", "orig_id": "item", "response": "label"})
        long = long[["item", "worker", "label", "gold"]]
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
