"""``LabelModel``: weaklab's recommended default label model."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from ._maths import one_coin_confusion
from .base import BaseLabelModel, check_option
from .class_balanced_vote import ClassBalancedVote
from .dawid_skene import DawidSkene
from .fit_source import DevSet
from .guardrails import agreement_totals
from .holdout import holdout_outcomes
from .majority_vote import MajorityVote
from .matrix_completion import MatrixCompletion
from .scoring import METRICS

__all__ = ["LabelModel"]

#: Without a dev set and with at most ``HOLDOUT_MAX_CLASSES`` classes, LabelModel compares
#: its Dawid–Skene fit with ClassBalancedVote on held-out LFs (``holdout_agreement_``): the
#: LFs held out in ``HOLDOUT_GROUPS`` groups, on at most ``HOLDOUT_ROWS`` rows, counting a
#: held-out vote when ``HOLDOUT_MIN_VOTERS`` kept LFs vote its class; ClassBalancedVote is
#: chosen when it predicts the held-out votes better by more than ``HOLDOUT_Z`` standard
#: errors of the paired difference. Beyond 20 classes Dawid–Skene's refits (O(m k^2) an EM
#: iteration) would cost several times the fit itself.
HOLDOUT_GROUPS = 10
HOLDOUT_ROWS = 5_000
HOLDOUT_MIN_VOTERS = 3
HOLDOUT_Z = 2.0
HOLDOUT_MAX_CLASSES = 20


class _GuardedDawidSkene(DawidSkene):
    """Dawid–Skene that refits with the unshrunk prior when the shrunk one contradicts majority vote.

    A prior pulled toward uniform can let a rare class absorb rows (on TREC a 1.6 %
    class took most of them); the guardrail statistic that flags it (agreement with
    majority vote below 1/2) decides, and the fit agreeing more with the majority wins
    (``prior_fallback_``). LabelModel's ``"DawidSkene"`` candidate, a class of its own so
    that every fit of it, the held-out-LF refits included, follows the same procedure.
    """

    def _fit(self, source: Any, class_balance: np.ndarray | None, dev: DevSet | None) -> None:
        super()._fit(source, class_balance, dev)
        self.prior_fallback_ = False
        if class_balance is not None or self.prior_shrink == 0:
            return
        agree, n_unique = agreement_totals(self, source)[:2]
        if not n_unique or agree / n_unique >= 0.5:
            return
        plain = DawidSkene(**dict(self.get_params(), prior_shrink=0.0))
        plain._bind(self)
        plain._fit(source, None, dev)
        if agreement_totals(plain, source)[0] > agree:
            vars(self).update({key: value for key, value in vars(plain).items() if key.endswith("_")})
            self.prior_fallback_ = True


class LabelModel(BaseLabelModel):
    """The recommended label model: abstain-aware Dawid–Skene EM, checked on held-out LFs or a dev set.

    Without a dev set this is (unless the held-out-LF check below selects
    :class:`ClassBalancedVote`) :class:`DawidSkene` with ``model_abstain="auto"``, the
    better-than-random constraint and a class prior shrunk toward uniform (with a
    guardrail fallback, see ``prior_shrink``). ``benchmarks/bench_label_quality.py`` chose it (see
    the table in benchmarks/README.md): it has the best mean over the real and synthetic
    sets among weaklab's models and the incumbents, because

    * one-sided LFs (keyword rules that vote one class or abstain, the common case)
      carry evidence through where they stay silent: their class-conditional coverage
      is learned, so an 80/20 imbalance with one-sided LFs is labelled correctly where
      Snorkel's LabelModel flips labels and crowd-kit's Dawid–Skene collapses;
    * LFs that vote several classes (crowd workers) get full confusion matrices and a
      class-independent coverage, so random assignment of items to workers is not
      mistaken for evidence (crowd-sourcing Dawid–Skene, the best incumbent there);
    * EM starts from majority vote, and a diagonal-leaning Dirichlet prior plus the
      better-than-random projection keep it from label-swapped optima.

    Its weak spot (measured): keyword LF sets whose LFs are strongly correlated (TREC),
    where naive-Bayes models, even with gold-estimated parameters, trail majority vote.
    So without a dev set (and with at most 20 classes) it also fits
    :class:`ClassBalancedVote` and refits both with each of ten groups of LFs held out
    (on at most 5 000 rows): where ClassBalancedVote predicts the held-out LFs' votes
    better by more than two standard errors of the paired difference, it is selected
    (``holdout_agreement_``, ``holdout_z_``). A held-out vote counts only when three kept
    LFs still vote its class, because a one-sided LF's votes otherwise reward a model for
    re-balancing the class it leaves short rather than for labelling better. In the
    benchmark this selects ClassBalancedVote on TREC (+16.4 points), the demo (+1.5) and
    correlated keyword pairs, and Dawid–Skene everywhere else; on data drawn from
    Dawid–Skene's own model it picks ClassBalancedVote in 3 of 120 shapes, at a cost of
    0.75–1.4 points there (benchmarks/README.md).

    With a gold dev set (``L_dev``, ``Y_dev``) the model fits five candidates on the
    training votes alone (this Dawid–Skene, its one-coin variant, majority vote,
    :class:`MatrixCompletion` with abstains and :class:`ClassBalancedVote`), scores each
    on the dev set and keeps the most accurate (ties favour that order); ``selected_``
    names it. :class:`ClassBalancedVote` is the candidate for the weak spot above: it
    assumes no conditional independence, only that a class with more or broader LFs
    should not win conflicts by vote volume (dev-selected, it lifts TREC from 60.8 to
    66.4 and TubeSpam from 86.5 to 90.3 in the benchmark, matching or passing HyperLM). The two Dawid–Skene
    candidates are also fitted with a uniform class prior (``"+uniform"`` in the name), and
    the Dawid–Skene one with the unshrunk maximum-likelihood prior (``"DawidSkene+unshrunk"``,
    when ``prior_shrink > 0``): the prior is what EM gets most wrong on real LF sets in our
    measurements, and the shrinkage that helps without labels costs a rare class its rows
    (with a valid split, the unshrunk candidate lifts a 5 % class from F1 45.8 to 77.3 in the
    benchmark). These come after the others, so a dev-set tie keeps the no-dev default. The dev labels are
    not used to fit the candidates, so their dev accuracy is an unbiased guide (fitting
    with the dev rows clamped, as :class:`DawidSkene` does, made the choice over-trust
    the anchored candidates in our measurements). ``dev_metric`` ranks them.

    Parameters
    ----------
    prior_strength, prior_accuracy, max_iter, tol
        As in :class:`DawidSkene`.
    prior_shrink : float
        As in :class:`DawidSkene`: the class prior is pulled toward uniform by a quarter
        of the data's weight by default, because EM over-estimates classes whose LFs
        fire often (with the gold prior, DS gains 18 points on yoruba in our benchmark).
        When the shrunk fit agrees with majority vote on fewer than half of the rows
        with a clear majority (the guardrail), it is refitted with the maximum-likelihood
        prior and the fit agreeing more with majority vote is kept (``prior_fallback_``).
        With a dev set the unshrunk fit is also a candidate, so the dev set decides.
    dev_metric : str
        Metric that ranks the candidates on the dev set, any of
        :meth:`~weaklab.models.BaseLabelModel.evaluate`'s (e.g. ``"f1"`` for a rare positive
        class).
    seed : int
        Seed of ``predict(tie_break="random")``, of dev-set scoring ties and of the
        permutation that deals the LFs to the held-out groups.

    Attributes
    ----------
    selected_ : str
        ``"DawidSkene"``, ``"DawidSkene-1coin"``, ``"MajorityVote"``, ``"MatrixCompletion"``,
        ``"ClassBalancedVote"``, ``"DawidSkene+uniform"``, ``"DawidSkene-1coin+uniform"`` or
        ``"DawidSkene+unshrunk"``.
    dev_scores_ : dict of str to float
        Dev accuracy of each candidate (empty without a dev set).
    holdout_agreement_ : dict of str to float
        Without a dev set: the share of held-out LF votes that ``"DawidSkene"`` and
        ``"ClassBalancedVote"``, refitted without them, predict (a tie counts half). Empty
        with a dev set, more than 20 classes, or no held-out vote that counts.
    holdout_z_ : float
        The paired advantage of ClassBalancedVote on those votes in standard errors
        (selected above 2); NaN when not compared.
    class_balance_, accuracies_, confusion_, coverage_ : ndarray
        Those of the selected model (the vote models have no coverage: all ones).
    vote_share_ : ndarray (k,)
        Only when ``ClassBalancedVote`` is selected: its per-class vote shares.
    prior_fallback_ : bool
        Whether the Dawid–Skene candidate fell back to the unshrunk prior.
    loss_history_ : list of float
        EM loss history of the Dawid–Skene candidate.
    converged_ : bool

    Examples
    --------
    >>> from weaklab.datasets import make_synthetic_label_matrix
    >>> syn = make_synthetic_label_matrix(500, 6, 2, seed=0)
    >>> model = LabelModel().fit(syn.L)  # without a dev set: held-out LFs check the choice
    >>> model.selected_, bool(model.holdout_z_ < 2)
    ('DawidSkene', True)
    >>> model = LabelModel().fit(syn.L[100:], L_dev=syn.L[:100], Y_dev=syn.y[:100])
    >>> model.selected_ == max(model.dev_scores_, key=model.dev_scores_.get)
    True
    >>> model.predict_proba(syn.L[100:]).shape
    (400, 2)
    """

    def __init__(
        self,
        *,
        prior_strength: float = 2.0,
        prior_accuracy: float = 0.7,
        prior_shrink: float = 0.25,
        max_iter: int = 200,
        tol: float = 1e-6,
        dev_metric: str = "accuracy",
        seed: int = 0,
    ) -> None:
        self.prior_strength = prior_strength
        self.prior_accuracy = prior_accuracy
        self.prior_shrink = prior_shrink
        self.max_iter = max_iter
        self.tol = tol
        self.dev_metric = dev_metric
        self.seed = seed

    def _candidates(self) -> dict[str, BaseLabelModel]:
        """Candidate estimators by name; a ``+uniform`` suffix fixes a uniform class prior."""
        return {
            "DawidSkene": _GuardedDawidSkene(
                model_abstain="auto",
                better_than_random=True,
                prior_shrink=self.prior_shrink,
                prior_strength=self.prior_strength,
                prior_accuracy=self.prior_accuracy,
                max_iter=self.max_iter,
                tol=self.tol,
                seed=self.seed,
            ),
            "DawidSkene-1coin": DawidSkene(
                one_coin=True,
                model_abstain="auto",
                prior_strength=self.prior_strength,
                prior_accuracy=self.prior_accuracy,
                max_iter=self.max_iter,
                tol=self.tol,
                seed=self.seed,
            ),
            "MajorityVote": MajorityVote(seed=self.seed),
            "MatrixCompletion": MatrixCompletion(model_abstain=True, seed=self.seed),
            "ClassBalancedVote": ClassBalancedVote(seed=self.seed),
        }

    def _check_params(self, k: int, m: int) -> None:
        self._candidates()["DawidSkene"]._check_params(k, m)  # the EM parameters it passes on
        check_option(self.dev_metric, "dev_metric", [name for name in METRICS if name != "coverage"])
        super()._check_params(k, m)

    def _candidate_runs(self, k: int, class_balance: np.ndarray | None, with_dev: bool) -> list[tuple[str, BaseLabelModel, np.ndarray | None]]:
        """``(name, unfitted model, class prior or None)`` for each candidate, in tie-break order."""
        candidates = self._candidates()
        if not with_dev:
            runs = [("DawidSkene", candidates["DawidSkene"], class_balance)]
            if k <= HOLDOUT_MAX_CLASSES:
                runs.append(("ClassBalancedVote", candidates["ClassBalancedVote"], class_balance))
            return runs
        runs = [(name, model, class_balance) for name, model in candidates.items()]
        if class_balance is None:
            # The class prior is the estimate EM gets most wrong on real LF sets, so the dev
            # set also chooses among the other natural priors: uniform, and (when
            # prior_shrink is on) the unshrunk maximum-likelihood one. They come last, so a
            # dev-set tie keeps the no-dev default.
            uniform = np.full(k, 1.0 / k)
            runs += [(name + "+uniform", self._candidates()[name], uniform) for name in ("DawidSkene", "DawidSkene-1coin")]
            if self.prior_shrink > 0:
                unshrunk = self._candidates()["DawidSkene"]
                unshrunk.prior_shrink = 0.0
                runs.append(("DawidSkene+unshrunk", unshrunk, None))
        return runs

    def _fit(self, source: Any, class_balance: np.ndarray | None, dev: DevSet | None) -> None:
        fitted: dict[str, BaseLabelModel] = {}
        scores: dict[str, float] = {}
        k = source.cardinality
        runs = self._candidate_runs(k, class_balance, dev is not None)
        for name, model, prior in runs:
            model._bind(self)
            # Candidates never see the dev labels: the dev set only chooses among them, so
            # its accuracy is an honest estimate (WRENCH's use of a validation split).
            model._fit(source, prior, None)
            fitted[name] = model
            if dev is not None:
                # Random tie-breaking gives a tied row its expected credit.
                metric = self.dev_metric
                scores[name] = model.evaluate(dev.L, dev.y, (metric,), tie_break="random", seed=self.seed)[metric]
        self._dev_rows = None if dev is None else dev.L.n_rows  # for the guardrails' advice; not saved
        if dev is not None:
            best = max(scores, key=scores.get)  # first max wins ties
            self.holdout_agreement_, self.holdout_z_ = {}, float("nan")
        else:
            best = self._choose_without_dev(runs, source)
        chosen = fitted[best]
        self.selected_ = best
        self.dev_scores_ = scores
        self.class_balance_ = chosen.class_balance_
        self.accuracies_ = chosen.accuracies_
        self.confusion_ = getattr(chosen, "confusion_", None)
        if self.confusion_ is None:
            self.confusion_ = one_coin_confusion(chosen.accuracies_, k)
        self.coverage_ = getattr(chosen, "coverage_", np.ones((source.n_lfs, k)))
        if isinstance(chosen, ClassBalancedVote):
            self.vote_share_ = chosen.vote_share_
        else:
            vars(self).pop("vote_share_", None)  # from an earlier fit; would be saved otherwise
        ds = fitted["DawidSkene"]
        self.prior_fallback_ = ds.prior_fallback_
        self.loss_history_ = ds.loss_history_
        self.n_iter_ = ds.n_iter_
        self.converged_ = ds.converged_
        self._model = chosen

    def _choose_without_dev(self, runs: list, source: Any) -> str:
        """Dawid–Skene, or ClassBalancedVote where it predicts held-out LFs' votes clearly better.

        Keyword LFs that fire together (TREC's) break Dawid–Skene's conditional
        independence, and there ClassBalancedVote labels better; LFs that vote like
        independent workers (crowds, the one-sided synthetic sets) are Dawid–Skene's case.
        Which holds is read off the votes: both models are refitted without each group
        of LFs (:func:`~weaklab.models.holdout.holdout_outcomes`), and ClassBalancedVote
        is chosen only when its paired advantage on the held-out votes exceeds
        ``HOLDOUT_Z`` standard errors.
        """
        self.holdout_agreement_, self.holdout_z_ = {}, float("nan")
        if len(runs) < 2:
            return "DawidSkene"
        sample = source.row_sample(HOLDOUT_ROWS)
        outcomes = {name: holdout_outcomes(partial(type(model), **model.get_params()), sample, prior,
                                           groups=HOLDOUT_GROUPS, seed=self.seed, min_voters=HOLDOUT_MIN_VOTERS)
                    for name, model, prior in runs}
        diff = outcomes["ClassBalancedVote"] - outcomes["DawidSkene"]
        if diff.size == 0:
            return "DawidSkene"
        self.holdout_agreement_ = {name: float(o.mean()) for name, o in outcomes.items()}
        spread = float(np.sqrt(np.square(diff).sum()))
        self.holdout_z_ = float(diff.sum()) / spread if spread > 0 else 0.0
        return "ClassBalancedVote" if self.holdout_z_ > HOLDOUT_Z else "DawidSkene"

    @property
    def choice_(self) -> str:
        """What was selected and how, in words (for logs, the CLI and the report).

        Examples
        --------
        >>> from weaklab.datasets import make_synthetic_label_matrix
        >>> syn = make_synthetic_label_matrix(500, 6, 2, seed=0)
        >>> LabelModel().fit(syn.L[100:], L_dev=syn.L[:100], Y_dev=syn.y[:100]).choice_.endswith(", chosen on the dev set")
        True
        """
        self._check_fitted()
        if self.dev_scores_:
            return f"{self.selected_}, chosen on the dev set"
        z = getattr(self, "holdout_z_", float("nan"))  # absent from files saved before it existed
        if np.isfinite(z):
            return f"{self.selected_}, chosen on held-out LFs, z = {z:.1f}"
        return self.selected_

    def _guard_model(self) -> BaseLabelModel:
        model = getattr(self, "_model", None)
        if model is None:  # loaded from disk: rebuild the selected model from the saved state
            model = self._rebuild()
        return model

    @property
    def _proba_is_final(self) -> bool:  # as the selected model's
        return self._guard_model()._proba_is_final

    def _loglinear_tables(self):
        return self._guard_model()._loglinear_tables()

    def _argmax_tables(self):
        return self._guard_model()._argmax_tables()

    def _vote_share_weights(self):
        return self._guard_model()._vote_share_weights()

    def _predict_proba_covered(self, L):
        return self._guard_model()._predict_proba_covered(L)

    def _rebuild(self) -> BaseLabelModel:
        model = self._candidates()[self.selected_.split("+")[0]]
        model._bind(self)
        model.class_balance_ = self.class_balance_
        model.accuracies_ = self.accuracies_
        model.confusion_ = self.confusion_
        model.coverage_ = self.coverage_
        if isinstance(model, ClassBalancedVote):
            model.vote_share_ = self.vote_share_
        if isinstance(model, MatrixCompletion):
            model.mu_ = np.transpose(self.confusion_ * self.coverage_[:, :, None], (0, 2, 1))
        self._model = model
        return model
