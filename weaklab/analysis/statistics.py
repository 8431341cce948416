"""Statistics about labeling functions: where they cover, overlap, conflict and err.

Every number here comes from the CSR of a :class:`~weaklab.matrix.LabelMatrix` in one
pass of a Numba kernel (or a vectorised NumPy pass); no dense n × m array is ever built,
so the functions stay usable on millions of rows.

The per-LF columns match Snorkel's ``LFAnalysis.lf_summary`` where the two overlap:

============  ==================  =====================================================
weaklab       Snorkel             meaning
============  ==================  =====================================================
polarity      Polarity            sorted classes the LF ever votes
coverage      Coverage            fraction of rows the LF votes on
overlaps      Overlaps            fraction of rows the LF votes on with another LF
conflicts     Conflicts           fraction of rows the LF votes on that hold two labels
correct       Correct             votes equal to the gold label
incorrect     Incorrect           votes unequal to a (known) gold label
emp_accuracy  Emp. Acc.           correct / (correct + incorrect)
============  ==================  =====================================================

Two deliberate differences: ``emp_accuracy`` is NaN (not 0) for an LF with no vote on a
labelled row, and rows whose gold label is ``-1`` (unknown) are left out of it, where
Snorkel counts such votes as wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

import numpy as np
import pandas as pd

from ..kernels.statistics import LFCounts, lf_counts, pair_counts
from .inputs import ModelView, check_gold, check_matrix, check_model
from .drilldown import lf_examples
from ..matrix import LabelMatrix

__all__ = [
    "LabelStats",
    "PairwiseStats",
    "confusion_table",
    "label_stats",
    "lf_class_metrics",
    "lf_pairwise",
    "lf_examples",
    "lf_summary",
    "prediction_confusion",
]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


# ------------------------------------------------------- one pass, shared
@dataclass(frozen=True)
class _Pass:
    """Everything one kernel pass yields; the public views are built from it."""

    L: LabelMatrix
    counts: LFCounts
    has_gold: bool
    model: ModelView | None
    y: np.ndarray | None


def _run_pass(L: LabelMatrix, y: object = None, model: object = None) -> _Pass:
    L = check_matrix(L)
    refs = []
    gold = None
    if y is not None:
        gold = check_gold(y, L)
        refs.append(gold)
    view = None
    if model is not None:
        view = check_model(model, L)
        refs.append(view.predictions)
    c = L.csr
    ref_arr = np.vstack(refs) if refs else np.zeros((0, L.n_rows), np.int64)
    counts = lf_counts(c.indptr, c.indices, c.data, L.n_lfs, L.cardinality, ref_arr)
    return _Pass(L, counts, gold is not None, view, gold)


def _summary_frame(p: _Pass) -> pd.DataFrame:
    L, c = p.L, p.counts
    n = max(L.n_rows, 1)
    votes = c.class_votes.sum(axis=1)
    cols: dict[str, Any] = {
        "j": np.arange(L.n_lfs),
        "polarity": [np.flatnonzero(row).tolist() for row in c.class_votes],
        "coverage": votes / n,
        "overlaps": c.overlaps / n,
        "conflicts": c.conflicts / n,
    }
    for cls in range(L.cardinality):
        cols[f"votes_{cls}"] = c.class_votes[:, cls]
    q = 0
    if p.has_gold:
        cols["correct"] = c.correct[0]
        cols["incorrect"] = c.incorrect[0]
        cols["emp_accuracy"] = _ratio(c.correct[0], c.correct[0] + c.incorrect[0])
        q = 1
    if p.model is not None:
        if p.model.accuracies is not None:
            cols["learned_accuracy"] = p.model.accuracies
        cols["model_agreement"] = _ratio(c.correct[q], c.correct[q] + c.incorrect[q])
    frame = pd.DataFrame(cols, index=pd.Index(L.lf_names, name="lf"))
    return frame


def lf_summary(L: LabelMatrix, y: Sequence[int] | np.ndarray | None = None, model: Any = None) -> pd.DataFrame:
    """One row of statistics per labeling function.

    Parameters
    ----------
    L : LabelMatrix
        The votes, n rows × m LFs.
    y : array-like of int, shape (n,), optional
        Gold labels, ``-1`` where unknown. Adds ``correct``, ``incorrect`` and
        ``emp_accuracy``.
    model : fitted label model, optional
        Anything with ``predict(L, tie_break="abstain")`` and, optionally,
        ``accuracies_`` and ``lf_names_``. Adds ``learned_accuracy`` (from
        ``model.accuracies_``) and ``model_agreement``: the fraction of the LF's votes,
        on rows where the model predicts a class, that equal the model's prediction.

    Returns
    -------
    pandas.DataFrame
        Indexed by LF name (``lf``), with columns ``j`` (column position), ``polarity``,
        ``coverage``, ``overlaps``, ``conflicts`` (fractions of all rows, Snorkel's
        definitions, see the module docstring), ``votes_0 .. votes_{k-1}`` (vote counts
        per class), and the gold / model columns described above.

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> L = LabelMatrix.from_dense(np.array([[0, 0], [1, 0], [-1, 1]]), ["a", "b"])
    >>> lf_summary(L)[["coverage", "overlaps", "conflicts", "votes_0", "votes_1"]]  # doctest: +NORMALIZE_WHITESPACE
        coverage  overlaps  conflicts  votes_0  votes_1
    lf
    a   0.666667  0.666667   0.333333        1        1
    b   1.000000  0.666667   0.333333        2        1
    """
    return _summary_frame(_run_pass(L, y, model))


# ------------------------------------------------------------ matrix level
@dataclass(frozen=True)
class LabelStats:
    """Matrix-level numbers about a label matrix (and a label model on it).

    Attributes
    ----------
    n_rows, n_lfs, cardinality : int
        Shape of the label matrix and number of classes.
    n_votes : int
        Non-abstain votes stored.
    density : float
        ``n_votes / (n_rows * n_lfs)``.
    coverage, overlap, conflict : float
        Fraction of rows with at least one vote / at least two votes / at least two
        different labels (Snorkel's ``label_coverage``, ``label_overlap``,
        ``label_conflict``).
    majority_balance : ndarray, shape (k,)
        Fraction of majority-vote predictions per class (rows with no vote or a tie left out).
    majority_abstain : float
        Fraction of rows where majority vote has no answer (no vote or a tie).
    majority_accuracy : float or None
        Accuracy of majority vote on rows with gold labels where it predicts a class.
    prediction_balance : ndarray of shape (k,) or None
        Fraction of the model's predictions per class (abstains left out).
    prediction_abstain : float or None
        Fraction of rows where the model abstains.
    model_accuracy : float or None
        Accuracy of the model on rows with a gold label and at least one LF vote where
        it predicts a class (rows without votes only get the model's prior).
    majority_disagreement : float or None
        Among rows where both majority vote and the model predict a class, the fraction
        where they differ.
    learned_class_balance : ndarray of shape (k,) or None
        The model's ``class_balance_``.
    warnings : list of str
        The model's ``warnings_`` (guardrail messages), empty without a model.

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix, label_stats
    >>> L = LabelMatrix.from_dense(np.array([[0, 0], [1, 0], [1, -1], [-1, -1]]), ["a", "b"])
    >>> stats = label_stats(L)
    >>> stats.coverage, stats.overlap, stats.conflict
    (0.75, 0.5, 0.25)
    """

    n_rows: int
    n_lfs: int
    cardinality: int
    n_votes: int
    density: float
    coverage: float
    overlap: float
    conflict: float
    majority_balance: np.ndarray
    majority_abstain: float
    majority_accuracy: float | None = None
    prediction_balance: np.ndarray | None = None
    prediction_abstain: float | None = None
    model_accuracy: float | None = None
    majority_disagreement: float | None = None
    learned_class_balance: np.ndarray | None = None
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary (arrays become lists), e.g. for JSON."""
        out = {}
        for key, value in self.__dict__.items():
            out[key] = value.tolist() if isinstance(value, np.ndarray) else (
                list(value) if isinstance(value, tuple) else value
            )
        return out


def _balance(labels: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    known = labels[labels >= 0]
    counts = np.bincount(known, minlength=k).astype(np.float64)
    total = counts.sum()
    balance = counts / total if total else np.full(k, np.nan)
    abstain = 1.0 - known.size / labels.size if labels.size else float("nan")
    return balance, float(abstain)


def _accuracy(pred: np.ndarray, gold: np.ndarray) -> float:
    both = (pred >= 0) & (gold >= 0)
    return float(np.mean(pred[both] == gold[both])) if both.any() else float("nan")


def _stats_from_pass(p: _Pass) -> LabelStats:
    L, c = p.L, p.counts
    n = L.n_rows
    denom = max(n, 1)
    maj_balance, maj_abstain = _balance(c.majority, L.cardinality)
    stats: dict[str, Any] = dict(
        n_rows=n,
        n_lfs=L.n_lfs,
        cardinality=L.cardinality,
        n_votes=L.nnz,
        density=L.nnz / max(n * L.n_lfs, 1),
        coverage=c.n_covered / denom,
        overlap=c.n_overlapped / denom,
        conflict=c.n_conflicted / denom,
        majority_balance=maj_balance,
        majority_abstain=maj_abstain,
    )
    if p.y is not None:
        stats["majority_accuracy"] = _accuracy(c.majority, p.y)
    if p.model is not None:
        pred = p.model.predictions
        stats["prediction_balance"], stats["prediction_abstain"] = _balance(pred, L.cardinality)
        both = (pred >= 0) & (c.majority >= 0)
        stats["majority_disagreement"] = (
            float(np.mean(pred[both] != c.majority[both])) if both.any() else float("nan")
        )
        stats["learned_class_balance"] = p.model.class_balance
        stats["warnings"] = tuple(p.model.warnings)
        if p.y is not None:
            covered = np.diff(L.csr.indptr) > 0
            stats["model_accuracy"] = _accuracy(pred[covered], p.y[covered])
    return LabelStats(**stats)


def label_stats(L: LabelMatrix, y: Sequence[int] | np.ndarray | None = None, model: Any = None) -> LabelStats:
    """Matrix-level coverage, overlap and conflict, and how a label model compares to majority vote.

    Parameters
    ----------
    L : LabelMatrix
    y : array-like of int, shape (n,), optional
        Gold labels (``-1`` = unknown); adds the accuracies.
    model : fitted label model, optional
        Adds the prediction balance, the disagreement with majority vote (ties abstain)
        and the model's guardrail warnings.

    Returns
    -------
    LabelStats

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> L = LabelMatrix.from_dense(np.array([[0, 0], [1, 0], [-1, -1]]), ["a", "b"])
    >>> s = label_stats(L)
    >>> round(s.coverage, 3), round(s.overlap, 3), round(s.conflict, 3)
    (0.667, 0.667, 0.333)
    """
    return _stats_from_pass(_run_pass(L, y, model))


# ---------------------------------------------------------------- pairwise
class PairwiseStats(NamedTuple):
    """m × m views of how pairs of LFs interact, each a DataFrame indexed by LF name.

    Attributes
    ----------
    overlap : pandas.DataFrame
        Rows where both LFs vote (the diagonal is each LF's vote count).
    conflict : pandas.DataFrame
        Rows where both vote and the labels differ.
    agreement : pandas.DataFrame
        Rows where both vote the same label (``overlap - conflict``).
    correlation : pandas.DataFrame
        Pearson correlation of the two LFs' one-hot votes (an abstain is a row of zeros):
        1 for LFs that vote identically, near 0 for unrelated ones. NaN for an LF that
        never votes.

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix, lf_pairwise
    >>> L = LabelMatrix.from_dense(np.array([[0, 0], [1, 0], [1, -1]]), ["a", "b"])
    >>> pairs = lf_pairwise(L)
    >>> int(pairs.overlap.loc["a", "b"]), int(pairs.conflict.loc["a", "b"]), int(pairs.agreement.loc["a", "b"])
    (2, 1, 1)
    """

    overlap: pd.DataFrame
    conflict: pd.DataFrame
    agreement: pd.DataFrame
    correlation: pd.DataFrame


def lf_pairwise(L: LabelMatrix, normalize: bool = False) -> PairwiseStats:
    """Overlap, conflict, agreement and correlation between every pair of LFs.

    Parameters
    ----------
    L : LabelMatrix
    normalize : bool
        Divide overlap, conflict and agreement by the number of rows (fractions, like
        Snorkel's per-LF columns) instead of returning counts.

    Returns
    -------
    PairwiseStats
        Each matrix is m × m and symmetric. Cost: one pass over the pairs of votes in
        each row; memory O(m²), never O(n·m).

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> L = LabelMatrix.from_dense(np.array([[0, 0], [1, 0], [1, -1]]), ["a", "b"])
    >>> lf_pairwise(L).conflict  # doctest: +NORMALIZE_WHITESPACE
    lf  a  b
    lf
    a   0  1
    b   1  0
    """
    L = check_matrix(L)
    c = L.csr
    overlap, conflict = pair_counts(c.indptr, c.indices, c.data, L.n_lfs)
    agreement = overlap - conflict
    cover = np.diag(overlap).astype(np.float64)
    total = float(L.n_rows) * L.cardinality
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.sqrt(cover * (total - cover))
        corr = (total * agreement - np.outer(cover, cover)) / np.outer(spread, spread)
    corr[~np.isfinite(corr)] = np.nan
    idx = pd.Index(L.lf_names, name="lf")
    scale = 1.0 / max(L.n_rows, 1) if normalize else 1

    def frame(a: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(a * scale, index=idx, columns=idx.copy())

    return PairwiseStats(
        frame(overlap), frame(conflict), frame(agreement),
        pd.DataFrame(corr, index=idx, columns=idx.copy()),
    )


# --------------------------------------------------------------- with gold
def lf_class_metrics(L: LabelMatrix, y: Sequence[int] | np.ndarray) -> pd.DataFrame:
    """Precision, recall and F1 of each LF for each class, against gold labels.

    An LF is read as a classifier that abstains: for class ``c``, its votes for ``c``
    are its positive predictions. Rows whose gold label is ``-1`` are left out.

    Parameters
    ----------
    L : LabelMatrix
    y : array-like of int, shape (n,)
        Gold labels, ``-1`` where unknown.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(lf, class)``, with columns ``votes`` (the LF's votes for the class
        on labelled rows), ``support`` (labelled rows of the class), ``correct``,
        ``precision`` (``correct / votes``, NaN without votes), ``recall``
        (``correct / support``, NaN without support; abstains count as misses) and
        ``f1`` (``2 correct / (votes + support)``).

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> L = LabelMatrix.from_dense(np.array([[1], [1], [0], [-1]]), ["a"])
    >>> lf_class_metrics(L, [1, 0, 0, 1]).loc["a"][["precision", "recall"]]  # doctest: +NORMALIZE_WHITESPACE
           precision  recall
    class
    0            1.0     0.5
    1            0.5     0.5
    """
    L = check_matrix(L)
    gold = check_gold(y, L)
    k, m = L.cardinality, L.n_lfs
    c = L.csr
    rows = np.repeat(np.arange(L.n_rows, dtype=np.int64), np.diff(c.indptr))
    g = gold[rows]
    known = g >= 0
    cols = c.indices[known].astype(np.int64)
    votes = c.data[known].astype(np.int64) - 1
    table = np.bincount((cols * k + votes) * k + g[known], minlength=m * k * k).reshape(m, k, k)
    correct = np.einsum("jcc->jc", table)
    n_votes = table.sum(axis=2)
    support = np.broadcast_to(np.bincount(gold[gold >= 0], minlength=k), (m, k))
    index = pd.MultiIndex.from_product([list(L.lf_names), range(k)], names=["lf", "class"])
    return pd.DataFrame(
        {
            "votes": n_votes.ravel(),
            "support": support.ravel(),
            "correct": correct.ravel(),
            "precision": _ratio(correct, n_votes).ravel(),
            "recall": _ratio(correct, support).ravel(),
            "f1": _ratio(2 * correct, n_votes + support).ravel(),
        },
        index=index,
    )


def confusion_table(y: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray, cardinality: int) -> pd.DataFrame:
    """Counts of gold class (rows) against predicted class (columns, plus ``abstain``).

    Parameters
    ----------
    y : array-like of int, shape (n,)
        Gold labels; rows with ``-1`` are left out.
    pred : array-like of int, shape (n,)
        Predictions, ``-1`` = abstain.
    cardinality : int
        Number of classes k.

    Returns
    -------
    pandas.DataFrame
        k × (k + 1) counts, index ``gold`` 0..k-1, columns 0..k-1 and ``"abstain"``.

    Examples
    --------
    >>> confusion_table([0, 0, 1, 1, -1], [0, 1, 1, -1, 0], cardinality=2)  # doctest: +NORMALIZE_WHITESPACE
    predicted  0  1  abstain
    gold
    0          1  1        0
    1          0  1        1
    """
    y = np.asarray(y, dtype=np.int64)
    pred = np.asarray(pred, dtype=np.int64)
    if y.shape != pred.shape or y.ndim != 1:
        raise ValueError(f"y and pred must be 1-D of the same length, got {y.shape} and {pred.shape}")
    k = int(cardinality)
    for name, arr, low in (("y", y, -1), ("pred", pred, -1)):
        if arr.size and (arr.min() < low or arr.max() >= k):
            raise ValueError(f"{name} holds labels outside [-1, {k - 1}]")
    known = y >= 0
    pred_col = np.where(pred[known] < 0, k, pred[known])
    table = np.bincount(y[known] * (k + 1) + pred_col, minlength=k * (k + 1)).reshape(k, k + 1)
    return pd.DataFrame(
        table,
        index=pd.Index(range(k), name="gold"),
        columns=pd.Index([*range(k), "abstain"], name="predicted"),
    )


def prediction_confusion(L: LabelMatrix, y: Sequence[int] | np.ndarray, model: Any) -> pd.DataFrame:
    """Confusion matrix of a label model's predictions (ties abstain) against gold labels.

    Parameters
    ----------
    L : LabelMatrix
    y : array-like of int, shape (n,)
        Gold labels, ``-1`` where unknown (those rows are left out).
    model : fitted label model
        Anything with ``predict(L, tie_break="abstain")``.

    Returns
    -------
    pandas.DataFrame
        See :func:`confusion_table`.

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> from weaklab.models import MajorityVote
    >>> L = LabelMatrix.from_dense(np.array([[0, 0], [1, 1], [0, 1], [1, -1]]), ["a", "b"])
    >>> prediction_confusion(L, [0, 1, 1, 0], MajorityVote().fit(L))  # doctest: +NORMALIZE_WHITESPACE
    predicted  0  1  abstain
    gold
    0          1  1        0
    1          0  1        1
    """
    L = check_matrix(L)
    gold = check_gold(y, L)
    view = check_model(model, L)
    return confusion_table(gold, view.predictions, L.cardinality)
