"""The array types kernels compile for, and the dense views their NumPy references use.

Numba compiles a kernel once per combination of argument types, so every kernel entry
point casts its CSR arrays to the types a :class:`~weaklab.LabelMatrix` holds (``int64``
row pointers, ``int32`` columns, ``int8`` values, ``int16`` when k > 126): a call never
compiles a variant real matrices would not need.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def csr_args(indptr, indices, data) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(indptr, indices, data)`` as contiguous ``int64``, ``int32`` and ``int8``/``int16``.

    Examples
    --------
    >>> [a.dtype.name for a in csr_args([0, 1], [0], [2])]
    ['int64', 'int32', 'int8']
    """
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    indices = np.ascontiguousarray(indices, dtype=np.int32)
    data = np.ascontiguousarray(data)
    if data.dtype not in (np.int8, np.int16):
        small = data.size == 0 or int(data.max()) < np.iinfo(np.int8).max
        data = data.astype(np.int8 if small else np.int16)
    return indptr, indices, data


def dense_votes(indptr, indices, data, n_lfs: int | None = None) -> np.ndarray:
    """The (n, m) label matrix, ``-1`` for an abstain (references only: O(n m) memory)."""
    indptr, indices, data = (np.asarray(a) for a in (indptr, indices, data))
    m = int(n_lfs) if n_lfs is not None else (int(indices.max()) + 1 if indices.size else 1)
    csr = sp.csr_matrix((data.astype(np.int64), indices, indptr), shape=(indptr.size - 1, m))
    return csr.toarray() - 1


def onehot(dense: np.ndarray, k: int) -> np.ndarray:
    """(n, m, k) one-hot votes of a dense label matrix; an abstain is all zeros."""
    return (dense[:, :, None] == np.arange(k)).astype(np.float64)
