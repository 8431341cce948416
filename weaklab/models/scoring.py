"""From probabilities to labels (tie-breaking) and from labels to metrics."""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["METRICS", "TIE_BREAKS", "argmax_ties", "check_metrics", "prediction_metrics"]

TIE_BREAKS = ("abstain", "random", "first")
METRICS = ("accuracy", "f1", "f1_macro", "f1_micro", "precision", "recall", "coverage")


def argmax_ties(proba: np.ndarray, tie_break: str, seed: int) -> np.ndarray:
    """Most probable class per row, with ties (equal up to 1e-9 relative) broken by ``tie_break``.

    ``"abstain"`` gives ``-1``, ``"first"`` the lowest tied class, ``"random"`` a tied class
    drawn with ``seed``.

    Examples
    --------
    >>> proba = np.array([[0.5, 0.5], [0.2, 0.8]])
    >>> argmax_ties(proba, "abstain", 0).tolist(), argmax_ties(proba, "first", 0).tolist()
    ([-1, 1], [0, 1])
    """
    top = proba.max(axis=1, keepdims=True)
    tied = np.isclose(proba, top, rtol=1e-9, atol=1e-12)
    pred = proba.argmax(axis=1).astype(np.int64)
    multi = tied.sum(axis=1) > 1
    if not multi.any() or tie_break == "first":
        return np.where(multi, tied.argmax(axis=1), pred)
    if tie_break == "abstain":
        pred[multi] = -1
        return pred
    rng = np.random.default_rng(seed)
    noise = rng.random(proba.shape)
    pred[multi] = np.where(tied, noise, -1.0)[multi].argmax(axis=1)
    return pred


def check_metrics(metrics: str | Sequence[str]) -> tuple[str, ...]:
    """``metrics`` as a tuple (a single name is one metric); ``ValueError`` names the
    metrics that are not in :data:`METRICS`.

    Examples
    --------
    >>> check_metrics(["accuracy", "f1"])
    ('accuracy', 'f1')
    >>> check_metrics("accuracy")
    ('accuracy',)
    >>> check_metrics(["auc"])
    Traceback (most recent call last):
    ...
    ValueError: unknown metrics ['auc']; choose from ('accuracy', 'f1', 'f1_macro', 'f1_micro', 'precision', 'recall', 'coverage')
    """
    metrics = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    unknown = [name for name in metrics if name not in METRICS]
    if unknown:
        raise ValueError(f"unknown metrics {unknown}; choose from {METRICS}")
    return metrics


def prediction_metrics(
    y: np.ndarray, pred: np.ndarray, covered: np.ndarray, k: int, metrics: str | Sequence[str]
) -> dict[str, float]:
    """The named metrics of predictions ``pred`` against gold ``y`` (checked, ``-1`` = unknown).

    Rows whose gold label is ``-1`` are skipped (a metric other than ``"coverage"`` with
    no labelled row is a ``ValueError``); a predicted ``-1`` counts as wrong.
    ``"f1"``, ``"precision"`` and ``"recall"`` are those of class 1 when k = 2, macro
    averages otherwise; ``"coverage"`` is the share of ``covered`` rows.

    Examples
    --------
    >>> y, pred = np.array([0, 1, 1, -1]), np.array([0, 1, 0, 1])
    >>> prediction_metrics(y, pred, np.array([True, True, True, False]), 2, ("accuracy", "recall", "coverage"))
    {'accuracy': 0.6666666666666666, 'recall': 0.5, 'coverage': 0.75}
    >>> prediction_metrics(y, np.array([0, 1, -1, 1]), np.ones(4, bool), 2, ("precision", "recall"))
    {'precision': 1.0, 'recall': 0.5}
    """
    from sklearn import metrics as skm

    metrics = check_metrics(metrics)
    keep = y >= 0
    if not keep.any() and any(name != "coverage" for name in metrics):
        raise ValueError(f"y has no labelled row (all {y.size} gold labels are -1), so {list(metrics)} cannot be scored")
    yt, yp = y[keep], pred[keep]
    avg = "binary" if k == 2 else "macro"
    labels = list(range(k))
    out: dict[str, float] = {}
    for name in metrics:
        if name == "accuracy":
            out[name] = float(np.mean(yt == yp))
        elif name == "coverage":
            out[name] = float(np.mean(covered))
        else:
            fn = {"f1": skm.f1_score, "f1_macro": skm.f1_score, "f1_micro": skm.f1_score,
                  "precision": skm.precision_score, "recall": skm.recall_score}[name]
            average = {"f1_macro": "macro", "f1_micro": "micro"}.get(name, avg)
            if average == "binary":  # class 1's metric; a predicted -1 is not class 1
                average, labels_used = "micro", [1]
            else:
                labels_used = labels
            out[name] = float(fn(yt, yp, average=average, labels=labels_used, zero_division=0))
    return out
