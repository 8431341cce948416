"""``BaseLabelModel``: the API every label model shares (fit, predict, score, save / load).

Every label model in :mod:`weaklab.models` subclasses :class:`BaseLabelModel` and writes
two methods: ``_fit(source, class_balance, dev)`` and ``_predict_proba_covered(L)``.
The pieces the base class composes live next to it: what a fit reads
(:mod:`~weaklab.models.fit_source`), the post-fit checks
(:mod:`~weaklab.models.guardrails`), tie-breaking and metrics
(:mod:`~weaklab.models.scoring`), files (:mod:`~weaklab.models.persistence`) and the
shared maths (:mod:`~weaklab.models._maths`).
"""

from __future__ import annotations

import abc
import warnings
from pathlib import Path
from typing import Any, ClassVar, Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from .._validation import check_int, check_labels
from .. import kernels as K
from ..matrix import LabelMatrix
from . import persistence
from ._maths import logodds_tables
from .fit_source import DevSet, FitSource, check_class_balance, csr_arrays, make_dev_set
from .guardrails import LabelModelWarning, guardrail_messages
from .scoring import TIE_BREAKS, argmax_ties, check_metrics, prediction_metrics

__all__ = ["BaseLabelModel", "LFChangedWarning", "NotFittedError", "check_option"]  # NotFittedError is scikit-learn's


class LFChangedWarning(UserWarning):
    """An LF of the matrix differs (by fingerprint) from the version the model was fitted on.

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> from weaklab import LabelingFunction, apply_lfs
    >>> from weaklab.models import MajorityVote
    >>> frame = pd.DataFrame({"n": [1, 2, 3, 4]})
    >>> a, b = LabelingFunction("a", lambda row: row.n % 2), LabelingFunction("b", lambda row: 1)
    >>> model = MajorityVote().fit(apply_lfs(frame, [a, b], cardinality=2, progress=False))
    >>> b_edited = LabelingFunction("b", lambda row: 0)
    >>> L_new = apply_lfs(frame, [a, b_edited], cardinality=2, progress=False)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = model.predict_proba(L_new)
    >>> caught[0].category.__name__, "'b'" in str(caught[0].message)
    ('LFChangedWarning', True)
    """


def _run_fingerprints(L: Any, names: Sequence[str]) -> list[str] | None:
    """The LF fingerprints ``L`` carries (column order, kept through save / load and
    slicing), if known."""
    fps = getattr(L, "lf_fingerprints", None)
    if fps is None or len(fps) != len(names) or tuple(getattr(L, "lf_names", ())) != tuple(names):
        return None
    return [str(fp) for fp in fps]


def check_option(value: Any, name: str, options: Sequence[Any]) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``options`` (a flag must be a bool).

    Examples
    --------
    >>> check_option("auto", "model_abstain", (True, False, "auto"))
    >>> check_option(1, "one_coin", (True, False))
    Traceback (most recent call last):
    ...
    ValueError: one_coin must be one of (True, False), got 1
    """
    for option in options:
        if isinstance(option, bool):
            if isinstance(value, (bool, np.bool_)) and bool(value) is option:
                return
        elif isinstance(value, type(option)) and not isinstance(value, (bool, np.bool_)) and value == option:
            return
    raise ValueError(f"{name} must be one of {tuple(options)}, got {value!r}")


class BaseLabelModel(BaseEstimator, abc.ABC):
    """Base class of weaklab's label models: scikit-learn estimators over a LabelMatrix.

    Subclasses keep ``__init__`` to storing keyword hyper-parameters, and implement
    ``_check_params``, ``_fit`` and ``_predict_proba_covered``. The base class checks
    inputs and hyper-parameters before it touches any state, keeps the previous fitted
    state when a fit fails, checks that the learned parameters are finite, gives rows
    without votes the class prior, runs the guardrails, and saves / loads. As
    scikit-learn estimators the models work with ``clone``, ``get_params`` /
    ``set_params``, ``check_is_fitted``, ``GridSearchCV`` and ``cross_val_score`` (the
    gold labels passed as ``y`` only reach the scorer; fitting never reads them).

    Fitted attributes shared by every model
    ---------------------------------------
    cardinality_ : int
    lf_names_ : tuple of str
    class_balance_ : ndarray (k,)
    accuracies_ : ndarray (m,)
        Estimated P(LF correct | LF votes).
    agreement_with_majority_ : float
        Share of training rows with a unique majority where the model's argmax matches it.
    warnings_ : list of str
        Guardrail messages (also emitted with :func:`warnings.warn`).

    Examples
    --------
    >>> from sklearn.base import clone
    >>> from sklearn.model_selection import GridSearchCV
    >>> from weaklab.datasets import make_synthetic_label_matrix
    >>> from weaklab.models import WeightedMajorityVote
    >>> syn = make_synthetic_label_matrix(300, 5, 2, seed=0)
    >>> model = clone(WeightedMajorityVote(smoothing=4.0))
    >>> model.get_params()
    {'seed': 0, 'smoothing': 4.0, 'weights': None}
    >>> search = GridSearchCV(model, {"smoothing": [1.0, 8.0]}, cv=3).fit(syn.L, syn.y)
    >>> sorted(search.best_params_)
    ['smoothing']
    """

    #: ``_predict_proba_covered`` already gives rows without votes the prior and sums to 1.
    _proba_is_final: ClassVar[bool] = False

    #: Methods that identify LFs from three-way statistics warn when given fewer LFs.
    _needs_three_lfs: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        persistence.register(cls)

    # ------------------------------------------------------------------- fit
    def fit(
        self,
        L: Any,
        y: Sequence[int] | np.ndarray | None = None,
        *,
        class_balance: Sequence[float] | np.ndarray | None = None,
        L_dev: LabelMatrix | None = None,
        Y_dev: Sequence[int] | np.ndarray | None = None,
    ) -> "BaseLabelModel":
        """Learn the model from the votes ``L`` (no gold labels needed).

        Parameters
        ----------
        L : LabelMatrix or PartitionedLabelMatrix
            Training votes. A partitioned matrix is fitted from per-partition statistics.
        y : None or array-like of int, shape (n,)
            Ignored: label models learn without gold labels. Accepted (and checked)
            because scikit-learn's model selection passes the labels its scorer reads.
        class_balance : array-like (k,), optional
            Known class prior P(y). When omitted the model estimates it.
        L_dev, Y_dev : LabelMatrix and array of int, optional
            A small gold-labelled dev set (same LFs). Models use it beyond the prior: the
            gold rows anchor the estimated LF accuracies (see each model). ``-1`` in
            ``Y_dev`` marks a row without gold; a ``Y_dev`` of only ``-1`` is an error.

        Returns
        -------
        self

        Raises
        ------
        TypeError, ValueError
            A bad input or hyper-parameter (named in the message), found before any
            state changes; or learned parameters that are not finite. In both cases the
            model keeps the state it had before the call.
        """
        if not isinstance(L, LabelMatrix) and not hasattr(L, "map_sum"):
            raise TypeError(
                f"{type(self).__name__}.fit needs a LabelMatrix (or PartitionedLabelMatrix), "
                f"got {type(L).__name__}; use LabelMatrix.from_dense for arrays"
            )
        source = FitSource(L)
        k, m = source.cardinality, source.n_lfs
        if m == 0:
            raise ValueError("L has no labeling functions (0 columns)")
        if source.n_rows == 0:
            raise ValueError("L has no rows")
        self._check_params(k, m)
        if y is not None:
            check_labels(y, source.n_rows, k, "y", allow_missing=True)
        cb = check_class_balance(class_balance, k)
        dev = make_dev_set(L_dev, Y_dev, source)
        previous = dict(vars(self))
        try:
            self.cardinality_ = int(k)
            self.lf_names_ = tuple(source.lf_names)
            vars(self).pop("lf_fingerprints_", None)
            fingerprints = _run_fingerprints(L, self.lf_names_)
            if fingerprints is not None:
                self.lf_fingerprints_ = fingerprints
            self.n_lfs_ = int(m)
            self.warnings_: list[str] = []
            if self._needs_three_lfs and m < 3:
                self._warn(
                    f"{type(self).__name__} identifies LF accuracies from triples of LFs but got {m}; "
                    "estimates fall back to a default accuracy and may be poor"
                )
            self._fit(source, cb, dev)
            self._check_finite()
            self._guardrails(source)
        except BaseException:
            vars(self).clear()
            vars(self).update(previous)
            raise
        return self

    def _check_params(self, k: int, m: int) -> None:
        """Raise ``ValueError`` / ``TypeError`` naming a hyper-parameter that ``fit`` on
        ``m`` LFs with ``k`` classes cannot use (subclasses check theirs, then call this)."""
        check_int(self.seed, "seed", min_val=0)

    def _check_finite(self) -> None:
        for name, value in vars(self).items():
            if (
                name.endswith("_")
                and not name.startswith("_")
                and isinstance(value, np.ndarray)
                and np.issubdtype(value.dtype, np.floating)
                and not np.all(np.isfinite(value))
            ):
                raise ValueError(
                    f"{type(self).__name__}.fit learned non-finite {name} "
                    f"({np.count_nonzero(~np.isfinite(value))} of {value.size} values) with "
                    f"{self.get_params()}; the hyper-parameters or the votes are degenerate"
                )

    @abc.abstractmethod
    def _fit(self, source: FitSource, class_balance: np.ndarray | None, dev: DevSet | None) -> None:
        """Each model's own estimation: set ``class_balance_``, ``accuracies_`` and its parameters."""

    def _bind(self, parent: "BaseLabelModel") -> None:
        """Take the data description of ``parent`` (for models fitted inside another)."""
        self.cardinality_ = parent.cardinality_
        self.lf_names_ = parent.lf_names_
        self.n_lfs_ = parent.n_lfs_
        self.warnings_ = []

    # ------------------------------------------------------------- predict
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "class_balance_")

    def _check_fitted(self) -> None:
        check_is_fitted(self, msg=f"this {type(self).__name__} is not fitted yet; call fit(L) before using it")

    def _check_lf_versions(self, L: Any, strict: bool) -> None:
        """Warn (``strict``: refuse) when ``L``'s LFs differ by fingerprint from the fitted ones."""
        fitted = getattr(self, "lf_fingerprints_", None)
        now = _run_fingerprints(L, self.lf_names_)
        if fitted is None or now is None:
            return
        if len(fitted) != len(now):
            message = (f"this {type(self).__name__} holds {len(fitted)} LF fingerprints for its {len(now)} LFs, "
                       "so whether its LFs changed cannot be checked; refit the model")
        else:
            changed = [n for n, a, b in zip(self.lf_names_, fitted, now) if a != b]
            if not changed:
                return
            message = (f"LF(s) {changed} changed since this {type(self).__name__} was fitted (their fingerprints "
                       "differ); refit the model, or label with the LF versions it was fitted on")
        if strict:
            raise ValueError(message)
        warnings.warn(message, LFChangedWarning, stacklevel=4)

    def _check_L(self, L: Any, strict: bool = False) -> LabelMatrix:
        self._check_fitted()
        if not isinstance(L, LabelMatrix):
            raise TypeError(f"expected a LabelMatrix, got {type(L).__name__}")
        if L.cardinality != self.cardinality_:
            raise ValueError(
                f"L has cardinality {L.cardinality} but the model was fitted with {self.cardinality_}"
            )
        if L.lf_names != self.lf_names_:
            raise ValueError(
                f"L's LFs {list(L.lf_names)[:5]}... differ from the fitted LFs "
                f"{list(self.lf_names_)[:5]}... (names and order must match)"
            )
        self._check_lf_versions(L, strict)
        return L

    @abc.abstractmethod
    def _predict_proba_covered(self, L: LabelMatrix) -> np.ndarray:
        """Probabilities for every row (rows without votes are overwritten by the base)."""

    def _loglinear_tables(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(table (m, k, k), base (k,))`` when covered rows get ``softmax(base + sum_votes
        table[j, l, :])``, else ``None``. Such models predict in one fused kernel pass."""
        return None

    def _vote_share_weights(self) -> np.ndarray | None:
        """Per-class weights ``w`` (k,) when covered rows get ``votes_c * w_c`` normalised
        (``K.vote_share_proba``), else ``None``. With :meth:`_loglinear_tables`, this is
        how :func:`weaklab.explain` reads a model's prediction rule."""
        return None

    def _argmax_tables(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Tables whose softmax has the same per-row argmax as ``_predict_proba_covered``
        (for the one-pass guardrail statistics), else ``None``."""
        return self._loglinear_tables()

    def _guard_model(self) -> "BaseLabelModel":
        """The model whose predictions the guardrails check (a wrapper returns its inner one)."""
        return self

    def predict_proba(self, L: Any, *, strict: bool = False) -> Any:
        """Probabilistic labels.

        Parameters
        ----------
        L : LabelMatrix or PartitionedLabelMatrix
        strict : bool
            When ``L`` comes from ``apply_lfs`` and one of its LFs differs by fingerprint
            from the version the model was fitted on: raise ``ValueError`` instead of
            warning (:class:`LFChangedWarning`); both name the changed LFs. The same
            when the model holds a fingerprint count other than its number of LFs.

        Returns
        -------
        numpy.ndarray of float64, shape (n, k)
            Rows sum to 1; rows where every LF abstains get ``class_balance_``. For a
            partitioned matrix, a Dask array computed partition by partition.
        """
        if not isinstance(L, LabelMatrix) and hasattr(L, "map_blocks"):
            self._check_fitted()
            self._check_lf_versions(L, strict)
            return L.map_blocks(self.predict_proba, self.cardinality_)
        L = self._check_L(L, strict)
        tables = self._loglinear_tables()
        if tables is not None:
            prior = np.asarray(self.class_balance_, dtype=np.float64)
            prior = prior / prior.sum()
            table, base = tables
            if self.cardinality_ == 2:
                return K.loglinear_proba_binary(*csr_arrays(L), *logodds_tables(table, base), prior)
            return K.loglinear_proba(*csr_arrays(L), table, base, prior)
        proba = np.asarray(self._predict_proba_covered(L), dtype=np.float64)
        if self._proba_is_final:
            return proba
        empty = np.diff(L.csr.indptr) == 0
        proba[empty] = self.class_balance_
        proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict(self, L: LabelMatrix, tie_break: str = "abstain", seed: int | None = None, *,
                strict: bool = False) -> np.ndarray:
        """Most probable class per row.

        Parameters
        ----------
        L : LabelMatrix
        tie_break : {"abstain", "random", "first"}
            What to do when several classes share the top probability: return ``-1``,
            pick one at random (seeded), or take the lowest class index.
        seed : int, optional
            Seed (>= 0) of the ``"random"`` policy; defaults to the model's ``seed`` (or 0).
        strict : bool
            As in :meth:`predict_proba`.

        Returns
        -------
        numpy.ndarray of int64, shape (n,)
        """
        if tie_break not in TIE_BREAKS:
            raise ValueError(f"tie_break must be one of {TIE_BREAKS}, got {tie_break!r}")
        seed = getattr(self, "seed", 0) if seed is None else check_int(seed, "seed", min_val=0)
        proba = self.predict_proba(L, strict=strict)
        return argmax_ties(proba, tie_break, seed)

    def evaluate(
        self,
        L: LabelMatrix,
        y: Sequence[int] | np.ndarray,
        metrics: str | Sequence[str] = ("accuracy",),
        tie_break: str = "abstain",
        seed: int | None = None,
    ) -> dict[str, float]:
        """Score predictions against gold labels with several metrics.

        Rows whose gold label is ``-1`` are skipped; a predicted ``-1`` (a tie with
        ``tie_break="abstain"``) counts as wrong. A ``y`` without any labelled row is a
        ``ValueError`` unless ``"coverage"`` is the only metric.

        Parameters
        ----------
        L : LabelMatrix
        y : array-like of int, shape (n,)
        metrics : str or sequence of str
            One metric's name, or several: any of ``"accuracy"``, ``"f1"`` (F1 of class 1
            when k = 2, macro F1 otherwise), ``"f1_macro"``, ``"f1_micro"``,
            ``"precision"``, ``"recall"`` (of class 1 when k = 2, macro otherwise) and
            ``"coverage"`` (share of rows with a vote).
        tie_break, seed
            As in :meth:`predict` (same defaults).

        Returns
        -------
        dict of str to float

        Examples
        --------
        >>> from weaklab import LabelMatrix
        >>> from weaklab.models import MajorityVote
        >>> L = LabelMatrix.from_dense(np.array([[0, 0], [1, 1], [0, 1], [-1, -1]]))
        >>> model = MajorityVote().fit(L, class_balance=[0.6, 0.4])
        >>> model.evaluate(L, [0, 1, 1, 0], metrics=("accuracy", "coverage"))  # the tie abstains
        {'accuracy': 0.75, 'coverage': 0.75}
        """
        metrics = check_metrics(metrics)
        L = self._check_L(L)
        y = check_labels(y, L.n_rows, self.cardinality_, allow_missing=True)
        pred = self.predict(L, tie_break=tie_break, seed=seed)
        return prediction_metrics(y, pred, np.diff(L.csr.indptr) > 0, self.cardinality_, metrics)

    def score(
        self, L: LabelMatrix, y: Sequence[int] | np.ndarray, tie_break: str = "abstain", seed: int | None = None
    ) -> float:
        """Accuracy of :meth:`predict` against gold labels ``y`` (``-1`` rows skipped).

        scikit-learn's model selection calls it when no other scorer is given; see
        :meth:`evaluate` for other metrics.

        Returns
        -------
        float
        """
        return self.evaluate(L, y, ("accuracy",), tie_break=tie_break, seed=seed)["accuracy"]

    # ---------------------------------------------------------- guardrails
    def _warn(self, message: str) -> None:
        self.warnings_.append(message)
        warnings.warn(f"{type(self).__name__}: {message}", LabelModelWarning, stacklevel=3)

    def _guardrails(self, source: Any) -> None:
        self.agreement_with_majority_, messages = guardrail_messages(self, source)
        for message in messages:
            self._warn(message)

    # --------------------------------------------------------- persistence
    def save(self, path: str | Path) -> Path:
        """Save hyper-parameters and fitted state to one ``.npz`` file (no pickle).

        Returns
        -------
        Path
            The file written (``.npz`` appended when missing).
        """
        self._check_fitted()
        return persistence.save_model(self, path)

    @classmethod
    def load(cls, path: str | Path) -> "BaseLabelModel":
        """Load a model written by :meth:`save`; never unpickles.

        Called on a subclass, the file must hold that model; called on
        :class:`BaseLabelModel`, it returns whichever model the file holds.
        """
        return persistence.read_model(path, None if cls is BaseLabelModel else cls)
