"""A matrix-completion label model in the spirit of Snorkel's LabelModel / MeTaL."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import softmax

from .._validation import check_float, check_int
from .. import kernels as K
from ._maths import lf_accuracies, log_tables, mv_class_prior, shrink_toward
from .base import BaseLabelModel, check_option
from .fit_source import DevSet, csr_arrays

__all__ = ["MatrixCompletion"]


def _overlap_block(L) -> tuple:
    return K.overlap_counts(*csr_arrays(L), L.n_lfs, L.cardinality), float(L.n_rows)


class MatrixCompletion(BaseLabelModel):
    r"""Learn LF conditionals from the LFs' pairwise agreement statistics.

    With one-hot votes :math:`\lambda_j \in \{0,1\}^k` (all zero when LF j abstains) and
    :math:`\mu_j[l, y] = P(\lambda_j = l \mid y)`, conditional independence of the LFs
    given :math:`y` implies, for LFs :math:`j \ne j'`,

    .. math:: E[\lambda_j \lambda_{j'}^\top] = \mu_j \,\mathrm{diag}(\pi)\, \mu_{j'}^\top ,
              \qquad E[\lambda_j] = \mu_j \pi .

    The model fits :math:`\mu` to the observed overlap matrix :math:`O` (a sum over
    rows, so it is computed per partition and added) by least squares on the
    off-diagonal blocks plus the first moments, with L-BFGS-B inside :math:`[0, 1]`,
    started from the majority-vote estimate of :math:`\mu` (which also fixes which class
    is which). It stops when the relative loss decrease is below ``tol`` or after
    ``max_iter`` iterations. The class balance :math:`\pi` is fixed: given, from the
    dev labels, or the smoothed majority-vote shares.

    Prediction is naive Bayes on the learned conditionals: the votes enter through
    :math:`\mu_j[l, y]` normalised over votes, and, with ``model_abstain=True``, the
    abstains through :math:`1 - \sum_l \mu_j[l, y]`.

    A dev set adds a penalty pulling :math:`\mu` toward the dev estimate, weighted by
    the number of dev votes of each LF.

    .. warning::
       Not a default, for two measured reasons. With sparse one-sided LFs (each votes
       one class, a few % of rows) the second moments barely constrain :math:`\mu` and
       the fit can swap classes (on the benchmark's 200 k × 1000 one-sided synthetic set
       it does; the guardrails warn).
       And the moment matrix is (m·k) × (m·k), so fitting slows down and grows fast in
       memory with many LFs and classes (measured in ``benchmarks/README.md``). Prefer
       :class:`LabelModel`; this model is one of the candidates it chooses among when
       given a dev set.

    Parameters
    ----------
    model_abstain : bool
        Use abstains as evidence in prediction.
    l2 : float
        Ridge penalty toward the majority-vote start (per unit of O, >= 0).
    max_iter : int
    tol : float
    seed : int
        Seed of ``predict(tie_break="random")`` (fitting is deterministic).

    Attributes
    ----------
    mu_ : ndarray (m, k, k)
        ``mu_[j, l, y] = P(LF j votes l | y)``.
    confusion_ : ndarray (m, k, k)
        ``confusion_[j, y, l] = P(LF j votes l | y, LF j votes)``.
    coverage_ : ndarray (m, k)
    class_balance_, accuracies_, loss_history_, n_iter_, converged_

    Examples
    --------
    >>> from weaklab.datasets import make_synthetic_label_matrix
    >>> syn = make_synthetic_label_matrix(500, 6, 3, seed=0)
    >>> model = MatrixCompletion().fit(syn.L)
    >>> model.mu_.shape
    (6, 3, 3)
    >>> bool(model.score(syn.L, syn.y) > 0.8)
    True
    """

    def __init__(
        self,
        *,
        model_abstain: bool = False,
        l2: float = 0.0,
        max_iter: int = 500,
        tol: float = 1e-10,
        seed: int = 0,
    ) -> None:
        self.model_abstain = model_abstain
        self.l2 = l2
        self.max_iter = max_iter
        self.tol = tol
        self.seed = seed

    def _check_params(self, k: int, m: int) -> None:
        check_option(self.model_abstain, "model_abstain", (True, False))
        check_float(self.l2, "l2", min_val=0)
        check_int(self.max_iter, "max_iter", min_val=1)
        check_float(self.tol, "tol", min_val=0)
        super()._check_params(k, m)

    def _fit(self, source: Any, class_balance: np.ndarray | None, dev: DevSet | None) -> None:
        k, m = source.cardinality, source.n_lfs
        d = m * k
        overlap, n_rows = source.map_sum(_overlap_block)
        O = overlap / n_rows
        first = np.diag(O).copy()
        mv = source.majority()
        counts = mv.counts
        prior = mv_class_prior(class_balance, mv.class_sums, dev)
        # Start: mu from majority-vote posteriors over all rows (uncovered rows share the prior).
        mu0 = (counts + 0.01) / (prior[None, None, :] * n_rows + 0.01 * k)
        mu0 = mu0 / np.maximum(mu0.sum(axis=1, keepdims=True), 1.0)
        anchor, anchor_w = mu0.copy(), np.full((m, 1, 1), float(self.l2))
        if dev is not None:
            dc = dev.vote_counts
            n_y = np.maximum(dev.onehot.sum(axis=0), 1.0)
            votes = dc.sum(axis=(1, 2))
            anchor = shrink_toward(dc, n_y[None, None, :], mu0, 2.0)
            anchor_w = (votes / max(n_rows, 1.0))[:, None, None] + float(self.l2)
            mu0 = anchor.copy()
        mask = np.ones((d, d))
        for j in range(m):
            mask[j * k:(j + 1) * k, j * k:(j + 1) * k] = 0.0
        Ow = O * mask
        history: list[float] = []

        def loss_grad(x: np.ndarray) -> tuple[float, np.ndarray]:
            mu = x.reshape(m, k, k)
            M = mu.reshape(d, k)
            MP = M * prior[None, :]
            R = (MP @ M.T) * mask - Ow
            r1 = MP.sum(axis=1) - first
            A = mu - anchor
            loss = float(np.sum(R * R) + np.sum(r1 * r1) + np.sum(anchor_w * A * A))
            g = 4.0 * (R @ MP) + 2.0 * r1[:, None] * prior[None, :]
            g = g.reshape(m, k, k) + 2.0 * anchor_w * A
            return loss, g.ravel()

        def record(x: np.ndarray) -> None:
            history.append(loss_grad(x)[0])

        res = minimize(
            loss_grad,
            np.clip(mu0, 1e-6, 1.0).ravel(),
            jac=True,
            method="L-BFGS-B",
            bounds=[(1e-6, 1.0)] * (m * k * k),
            callback=record,
            options={"maxiter": int(self.max_iter), "ftol": float(self.tol), "gtol": 1e-12},
        )
        mu = res.x.reshape(m, k, k)
        col = mu.sum(axis=1)  # (m, k): P(vote | y)
        over = np.maximum(col, 1.0)
        mu = mu / over[:, None, :]
        self.mu_ = mu
        self.coverage_, self.confusion_ = self._from_mu(mu)
        self.class_balance_ = np.asarray(prior, dtype=np.float64)
        self.accuracies_ = lf_accuracies(self.class_balance_, self.confusion_, self.coverage_)
        self.loss_history_ = history
        self.n_iter_ = int(res.nit)
        self.converged_ = bool(res.success) or res.nit < int(self.max_iter)

    @staticmethod
    def _from_mu(mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(coverage_, confusion_)`` as derived from ``mu_`` (also how a loaded file is checked).

        Examples
        --------
        >>> coverage, confusion = MatrixCompletion._from_mu(np.array([[[0.6, 0.1], [0.2, 0.3]]]))
        >>> coverage.round(3).tolist(), confusion.round(3).tolist()
        ([[0.8, 0.4]], [[[0.75, 0.25], [0.25, 0.75]]])
        """
        coverage = np.clip(mu.sum(axis=1), 1e-6, 1 - 1e-6)
        conf = np.transpose(mu, (0, 2, 1)) + 1e-9
        return coverage, conf / conf.sum(axis=2, keepdims=True)

    def _loglinear_tables(self):
        cov = self.coverage_ if self.model_abstain else None
        conf = self.confusion_
        if not self.model_abstain:
            # Votes only: P(vote l | y) relative across classes, as in Snorkel's predict.
            conf = np.transpose(self.mu_, (0, 2, 1)) + 1e-9
        return log_tables(self.class_balance_, conf, cov)

    def _predict_proba_covered(self, L):
        table, base = self._loglinear_tables()
        return softmax(K.loglinear_scores(*csr_arrays(L), table, base), axis=1)
