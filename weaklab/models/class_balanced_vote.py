"""``ClassBalancedVote``: majority vote in which no class wins conflicts by vote volume."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels as K
from ._maths import mv_class_prior, vote_accuracies
from .base import BaseLabelModel
from .fit_source import DevSet, csr_arrays

__all__ = ["ClassBalancedVote"]


class ClassBalancedVote(BaseLabelModel):
    """Majority vote with each class's votes divided by that class's share of all votes.

    The score of class ``c`` on a row is ``votes_c / s_c``, where ``s_c`` is the
    (add-one smoothed) fraction of all training votes that are for ``c``. When one class
    has many more or broader LFs than another (keyword LF sets: TREC, YouTube), plain
    majority vote lets it win every conflict by sheer volume; dividing by the vote share
    asks instead which class's LFs fire *more than usual* on the row. Rows whose votes
    all agree get the same label as majority vote. ``predict_proba`` is the normalised
    scores; the class balance and accuracies are majority vote's.

    Parameters
    ----------
    seed : int
        Seed of ``predict(tie_break="random")``.

    Attributes
    ----------
    vote_share_ : ndarray (k,)
        Smoothed share of the training votes for each class.
    class_balance_, accuracies_ : ndarray
        As :class:`MajorityVote`'s.

    Examples
    --------
    >>> from weaklab import LabelMatrix
    >>> L = LabelMatrix.from_dense(np.array([[0, 0, 1], [0, 0, -1], [0, -1, -1], [0, -1, 1]]))
    >>> # row 0: two votes for class 0 (75 % of all votes) lose to one for class 1
    >>> ClassBalancedVote().fit(L).predict(L, tie_break="abstain").tolist()
    [1, 0, 0, 1]
    """

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed

    def _fit(self, source: Any, class_balance: np.ndarray | None, dev: DevSet | None) -> None:
        mv = source.majority()
        votes = mv.lf_class.sum(axis=0)
        k = source.cardinality
        self.vote_share_ = (votes + 1.0) / (votes.sum() + k)
        self.class_balance_ = mv_class_prior(class_balance, mv.class_sums, dev)
        self.accuracies_ = vote_accuracies(mv.counts, 1.0)

    _proba_is_final = True

    def _vote_share_weights(self):
        return 1.0 / self.vote_share_

    def _predict_proba_covered(self, L):
        prior = np.asarray(self.class_balance_, dtype=np.float64)
        return K.vote_share_proba(*csr_arrays(L), self._vote_share_weights(), prior / prior.sum())
