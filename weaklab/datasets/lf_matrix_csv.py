"""Binary label matrices stored as CSV (+1 / -1 votes, 0 = abstain)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..matrix import LabelMatrix
from ..persistence import CorruptFileError
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
        Name of the gold column.

    Returns
    -------
    LabeledVotes

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
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise CorruptFileError(path, f"cannot be parsed ({type(exc).__name__}: {exc})") from None
    if label_column not in frame.columns:
        raise CorruptFileError(path, f"no gold column {label_column!r}; columns are {list(frame.columns)}")
    lf_cols = [c for c in frame.columns if str(c).strip().lstrip("-").isdigit()]
    if not lf_cols:
        raise CorruptFileError(path, "no LF columns (columns named 0..m-1)")
    raw = frame[lf_cols].to_numpy()
    gold = frame[label_column].to_numpy()
    for name, arr in (("LF votes", raw), (label_column, gold)):
        bad = ~np.isin(arr, (-1, 0, 1))
        if bad.any():
            i = int(np.argwhere(bad)[0][0])
            raise CorruptFileError(
                path, f"line {i + 2}: {name} must be -1, 0 (abstain) or +1; found {np.asarray(arr[bad][0]).item()!r}"
            )
    votes = np.where(raw == 0, -1, (raw > 0).astype(np.int64))
    y = np.where(gold == 0, -1, (gold > 0).astype(np.int64))
    L = LabelMatrix.from_dense(votes, [f"lf_{c}" for c in lf_cols], 2)
    return LabeledVotes(L=L, y=y, items=np.arange(len(frame)))
