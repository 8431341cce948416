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

from ..kernels import lf_counts, pair_counts, soft_vote_counts
from .inputs import check_gold, check_matrix, check_model
from .drilldown import lf_examples
from ..matrix import LabelMatrix

__all__ = [
    "LFStatistics",
    "LabelStats",
    "PairwiseStats",
    "confusion_table",
    "label_stats",
    "lf_class_metrics",
    "lf_pairwise",
    "lf_examples",
    "lf_statistics",
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
class LFStatistics:
    """Everything one counting pass over a label matrix yields (see :func:`lf_statistics`).

    :func:`lf_summary`, :func:`label_stats` and the HTML report are views of it.

    Attributes
    ----------
    L : LabelMatrix
        The votes, n rows × m LFs, k classes.
    class_votes : ndarray of int64, shape (m, k)
        Votes of each LF for each class.
    coverage, overlaps, conflicts : ndarray of float, shape (m,)
        Fractions of all rows where the LF votes / votes with another LF / votes on a row
        holding two different labels (Snorkel's definitions, see the module docstring).
    majority : ndarray of int64, shape (n,)
        Majority-vote label of each row, ``-1`` for no vote or a tie.
    n_covered, n_overlapped, n_conflicted : int
        Rows with at least one vote / two votes / two different labels.
    gold : ndarray of int64, shape (n,), or None
        The checked gold labels (``-1`` = unknown).
    correct, incorrect : ndarray of int64, shape (m,), or None
        Votes equal / unequal to a known gold label.
    emp_accuracy : ndarray of float, shape (m,), or None
        ``correct / (correct + incorrect)``, NaN for an LF with no vote on a labelled row.
    predictions : ndarray of int64, shape (n,), or None
        The model's predictions (ties abstain, ``-1``).
    model_agreement : ndarray of float, shape (m,), or None
        Share of the LF's votes, on rows where the model predicts a class, equal to it.
    learned_accuracies, learned_class_balance : ndarray or None
        The model's ``accuracies_`` (m,) and ``class_balance_`` (k,), when it has them.
    model_warnings : tuple of str
        The model's ``warnings_`` (guardrail messages).

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> s = lf_statistics(LabelMatrix.from_dense(np.array([[0, 1], [0, -1]]), ["a", "b"]))
    >>> s.class_votes.tolist(), s.overlaps.tolist(), s.has_model
    ([[2, 0], [0, 1]], [0.5, 0.5], False)
    >>> s.summary()["coverage"].tolist(), s.label_stats().conflict
    ([1.0, 0.5], 0.5)
    """

    L: LabelMatrix
    class_votes: np.ndarray
    coverage: np.ndarray
    overlaps: np.ndarray
    conflicts: np.ndarray
    majority: np.ndarray
    n_covered: int
    n_overlapped: int
    n_conflicted: int
    gold: np.ndarray | None = None
    correct: np.ndarray | None = None
    incorrect: np.ndarray | None = None
    emp_accuracy: np.ndarray | None = None
    predictions: np.ndarray | None = None
    model_agreement: np.ndarray | None = None
    learned_accuracies: np.ndarray | None = None
    learned_class_balance: np.ndarray | None = None
    model_warnings: tuple[str, ...] = ()

    @property
    def has_model(self) -> bool:
        """Whether a model was given (its predictions are known)."""
        return self.predictions is not None

    def summary(self) -> pd.DataFrame:
        """The per-LF table of :func:`lf_summary`."""
        L = self.L
        cols: dict[str, Any] = {
            "j": np.arange(L.n_lfs),
            "polarity": [np.flatnonzero(row).tolist() for row in self.class_votes],
            "coverage": self.coverage,
            "overlaps": self.overlaps,
            "conflicts": self.conflicts,
        }
        for cls in range(L.cardinality):
            cols[f"votes_{cls}"] = self.class_votes[:, cls]
        if self.gold is not None:
            cols["correct"] = self.correct
            cols["incorrect"] = self.incorrect
            cols["emp_accuracy"] = self.emp_accuracy
        if self.has_model:
            if self.learned_accuracies is not None:
                cols["learned_accuracy"] = self.learned_accuracies
            cols["model_agreement"] = self.model_agreement
        return pd.DataFrame(cols, index=pd.Index(L.lf_names, name="lf"))

    def label_stats(self) -> "LabelStats":
        """The matrix-level numbers of :func:`label_stats`."""
        L = self.L
        n = L.n_rows
        denom = max(n, 1)
        maj_balance, maj_abstain = _balance(self.majority, L.cardinality)
        stats: dict[str, Any] = dict(
            n_rows=n,
            n_lfs=L.n_lfs,
            cardinality=L.cardinality,
            n_votes=L.nnz,
            density=L.nnz / max(n * L.n_lfs, 1),
            coverage=self.n_covered / denom,
            overlap=self.n_overlapped / denom,
            conflict=self.n_conflicted / denom,
            majority_balance=maj_balance,
            majority_abstain=maj_abstain,
        )
        if self.gold is not None:
            stats["majority_accuracy"] = _accuracy(self.majority, self.gold)
        if self.has_model:
            pred = self.predictions
            stats["prediction_balance"], stats["prediction_abstain"] = _balance(pred, L.cardinality)
            both = (pred >= 0) & (self.majority >= 0)
            stats["majority_disagreement"] = (
                float(np.mean(pred[both] != self.majority[both])) if both.any() else float("nan")
            )
            stats["learned_class_balance"] = self.learned_class_balance
            stats["warnings"] = tuple(self.model_warnings)
            if self.gold is not None:
                covered = np.diff(L.csr.indptr) > 0
                stats["model_accuracy"] = _accuracy(pred[covered], self.gold[covered])
        return LabelStats(**stats)


def lf_statistics(L: LabelMatrix, y: Sequence[int] | np.ndarray | None = None, model: Any = None) -> LFStatistics:
    """Per-LF and matrix-level statistics of ``L`` in one pass over its votes.

    Parameters
    ----------
    L : LabelMatrix
    y : array-like of int, shape (n,), optional
        Gold labels, ``-1`` where unknown: adds ``correct``, ``incorrect``, ``emp_accuracy``.
    model : fitted label model, optional
        Anything with ``predict(L, tie_break="abstain")`` and, optionally, ``accuracies_``,
        ``class_balance_``, ``warnings_`` and ``lf_names_``: adds the model fields.

    Returns
    -------
    LFStatistics
        ``.summary()`` is :func:`lf_summary`'s table, ``.label_stats()`` is :func:`label_stats`'s.

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> L = LabelMatrix.from_dense(np.array([[0, 0], [1, 0], [-1, 1]]), ["a", "b"])
    >>> s = lf_statistics(L, y=[0, 1, -1])
    >>> s.coverage.round(3).tolist(), s.conflicts.round(3).tolist(), s.emp_accuracy.tolist()
    ([0.667, 1.0], [0.333, 0.333], [1.0, 0.5])
    >>> s.majority.tolist(), s.n_conflicted
    ([0, -1, 1], 1)
    """
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
    n = max(L.n_rows, 1)
    fields: dict[str, Any] = dict(
        L=L, class_votes=counts.class_votes, coverage=counts.class_votes.sum(axis=1) / n,
        overlaps=counts.overlaps / n, conflicts=counts.conflicts / n, majority=counts.majority,
        n_covered=counts.n_covered, n_overlapped=counts.n_overlapped, n_conflicted=counts.n_conflicted,
    )
    if gold is not None:
        fields.update(gold=gold, correct=counts.correct[0], incorrect=counts.incorrect[0],
                      emp_accuracy=_ratio(counts.correct[0], counts.correct[0] + counts.incorrect[0]))
    if view is not None:
        q = len(refs) - 1
        fields.update(
            predictions=view.predictions,
            model_agreement=_ratio(counts.correct[q], counts.correct[q] + counts.incorrect[q]),
            learned_accuracies=view.accuracies, learned_class_balance=view.class_balance,
            model_warnings=tuple(view.warnings),
        )
    return LFStatistics(**fields)


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
    return lf_statistics(L, y, model).summary()


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
    return lf_statistics(L, y, model).label_stats()


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
    overlap, agreement = pair_counts(c.indptr, c.indices, c.data, L.n_lfs)
    conflict = overlap - agreement
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
    # The models' dev-set counts (each LF's votes against one-hot gold labels), with an
    # unknown label as an all-zero row: table[j, vote, gold], whole numbers.
    onehot = (gold[:, None] == np.arange(k)).astype(np.float64)
    c = L.csr
    table = soft_vote_counts(c.indptr, c.indices, c.data, onehot, m).astype(np.int64)
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
