"""``explain(model, L, row)``: why a label model gave one row its probabilities.

Every weaklab label model predicts a covered row (one with at least one vote) in one of
two forms, and :func:`explain` decomposes the row in that form, exactly:

* **log-linear** (Dawid–Skene, ``LabelModel``'s Dawid–Skene candidates, matrix
  completion, the triplet model, weighted majority vote): ``score[y] = base[y] +
  sum over the row's votes (j, l) of table[j, l, y]`` and the probabilities are
  ``softmax(score)``. ``base`` holds the log class prior and, for models that treat an
  abstain as evidence, every LF's abstain term (an LF's vote then contributes its
  vote term minus its abstain term).
* **vote share** (majority vote, class-balanced vote): ``score[c] = w[c] * votes_c``
  and the probabilities are the scores normalised; each vote adds ``w[c]`` to its class.

A row without votes gets the model's class prior. The probabilities an explanation
reports are recomputed from its own parts and equal ``model.predict_proba(L)[row]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..matrix import LabelMatrix
from ..models.scoring import argmax_ties

__all__ = ["Explanation", "explain"]


@dataclass(frozen=True)
class Explanation:
    """One row's label, taken apart (see :func:`explain`).

    Attributes
    ----------
    row : int
        Position of the row in ``L``.
    model : str
        The model's class (and, for ``LabelModel``, the selected candidate).
    form : {"log-linear", "vote share", "prior"}
        How the model scored the row; ``"prior"`` when no LF voted.
    lfs : pandas.DataFrame
        One row per LF (those that voted first): ``vote`` (``-1`` = abstain), the
        model's parameters for the LF where it has them (``accuracy``, ``weight``,
        ``P(vote|y=c)`` of its vote under each class, ``coverage|y=c``), and
        ``contribution c``: what its vote adds to class c's score.
    base : ndarray (k,)
        The score every covered row starts from (log prior plus abstain terms for
        log-linear models; zeros for vote-share models).
    prior : ndarray (k,)
        The model's class prior (what a row without votes gets).
    scores : ndarray (k,)
        ``base`` plus the contributions.
    probabilities : ndarray (k,)
        ``softmax(scores)`` (log-linear), ``scores / scores.sum()`` (vote share) or the
        prior; equal to ``model.predict_proba(L)[row]``.

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix, explain
    >>> from weaklab.models import DawidSkene
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 500)
    >>> L = LabelMatrix.from_dense(np.stack([np.where(rng.random(500) < 0.8, y, 1 - y) for _ in range(3)], 1), ["a", "b", "c"])
    >>> model = DawidSkene(seed=0).fit(L)
    >>> why = explain(model, L, 0)
    >>> bool(np.allclose(why.probabilities, model.predict_proba(L[:1])[0]))
    True
    >>> list(why.table().index)  # each vote's contribution, then the sums
    ['a', 'b', 'c', '(base)', '(score)', '(probability)']
    """

    row: int
    model: str
    form: str
    lfs: pd.DataFrame = field(repr=False)
    base: np.ndarray
    prior: np.ndarray
    scores: np.ndarray
    probabilities: np.ndarray

    @property
    def label(self) -> int:
        """The most probable class; ``-1`` on a tie, as in the labels a run records."""
        return int(argmax_ties(self.probabilities[None, :], "abstain", 0)[0])

    def table(self) -> pd.DataFrame:
        """The voting LFs' contributions, then the base, the scores and the probabilities."""
        k = self.probabilities.shape[0]
        cols = [f"contribution {c}" for c in range(k)]
        voted = self.lfs[self.lfs["vote"] >= 0]
        body = voted[cols].copy()
        body.insert(0, "vote", voted["vote"].astype(str))
        extra = pd.DataFrame(
            [["", *self.base], ["", *self.scores], ["", *self.probabilities]],
            index=["(base)", "(score)", "(probability)"], columns=["vote", *cols],
        )
        out = pd.concat([body, extra])
        out.columns = ["vote", *[f"class {c}" for c in range(k)]]
        return out

    def _header(self) -> str:
        n_abstain = int((self.lfs["vote"] < 0).sum())
        form = {"log-linear": "log-linear scores, softmax", "vote share": "vote-share scores, normalised",
                "prior": "no LF voted: the class prior"}[self.form]
        return (f"Row {self.row}: {self.model} ({form}); {len(self.lfs) - n_abstain} LF(s) voted, "
                f"{n_abstain} abstained; label {self.label if self.label >= 0 else '-1 (a tie)'}")

    def __str__(self) -> str:
        return self._header() + "\n" + self.table().to_string(float_format=lambda v: f"{v:.4f}")

    def _repr_html_(self) -> str:
        import html

        return (f"<p>{html.escape(self._header())}</p>"
                + self.table().to_html(float_format=lambda v: f"{v:.4f}", escape=True))


def _block_of(L: Any, row: int) -> tuple[LabelMatrix, int]:
    """The in-memory block holding ``row`` and the row's position in it."""
    if isinstance(L, LabelMatrix):
        return L, row
    import dask

    edges = np.concatenate([[0], np.cumsum(L.block_rows)])
    b = int(np.searchsorted(edges, row, side="right") - 1)
    (block,) = dask.compute(L.blocks[b])
    return block, row - int(edges[b])


def _check_row(row: Any, n_rows: int) -> int:
    if isinstance(row, (bool, np.bool_)) or not isinstance(row, (int, np.integer)):
        raise TypeError(f"row must be an int position, got {row!r}")
    if not 0 <= row < n_rows:
        raise ValueError(f"row={row} is outside [0, {n_rows - 1}] (L has {n_rows} rows)")
    return int(row)


def _parameters(model: Any, votes: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """The fitted parameters a model has per LF, as columns a person can read."""
    out: dict[str, np.ndarray] = {}
    acc = getattr(model, "accuracies_", None)
    if acc is not None:
        out["accuracy"] = np.asarray(acc, dtype=np.float64)
    weights = getattr(model, "weights_", None)
    if weights is not None:
        out["weight"] = np.asarray(weights, dtype=np.float64)
    confusion = getattr(model, "confusion_", None)
    if confusion is not None:
        confusion = np.asarray(confusion, dtype=np.float64)
        voted = votes >= 0
        for y in range(k):
            column = np.full(votes.shape[0], np.nan)
            column[voted] = confusion[np.flatnonzero(voted), y, votes[voted]]
            out[f"P(vote|y={y})"] = column
    coverage = getattr(model, "coverage_", None)
    if coverage is not None and np.ndim(coverage) == 2:
        for y in range(k):
            out[f"coverage|y={y}"] = np.asarray(coverage, dtype=np.float64)[:, y]
    return out


def _model_name(model: Any) -> str:
    selected = getattr(model, "selected_", None)
    return f"{type(model).__name__} ({selected})" if selected else type(model).__name__


def explain(model: Any, L: Any, row: int) -> Explanation:
    """Take one row's probabilistic label apart: votes, parameters, contributions, prior.

    Parameters
    ----------
    model : fitted weaklab label model
    L : LabelMatrix or PartitionedLabelMatrix
        Votes of the LFs the model was fitted on (same names and order).
    row : int
        Position of the row (0-based).

    Returns
    -------
    Explanation
        Prints as a text table, shows as an HTML table in a notebook;
        ``.probabilities`` equals ``model.predict_proba(L)[row]``.

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix, WeightedMajorityVote
    >>> L = LabelMatrix.from_dense(np.array([[0, 0, 1], [1, 1, -1], [0, -1, 1]]), ["a", "b", "c"])
    >>> model = WeightedMajorityVote(weights=[1.0, 0.5, 2.0]).fit(L)
    >>> e = explain(model, L, 0)
    >>> e.lfs.loc[["a", "c"], ["vote", "contribution 0", "contribution 1"]].values.tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 2.0]]
    >>> bool(np.allclose(e.probabilities, model.predict_proba(L)[0]))
    True
    """
    if not callable(getattr(model, "predict_proba", None)) or not hasattr(model, "_check_L"):
        raise TypeError(f"model must be a fitted weaklab label model, got {type(model).__name__}")
    if not isinstance(L, LabelMatrix) and not hasattr(L, "block_rows"):
        raise TypeError(f"L must be a LabelMatrix or PartitionedLabelMatrix, got {type(L).__name__}")
    row = _check_row(row, L.n_rows)
    block, pos = _block_of(L, row)
    block = model._check_L(block)
    k, m = block.cardinality, block.n_lfs
    c = block.csr
    start, stop = int(c.indptr[pos]), int(c.indptr[pos + 1])
    votes = np.full(m, -1, np.int64)
    votes[c.indices[start:stop]] = c.data[start:stop].astype(np.int64) - 1
    prior = np.asarray(model.class_balance_, dtype=np.float64)
    prior = prior / prior.sum()
    contrib = np.zeros((m, k))
    tables = model._loglinear_tables()
    weights = model._vote_share_weights() if tables is None else None
    if tables is None and weights is None:
        raise TypeError(f"cannot explain a {type(model).__name__}: it is neither log-linear nor a vote-share model")
    voters = c.indices[start:stop]
    if stop == start:
        form, base, scores, proba = "prior", np.zeros(k), np.zeros(k), prior.copy()
    elif tables is not None:
        table, base = tables
        base = np.asarray(base, dtype=np.float64).copy()
        contrib[voters] = table[voters, votes[voters], :]
        scores = base + contrib[voters].sum(axis=0)
        shifted = np.exp(scores - scores.max())
        form, proba = "log-linear", shifted / shifted.sum()
    else:
        weights = np.asarray(weights, dtype=np.float64)
        contrib[voters, votes[voters]] = weights[votes[voters]]
        base = np.zeros(k)
        scores = contrib[voters].sum(axis=0)
        form, proba = "vote share", scores / scores.sum()
    columns = {"vote": votes, **_parameters(model, votes, k)}
    columns.update({f"contribution {y}": contrib[:, y] for y in range(k)})
    order = np.concatenate([np.flatnonzero(votes >= 0), np.flatnonzero(votes < 0)])
    names = np.asarray(block.lf_names, dtype=object)[order]
    frame = pd.DataFrame({key: value[order] for key, value in columns.items()}, index=pd.Index(names, dtype=object, name="lf"))
    return Explanation(row, _model_name(model), form, frame, base, prior, scores, proba)
