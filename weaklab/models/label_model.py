"""``LabelModel``: weaklab's recommended default label model."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import BaseLabelModel, DevSet, _argmax_ties
from .dawid_skene import DawidSkene
from .majority_vote import MajorityVote
from .matrix_completion import MatrixCompletion

__all__ = ["LabelModel"]


class LabelModel(BaseLabelModel):
    """The recommended label model: abstain-aware Dawid–Skene EM, dev-set checked.

    Without a dev set this is :class:`DawidSkene` with ``model_abstain="auto"`` and the
    better-than-random constraint. ``benchmarks/bench_label_quality.py`` chose it (see
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

    With a gold dev set (``L_dev``, ``Y_dev``) the model fits four candidates on the
    training votes alone (this Dawid–Skene, its one-coin variant, majority vote, and
    :class:`MatrixCompletion` with abstains), scores each on the dev set and keeps the
    most accurate (ties favour that order); ``selected_`` names it. The dev labels are
    not used to fit the candidates, so their dev accuracy is an unbiased guide (fitting
    with the dev rows clamped, as :class:`DawidSkene` does, made the choice over-trust
    the anchored candidates in our measurements).

    Parameters
    ----------
    prior_strength, prior_accuracy, max_iter, tol
        As in :class:`DawidSkene`.
    seed : int
        Seed of ``predict(tie_break="random")`` and of dev-set scoring ties.

    Attributes
    ----------
    selected_ : str
        ``"DawidSkene"``, ``"DawidSkene-1coin"``, ``"MajorityVote"`` or ``"MatrixCompletion"``.
    dev_scores_ : dict of str to float
        Dev accuracy of each candidate (empty without a dev set).
    class_balance_, accuracies_, confusion_, coverage_ : ndarray
        Those of the selected model (majority vote has no coverage: all ones).
    loss_history_ : list of float
        EM loss history of the Dawid–Skene candidate.
    converged_ : bool
    """

    def __init__(
        self,
        *,
        prior_strength: float = 2.0,
        prior_accuracy: float = 0.7,
        max_iter: int = 200,
        tol: float = 1e-6,
        seed: int = 0,
    ) -> None:
        self.prior_strength = prior_strength
        self.prior_accuracy = prior_accuracy
        self.max_iter = max_iter
        self.tol = tol
        self.seed = seed

    def _candidates(self) -> dict[str, BaseLabelModel]:
        return {
            "DawidSkene": DawidSkene(
                model_abstain="auto",
                better_than_random=True,
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
        }

    def _fit(self, source: Any, class_balance: np.ndarray | None, dev: DevSet | None) -> None:
        candidates = self._candidates()
        if dev is None:
            candidates = {"DawidSkene": candidates["DawidSkene"]}
        fitted: dict[str, BaseLabelModel] = {}
        scores: dict[str, float] = {}
        for name, model in candidates.items():
            model._bind(self)
            # Candidates never see the dev labels: the dev set only chooses among them, so
            # its accuracy is an honest estimate (WRENCH's use of a validation split).
            model._fit(source, class_balance, None)
            fitted[name] = model
            if dev is not None:
                proba = model.predict_proba(dev.L)
                scores[name] = float(np.mean(_argmax_ties(proba, "random", self.seed) == dev.y))
        best = max(scores, key=scores.get) if scores else "DawidSkene"  # first max wins ties
        chosen = fitted[best]
        k = source.cardinality
        self.selected_ = best
        self.dev_scores_ = scores
        self.class_balance_ = chosen.class_balance_
        self.accuracies_ = chosen.accuracies_
        self.confusion_ = getattr(chosen, "confusion_", None)
        if self.confusion_ is None:
            self.confusion_ = _one_coin(chosen.accuracies_, k)
        self.coverage_ = getattr(chosen, "coverage_", np.ones((source.n_lfs, k)))
        ds = fitted["DawidSkene"]
        self.loss_history_ = ds.loss_history_
        self.n_iter_ = ds.n_iter_
        self.converged_ = ds.converged_
        self._model = chosen

    def _predict_proba_covered(self, L):
        model = getattr(self, "_model", None)
        if model is None:  # loaded from disk: rebuild the selected model from the saved state
            model = self._rebuild()
        return model._predict_proba_covered(L)

    def _rebuild(self) -> BaseLabelModel:
        model = self._candidates()[self.selected_]
        model._bind(self)
        model.class_balance_ = self.class_balance_
        model.accuracies_ = self.accuracies_
        model.confusion_ = self.confusion_
        model.coverage_ = self.coverage_
        if isinstance(model, MatrixCompletion):
            model.mu_ = np.transpose(self.confusion_ * self.coverage_[:, :, None], (0, 2, 1))
        self._model = model
        return model


def _one_coin(acc: np.ndarray, k: int) -> np.ndarray:
    conf = np.repeat(((1 - acc) / (k - 1))[:, None, None], k, axis=1).repeat(k, axis=2)
    conf[:, np.arange(k), np.arange(k)] = acc[:, None]
    return conf
