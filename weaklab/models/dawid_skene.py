"""Dawid–Skene: EM over per-LF class-conditional confusion matrices."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from scipy.special import softmax

from .._validation import check_float, check_int
from .. import kernels as K
from ._maths import lf_accuracies, log_tables, logodds_tables, one_coin_confusion
from ..matrix import LabelMatrix
from .base import BaseLabelModel, check_option
from .fit_source import DevSet, csr_arrays

__all__ = ["DawidSkene"]


_NO_WEIGHTS = np.empty(0)


class _VotePairs:
    """The (LF, label) pairs the training votes hold, for the k > 2 E-step (``K.em_pass_pairs``)."""

    def __init__(self, lf_class: np.ndarray) -> None:
        m, self.k = lf_class.shape
        observed = np.flatnonzero(lf_class.ravel() > 0)
        self.lf, self.label = np.divmod(observed, self.k)
        self.lookup = np.full(m * self.k, -1, dtype=np.int64)
        self.lookup[observed] = np.arange(observed.size)

    def of(self, L) -> np.ndarray:
        """The pair id of every vote of ``L`` (in CSR order)."""
        c = L.csr
        return self.lookup[c.indices.astype(np.int64) * self.k + c.data.astype(np.int64) - 1]

    def counts(self, pair_counts: np.ndarray, m: int) -> np.ndarray:
        """``counts[j, l, y]`` (m, k, k) from the per-pair counts."""
        out = np.zeros((m, self.k, self.k))
        out[self.lf, self.label] = pair_counts
        return out


def _em_block(table: np.ndarray, base: np.ndarray, L, pairs: _VotePairs | None = None,
              vote_pairs: np.ndarray | None = None, weights: np.ndarray = _NO_WEIGHTS) -> tuple:
    """One E-step's sums over the rows of ``L``.

    k = 2: a log-odds pass over the (m, 2, 2) ``table``; k > 2: a pass over the vote pairs,
    ``table`` holding one row per pair (``log_tables(..., at=(pairs.lf, pairs.label))``).
    """
    if base.shape[0] == 2:
        return K.em_pass_binary(*csr_arrays(L), *logodds_tables(table, base), L.n_lfs, weights)
    if vote_pairs is None:
        vote_pairs = pairs.of(L)
    pair_counts, sums, ll = K.em_pass_pairs(L.csr.indptr, vote_pairs, table, base, weights)
    return pairs.counts(pair_counts, L.n_lfs), sums, ll


def em_totals(
    stats: tuple, table: np.ndarray, base: np.ndarray, lf_class: np.ndarray, n_rows: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """An E-step's ``(counts, class_sums, loglik)`` from the summed :func:`_em_block` results.

    Parameters
    ----------
    stats : tuple
        The block results added over row blocks.
    table, base : ndarray
        The log-linear tables the E-step used (:func:`log_tables`).
    lf_class : ndarray (m, k)
        Votes of each LF for each class over all rows.
    n_rows : float
        Rows over all blocks.

    Returns
    -------
    tuple
        As ``K.em_pass``. For k = 2 the log-odds pass leaves out ``sum_i s0_i``, the
        class-0 score summed over rows, which is added here from the vote counts.
    """
    if base.shape[0] != 2:
        return stats
    counts, sums, softplus_sum = stats
    voted = lf_class > 0  # a -inf table entry for a label never voted adds nothing
    s0_sum = n_rows * float(base[0]) + float((table[:, :, 0][voted] * lf_class[voted]).sum())
    return counts, sums, s0_sum + softplus_sum


class DawidSkene(BaseLabelModel):
    r"""Dawid–Skene EM with per-LF confusion matrices, abstains modelled.

    Model: the true class :math:`y` has prior :math:`\pi`; given :math:`y`, each LF
    independently votes with probability :math:`c_j(y)` (its class-conditional coverage)
    and, when it votes, votes :math:`l` with probability :math:`C_j[y, l]`. Abstains are
    evidence too: an LF that only ever votes "spam" and stays silent on most ham rows is
    informative through :math:`c_j(y)` alone (``model_abstain=True``, the default). With
    ``model_abstain=False`` abstains are ignored, as in crowd-sourcing Dawid–Skene.

    EM: the E-step computes the posterior over :math:`y` per row (a Numba pass over the
    votes that returns only the summed statistics), the M-step sets :math:`C_j`,
    :math:`c_j` and :math:`\pi` to their MAP values under Dirichlet / Beta priors of
    ``prior_strength`` pseudo-votes (confusion rows lean toward ``prior_accuracy`` on the
    diagonal, which also keeps classes from swapping). Stops when the mean negative
    log-likelihood per row changes by less than ``tol``. ``one_coin=True`` ties each LF's
    confusion to one accuracy :math:`a_j` (off-diagonal mass spread evenly).

    Gold dev rows (``L_dev``, ``Y_dev``) enter every M-step with their posteriors fixed
    to the gold labels (semi-supervised EM), so they anchor the confusion matrices.

    Parameters
    ----------
    one_coin : bool
        One accuracy per LF instead of a full confusion matrix.
    model_abstain : bool or "auto"
        Model class-conditional coverage (abstains as evidence). ``"auto"`` does so only
        for one-sided LFs (those that vote a single class on the training rows); LFs
        voting several classes get one coverage for all classes.
    prior_strength : float
        Pseudo-votes of the smoothing priors (>= 0).
    prior_accuracy : float
        Diagonal mean of the confusion prior, in (1/k, 1).
    better_than_random : bool
        Constrain every LF to be better than random for each class it votes: a vote
        for l is at least as likely under class l as under any other class (see
        ``_project_better_than_random``).
    prior_shrink : float
        Weight of a uniform Dirichlet prior on the class balance, in units of the
        number of rows (0 = maximum likelihood; 0.25 = a quarter of the data's weight
        pulling each class toward 1/k). EM over-estimates classes whose LFs fire often.
    init : {"majority", "random"}
        Start from majority-vote posteriors, or from random accuracies drawn with ``seed``.
    max_iter : int
    tol : float
    seed : int

    Attributes
    ----------
    confusion_ : ndarray (m, k, k)
        ``confusion_[j, y, l] = P(LF j votes l | true class y, LF j votes)``.
    coverage_ : ndarray (m, k)
        ``P(LF j votes | y)``.
    class_balance_ : ndarray (k,)
    accuracies_ : ndarray (m,)
    loss_history_ : list of float
        Mean negative log-likelihood per row after each iteration.
    n_iter_ : int
    converged_ : bool

    Examples
    --------
    >>> from weaklab.datasets import make_synthetic_label_matrix
    >>> from weaklab.models import MajorityVote
    >>> syn = make_synthetic_label_matrix(500, 6, 2, seed=0)
    >>> model = DawidSkene().fit(syn.L)
    >>> model.confusion_.shape, model.coverage_.shape, bool(model.converged_)
    ((6, 2, 2), (6, 2), True)
    >>> model.score(syn.L, syn.y) > MajorityVote().fit(syn.L).score(syn.L, syn.y)
    True
    """

    def __init__(
        self,
        *,
        one_coin: bool = False,
        model_abstain: bool | str = True,
        prior_strength: float = 2.0,
        prior_accuracy: float = 0.7,
        better_than_random: bool = True,
        prior_shrink: float = 0.0,
        init: str = "majority",
        max_iter: int = 200,
        tol: float = 1e-6,
        seed: int = 0,
    ) -> None:
        self.one_coin = one_coin
        self.model_abstain = model_abstain
        self.prior_strength = prior_strength
        self.prior_accuracy = prior_accuracy
        self.better_than_random = better_than_random
        self.prior_shrink = prior_shrink
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.seed = seed

    # ------------------------------------------------------------------ checks
    def _check_params(self, k: int, m: int) -> None:
        check_option(self.one_coin, "one_coin", (True, False))
        check_option(self.model_abstain, "model_abstain", (True, False, "auto"))
        check_float(self.prior_strength, "prior_strength", min_val=0)
        check_float(self.prior_accuracy, "prior_accuracy")
        if not (1.0 / k < self.prior_accuracy < 1.0):
            raise ValueError(f"prior_accuracy must lie in (1/k, 1) = ({1 / k:.3g}, 1), got {self.prior_accuracy!r}")
        check_option(self.better_than_random, "better_than_random", (True, False))
        check_float(self.prior_shrink, "prior_shrink", min_val=0)
        check_option(self.init, "init", ("majority", "random"))
        check_int(self.max_iter, "max_iter", min_val=1)
        check_float(self.tol, "tol", min_val=0)
        super()._check_params(k, m)

    # ------------------------------------------------------------------ M-step
    def _m_step(
        self,
        counts: np.ndarray,
        class_sums: np.ndarray,
        votes_per_lf: np.ndarray,
        n_rows: float,
        class_balance: np.ndarray | None,
        tied: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        m, k, _ = counts.shape
        s = float(self.prior_strength)
        pa = float(self.prior_accuracy)
        pseudo = np.full((k, k), s * (1 - pa) / (k - 1))
        np.fill_diagonal(pseudo, s * pa)
        tyl = np.transpose(counts, (0, 2, 1))  # [j, y, l]
        if self.one_coin:
            correct = np.einsum("jyy->j", tyl) + s * pa
            total = tyl.sum(axis=(1, 2)) + s
            low = 1.0 / k + 1e-6 if self.better_than_random else 1e-6
            conf = one_coin_confusion(np.clip(correct / np.maximum(total, 1e-300), low, 1 - 1e-6), k)
        else:
            # Pseudo-votes go to every label, also those an LF never emits: for a one-sided
            # LF they make its vote likelier under its own class, which anchors EM (masking
            # them let a 1.6 % class absorb 60 % of TREC).
            conf = tyl + pseudo[None]
            conf = np.maximum(conf, 1e-300)
            conf /= conf.sum(axis=2, keepdims=True)
        conf = np.clip(conf, 1e-9, None)
        conf /= conf.sum(axis=2, keepdims=True)
        mean_cov = votes_per_lf / max(n_rows, 1.0)
        # A class with no posterior mass (possible with prior_strength=0) keeps the mean
        # coverage instead of 0 / 0.
        denom = class_sums[None, :] + s
        cov = np.where(
            denom > 0, (tyl.sum(axis=2) + s * mean_cov[:, None]) / np.where(denom > 0, denom, 1.0), mean_cov[:, None]
        )
        if tied is not None:
            cov[tied] = mean_cov[tied, None]
        cov = np.clip(cov, 1e-6, 1 - 1e-6)
        if self.better_than_random and not self.one_coin:
            conf, cov = self._project_better_than_random(conf, cov, class_sums, tied)
        if class_balance is not None:
            prior = class_balance
        else:
            pseudo_rows = 1.0 + float(self.prior_shrink) * class_sums.sum()
            prior = (class_sums + pseudo_rows / k) / (class_sums.sum() + pseudo_rows)
        return prior, conf, cov

    def _project_better_than_random(
        self, conf: np.ndarray, cov: np.ndarray, class_sums: np.ndarray, tied: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pool ``P(vote l | y)`` over the classes y where it exceeds ``P(vote l | y = l)``.

        The usual assumption of weak supervision (each LF is better than random) written
        for class-conditional LFs: a vote for l is at least as likely on rows of class l
        as on rows of any other class. Violating entries and the diagonal are replaced
        by their class-weighted mean, which makes the vote uninformative between those
        classes instead of evidence for the wrong one.
        """
        k = conf.shape[1]
        abstain = self.model_abstain is not False
        mu = cov[:, :, None] * conf if abstain else conf.copy()  # mu[j, y, l] = P(vote l | y)
        w = np.maximum(class_sums, 1e-9)[None, :]
        # Each label's column mu[j, :, l] is pooled on its own: all violated columns at once.
        labels = np.arange(k)
        own = mu[:, labels, labels]  # own[j, l] = P(vote l | y = l)
        group = mu > own[:, None, :] * (1 + 1e-12)
        lfs, cols = np.nonzero(group.any(axis=1))  # the (j, l) columns with a violation
        if lfs.size:
            column = mu[lfs, :, cols]  # (violated columns, y)
            grp = group[lfs, :, cols]
            grp[np.arange(lfs.size), cols] = True
            weight = grp * w
            pooled = (column * weight).sum(axis=1) / weight.sum(axis=1)
            mu[lfs, :, cols] = np.where(grp, pooled[:, None], column)
        total = mu.sum(axis=2)
        conf = mu / total[:, :, None]
        if abstain:
            cov = np.clip(total, 1e-6, 1 - 1e-6)
            if tied is not None:
                cov[tied] = (cov[tied] * w).sum(axis=1, keepdims=True) / w.sum()
        return conf, cov

    # --------------------------------------------------------------------- fit
    def _fit(self, source: Any, class_balance: np.ndarray | None, dev: DevSet | None) -> None:
        k, m = source.cardinality, source.n_lfs
        mv = source.majority()
        mv_counts, mv_sums, classes_voted, n_rows = mv.counts, mv.class_sums, mv.lf_class, mv.n_rows
        votes_per_lf = classes_voted.sum(axis=1)
        if self.model_abstain == "auto":
            # LFs that vote several classes (crowd workers) fire independently of the class;
            # only one-sided LFs (keyword rules) carry evidence in their abstains.
            tied = (classes_voted > 0).sum(axis=1) > 1
        else:
            tied = None
        dev_counts = np.zeros((m, k, k))
        dev_sums = np.zeros(k)
        if dev is not None:
            dev_counts = dev.vote_counts
            dev_sums = dev.onehot.sum(axis=0)
        if self.init == "majority":
            counts, sums = mv_counts, mv_sums
            covered = sums.sum()
            share = (sums + 1.0) / (covered + k)
            sums = sums + (n_rows - covered) * share
            prior, conf, cov = self._m_step(
                counts + dev_counts, sums + dev_sums, votes_per_lf, n_rows, class_balance, tied
            )
        else:
            rng = np.random.default_rng(self.seed)
            conf = one_coin_confusion(rng.uniform(0.55, 0.95, size=m), k)
            cov = np.repeat(np.clip(votes_per_lf / n_rows, 1e-6, 1 - 1e-6)[:, None], k, axis=1)
            prior = class_balance if class_balance is not None else np.full(k, 1.0 / k)
        distinct = source.distinct_rows()
        pairs = _VotePairs(classes_voted) if k > 2 else None
        if distinct is not None:  # each distinct vote pattern once, weighted by its rows
            rows, weights = distinct
            block = partial(_em_block, L=rows, pairs=pairs, weights=weights,
                            vote_pairs=None if pairs is None else pairs.of(rows))
        elif isinstance(source.L, LabelMatrix) and pairs is not None:
            block = partial(_em_block, L=source.L, pairs=pairs, vote_pairs=pairs.of(source.L))
        else:
            block = None
        use_cov = self.model_abstain is not False
        at = None if pairs is None else (pairs.lf, pairs.label)
        history: list[float] = []

        def em_step(params: tuple) -> tuple:
            table, base = log_tables(params[0], params[1], params[2] if use_cov else None, at=at)
            if block is None:
                stats = source.map_sum(partial(_em_block, table, base, pairs=pairs))
            else:
                stats = block(table, base)
            counts, sums, ll = em_totals(stats, table, base, classes_voted, n_rows)
            history.append(-ll / n_rows)
            return self._m_step(counts + dev_counts, sums + dev_sums, votes_per_lf, n_rows, class_balance, tied)

        converged = False
        for n_iter in range(1, int(self.max_iter) + 1):
            prior, conf, cov = em_step((prior, conf, cov))
            if len(history) > 1 and abs(history[-2] - history[-1]) < self.tol:
                converged = True
                break
        self.class_balance_ = np.asarray(prior, dtype=np.float64)
        self.confusion_ = conf
        self.coverage_ = cov
        self.accuracies_ = lf_accuracies(self.class_balance_, conf, cov)
        self.loss_history_ = history
        self.n_iter_ = n_iter
        self.converged_ = converged

    def _loglinear_tables(self):
        cov = self.coverage_ if self.model_abstain is not False else None
        return log_tables(self.class_balance_, self.confusion_, cov)

    def _predict_proba_covered(self, L):
        table, base = self._loglinear_tables()
        return softmax(K.loglinear_scores(*csr_arrays(L), table, base), axis=1)
