"""Drill-down: the rows behind an LF's statistics, next to the user's own data.

:func:`lf_examples` answers "show me where this LF conflicts / errs / is the only vote"
(or, for a pair of LFs, where the two disagree / both err / are the only votes), as a
DataFrame that joins the votes with the user's rows, sampled reproducibly with a seed.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..kernels import rows_with_other_label
from .._validation import check_int
from .inputs import check_gold, check_matrix, resolve_lf
from ..matrix import LabelMatrix

__all__ = ["EXAMPLE_KINDS", "lf_examples"]

EXAMPLE_KINDS = ("conflict", "error", "only", "vote")


def _column_votes(L: LabelMatrix, j: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows (sorted) where LF ``j`` votes, and its labels there."""
    c = L.csr
    pos = np.flatnonzero(c.indices == j)
    rows = np.searchsorted(c.indptr, pos, side="right") - 1
    return rows.astype(np.int64), c.data[pos].astype(np.int64) - 1


def _votes_text(L: LabelMatrix, rows: np.ndarray) -> list[str]:
    """``"lf_a=1, lf_b=0"`` for each listed row (abstains left out)."""
    sub = L.csr[rows]
    names = L.lf_names
    out = []
    for i in range(sub.shape[0]):
        a, b = sub.indptr[i], sub.indptr[i + 1]
        out.append(", ".join(f"{names[j]}={int(v) - 1}" for j, v in zip(sub.indices[a:b], sub.data[a:b])))
    return out


def lf_examples(
    L: LabelMatrix,
    lf: str | int,
    kind: str = "conflict",
    *,
    other: str | int | None = None,
    y: Sequence[int] | np.ndarray | None = None,
    data: pd.DataFrame | pd.Series | None = None,
    n: int | None = 10,
    seed: int = 0,
) -> pd.DataFrame:
    """Rows where an LF (or a pair of LFs) conflicts, errs, or is the only vote.

    Parameters
    ----------
    L : LabelMatrix
    lf : str or int
        The LF, by name or column position.
    kind : {"conflict", "error", "only", "vote"}
        Which rows to return. For a single LF: rows where it votes and another LF votes
        a different label (``"conflict"``); where its vote differs from the known gold
        label (``"error"``, needs ``y``); where it is the only vote (``"only"``); or
        all rows it votes on (``"vote"``). With ``other``: rows where both vote and
        disagree; where both vote and both are wrong (shared mistakes, a sign of
        correlated LFs); where they are the only two votes; where both vote.
    other : str or int, optional
        A second LF, to look at the pair.
    y : array-like of int, shape (n,), optional
        Gold labels, ``-1`` where unknown. Required for ``kind="error"``; shown as a
        ``gold`` column when given.
    data : pandas.DataFrame or Series, optional
        The user's rows, in the order of ``L``'s rows. Its columns are joined to the
        result and its index labels the result's rows.
    n : int or None
        At most this many rows, drawn uniformly without replacement (returned in row
        order). ``None`` returns every match.
    seed : int
        Seed of the sample; the same seed gives the same rows.

    Returns
    -------
    pandas.DataFrame
        Columns ``row`` (position in ``L``), the vote of ``lf`` (and of ``other``) under
        the LF's name, ``n_votes`` (non-abstain votes on the row), ``votes`` (all of the
        row's votes as ``"name=label, ..."``), ``gold`` when ``y`` is given, then the
        columns of ``data``; a data column whose name clashes with one of these gets a
        ``data.`` prefix. ``result.attrs["n_matches"]`` holds the number of rows that
        matched before sampling.

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> L = LabelMatrix.from_dense(np.array([[0, 1], [1, 1], [0, -1]]), ["a", "b"])
    >>> lf_examples(L, "a", "conflict")[["row", "a", "votes"]]  # doctest: +NORMALIZE_WHITESPACE
       row  a        votes
    0    0  0  a=0, b=1
    """
    L = check_matrix(L)
    j = resolve_lf(L, lf, "lf")
    o = None if other is None else resolve_lf(L, other, "other")
    if o is not None and o == j:
        raise ValueError(f"other must be a different LF than lf; both are {L.lf_names[j]!r}")
    if kind not in EXAMPLE_KINDS:
        raise ValueError(f"kind must be one of {EXAMPLE_KINDS}, got {kind!r}")
    gold = None if y is None else check_gold(y, L)
    if kind == "error" and gold is None:
        raise ValueError('kind="error" needs gold labels: pass y')
    if n is not None:
        check_int(n, "n", min_val=0)
    if data is not None:
        if not isinstance(data, (pd.DataFrame, pd.Series)):
            raise TypeError(f"data must be a pandas DataFrame or Series, got {type(data).__name__}")
        if len(data) != L.n_rows:
            raise ValueError(f"data has {len(data)} rows but L has {L.n_rows}")

    c = L.csr
    row_nnz = np.diff(c.indptr)
    rows, labels = _column_votes(L, j)
    other_labels = None
    if o is None:
        if kind == "conflict":
            keep = rows_with_other_label(c.indptr, c.data, rows, labels + 1)
        elif kind == "error":
            g = gold[rows]
            keep = (g >= 0) & (g != labels)
        elif kind == "only":
            keep = row_nnz[rows] == 1
        else:
            keep = np.ones(rows.size, bool)
    else:
        rows_o, labels_o = _column_votes(L, o)
        rows, ij, io = np.intersect1d(rows, rows_o, assume_unique=True, return_indices=True)
        labels, other_labels = labels[ij], labels_o[io]
        if kind == "conflict":
            keep = labels != other_labels
        elif kind == "error":
            g = gold[rows]
            keep = (g >= 0) & (g != labels) & (g != other_labels)
        elif kind == "only":
            keep = row_nnz[rows] == 2
        else:
            keep = np.ones(rows.size, bool)
    rows, labels = rows[keep], labels[keep]
    if other_labels is not None:
        other_labels = other_labels[keep]
    n_matches = int(rows.size)
    if n is not None and rows.size > n:
        pick = np.sort(np.random.default_rng(seed).choice(rows.size, size=n, replace=False))
        rows, labels = rows[pick], labels[pick]
        if other_labels is not None:
            other_labels = other_labels[pick]

    cols: dict[str, object] = {"row": rows, L.lf_names[j]: labels}
    if o is not None:
        cols[L.lf_names[o]] = other_labels
    cols["n_votes"] = row_nnz[rows].astype(np.int64)
    cols["votes"] = _votes_text(L, rows)
    if gold is not None:
        cols["gold"] = gold[rows]
    out = pd.DataFrame(cols)
    if data is not None:
        extra = data.iloc[rows]
        if isinstance(extra, pd.Series):
            extra = extra.to_frame(name=extra.name if extra.name is not None else "data")
        extra = extra.rename(columns=lambda col: f"data.{col}" if col in cols else col)
        index = extra.index
        out = pd.concat([out, extra.reset_index(drop=True)], axis=1)
        out.index = index
    out.attrs["n_matches"] = n_matches
    return out
