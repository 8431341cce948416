"""Synthetic label matrices from conditionally independent LFs with known parameters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..matrix import LabelMatrix
from .._validation import check_int

__all__ = ["SyntheticLabels", "make_synthetic_label_matrix"]

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

    Examples
    --------
    >>> data = make_synthetic_label_matrix(n_rows=100, n_lfs=3, one_sided=True, seed=1)
    >>> data.targets.tolist(), data.accuracies.shape
    ([0, 1, 0], (3,))
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

    Examples
    --------
    >>> data = make_synthetic_label_matrix(n_rows=2000, n_lfs=5, accuracy=0.8, coverage=0.5, seed=0)
    >>> data.L.shape, data.y.shape
    ((2000, 5), (2000,))
    >>> votes = data.L.to_dense()
    >>> right = (votes == data.y[:, None]).sum(axis=0) / (votes != -1).sum(axis=0)
    >>> bool(np.all(np.abs(right - 0.8) < 0.05))  # each LF is right on about 80% of its votes
    True
    """
    for name, value, low in (("n_rows", n_rows, 1), ("n_lfs", n_lfs, 1), ("cardinality", cardinality, 2)):
        check_int(value, name, min_val=low)
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
