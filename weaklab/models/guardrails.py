"""Guardrails: after every fit, compare the model with majority vote and flag what looks wrong.

:func:`guardrail_messages` returns the checks' findings; the base class emits each one as
a :class:`LabelModelWarning` and keeps it in ``warnings_``. The statistics come from one
pass over the votes per model (:func:`agreement_totals`), shared with any check a model
runs inside its own fit.
"""

from __future__ import annotations

import warnings
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from ..kernels import label_models as K
from ..matrix import LabelMatrix
from ._maths import logodds_tables
from .fit_source import FitSource, csr_arrays

if TYPE_CHECKING:
    from .base import BaseLabelModel

__all__ = ["LabelModelWarning", "agreement_totals", "guardrail_messages"]


class LabelModelWarning(UserWarning):
    """A guardrail found something suspicious in a fitted label model."""


def _model_vs_majority(model: "BaseLabelModel", L: LabelMatrix) -> tuple[float, np.ndarray]:
    """``(agree, pred_counts)``: rows where the model's argmax equals the unique majority,
    and the model's argmax counts over rows that have votes."""
    k = L.cardinality
    arrays = csr_arrays(L)
    tables = model._argmax_tables()
    if tables is not None:
        table, base = tables
        if k == 2:
            return K.argmax_vs_majority_binary(*arrays, *logodds_tables(table, base))
        return K.argmax_vs_majority(*arrays, table, base)
    covered = np.diff(L.csr.indptr) > 0
    winner = K.majority_winner(*arrays, k)
    unique = winner >= 0
    pred = model._predict_proba_covered(L).argmax(axis=1)
    agree = float(np.count_nonzero(pred[unique] == winner[unique]))
    return agree, np.bincount(pred[covered], minlength=k).astype(np.float64)


def agreement_totals(model: "BaseLabelModel", source: FitSource):
    """The guardrail statistics comparing ``model`` with majority vote on ``source``.

    The vote-only part comes from ``source.majority()`` (shared by the whole fit); the
    model's part is one pass, remembered in ``source.memo`` (the fit's context, dropped
    when the fit ends) so a check inside ``_fit`` (LabelModel's prior guard) and the
    guardrails share it.

    Parameters
    ----------
    model : BaseLabelModel
        A fitted model (or one whose parameters are set, inside ``_fit``).
    source : FitSource
        The training votes of the fit.

    Returns
    -------
    tuple
        ``(agree, n_unique, pred_counts, winner_counts, lf_votes, lf_agree)``: rows with a
        unique majority where the model's argmax equals it, rows with a unique majority,
        the model's argmax counts (k,) over covered rows, the unique-majority counts (k,),
        and per LF (m,) its votes on unique-majority rows and how many equal the majority.

    Examples
    --------
    >>> from weaklab.models import MajorityVote
    >>> source = FitSource(LabelMatrix.from_dense(np.array([[0, 0], [1, 1], [0, 1]])))
    >>> model = MajorityVote().fit(source.L)
    >>> agree, n_unique = agreement_totals(model, source)[:2]
    >>> agree, n_unique
    (2.0, 2.0)
    """
    key = ("agreement_totals", id(model))
    hit = source.memo.get(key)
    if hit is not None and hit[0] is model:
        return hit[1]
    mv = source.majority()
    agree, pred_counts = source.map_sum(partial(_model_vs_majority, model))
    stats = (agree, float(mv.winner_counts.sum()), pred_counts, mv.winner_counts, mv.lf_votes, mv.lf_agree)
    source.memo[key] = (model, stats)  # the model is kept so its id cannot be reused
    return stats


def guardrail_messages(model: "BaseLabelModel", source: Any) -> tuple[float, list[str]]:
    """``(agreement_with_majority, messages)`` of a fitted ``model`` on its training votes.

    The checks: agreement with majority vote below 1/2 (flipped classes), an LF learned
    as worse than random that agrees with the majority, a class balance collapsed onto
    one class, a class the model (almost) never predicts although majority vote gives it
    rows, and EM that did not converge.

    Examples
    --------
    >>> from weaklab.models import WeightedMajorityVote
    >>> L = LabelMatrix.from_dense(np.array([[0, 0, 0], [1, 1, 1], [0, 0, -1]]))
    >>> reversed_votes = WeightedMajorityVote(weights=[-1.0, -1.0, -1.0])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     _ = reversed_votes.fit(L)
    >>> agreement, messages = guardrail_messages(reversed_votes, FitSource(L))
    >>> agreement, messages[0][:40]
    (0.0, 'agrees with majority vote on only 0% of ')
    """
    k = model.cardinality_
    agree, n_unique, pred_counts, mv_counts, lf_votes, lf_agree = agreement_totals(model._guard_model(), source)
    messages: list[str] = []
    agreement = float(agree / n_unique) if n_unique else float("nan")
    if n_unique and agreement < 0.5:
        messages.append(
            f"agrees with majority vote on only {agreement:.0%} of the rows "
            "with a clear majority; the estimates may have flipped classes"
        )
    lf_mv_acc = np.divide(lf_agree, lf_votes, out=np.full(len(lf_votes), np.nan), where=lf_votes > 0)
    for j in np.flatnonzero((model.accuracies_ < 1.0 / k) & (lf_mv_acc > 0.5) & (lf_votes >= 10)):
        messages.append(
            f"LF {model.lf_names_[j]!r} is learned as worse than random "
            f"(accuracy {model.accuracies_[j]:.2f}) although it agrees with the majority on "
            f"{lf_mv_acc[j]:.0%} of its votes"
        )
    cb = model.class_balance_
    if cb.max() > 0.99:
        messages.append(f"class balance collapsed onto class {int(cb.argmax())} ({cb.max():.3f})")
    total_pred, total_mv = pred_counts.sum(), mv_counts.sum()
    if total_pred > 0 and total_mv > 0:
        pred_share, mv_share = pred_counts / total_pred, mv_counts / total_mv
        for c in np.flatnonzero((mv_share >= 0.05) & (pred_share < 0.1 * mv_share)):
            messages.append(
                f"class {int(c)} collapsed: predicted on {pred_share[c]:.1%} of covered rows "
                f"while majority vote gives it {mv_share[c]:.1%}"
            )
    if getattr(model, "converged_", True) is False:
        messages.append(
            f"did not converge within max_iter={getattr(model, 'max_iter', '?')} "
            f"(tol={getattr(model, 'tol', '?')}); raise max_iter or tol"
        )
    return agreement, messages
