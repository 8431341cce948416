"""Model maths shared by the label models, each rule written once.

Log-linear tables (the form every naive-Bayes model predicts through), the one-coin
confusion, accuracies from vote counts, shrinkage toward dev-set counts and the
majority-vote class prior. Functions of LF statistics only (m × k × k arrays): the
per-row work lives in :mod:`weaklab.kernels`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import softmax

__all__ = [
    "dev_accuracies",
    "lf_accuracies",
    "log_tables",
    "logodds_tables",
    "mv_class_prior",
    "one_coin_confusion",
    "shrink_toward",
    "softmax",
    "vote_accuracies",
    "vote_tables",
]


def log_tables(
    prior: np.ndarray,
    confusion: np.ndarray,
    coverage: np.ndarray | None,
    at: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Kernel tables ``(table[j, l, y], base[y])`` of a class-conditional LF model.

    ``confusion[j, y, l] = P(LF j votes l | y, it votes)``; ``coverage[j, y] = P(LF j votes
    | y)`` or ``None`` to ignore coverage (then only the votes count). ``at = (lfs, labels)`` returns only the
    rows ``table[lfs[p], labels[p]]``, shape (pairs, k): what an E-step over the (LF, label)
    pairs the LFs vote reads, without the (m, k, k) logarithms of labels never voted.

    Examples
    --------
    >>> table, base = log_tables(np.array([0.5, 0.5]), one_coin_confusion(np.array([0.8]), 2), None)
    >>> np.exp(table[0]).round(2).tolist(), np.exp(base).tolist()
    ([[0.8, 0.2], [0.2, 0.8]], [0.5, 0.5])
    >>> pair_table, _ = log_tables(np.array([0.5, 0.5]), one_coin_confusion(np.array([0.8]), 2), None,
    ...                            at=(np.array([0]), np.array([1])))
    >>> np.exp(pair_table).round(2).tolist()
    [[0.2, 0.8]]
    """
    if at is None:
        table = np.log(np.transpose(confusion, (0, 2, 1)))
    else:
        lfs, labels = at
        table = np.log(confusion[lfs, :, labels])
    base = np.log(prior).copy()
    if coverage is not None:
        cov = np.clip(coverage, 1e-6, 1 - 1e-6)
        evidence = np.log(cov) - np.log1p(-cov)
        table = table + (evidence[:, None, :] if at is None else evidence[at[0]])
        base += np.log1p(-cov).sum(axis=0)
    return np.ascontiguousarray(table), base


def logodds_tables(table: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, float]:
    """``(delta (m, 2), base_delta)`` of k = 2 log-linear tables: class 1's score minus class 0's.

    Examples
    --------
    >>> delta, b = logodds_tables(np.array([[[0.0, 1.0], [2.0, 0.5]]]), np.array([0.1, 0.4]))
    >>> delta.tolist(), round(b, 6)
    ([[1.0, -1.5]], 0.3)
    """
    return np.ascontiguousarray(table[:, :, 1] - table[:, :, 0]), float(base[1] - base[0])


def vote_tables(weights: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Log-linear tables of a weighted vote: ``table[j, l, y] = weights[j] * (l == y)``.

    Examples
    --------
    >>> table, base = vote_tables(np.array([2.0]), 2)
    >>> table.tolist(), base.tolist()
    ([[[2.0, 0.0], [0.0, 2.0]]], [0.0, 0.0])
    """
    table = np.asarray(weights, dtype=np.float64)[:, None, None] * np.eye(k)[None]
    return np.ascontiguousarray(table), np.zeros(k)


def one_coin_confusion(acc: np.ndarray, k: int) -> np.ndarray:
    """(m, k, k) confusion with ``acc`` on the diagonal and the rest spread evenly.

    Examples
    --------
    >>> one_coin_confusion(np.array([0.7]), 3).round(2).tolist()
    [[[0.7, 0.15, 0.15], [0.15, 0.7, 0.15], [0.15, 0.15, 0.7]]]
    """
    conf = np.repeat(((1 - acc) / (k - 1))[:, None, None], k, axis=1).repeat(k, axis=2)
    idx = np.arange(k)
    conf[:, idx, idx] = acc[:, None]
    return conf


def lf_accuracies(prior: np.ndarray, confusion: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    """P(LF correct | LF votes) from class prior, confusion (m, k, k) and coverage (m, k).

    Examples
    --------
    >>> conf = np.array([[[0.9, 0.1], [0.3, 0.7]]])
    >>> lf_accuracies(np.array([0.5, 0.5]), conf, np.array([[1.0, 1.0]])).round(3).tolist()
    [0.8]
    """
    w = prior[None, :] * coverage
    diag = np.einsum("jyy->jy", confusion)
    return (w * diag).sum(axis=1) / np.maximum(w.sum(axis=1), 1e-300)


def vote_accuracies(counts: np.ndarray, smoothing: float) -> np.ndarray:
    """P(vote == label | LF votes) from soft counts ``counts[j, vote, label]``, smoothed toward 1/2.

    Examples
    --------
    >>> vote_accuracies(np.array([[[3.0, 1.0], [0.0, 4.0]]]), 1.0).round(3).tolist()
    [0.8]
    """
    correct = np.einsum("jll->j", counts)
    total = counts.sum(axis=(1, 2))
    return (correct + smoothing) / (total + 2.0 * smoothing)


def shrink_toward(counts: np.ndarray, total: np.ndarray, estimate: np.ndarray, strength: float) -> np.ndarray:
    """``(counts + strength * estimate) / (total + strength)``: observed frequencies
    shrunk toward an estimate worth ``strength`` pseudo-observations.

    Examples
    --------
    >>> shrink_toward(np.array([9.0]), np.array([10.0]), np.array([0.5]), 10.0).tolist()
    [0.7]
    """
    return (counts + strength * estimate) / (total + strength)


def dev_accuracies(dev_counts: np.ndarray, estimate: np.ndarray, strength: float) -> np.ndarray:
    """Each LF's dev-set accuracy shrunk toward ``estimate`` by ``strength`` pseudo-votes.

    ``dev_counts[j, vote, label]`` are the dev votes against the gold labels
    (:attr:`~weaklab.models.fit_source.DevSet.vote_counts`).

    Examples
    --------
    >>> dev_accuracies(np.array([[[4.0, 0.0], [0.0, 4.0]]]), np.array([0.6]), 2.0).round(3).tolist()
    [0.92]
    """
    return shrink_toward(np.einsum("jll->j", dev_counts), dev_counts.sum(axis=(1, 2)), estimate, strength)


def mv_class_prior(class_balance: np.ndarray | None, class_sums: np.ndarray, dev: Any = None) -> np.ndarray:
    """The class prior of the vote-based models: ``class_balance`` when given, else the
    shares of the dev gold labels (``dev.y``) when a dev set is given, else those of the
    majority-vote labels (``class_sums``), both add-one smoothed.

    Examples
    --------
    >>> mv_class_prior(None, np.array([7.0, 1.0])).tolist()
    [0.8, 0.2]
    >>> from types import SimpleNamespace
    >>> mv_class_prior(None, np.array([7.0, 1.0]), SimpleNamespace(y=np.array([1, 1, 0]))).tolist()
    [0.4, 0.6]
    """
    if class_balance is not None:
        return class_balance
    k = class_sums.shape[0]
    if dev is not None:
        freq = np.bincount(dev.y, minlength=k) + 1.0
    else:
        freq = class_sums + 1.0
    return freq / freq.sum()
