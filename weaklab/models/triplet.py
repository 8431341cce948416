"""A closed-form triplet label model in the spirit of FlyingSquid, for any k >= 2."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import softmax

from .._validation import check_float, check_int
from .. import kernels as K
from ._maths import dev_accuracies, log_tables, mv_class_prior, one_coin_confusion, vote_accuracies
from .base import BaseLabelModel
from .fit_source import DevSet, csr_arrays

__all__ = ["TripletModel"]


class TripletModel(BaseLabelModel):
    r"""Closed-form LF accuracies from triples of LFs (FlyingSquid's method, multi-class).

    Under the one-coin model (LF j, when it votes, is right with probability
    :math:`a_j` and otherwise votes a uniformly drawn wrong class) the centred agreement
    of two conditionally independent LFs, on rows where both vote, factorises:

    .. math:: M_{ij} = \frac{P(\lambda_i = \lambda_j) - 1/k}{1 - 1/k} = s_i s_j,
              \qquad s_j = \frac{k a_j - 1}{k - 1},

    for any class balance (with :math:`k = 2` this is FlyingSquid's
    :math:`E[\lambda_i\lambda_j] = E[\lambda_i Y] E[\lambda_j Y]`). For every triple
    :math:`s_i^2 = M_{ij} M_{ik} / M_{jk}`; the model takes the median over the triples
    of each LF (its ``n_partners`` most-overlapping partners, pairs with at least
    ``min_overlap`` shared votes) and assumes LFs are better than random
    (:math:`s_i > 0`). No iteration: the statistics are two m × m count matrices
    (sums over rows). LFs without a usable triple get the accuracy implied by their
    agreement with the majority vote, or ``default_accuracy``.

    A dev set refines each accuracy with the LF's dev-set hits (``dev_strength``
    pseudo-votes of the closed-form estimate). Predictions are naive Bayes with the
    one-coin confusion and the class balance.

    Parameters
    ----------
    n_partners : int
    min_overlap : int
    default_accuracy : float
    dev_strength : float
    seed : int
        Seed of ``predict(tie_break="random")``.

    Attributes
    ----------
    accuracies_ : ndarray (m,)
    confusion_ : ndarray (m, k, k)
    class_balance_ : ndarray (k,)
    n_triplets_ : ndarray (m,) of int
        Triples behind each LF's estimate.
    solved_ : ndarray (m,) of bool
        False where the fallback accuracy was used (no usable triple, or no positive
        solution of the triplet identity).

    Examples
    --------
    >>> from weaklab.datasets import make_synthetic_label_matrix
    >>> syn = make_synthetic_label_matrix(2000, 6, 2, seed=0)
    >>> model = TripletModel().fit(syn.L)
    >>> bool(model.solved_.all()), model.confusion_.shape
    (True, (6, 2, 2))
    >>> bool(np.abs(model.accuracies_ - syn.accuracies).max() < 0.1)
    True
    """

    _needs_three_lfs = True

    def __init__(
        self,
        *,
        n_partners: int = 20,
        min_overlap: int = 5,
        default_accuracy: float = 0.7,
        dev_strength: float = 10.0,
        seed: int = 0,
    ) -> None:
        self.n_partners = n_partners
        self.min_overlap = min_overlap
        self.default_accuracy = default_accuracy
        self.dev_strength = dev_strength
        self.seed = seed

    def _check_params(self, k: int, m: int) -> None:
        check_int(self.n_partners, "n_partners", min_val=2)
        check_int(self.min_overlap, "min_overlap", min_val=1)
        check_float(self.default_accuracy, "default_accuracy")
        if not (1.0 / k < self.default_accuracy < 1.0):
            raise ValueError(f"default_accuracy must lie in (1/k, 1), got {self.default_accuracy!r}")
        check_float(self.dev_strength, "dev_strength", min_val=0, include_boundaries="neither")
        super()._check_params(k, m)

    def _fit(self, source: Any, class_balance: np.ndarray | None, dev: DevSet | None) -> None:
        k, m = source.cardinality, source.n_lfs
        both, agree = source.pair_agreement()
        mv = source.majority()
        counts = mv.counts
        valid = both >= self.min_overlap
        np.fill_diagonal(valid, False)
        M = np.zeros((m, m))
        M[valid] = (agree[valid] / both[valid] - 1.0 / k) / (1.0 - 1.0 / k)
        s2 = np.full(m, np.nan)
        n_trip = np.zeros(m, dtype=np.int64)
        for i in range(m):
            partners = np.flatnonzero(valid[i])
            if partners.size < 2:
                continue
            partners = partners[np.argsort(-both[i, partners], kind="stable")[: self.n_partners]]
            mi = M[i, partners]
            mjk = M[np.ix_(partners, partners)]
            ok = valid[np.ix_(partners, partners)] & (np.abs(mjk) > 1e-3)
            ok = np.triu(ok, 1)
            if not ok.any():
                continue
            a_idx, b_idx = np.nonzero(ok)
            est = mi[a_idx] * mi[b_idx] / mjk[a_idx, b_idx]
            s2[i] = np.median(est)
            n_trip[i] = est.size
        s = np.sqrt(np.clip(np.nan_to_num(s2, nan=-1.0), 0.0, 0.98))
        acc = (s * (k - 1) + 1) / k
        # Fallback: agreement with the soft majority vote (leave nothing at chance level).
        mv_acc = vote_accuracies(counts, 1.0)
        fallback = np.where(counts.sum(axis=(1, 2)) > 0, np.minimum(mv_acc, 0.95), self.default_accuracy)
        # A non-positive median s^2 means the one-coin identity has no solution for the LF
        # (typical of one-sided LFs, whose co-votes with other classes always disagree).
        solved = (n_trip > 0) & (np.nan_to_num(s2, nan=-1.0) > 0)
        acc = np.where(solved, acc, fallback)
        acc = np.clip(acc, 1.0 / k + 1e-3, 0.99)
        if dev is not None:
            acc = dev_accuracies(dev.vote_counts, acc, self.dev_strength)
            acc = np.clip(acc, 1e-3, 0.999)
        prior = mv_class_prior(class_balance, mv.class_sums, dev)
        self.class_balance_ = np.asarray(prior, dtype=np.float64)
        self.accuracies_ = acc
        self.confusion_ = one_coin_confusion(acc, k)
        self.n_triplets_ = n_trip
        self.solved_ = solved

    def _loglinear_tables(self):
        return log_tables(self.class_balance_, self.confusion_, None)

    def _predict_proba_covered(self, L):
        table, base = self._loglinear_tables()
        return softmax(K.loglinear_scores(*csr_arrays(L), table, base), axis=1)
