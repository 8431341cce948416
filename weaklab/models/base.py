"""The shared label-model API: input checks, prediction, scoring, guardrails, persistence.

Every label model in :mod:`weaklab.models` subclasses :class:`BaseLabelModel` and writes
two methods: ``_fit(source, class_balance, dev)`` and ``_predict_proba_covered(L)``.
Fitting reads the votes only through a :class:`FitSource`: ``source.map_sum(fn)`` applies
``fn`` to every row block of the matrix and adds the results (one block for an in-memory
:class:`~weaklab.LabelMatrix`, one per partition for a
:class:`weaklab.PartitionedLabelMatrix`), and ``source.majority()`` gives the
majority-vote statistics, computed once per fit. So any model whose statistics are sums
over rows fits on partitioned data without knowing about Dask.
"""

from __future__ import annotations

import abc
import inspect
import warnings
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, ClassVar, NamedTuple, Sequence

import numpy as np

from ..persistence import load_npz_json, save_npz_json
from .._validation import check_labels
from ..matrix import LabelMatrix
from ..kernels import label_models as K

__all__ = ["BaseLabelModel", "DevSet", "LabelModelWarning", "NotFittedError", "load_model"]

_REGISTRY: dict[str, type["BaseLabelModel"]] = {}

TIE_BREAKS = ("abstain", "random", "first")
METRICS = ("accuracy", "f1", "f1_macro", "f1_micro", "precision", "recall", "coverage")


class NotFittedError(RuntimeError):
    """Raised when a label model is used before ``fit``."""


class LabelModelWarning(UserWarning):
    """A guardrail found something suspicious in a fitted label model."""


@dataclass(frozen=True)
class DevSet:
    """A small gold-labelled dev set handed to ``fit`` (already checked)."""

    L: LabelMatrix
    y: np.ndarray

    @property
    def onehot(self) -> np.ndarray:
        """Gold labels as an (n, k) one-hot float matrix."""
        q = np.zeros((self.y.shape[0], self.L.cardinality))
        q[np.arange(self.y.shape[0]), self.y] = 1.0
        return q


class MajorityStats(NamedTuple):
    """Majority-vote statistics of the training votes (see ``K.majority_vote_stats``)."""

    counts: np.ndarray
    class_sums: np.ndarray
    lf_class: np.ndarray
    winner_counts: np.ndarray
    lf_votes: np.ndarray
    lf_agree: np.ndarray
    n_rows: float


def _majority_block(L: LabelMatrix) -> tuple:
    return (*K.majority_vote_stats(*csr_arrays(L), L.n_lfs, L.cardinality), float(L.n_rows))


class FitSource:
    """The votes one ``fit`` reads: a LabelMatrix (one block) or a partitioned matrix.

    Models read votes only through :meth:`map_sum` and :meth:`majority`; the majority-vote
    statistics are computed once per fit however many models (e.g. LabelModel's
    candidates) and guardrails ask for them.
    """

    def __init__(self, L: Any) -> None:
        self.L = L
        self.n_rows = L.n_rows
        self.n_lfs = L.n_lfs
        self.lf_names = L.lf_names
        self.cardinality = L.cardinality
        self._majority: MajorityStats | None = None

    def map_sum(self, fn: Callable[[LabelMatrix], Any]) -> Any:
        """``fn`` applied to every row block, results added (see :func:`add_stats`)."""
        if isinstance(self.L, LabelMatrix):
            return fn(self.L)
        return self.L.map_sum(fn)

    def majority(self) -> MajorityStats:
        """The majority-vote statistics, computed on first use."""
        if self._majority is None:
            stats = MajorityStats(*self.map_sum(_majority_block))
            for value in stats:
                if isinstance(value, np.ndarray):
                    value.setflags(write=False)  # shared by every model of the fit
            self._majority = stats
        return self._majority




def csr_arrays(L: LabelMatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(indptr, indices, data)`` of the label matrix, ready for the kernels."""
    c = L.csr
    return c.indptr, c.indices, c.data


def logodds_tables(table: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, float]:
    """``(delta (m, 2), base_delta)`` of k = 2 log-linear tables: class 1's score minus class 0's."""
    return np.ascontiguousarray(table[:, :, 1] - table[:, :, 0]), float(base[1] - base[0])


def _check_class_balance(class_balance: Any, k: int) -> np.ndarray | None:
    if class_balance is None:
        return None
    cb = np.asarray(class_balance, dtype=np.float64)
    if cb.shape != (k,):
        raise ValueError(f"class_balance must have shape ({k},), got {cb.shape}")
    if not np.all(np.isfinite(cb)) or np.any(cb <= 0):
        raise ValueError(f"class_balance must be positive, got {cb.tolist()}")
    if abs(cb.sum() - 1.0) > 1e-6:
        raise ValueError(f"class_balance must sum to 1, sums to {cb.sum():.6g}")
    return cb / cb.sum()


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
    model's part is one pass, remembered on ``model`` for this ``source`` (``fit``
    forgets it) so a check inside ``_fit`` (LabelModel's prior guard) and the
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
    """
    memo = model.__dict__.get("_agreement_memo")
    if memo is not None and memo[0] is source:
        return memo[1]
    mv = source.majority()
    agree, pred_counts = source.map_sum(partial(_model_vs_majority, model))
    stats = (agree, float(mv.winner_counts.sum()), pred_counts, mv.winner_counts, mv.lf_votes, mv.lf_agree)
    model._agreement_memo = (source, stats)
    return stats


class BaseLabelModel(abc.ABC):
    """Base class of weaklab's label models (sklearn-shaped; see docs/architecture.md).

    Subclasses keep ``__init__`` to storing keyword hyper-parameters, and implement
    ``_fit`` plus ``_predict_proba_covered``. The base class checks inputs, gives rows
    without votes the class prior, runs the guardrails, and saves / loads.

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
    """

    #: ``_predict_proba_covered`` already gives rows without votes the prior and sums to 1.
    _proba_is_final: ClassVar[bool] = False

    #: Methods that identify LFs from three-way statistics warn when given fewer LFs.
    _needs_three_lfs: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.__name__] = cls

    # ------------------------------------------------------------ parameters
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.name != "self" and p.kind == p.KEYWORD_ONLY]

    def get_params(self) -> dict[str, Any]:
        """Hyper-parameters as given to the constructor."""
        return {name: getattr(self, name) for name in self._param_names()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # ------------------------------------------------------------------- fit
    def fit(
        self,
        L: Any,
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
        class_balance : array-like (k,), optional
            Known class prior P(y). When omitted the model estimates it.
        L_dev, Y_dev : LabelMatrix and array of int, optional
            A small gold-labelled dev set (same LFs). Models use it beyond the prior: the
            gold rows anchor the estimated LF accuracies (see each model).

        Returns
        -------
        self
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
        cb = _check_class_balance(class_balance, k)
        dev = None
        if (L_dev is None) != (Y_dev is None):
            raise ValueError("pass L_dev and Y_dev together (a dev set needs votes and gold labels)")
        if L_dev is not None:
            if not isinstance(L_dev, LabelMatrix):
                raise TypeError(f"L_dev must be a LabelMatrix, got {type(L_dev).__name__}")
            if L_dev.lf_names != tuple(source.lf_names) or L_dev.cardinality != k:
                raise ValueError("L_dev must have the same LFs (names, order) and cardinality as L")
            y = check_labels(Y_dev, L_dev.n_rows, k, "Y_dev", allow_missing=True)
            keep = y >= 0
            if keep.any():
                dev = DevSet(L_dev[np.flatnonzero(keep)], y[keep])
        self.cardinality_ = int(k)
        self.lf_names_ = tuple(source.lf_names)
        self.n_lfs_ = int(m)
        self.warnings_: list[str] = []
        if self._needs_three_lfs and m < 3:
            self._warn(
                f"{type(self).__name__} identifies LF accuracies from triples of LFs but got {m}; "
                "estimates fall back to a default accuracy and may be poor"
            )
        self.__dict__.pop("_agreement_memo", None)
        self._fit(source, cb, dev)
        try:
            self._guardrails(source)
        finally:
            # The memo holds the training matrix: never keep it beyond fit.
            self.__dict__.pop("_agreement_memo", None)
            self._guard_model().__dict__.pop("_agreement_memo", None)
        return self

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
    def _check_fitted(self) -> None:
        if not hasattr(self, "class_balance_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(L) before using it"
            )

    def _check_L(self, L: Any) -> LabelMatrix:
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
        return L

    @abc.abstractmethod
    def _predict_proba_covered(self, L: LabelMatrix) -> np.ndarray:
        """Probabilities for every row (rows without votes are overwritten by the base)."""

    def _loglinear_tables(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(table (m, k, k), base (k,))`` when covered rows get ``softmax(base + sum_votes
        table[j, l, :])``, else ``None``. Such models predict in one fused kernel pass."""
        return None

    def _argmax_tables(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Tables whose softmax has the same per-row argmax as ``_predict_proba_covered``
        (for the one-pass guardrail statistics), else ``None``."""
        return self._loglinear_tables()

    def _guard_model(self) -> "BaseLabelModel":
        """The model whose predictions the guardrails check (a wrapper returns its inner one)."""
        return self

    def predict_proba(self, L: Any) -> Any:
        """Probabilistic labels.

        Parameters
        ----------
        L : LabelMatrix or PartitionedLabelMatrix

        Returns
        -------
        numpy.ndarray of float64, shape (n, k)
            Rows sum to 1; rows where every LF abstains get ``class_balance_``. For a
            partitioned matrix, a Dask array computed partition by partition.
        """
        if not isinstance(L, LabelMatrix) and hasattr(L, "map_blocks"):
            self._check_fitted()
            return L.map_blocks(self.predict_proba, self.cardinality_)
        L = self._check_L(L)
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

    def predict(self, L: LabelMatrix, tie_break: str = "abstain", seed: int | None = None) -> np.ndarray:
        """Most probable class per row.

        Parameters
        ----------
        L : LabelMatrix
        tie_break : {"abstain", "random", "first"}
            What to do when several classes share the top probability: return ``-1``,
            pick one at random (seeded), or take the lowest class index.
        seed : int, optional
            Seed of the ``"random"`` policy; defaults to the model's ``seed`` (or 0).

        Returns
        -------
        numpy.ndarray of int64, shape (n,)
        """
        if tie_break not in TIE_BREAKS:
            raise ValueError(f"tie_break must be one of {TIE_BREAKS}, got {tie_break!r}")
        proba = self.predict_proba(L)
        return _argmax_ties(proba, tie_break, getattr(self, "seed", 0) if seed is None else seed)

    def score(
        self,
        L: LabelMatrix,
        y: Sequence[int] | np.ndarray,
        metrics: Sequence[str] = ("accuracy",),
        tie_break: str = "random",
        seed: int | None = None,
    ) -> dict[str, float]:
        """Score predictions against gold labels.

        Rows whose gold label is ``-1`` are skipped; a predicted ``-1`` (tie with
        ``tie_break="abstain"``) counts as wrong.

        Parameters
        ----------
        L : LabelMatrix
        y : array-like of int, shape (n,)
        metrics : sequence of str
            Any of ``"accuracy"``, ``"f1"`` (F1 of class 1 when k = 2, macro F1 otherwise),
            ``"f1_macro"``, ``"f1_micro"``, ``"precision"``, ``"recall"`` (of class 1 when
            k = 2, macro otherwise) and ``"coverage"`` (share of rows with a vote).
        tie_break, seed
            As in :meth:`predict`.

        Returns
        -------
        dict of str to float
        """
        from sklearn import metrics as skm

        unknown = [name for name in metrics if name not in METRICS]
        if unknown:
            raise ValueError(f"unknown metrics {unknown}; choose from {METRICS}")
        L = self._check_L(L)
        y = check_labels(y, L.n_rows, self.cardinality_, allow_missing=True)
        pred = self.predict(L, tie_break=tie_break, seed=seed)
        keep = y >= 0
        yt, yp = y[keep], pred[keep]
        k = self.cardinality_
        avg = "binary" if k == 2 else "macro"
        labels = list(range(k))
        out: dict[str, float] = {}
        for name in metrics:
            if name == "accuracy":
                out[name] = float(np.mean(yt == yp)) if yt.size else float("nan")
            elif name == "coverage":
                out[name] = float(np.mean(np.diff(L.csr.indptr) > 0))
            else:
                fn = {"f1": skm.f1_score, "f1_macro": skm.f1_score, "f1_micro": skm.f1_score,
                      "precision": skm.precision_score, "recall": skm.recall_score}[name]
                average = {"f1_macro": "macro", "f1_micro": "micro"}.get(name, avg)
                kwargs = {"pos_label": 1} if average == "binary" else {"labels": labels}
                out[name] = float(fn(yt, yp, average=average, zero_division=0, **kwargs))
        return out

    # ---------------------------------------------------------- guardrails
    def _warn(self, message: str) -> None:
        self.warnings_.append(message)
        warnings.warn(f"{type(self).__name__}: {message}", LabelModelWarning, stacklevel=3)

    def _guardrails(self, source: Any) -> None:
        k = self.cardinality_
        agree, n_unique, pred_counts, mv_counts, lf_votes, lf_agree = agreement_totals(
            self._guard_model(), source
        )
        self.agreement_with_majority_ = float(agree / n_unique) if n_unique else float("nan")
        if n_unique and self.agreement_with_majority_ < 0.5:
            self._warn(
                f"agrees with majority vote on only {self.agreement_with_majority_:.0%} of the rows "
                "with a clear majority; the estimates may have flipped classes"
            )
        lf_mv_acc = np.divide(lf_agree, lf_votes, out=np.full(len(lf_votes), np.nan), where=lf_votes > 0)
        for j in np.flatnonzero((self.accuracies_ < 1.0 / k) & (lf_mv_acc > 0.5) & (lf_votes >= 10)):
            self._warn(
                f"LF {self.lf_names_[j]!r} is learned as worse than random "
                f"(accuracy {self.accuracies_[j]:.2f}) although it agrees with the majority on "
                f"{lf_mv_acc[j]:.0%} of its votes"
            )
        cb = self.class_balance_
        if cb.max() > 0.99:
            self._warn(f"class balance collapsed onto class {int(cb.argmax())} ({cb.max():.3f})")
        total_pred, total_mv = pred_counts.sum(), mv_counts.sum()
        if total_pred > 0 and total_mv > 0:
            pred_share, mv_share = pred_counts / total_pred, mv_counts / total_mv
            for c in np.flatnonzero((mv_share >= 0.05) & (pred_share < 0.1 * mv_share)):
                self._warn(
                    f"class {int(c)} collapsed: predicted on {pred_share[c]:.1%} of covered rows "
                    f"while majority vote gives it {mv_share[c]:.1%}"
                )
        if getattr(self, "converged_", True) is False:
            self._warn(
                f"did not converge within max_iter={getattr(self, 'max_iter', '?')} "
                f"(tol={getattr(self, 'tol', '?')}); raise max_iter or tol"
            )

    # --------------------------------------------------------- persistence
    def _fitted_state(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in vars(self).items()
            if name.endswith("_") and not name.startswith("_")
        }

    def save(self, path: str | Path) -> Path:
        """Save hyper-parameters and fitted state to one ``.npz`` file (no pickle).

        Returns
        -------
        Path
            The file written (``.npz`` appended when missing).
        """
        self._check_fitted()
        arrays: dict[str, np.ndarray] = {}
        scalars: dict[str, Any] = {}
        for name, value in self._fitted_state().items():
            if isinstance(value, np.ndarray):
                arrays[name] = value
            else:
                scalars[name] = _to_json(value)
        meta = {"model": type(self).__name__, "params": _to_json(self.get_params()), "fitted": scalars}
        return save_npz_json(path, arrays, meta)

    @classmethod
    def load(cls, path: str | Path) -> "BaseLabelModel":
        """Load a model written by :meth:`save`; never unpickles.

        Called on a subclass, the file must hold that model; called on
        :class:`BaseLabelModel`, it returns whichever model the file holds.
        """
        arrays, meta = load_npz_json(path)
        name = meta.get("model")
        target = _REGISTRY.get(name)
        if target is None:
            raise ValueError(f"{path} holds an unknown model {name!r}")
        if cls is not BaseLabelModel and target is not cls:
            raise ValueError(f"{path} holds a {name}, not a {cls.__name__}")
        model = target(**meta["params"])
        for key, value in meta["fitted"].items():
            setattr(model, key, tuple(value) if key == "lf_names_" else value)
        for key, value in arrays.items():
            setattr(model, key, value)
        return model


def load_model(path: str | Path) -> BaseLabelModel:
    """Load any weaklab label model saved with ``save`` (never unpickles)."""
    return BaseLabelModel.load(path)


def _to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _argmax_ties(proba: np.ndarray, tie_break: str, seed: int) -> np.ndarray:
    top = proba.max(axis=1, keepdims=True)
    tied = np.isclose(proba, top, rtol=1e-9, atol=1e-12)
    pred = proba.argmax(axis=1).astype(np.int64)
    multi = tied.sum(axis=1) > 1
    if not multi.any() or tie_break == "first":
        return np.where(multi, tied.argmax(axis=1), pred)
    if tie_break == "abstain":
        pred[multi] = -1
        return pred
    rng = np.random.default_rng(seed)
    noise = rng.random(proba.shape)
    pred[multi] = np.where(tied, noise, -1.0)[multi].argmax(axis=1)
    return pred
