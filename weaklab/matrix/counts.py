"""Mergeable counts of a label matrix: per-LF votes, pair overlaps and conflicts, and a model's view.

:class:`DriftCounts` holds, for one block of rows, the counts that every summary of a
labeling run is made of (coverage, overlap, conflict, class balance of the votes and,
with a label model, its agreement with each LF, its predicted classes and confidence).
Counts of row blocks with the same LFs add up, so a partitioned matrix (or a batch job
whose votes never leave the workers) is summarised from per-partition counts. They live
in the matrix layer because both the labeling layer (run manifests written by
``apply_lfs``) and drift monitoring (``weaklab.analysis.monitor``) read them.

A model is used through the protocol every label model answers: ``predict(L,
tie_break="abstain")``, ``predict_proba(L)`` and ``lf_names_``; nothing of
``weaklab.models`` is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Mapping

import numpy as np

from ..kernels import lf_counts, pair_counts
from .label_matrix import LabelMatrix

__all__ = ["CONFIDENCE_BINS", "DriftCounts", "model_outputs", "model_predictions"]

#: Bins of the histogram of the model's top probability, over ``[1/k, 1]``.
CONFIDENCE_BINS = 10
_COUNT_FORMAT = 1


def model_predictions(model: object, L: LabelMatrix) -> np.ndarray:
    """A fitted label model's predictions on ``L`` (``-1`` where its top classes tie), checked.

    Raises ``TypeError`` / ``ValueError`` when ``model`` is no fitted label model, was
    fitted on other LFs, or returns predictions of the wrong shape or range.

    Examples
    --------
    >>> from weaklab import MajorityVote
    >>> L = LabelMatrix.from_dense(np.array([[0, 0], [1, -1]]), ["a", "b"])
    >>> model_predictions(MajorityVote().fit(L), L).tolist()
    [0, 1]
    """
    if not callable(getattr(model, "predict", None)):
        raise TypeError(f"model must be a fitted label model with predict(L), got {type(model).__name__}")
    names = getattr(model, "lf_names_", None)
    if names is not None and tuple(names) != tuple(L.lf_names):
        raise ValueError(
            f"model was fitted on LFs {list(names)[:5]}... but L has {list(L.lf_names)[:5]}...; "
            "pass the label matrix the model was fitted on (same LFs, same order)"
        )
    pred = np.asarray(model.predict(L, tie_break="abstain"))
    if pred.shape != (L.n_rows,):
        raise ValueError(f"model.predict returned shape {pred.shape}, expected ({L.n_rows},)")
    pred = pred.astype(np.int64, copy=False)
    if pred.size and (pred.min() < -1 or pred.max() >= L.cardinality):
        raise ValueError(f"model.predict returned labels outside [-1, {L.cardinality - 1}]")
    return pred


def model_outputs(model: object, L: LabelMatrix) -> tuple[np.ndarray, np.ndarray]:
    """A fitted label model's predictions and probabilities on ``L``, both checked.

    One call of ``predict(L, tie_break="abstain")`` and one of ``predict_proba(L)``:
    what a caller that needs both (counts, written labels, a run's manifest) computes
    once per block. Raises as :func:`model_predictions` does, and ``ValueError`` when
    the probabilities are not an (n, k) array of finite values in [0, 1] whose rows sum
    to 1.

    Examples
    --------
    >>> from weaklab import MajorityVote
    >>> L = LabelMatrix.from_dense(np.array([[0, 0], [1, -1]]), ["a", "b"])
    >>> pred, proba = model_outputs(MajorityVote().fit(L), L)
    >>> pred.tolist(), proba.shape
    ([0, 1], (2, 2))
    """
    pred = model_predictions(model, L)
    if not callable(getattr(model, "predict_proba", None)):
        raise TypeError(f"model must be a fitted label model with predict_proba(L), got {type(model).__name__}")
    try:
        proba = np.asarray(model.predict_proba(L), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"model.predict_proba returned no numeric array: {exc}") from exc
    if proba.shape != (L.n_rows, L.cardinality):
        raise ValueError(f"model.predict_proba returned shape {proba.shape}, expected ({L.n_rows}, {L.cardinality})")
    if proba.size:
        bad = ~np.isfinite(proba).all(axis=1) | (proba.min(axis=1) < -1e-9) | (proba.max(axis=1) > 1 + 1e-9)
        bad |= np.abs(proba.sum(axis=1) - 1.0) > 1e-6
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"model.predict_proba row {row} is not a probability distribution: {proba[row].tolist()}")
    return pred, proba


@dataclass(frozen=True)
class DriftCounts:
    """The mergeable counts behind a drift comparison, for one label matrix.

    Counts of two row blocks with the same LFs add up (``a + b``), which is how a
    partitioned matrix is counted. ``to_dict`` / ``from_dict`` keep them in JSON (a run
    manifest stores them, so a later run is compared without re-reading its votes).

    Attributes
    ----------
    lf_names : tuple of str
    cardinality : int
    n_rows, n_covered : int
        Rows, and rows with at least one vote.
    class_votes : ndarray of int64 (m, k)
        Votes of each LF for each class.
    overlap, pair_conflicts : ndarray of int64 (m, m)
        Rows where two LFs both vote, and where they vote differently (diagonal: the
        LF's votes, and 0).
    overlaps : ndarray of int64 (m,)
        Votes of each LF on rows where another LF votes too.
    agree, disagree : ndarray of int64 (m,) or None
        Votes equal / unequal to the model's prediction (rows where it is not tied).
    predicted : ndarray of int64 (k + 1,) or None
        The model's predictions on covered rows: classes ``0..k-1`` then ties.
    confidence : ndarray of int64 (10,) or None
        Histogram of the model's top probability on covered rows, bins over ``[1/k, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> L = LabelMatrix.from_dense(np.array([[0, 0], [1, -1], [-1, -1]]), ["a", "b"])
    >>> c = DriftCounts.from_matrix(L)
    >>> c.n_rows, c.n_covered, c.class_votes.tolist(), c.overlap.tolist()
    (3, 2, [[1, 1], [1, 0]], [[2, 1], [1, 1]])
    >>> (c + c).n_rows
    6
    """

    lf_names: tuple[str, ...]
    cardinality: int
    n_rows: int
    n_covered: int
    class_votes: np.ndarray
    overlap: np.ndarray
    pair_conflicts: np.ndarray
    overlaps: np.ndarray
    agree: np.ndarray | None = None
    disagree: np.ndarray | None = None
    predicted: np.ndarray | None = None
    confidence: np.ndarray | None = None

    @property
    def has_model(self) -> bool:
        """Whether the model statistics were counted."""
        return self.agree is not None

    @classmethod
    def from_matrix(cls, L: Any, model: Any = None, *, outputs: tuple[np.ndarray, np.ndarray] | None = None
                    ) -> "DriftCounts":
        """Count a :class:`~weaklab.LabelMatrix` or, partition by partition, a partitioned one.

        Parameters
        ----------
        L : LabelMatrix or PartitionedLabelMatrix
        model : fitted label model, optional
            Adds agreement, predicted class balance and confidence. It must have been
            fitted on these LFs (same names and order).
        outputs : (predictions, probabilities), optional
            ``model_outputs(model, L)`` when the caller already has it (an in-memory
            ``L`` only): the model is not asked again.
        """
        if outputs is not None and (model is None or not isinstance(L, LabelMatrix)):
            raise ValueError("outputs go with a model and an in-memory LabelMatrix")
        if isinstance(L, LabelMatrix):
            parts = _block_counts(model, L, outputs)
        elif hasattr(L, "map_sum") and hasattr(L, "lf_names"):
            parts = L.map_sum(partial(_block_counts, model))
        else:
            raise TypeError(f"L must be a LabelMatrix or PartitionedLabelMatrix, got {type(L).__name__}")
        return cls(
            tuple(L.lf_names), int(L.cardinality), int(parts["n_rows"]), int(parts["n_covered"]),
            parts["class_votes"], parts["overlap"], parts["pair_conflicts"], parts["overlaps"],
            parts.get("agree"), parts.get("disagree"),
            parts.get("predicted"), parts.get("confidence"),
        )

    def __add__(self, other: "DriftCounts") -> "DriftCounts":
        if not isinstance(other, DriftCounts):
            return NotImplemented
        if other.lf_names != self.lf_names or other.cardinality != self.cardinality:
            raise ValueError("only counts of the same LFs (names, order) and cardinality add up")
        if other.has_model != self.has_model:
            raise ValueError("cannot add counts with model statistics to counts without")

        def add(a, b):
            return None if a is None else a + b

        return DriftCounts(
            self.lf_names, self.cardinality, self.n_rows + other.n_rows, self.n_covered + other.n_covered,
            self.class_votes + other.class_votes, self.overlap + other.overlap,
            self.pair_conflicts + other.pair_conflicts, self.overlaps + other.overlaps,
            add(self.agree, other.agree), add(self.disagree, other.disagree),
            add(self.predicted, other.predicted), add(self.confidence, other.confidence),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (lists of ints); :meth:`from_dict` reads it back."""
        out: dict[str, Any] = {
            "format": "weaklab-drift-counts", "version": _COUNT_FORMAT,
            "lf_names": list(self.lf_names), "cardinality": self.cardinality,
            "n_rows": self.n_rows, "n_covered": self.n_covered,
        }
        for name in ("class_votes", "overlap", "pair_conflicts", "overlaps", "agree", "disagree", "predicted", "confidence"):
            value = getattr(self, name)
            out[name] = None if value is None else value.tolist()
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "DriftCounts":
        """Read counts written by :meth:`to_dict`, checking every field."""
        if not isinstance(d, Mapping) or d.get("format") != "weaklab-drift-counts":
            raise ValueError("not weaklab drift counts (format field missing or wrong)")
        if d.get("version") != _COUNT_FORMAT:
            raise ValueError(f"drift counts version {d.get('version')!r} is not supported (expected {_COUNT_FORMAT})")
        names = d.get("lf_names")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise ValueError("drift counts: lf_names must be a list of unique strings")
        k = d.get("cardinality")
        if isinstance(k, bool) or not isinstance(k, int) or k < 2:
            raise ValueError(f"drift counts: cardinality must be an int >= 2, got {k!r}")
        m = len(names)
        n_rows, n_cov = d.get("n_rows"), d.get("n_covered")
        for key, value in (("n_rows", n_rows), ("n_covered", n_cov)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"drift counts: {key} must be an int >= 0, got {value!r}")
        if n_cov > n_rows:
            raise ValueError("drift counts: n_covered exceeds n_rows")

        def arr(key: str, shape: tuple[int, ...], optional: bool) -> np.ndarray | None:
            value = d.get(key)
            if value is None and optional:
                return None
            try:
                a = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"drift counts: {key} must be a list of counts") from None
            if a.shape != shape or not np.all(np.isfinite(a)) or np.any(a < 0) or np.any(a != np.round(a)):
                raise ValueError(f"drift counts: {key} must hold non-negative whole counts of shape {shape}")
            return a.astype(np.int64)

        class_votes = arr("class_votes", (m, k), False)
        if np.any(class_votes.sum(axis=1) > n_rows):
            raise ValueError("drift counts: an LF has more votes than there are rows")
        model_fields = [arr("agree", (m,), True), arr("disagree", (m,), True),
                        arr("predicted", (k + 1,), True), arr("confidence", (CONFIDENCE_BINS,), True)]
        if len({f is None for f in model_fields}) > 1:
            raise ValueError("drift counts: agree, disagree, predicted and confidence come together or not at all")
        overlap, pair_conflicts = arr("overlap", (m, m), False), arr("pair_conflicts", (m, m), False)
        if not (np.array_equal(overlap, overlap.T) and np.array_equal(pair_conflicts, pair_conflicts.T)) \
                or np.any(pair_conflicts > overlap) or not np.array_equal(np.diag(overlap), class_votes.sum(axis=1)):
            raise ValueError("drift counts: overlap / pair_conflicts are not consistent pair counts of these votes")
        overlaps = arr("overlaps", (m,), False)
        pairs = overlap.sum(axis=1) - np.diag(overlap)
        if np.any(overlaps > np.diag(overlap)) or np.any((overlaps > 0) != (pairs > 0)) or np.any(overlaps > pairs):
            raise ValueError("drift counts: overlaps are not consistent with the pair counts")
        return cls(tuple(names), k, n_rows, n_cov, class_votes, overlap, pair_conflicts, overlaps, *model_fields)


def _block_counts(model: Any, L: LabelMatrix, outputs: tuple[np.ndarray, np.ndarray] | None = None
                  ) -> dict[str, Any]:
    """The counts of one row block (summed over partitions by ``map_sum``)."""
    c = L.csr
    n, k = L.n_rows, L.cardinality
    refs = np.zeros((0, n), np.int64)
    proba = predictions = None
    if model is not None:
        predictions, proba = model_outputs(model, L) if outputs is None else outputs
        if predictions.shape != (n,) or proba.shape != (n, k):
            raise ValueError(f"outputs must be predictions of shape ({n},) and probabilities of shape ({n}, {k})")
        refs = predictions[None, :]
    counts = lf_counts(c.indptr, c.indices, c.data, L.n_lfs, k, refs)
    overlap, agree = pair_counts(c.indptr, c.indices, c.data, L.n_lfs)
    out: dict[str, Any] = {
        "n_rows": n, "n_covered": counts.n_covered, "class_votes": counts.class_votes.astype(np.int64),
        "overlap": overlap, "pair_conflicts": overlap - agree,
        "overlaps": counts.overlaps.astype(np.int64),
    }
    if model is not None:
        covered = np.diff(c.indptr) > 0
        pred = predictions[covered]
        out["agree"] = counts.correct[0].astype(np.int64)
        out["disagree"] = counts.incorrect[0].astype(np.int64)
        out["predicted"] = np.bincount(np.where(pred < 0, k, pred), minlength=k + 1).astype(np.int64)
        top = np.clip(proba[covered].max(axis=1), 1.0 / k, 1.0)
        out["confidence"] = np.histogram(top, bins=np.linspace(1.0 / k, 1.0, CONFIDENCE_BINS + 1))[0].astype(np.int64)
    return out
