"""Binary label matrices stored as CSV (+1 / -1 votes, 0 = abstain)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..matrix import LabelMatrix
from ..persistence import CorruptFileError, csv_row_location
from .labeled_votes import LabeledVotes

__all__ = ["load_lf_matrix_csv"]

def load_lf_matrix_csv(path: str | Path, label_column: str = "Label") -> LabeledVotes:
    """Load a binary label matrix stored as CSV with +1 / -1 votes and 0 = abstain.

    This is the layout of the regularized-data-programming sets: one column per LF
    (named ``0..m-1``), a gold column (``Label``, also +1 / -1) and optionally other
    columns (e.g. ``Snorkel``), which are ignored. Class 0 is -1 and class 1 is +1.

    Parameters
    ----------
    path : str or Path
    label_column : str
        Name of the gold column; it is never read as an LF, even if its name is a number.

    Returns
    -------
    LabeledVotes

    Raises
    ------
    weaklab.persistence.CorruptFileError
        (a ``ValueError``) the file cannot be parsed, two columns share a name, the gold
        column or the LF columns are missing, an LF column's number has a sign or
        spaces (``-1``, `` 3``), or a vote or gold cell is not one of the
        integers -1, 0, 1 (``True``, ``0.5``, an empty cell...). The message names the
        file and the column, and the line of a bad cell.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "votes.csv"
    >>> _ = path.write_text("0,1,Label\\n1,0,1\\n-1,-1,-1\\n0,1,1\\n")
    >>> votes = load_lf_matrix_csv(path)
    >>> votes.L.to_dense().tolist(), votes.y.tolist()
    ([[1, -1], [0, 0], [-1, 1]], [1, 0, 1])
    """
    try:
        # Cells as text, header as a row: pandas would rename a repeated column name
        # ("0" -> "0.1") and read True/False cells as booleans that compare equal to 1/0.
        table = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise CorruptFileError(path, f"cannot be parsed ({type(exc).__name__}: {exc})") from None
    names = table.iloc[0].tolist()
    frame = table.iloc[1:].set_axis(names, axis=1)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise CorruptFileError(path, f"the column name(s) {repeated} appear more than once; columns are {names}")
    if label_column not in names:
        raise CorruptFileError(path, f"no gold column {label_column!r}; columns are {names}")
    lf_cols = [c for c in names if c != label_column and re.fullmatch(r"\s*[-+]?[0-9]+\s*", c)]
    odd = [c for c in lf_cols if not re.fullmatch(r"[0-9]+", c)]
    if odd:
        raise CorruptFileError(path, f"LF column name(s) {odd} are not LF numbers 0, 1, ... (written without "
                               f"sign or spaces); columns are {names}")
    if not lf_cols:
        raise CorruptFileError(path, "no LF columns (columns named 0..m-1)")
    raw = np.column_stack([_plus_minus_one(frame[c], path, f"LF votes (column {c!r})") for c in lf_cols])
    gold = _plus_minus_one(frame[label_column], path, label_column)
    votes = np.where(raw == 0, -1, (raw > 0).astype(np.int64))
    y = np.where(gold == 0, -1, (gold > 0).astype(np.int64))
    L = LabelMatrix.from_dense(votes, [f"lf_{c}" for c in lf_cols], 2)
    return LabeledVotes(L=L, y=y, items=np.arange(len(frame)))


def _plus_minus_one(cells: pd.Series, path: str | Path, name: str) -> np.ndarray:
    """The text cells of one column as ints in {-1, 0, 1}; anything else names its line."""
    numbers = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isin(numbers, (-1, 0, 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise CorruptFileError(
            path, f"{csv_row_location(path, i)}: {name} must be -1, 0 (abstain) or +1; found {cells.iloc[i]!r}"
        )
    return numbers.astype(np.int64)
