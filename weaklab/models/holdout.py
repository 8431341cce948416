"""Held-out-LF outcomes: how well a label model, fitted without some LFs, predicts their votes.

Without gold labels, the votes of an LF the model never saw are the one honest check of
its predictions that the data holds: if a model's labels are right more often, an
independent LF of better-than-random accuracy agrees with them more often. The LFs are
held out in groups (a seeded permutation dealt round-robin), the model is refitted on the
rest, and its predictions on the rows where a held-out LF votes (and some kept LF votes
too) are compared with those votes. ``LabelModel`` compares its Dawid–Skene fit with
:class:`ClassBalancedVote` this way when it has no dev set.

It is a comparison between models, not an accuracy: an LF that correlates with kept LFs
agrees with any aggregate of them. And a one-sided LF's held-out votes are all its own
class, so they measure the model's recall of that class on the rows where the LF fires:
a model that re-balances a class whose LFs were removed gains there without being more
accurate. ``min_voters`` counts a held-out vote only when enough kept LFs still vote its
class (benchmarks/README.md, "Choosing ClassBalancedVote without a dev set", measures both).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..matrix import LabelMatrix
from .base import BaseLabelModel
from .fit_source import FitSource
from .scoring import argmax_ties

__all__ = ["holdout_outcomes"]


def holdout_outcomes(
    make_model: Callable[[], BaseLabelModel],
    L: LabelMatrix,
    class_balance: np.ndarray | None = None,
    *,
    groups: int = 10,
    seed: int = 0,
    min_voters: int = 1,
) -> np.ndarray:
    """Per held-out vote: does a model fitted without that vote's LF group predict it?

    Parameters
    ----------
    make_model : callable
        Returns a new, unfitted label model (called once per group).
    L : LabelMatrix
        The training votes (a sample of them for large matrices).
    class_balance : ndarray (k,), optional
        Passed to every fit.
    groups : int
        Number of LF groups held out in turn (at most the number of LFs: then one LF at a time).
    seed : int
        Seed of the permutation that deals the LFs to the groups, and of the models.
    min_voters : int
        Count a held-out vote only when at least this many kept LFs ever vote its class.

    Returns
    -------
    numpy.ndarray of float64
        One entry per vote of a held-out LF on a row where some kept LF votes, in a fixed
        order (group, then row, then LF), so two models' outcomes on the same ``L`` pair
        up: 1 where the refitted model predicts the vote, 0 where it predicts another
        class, 0.5 where its top classes tie. Empty with fewer than two LFs.

    Examples
    --------
    >>> from weaklab import LabelMatrix, MajorityVote
    >>> L = LabelMatrix.from_dense(np.array([[0, 0, 0], [1, 1, 0], [1, 1, 1], [0, -1, 0]]))
    >>> # one LF at a time (LF 2, 0, 1): LF 2 is outvoted on row 1, where without
    >>> # LF 0 or LF 1 the other two tie
    >>> holdout_outcomes(MajorityVote, L, groups=3).tolist()
    [1.0, 0.0, 1.0, 1.0, 1.0, 0.5, 1.0, 1.0, 1.0, 0.5, 1.0]
    """
    if not isinstance(L, LabelMatrix):
        raise TypeError(f"L must be a LabelMatrix, got {type(L).__name__}")
    for name, value in (("groups", groups), ("min_voters", min_voters)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    m, k = L.n_lfs, L.cardinality
    if m < 2:
        return np.zeros(0)
    c = L.csr
    labels_of = c.data.astype(np.int64) - 1
    votes_class = np.zeros((m, k), dtype=bool)  # LF j ever votes class c
    votes_class[c.indices, labels_of] = True
    n_groups = min(int(groups), m)
    order = np.random.default_rng(seed).permutation(m)
    outcomes = []
    for g in range(n_groups):
        held = np.zeros(m, dtype=bool)
        held[order[g::n_groups]] = True
        kept = L.select([name for name, h in zip(L.lf_names, held) if not h])
        held_votes = c[:, np.flatnonzero(held)].tocsr()
        supported = votes_class[~held].sum(axis=0) >= min_voters  # classes whose held-out votes count
        vote_rows = np.repeat(np.arange(L.n_rows), np.diff(held_votes.indptr))
        counted_rows = np.bincount(vote_rows[supported[held_votes.data.astype(np.int64) - 1]],
                                   minlength=L.n_rows) > 0
        rows = np.flatnonzero(counted_rows & (np.diff(kept.csr.indptr) > 0))
        if rows.size == 0:
            continue
        model = make_model()
        model.cardinality_, model.lf_names_, model.n_lfs_, model.warnings_ = k, kept.lf_names, kept.n_lfs, []
        model._fit(FitSource(kept), class_balance, None)
        pred = argmax_ties(np.asarray(model._predict_proba_covered(kept[rows]), dtype=np.float64), "abstain", seed)
        sub = held_votes[rows]
        per_vote = np.repeat(pred, np.diff(sub.indptr))
        labels = sub.data.astype(np.int64) - 1
        counted = supported[labels]
        outcome = np.where(per_vote < 0, 0.5, (per_vote == labels).astype(np.float64))
        outcomes.append(outcome[counted])
    return np.concatenate(outcomes) if outcomes else np.zeros(0)
