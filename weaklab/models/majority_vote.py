"""Majority vote and weighted majority vote: the baselines every label model must beat."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from scipy.special import softmax

from .._validation import check_float
from .. import kernels as K
from ._maths import dev_accuracies, mv_class_prior, vote_accuracies, vote_tables
from .base import BaseLabelModel
from .fit_source import DevSet, csr_arrays

__all__ = ["MajorityVote", "WeightedMajorityVote"]


class MajorityVote(BaseLabelModel):
    """Each row's label is the class most LFs vote for.

    ``predict_proba`` returns the vote shares of each row (ties therefore split evenly);
    rows without votes get ``class_balance_``.

    Parameters
    ----------
    seed : int
        Seed of ``predict(tie_break="random")``.

    Attributes
    ----------
    class_balance_ : ndarray (k,)
        Given, else the class shares of the dev gold labels when a dev set is passed, else
        the shares of the majority-vote labels on the training rows (smoothed).
    accuracies_ : ndarray (m,)
        Each LF's accuracy on the dev set when given (shrunk toward the next estimate),
        else its agreement with the majority vote.

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> L = LabelMatrix.from_dense(np.array([[0, 0, 1], [1, 1, -1], [-1, -1, -1]]))
    >>> MajorityVote().fit(L, class_balance=[0.6, 0.4]).predict_proba(L).round(2).tolist()
    [[0.67, 0.33], [0.0, 1.0], [0.6, 0.4]]
    """

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed

    def _fit(self, source: Any, class_balance: np.ndarray | None, dev: DevSet | None) -> None:
        mv = source.majority()
        self.class_balance_ = mv_class_prior(class_balance, mv.class_sums, dev)
        acc = vote_accuracies(mv.counts, 1.0)
        if dev is not None:
            acc = dev_accuracies(dev.vote_counts, acc, 2.0)
        self.accuracies_ = acc

    _proba_is_final = True

    def _vote_share_weights(self):
        return np.ones(self.cardinality_)

    def _predict_proba_covered(self, L):
        prior = np.asarray(self.class_balance_, dtype=np.float64)
        return K.vote_share_proba(*csr_arrays(L), self._vote_share_weights(), prior / prior.sum())

    def _argmax_tables(self):
        # Vote shares and the softmax of vote counts have the same first maximum.
        return vote_tables(np.ones(self.n_lfs_), self.cardinality_)


class WeightedMajorityVote(BaseLabelModel):
    """Majority vote where each LF's vote counts with a weight.

    The score of class ``c`` on a row is the sum of the weights of the LFs voting ``c``;
    ``predict_proba`` is the softmax of these scores, which makes the model a naive Bayes
    classifier when the weights are ``log((k - 1) a / (1 - a))`` for LF accuracy ``a``.

    Parameters
    ----------
    weights : sequence of float, optional
        Fixed per-LF weights (length m). When omitted the weights come from estimated
        accuracies: each LF's agreement with the majority vote, or, with a dev set, its
        dev-set accuracy shrunk toward that agreement by ``smoothing`` pseudo-votes.
    smoothing : float
        Pseudo-counts added to each LF's correct / wrong tallies (> 0).
    seed : int
        Seed of ``predict(tie_break="random")``.

    Attributes
    ----------
    weights_ : ndarray (m,)
    accuracies_ : ndarray (m,)
    class_balance_ : ndarray (k,)

    Examples
    --------
    >>> from weaklab import LabelMatrix
    >>> L = LabelMatrix.from_dense(np.array([[0, 1, 1], [-1, 0, 1], [-1, 0, 0], [1, -1, 1]]))
    >>> # LF 0 counts three times as much as each of the others: it wins row 0 alone
    >>> WeightedMajorityVote(weights=[3.0, 1.0, 1.0]).fit(L).predict(L).tolist()
    [0, -1, 0, 1]
    """

    def __init__(self, *, weights: Sequence[float] | None = None, smoothing: float = 2.0, seed: int = 0) -> None:
        self.weights = weights
        self.smoothing = smoothing
        self.seed = seed

    def _check_params(self, k: int, m: int) -> None:
        check_float(self.smoothing, "smoothing", min_val=0, include_boundaries="neither")
        if self.weights is not None:
            try:
                w = np.asarray(self.weights, dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"weights must be {m} finite numbers (one per LF), got {self.weights!r}") from None
            if w.shape != (m,) or not np.all(np.isfinite(w)):
                raise ValueError(f"weights must be {m} finite numbers (one per LF), got shape {w.shape}")
        super()._check_params(k, m)

    def _fit(self, source: Any, class_balance: np.ndarray | None, dev: DevSet | None) -> None:
        k = source.cardinality
        mv = source.majority()
        self.class_balance_ = mv_class_prior(class_balance, mv.class_sums, dev)
        acc = vote_accuracies(mv.counts, self.smoothing)
        if dev is not None:
            acc = dev_accuracies(dev.vote_counts, acc, self.smoothing)
        self.accuracies_ = np.clip(acc, 1e-3, 1 - 1e-3)
        if self.weights is not None:
            self.weights_ = np.array(self.weights, dtype=np.float64)
        else:
            a = self.accuracies_
            self.weights_ = np.log((k - 1) * a / (1 - a))

    def _loglinear_tables(self):
        return vote_tables(self.weights_, self.cardinality_)

    def _predict_proba_covered(self, L):
        return softmax(K.weighted_vote_counts(*csr_arrays(L), self.weights_, L.cardinality), axis=1)
