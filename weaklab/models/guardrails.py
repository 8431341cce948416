"""Guardrails: after every fit, compare the model with majority vote and flag what looks wrong.

:func:`guardrail_messages` returns the checks' findings; the base class emits each one as
a :class:`LabelModelWarning` and keeps it in ``warnings_``. The statistics come from one
pass over the votes per model (:func:`agreement_totals`), shared with any check a model
runs inside its own fit.
"""

from __future__ import annotations

import warnings
from functools import partial
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator  # every label model is one; naming the base class here would be an import loop

from .. import kernels as K
from ..matrix import LabelMatrix
from ._maths import logodds_tables
from .fit_source import FitSource, csr_arrays


__all__ = ["LabelModelWarning", "agreement_totals", "guardrail_messages"]


class LabelModelWarning(UserWarning):
    """A guardrail found something suspicious in a fitted label model.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> from weaklab.models import DawidSkene
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 2000)
    >>> votes = np.stack([np.where(rng.random(2000) < 0.85, y, 1 - y) for _ in range(3)], axis=1)
    >>> votes[:, 2] = 1 - y  # an LF that is always wrong
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     model = DawidSkene(seed=0).fit(LabelMatrix.from_dense(votes, ["a", "b", "c"]))
    >>> sorted({w.category.__name__ for w in caught}), "LF 'c'" in model.warnings_[-1]
    (['LabelModelWarning'], True)
    """


def _model_vs_majority(model: BaseEstimator, L: LabelMatrix) -> tuple[float, np.ndarray]:
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


def agreement_totals(model: BaseEstimator, source: FitSource):
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


#: Share of the rows with a clear majority on which overruling majority vote is reported.
DISAGREEMENT_SHARE = 0.05
#: An estimated accuracy this close to 1 or to 1/k is reported as sitting at a bound.
BOUND_TOLERANCE = 1e-3
#: A shrunk class prior this many times above majority vote's share of the class is reported.
PRIOR_PULL = 2.0


def _model_argmax(model: BaseEstimator, L: LabelMatrix) -> np.ndarray:
    """The model's argmax per row (first maximum), as the agreement statistics count it."""
    tables = model._argmax_tables()
    if tables is not None:
        return K.loglinear_scores(*csr_arrays(L), *tables).argmax(axis=1)
    return np.asarray(model._predict_proba_covered(L)).argmax(axis=1)


def _overruled_block(model: BaseEstimator, L: LabelMatrix) -> np.ndarray:
    """Per LF: its votes for the unique majority on rows where the model predicts another class."""
    winner = K.majority_winner(*csr_arrays(L), L.cardinality)
    rows = np.flatnonzero(winner >= 0)
    rows = rows[_model_argmax(model, L[rows]) != winner[rows]]
    sub = L[rows].csr
    on_winner = (sub.data.astype(np.int64) - 1) == np.repeat(winner[rows], np.diff(sub.indptr))
    return np.bincount(sub.indices[on_winner], minlength=L.n_lfs).astype(np.float64)


def _names(model: BaseEstimator, lfs: np.ndarray, limit: int = 5) -> str:
    shown = ", ".join(repr(model.lf_names_[j]) for j in lfs[:limit])
    return shown + (f" and {len(lfs) - limit} more" if len(lfs) > limit else "")


def _advice(model: BaseEstimator, instead: str) -> str:
    """What a user can do about a finding: give a dev set, or, where a dev set already
    chose the estimator, how decisive that choice was (a small dev set's choice is noise)."""
    scores = getattr(model, "dev_scores_", None)
    if not scores:
        return f"a dev set (L_dev, Y_dev) lets LabelModel choose {instead}"
    chosen = model.selected_
    others = {name: score for name, score in scores.items() if name != chosen}
    text = f"the dev set chose {chosen} ({model.dev_metric} {scores[chosen]:.3f}"
    if others:
        runner_up = max(others, key=others.get)
        text += f"; next {runner_up} {others[runner_up]:.3f}"
        if "MajorityVote" in others and runner_up != "MajorityVote":
            text += f", MajorityVote {others['MajorityVote']:.3f}"
    n_dev = getattr(model, "_dev_rows", None)
    text += ")" if n_dev is None else f" on {n_dev:,} rows)"
    return text + "; a larger dev set makes that choice surer"


def _disagreement_message(model: BaseEstimator, source: FitSource, share: float, n_rows: float) -> str:
    overruled = source.map_sum(partial(_overruled_block, model._guard_model()))
    top = np.argsort(-overruled, kind="stable")[:3]
    top = top[overruled[top] > 0]
    named = ", ".join(f"{model.lf_names_[j]!r} ({int(overruled[j]):,} votes)" for j in top)
    return (
        f"disagrees with majority vote on {share:.0%} of the rows with a clear majority "
        f"({int(round(n_rows)):,} rows); the LFs it overrules most: {named}. That is right when the LFs "
        "it trusts instead are conditionally independent and wrong when they are correlated "
        f"(then their votes count twice): check some of these rows by hand; {_advice(model, 'majority vote where it is better')}"
    )


def _bound_messages(model: BaseEstimator, lf_votes: np.ndarray) -> list[str]:
    """LFs whose estimated accuracy sits at 1 or at 1/k: the model could not estimate it."""
    k = model.cardinality_
    acc = np.asarray(model.accuracies_, dtype=np.float64)
    enough = lf_votes >= 10
    messages = []
    for what, bound in (
        (f"1 (>= {1 - BOUND_TOLERANCE}): their votes overrule every LF that disagrees", acc >= 1.0 - BOUND_TOLERANCE),
        (f"1/k = {1.0 / k:.3f} (random): their votes are ignored", np.abs(acc - 1.0 / k) <= BOUND_TOLERANCE),
    ):
        lfs = np.flatnonzero(bound & enough)
        if lfs.size:
            lf = "LF" if lfs.size == 1 else "LFs"
            messages.append(
                f"estimated accuracy of {lf} {_names(model, lfs)} sits at the bound {what}. The model "
                "could not estimate it from the votes (typical causes: LFs that fire together or "
                "never together, i.e. correlated LFs, or one-sided LFs in a one-coin model); compare "
                f"{'its' if lfs.size == 1 else 'their'} accuracy on a few labelled rows (lf_summary(L, y)); "
                f"{_advice(model, 'another estimator')}"
            )
    return messages


def _prior_pull_message(model: BaseEstimator, source: FitSource) -> str | None:
    """A class prior that ``prior_shrink`` raised far above majority vote's share of the class."""
    inner = model._guard_model()
    shrink = getattr(inner, "prior_shrink", 0)
    sums = source.majority().class_sums
    if not shrink or sums.sum() <= 0:
        return None
    mv_share = (sums + 1.0) / (sums.sum() + sums.shape[0])
    ratio = np.asarray(inner.class_balance_) / mv_share
    c = int(ratio.argmax())
    if ratio[c] < PRIOR_PULL:
        return None
    return (
        f"prior_shrink={shrink} raised the prior of class {c} to {inner.class_balance_[c]:.3f} while "
        f"majority vote gives it {mv_share[c]:.3f} of the covered rows, so rows with weak evidence go "
        f"to class {c}; if class {c} is rare, pass class_balance= (its known share) or prior_shrink=0"
    )


def guardrail_messages(model: BaseEstimator, source: Any) -> tuple[float, list[str]]:
    """``(agreement_with_majority, messages)`` of a fitted ``model`` on its training votes.

    The checks: agreement with majority vote below 1/2 (flipped classes); disagreement
    with majority vote on more than ``DISAGREEMENT_SHARE`` of the rows with a clear
    majority (naming the LFs overruled most; one more pass over those rows); an LF learned
    as worse than random that agrees with the majority; LF accuracies estimated at a
    bound (1 or 1/k); a class prior that ``prior_shrink`` pulled ``PRIOR_PULL`` times above
    majority vote's share of the class; a class balance collapsed onto one class; a class the model (almost)
    never predicts although majority vote gives it rows; and EM that did not converge.

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
    if n_unique and 1.0 - agreement > DISAGREEMENT_SHARE:
        messages.append(_disagreement_message(model, source, 1.0 - agreement, n_unique - agree))
    messages += _bound_messages(model, lf_votes)
    pulled = _prior_pull_message(model, source)
    if pulled is not None:
        messages.append(pulled)
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
