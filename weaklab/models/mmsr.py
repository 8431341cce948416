"""M-MSR: LF accuracies from a robust rank-one fit of the LFs' pairwise agreements."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.special import softmax

from .._validation import check_float, check_int
from .. import kernels as K
from ._maths import dev_accuracies, mv_class_prior, vote_accuracies, vote_tables
from .base import BaseLabelModel
from .fit_source import DevSet, csr_arrays

__all__ = ["MMSR"]


def trimmed_means(values: np.ndarray, rows: np.ndarray, current: np.ndarray, trim: int) -> np.ndarray:
    """Per row, the mean of ``values`` left after mean-subsequence-reduced trimming.

    For row ``i`` with current estimate ``a = current[i]``: of the values below ``a`` the
    ``trim`` smallest are dropped (all of them when fewer than ``trim`` lie below), and
    likewise above ``a``. A row left with nothing keeps ``a``.

    Examples
    --------
    >>> values = np.array([0.1, 0.5, 0.6, 9.0, 0.4])
    >>> trimmed_means(values, np.array([0, 0, 0, 0, 1]), np.array([0.5, 0.2]), 1).round(3).tolist()
    [0.55, 0.2]
    """
    n = current.shape[0]
    order = np.lexsort((values, rows))
    v, r = values[order], rows[order]
    count = np.bincount(r, minlength=n)
    start = np.concatenate(([0], np.cumsum(count)[:-1]))
    rank = np.arange(v.size) - start[r]
    a = current[r]
    below = np.bincount(r, weights=v < a, minlength=n)
    above = np.bincount(r, weights=v > a, minlength=n)
    drop_low = np.where(below[r] < trim, v < a, rank < trim)
    drop_high = np.where(above[r] < trim, v > a, rank >= count[r] - trim)
    keep = ~(drop_low | drop_high)
    kept = np.bincount(r[keep], minlength=n)
    total = np.bincount(r[keep], weights=v[keep], minlength=n)
    return np.where(kept > 0, total / np.maximum(kept, 1), current)


def identified(rows: np.ndarray, cols: np.ndarray, m: int) -> np.ndarray:
    """Which of ``m`` LFs have a skill fixed by the products ``s_i s_j`` on the edges ``(rows, cols)``.

    A product leaves each factor's scale free (``c s_i``, ``s_j / c``) unless the LF's
    connected component has an odd cycle: exactly when LF i and its copy fall in one
    component of the bipartite double cover (edges ``(i, 0)``-``(j, 1)``).

    Examples
    --------
    >>> star = (np.array([0, 1, 0, 2]), np.array([1, 0, 2, 0]))  # 1 - 0 - 2: no odd cycle
    >>> identified(*star, 3).tolist()
    [False, False, False]
    >>> triangle = (np.array([0, 1, 0, 2, 1, 2]), np.array([1, 0, 2, 0, 2, 1]))
    >>> identified(*triangle, 4).tolist()  # LF 3 has no partner
    [True, True, True, False]
    """
    edges = np.ones(2 * rows.size)
    cover = sp.coo_matrix((edges, (np.concatenate([rows, rows + m]), np.concatenate([cols + m, cols]))),
                          shape=(2 * m, 2 * m))
    labels = connected_components(cover, directed=False)[1]
    return labels[:m] == labels[m:]


class MMSR(BaseLabelModel):
    r"""M-MSR (matrix mean-subsequence-reduced): LF accuracies robust to copied LFs.

    Under the one-coin model (LF j, when it votes, is right with probability :math:`a_j`,
    otherwise votes a uniformly drawn wrong class) the centred agreement of two
    conditionally independent LFs on the rows both vote is rank one:

    .. math:: M_{ij} = \frac{k P(\lambda_i = \lambda_j) - 1}{k - 1} = s_i s_j,
              \qquad s_j = \frac{k a_j - 1}{k - 1}.

    Copies or near-copies of an LF break this: they agree with each other far more than
    :math:`s_i s_j`, which a naive-Bayes fit (Dawid–Skene) reads as high accuracy. M-MSR
    (Ma & Olshevsky, NeurIPS 2020; crowd-kit's ``MMSR``) treats such entries as outliers
    of a rank-one matrix: it fits :math:`|M| \approx u v^T` by alternating updates in which
    each :math:`v_j` becomes the mean of :math:`|M_{ij}| / u_i` over j's partners after
    the ``trim`` largest values above and ``trim`` smallest below the current
    :math:`v_j` are dropped (and symmetrically for :math:`u`). Then
    :math:`|s| = u \sqrt{|v| / |u|}`; each sign is that of :math:`\sum_i M_{ij} |s_i|`
    (the LFs are assumed better than random on the whole, which fixes the global sign).

    Pairs of LFs that each vote a single class on the training rows (one-sided keyword
    rules) carry no accuracy information in their agreement (it is fixed by their
    classes), so they are left out. An LF whose skill the remaining pairs do not fix
    (no partner, or a component of the pair graph without an odd cycle, where products
    leave the scale free) gets the accuracy implied by its agreement with the majority
    vote (``solved_`` is False). Skills are
    clipped to :math:`[-1/(k-1) + 1/\sqrt{n}, 1 - 1/\sqrt{n}]` for n training rows.
    Predictions: each vote counts :math:`\log((k-1) a_j / (1 - a_j))` (a weighted
    majority vote, naive Bayes without a class prior); rows without votes get
    ``class_balance_``. A dev set refines each accuracy with the LF's dev-set hits
    (``dev_strength`` pseudo-votes of the estimate).

    Parameters
    ----------
    trim : int or None
        Values dropped on each side per update. ``None``: crowd-kit's rule,
        ``floor(d / 2) - 1`` for ``d`` the fewest partners of an identified LF.
    max_iter : int
    tol : float
        Stop when the largest change of :math:`u v^T` is below ``tol``.
    dev_strength : float
    seed : int
        Seed of ``predict(tie_break="random")``.

    Attributes
    ----------
    accuracies_ : ndarray (m,)
    weights_ : ndarray (m,)
        Log-odds weight of each LF's vote.
    solved_ : ndarray (m,) of bool
        False where the majority-vote fallback was used (skill not identified).
    trim_ : int
        The trim used.
    n_iter_ : int
    converged_ : bool
    class_balance_ : ndarray (k,)

    Examples
    --------
    >>> from weaklab import LabelMatrix
    >>> from weaklab.datasets import make_synthetic_label_matrix
    >>> syn = make_synthetic_label_matrix(3000, 8, 3, coverage=(0.4, 0.8), seed=0)
    >>> model = MMSR().fit(syn.L)
    >>> bool(model.solved_.all()), bool(np.abs(model.accuracies_ - syn.accuracies).max() < 0.05)
    (True, True)

    Four copies of LF 0 agree perfectly with one another; M-MSR trims those entries, so
    the copies are not learned as perfect LFs:

    >>> dense = syn.L.to_dense()
    >>> copies = LabelMatrix.from_dense(np.hstack([dense, np.repeat(dense[:, :1], 3, axis=1)]), cardinality=3)
    >>> bool(MMSR().fit(copies).accuracies_[0] < syn.accuracies[0] + 0.05)
    True
    """

    def __init__(
        self,
        *,
        trim: int | None = None,
        max_iter: int = 1000,
        tol: float = 1e-10,
        dev_strength: float = 10.0,
        seed: int = 0,
    ) -> None:
        self.trim = trim
        self.max_iter = max_iter
        self.tol = tol
        self.dev_strength = dev_strength
        self.seed = seed

    def _check_params(self, k: int, m: int) -> None:
        if self.trim is not None:
            check_int(self.trim, "trim", min_val=0)
        check_int(self.max_iter, "max_iter", min_val=1)
        check_float(self.tol, "tol", min_val=0)
        check_float(self.dev_strength, "dev_strength", min_val=0, include_boundaries="neither")
        super()._check_params(k, m)

    def _fit(self, source: Any, class_balance: np.ndarray | None, dev: DevSet | None) -> None:
        k, m, n = source.cardinality, source.n_lfs, float(source.n_rows)
        mv = source.majority()
        both, agree = source.pair_agreement()
        one_class = (mv.lf_class > 0).sum(axis=1) <= 1
        informative = (both > 0) & ~(one_class[:, None] & one_class[None, :])
        np.fill_diagonal(informative, False)
        rows, cols = np.nonzero(informative)
        centred = (k * agree[rows, cols] / both[rows, cols] - 1.0) / (k - 1)
        partners = np.bincount(rows, minlength=m)
        solved = identified(rows, cols, m)
        if self.trim is not None:
            trim = int(self.trim)
        else:
            trim = max(int(partners[solved].min()) // 2 - 1, 0) if solved.any() else 0
        floor = 1.0 / np.sqrt(n)
        u = np.ones(m)
        v = np.ones(m)
        magnitude = np.abs(centred)
        converged = False
        n_iter = 0
        for n_iter in range(1, int(self.max_iter) + 1):
            u_prev, v_prev = u, v
            # |M| is symmetric: v_j from column j (entries i -> j) with u, then u from v.
            v = np.maximum(trimmed_means(magnitude / u[rows], cols, v, trim), floor)
            u = np.maximum(trimmed_means(magnitude / v[cols], rows, u, trim), floor)
            change = np.abs(np.outer(u, v) - np.outer(u_prev, v_prev))[np.ix_(solved, solved)]
            if change.size == 0 or change.max() < self.tol:
                converged = True
                break
        s = u * np.sqrt(np.linalg.norm(v) / np.linalg.norm(u))
        evidence = np.bincount(rows, weights=centred * s[cols], minlength=m)
        sign = np.where(evidence < 0, -1.0, 1.0)
        if (sign * s)[solved].sum() < 0:
            sign = -sign
        s = np.clip(sign * s, -1.0 / (k - 1) + floor, 1.0 - floor)
        acc = (s * (k - 1) + 1.0) / k
        fallback = np.clip(vote_accuracies(mv.counts, 1.0), 1.0 / k + 1e-3, 0.95)
        acc = np.where(solved, acc, fallback)
        if dev is not None:
            acc = dev_accuracies(dev.vote_counts, acc, self.dev_strength)
        acc = np.clip(acc, 1e-6, 1 - 1e-6)
        self.class_balance_ = np.asarray(mv_class_prior(class_balance, mv.class_sums, dev), dtype=np.float64)
        self.accuracies_ = acc
        self.weights_ = np.log((k - 1) * acc / (1 - acc))
        self.solved_ = solved
        self.trim_ = trim
        self.n_iter_ = n_iter
        self.converged_ = converged

    def _loglinear_tables(self):
        return vote_tables(self.weights_, self.cardinality_)

    def _predict_proba_covered(self, L):
        return softmax(K.weighted_vote_counts(*csr_arrays(L), self.weights_, L.cardinality), axis=1)
