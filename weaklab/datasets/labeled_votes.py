"""The result type of the loaders for non-WRENCH formats: votes, gold labels, item ids."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..matrix import LabelMatrix

__all__ = ["LabeledVotes"]

@dataclass(frozen=True)
class LabeledVotes:
    """A label matrix with gold labels, read from a non-WRENCH file format.

    Attributes
    ----------
    L : LabelMatrix
    y : numpy.ndarray of int
        Gold class per row (``-1`` where the source has none).
    items : numpy.ndarray
        The source's identifier of each row (row number for CSV matrices).

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> votes = LabeledVotes(LabelMatrix.from_dense(np.array([[1, 0]])), np.array([1]), np.array(["item-7"]))
    >>> votes.L.shape, votes.y.tolist(), votes.items.tolist()
    ((1, 2), [1], ['item-7'])
    """

    L: LabelMatrix
    y: np.ndarray
    items: np.ndarray
