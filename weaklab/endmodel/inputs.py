"""Checking user inputs at the edge and turning them into tensors.

Everything an :class:`~weaklab.endmodel.EndModel` accepts as ``X`` passes through
:func:`as_features`, which returns either a dense ``torch.Tensor`` or a CSR matrix (both
float32, on the CPU). Sparse input stays sparse here; :func:`take_rows` densifies one
batch at a time. Label distributions and gold labels are checked by :func:`check_probs`
and :func:`check_labels`. Every error names the argument and, where it helps, the row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from .networks import SparseBatch
from .text import TextFeaturizer, as_texts, is_text

__all__ = ["Features", "as_features", "check_probs", "n_rows", "subset", "take_rows"]

Features = torch.Tensor | sp.csr_matrix
_PROB_ATOL = 1e-4
# Features are float32: a finite float64 beyond its range becomes infinite on the way.
_NON_FINITE = "NaN, infinity or a value beyond float32's range (about ±3.4e38)"


def _refuse_complex(X: object, name: str) -> None:
    """Complex input would lose its imaginary part in the float conversion, with only a warning."""
    if isinstance(X, pd.DataFrame):
        complex_columns = [c for c in X.columns if pd.api.types.is_complex_dtype(X[c])]
        if complex_columns:
            raise TypeError(f"{name} has complex columns {complex_columns[:5]}; it must hold real numbers")
        return
    dtype = getattr(X, "dtype", None)
    if (isinstance(dtype, torch.dtype) and dtype.is_complex) or (isinstance(dtype, np.dtype) and dtype.kind == "c"):
        raise TypeError(f"{name} is complex ({dtype}); it must hold real numbers")


def as_features(X: object, name: str, featurizer: TextFeaturizer | None) -> Features:
    """Check ``X`` and return it as a float32 CPU tensor or CSR matrix.

    Raw text goes through ``featurizer`` (already fitted); with a ``featurizer``, an empty
    list, tuple, 1-D array or Series is text too (no rows). A ``TypeError`` or ``ValueError``
    names ``name`` and, for non-finite values, the first bad row.
    """
    _refuse_complex(X, name)
    # An empty 1-D sequence holds no str to detect, but is valid text for a text model.
    no_texts = isinstance(X, (list, tuple, np.ndarray, pd.Series)) and np.ndim(X) == 1 and len(X) == 0
    if is_text(X) or (featurizer is not None and no_texts):
        if featurizer is None:
            raise TypeError(f"{name} is raw text but this model was trained on numeric features; pass features")
        return featurizer.transform(as_texts(X, name))
    if isinstance(X, pd.Series):
        raise TypeError(f"{name} is a pandas Series of {X.dtype}; pass text (str) or a 2-D feature matrix")
    if featurizer is not None:
        raise TypeError(f"{name} must be raw text (a sequence of str): this model was trained on text")
    if sp.issparse(X):
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got shape {X.shape}")
        csr = sp.csr_matrix(X, dtype=np.float32)  # O(nnz); never dense
        bad = ~np.isfinite(csr.data)
        if bad.any():
            row = int(np.searchsorted(csr.indptr, np.flatnonzero(bad)[0], side="right") - 1)
            raise ValueError(f"{name} contains {_NON_FINITE} (first at row {row})")
        return csr
    if isinstance(X, torch.Tensor):
        tensor = X.detach().to("cpu", torch.float32)
    elif isinstance(X, pd.DataFrame):
        non_numeric = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
        if non_numeric:
            raise TypeError(
                f"{name} has non-numeric columns {non_numeric[:5]}; pass a text column (e.g. df['text']) "
                "or numeric features"
            )
        tensor = torch.from_numpy(np.require(X.to_numpy(dtype=np.float32), requirements="W"))  # writable for torch
    else:
        try:
            array = np.asarray(X, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{name} must be a numeric 2-D array, torch tensor, scipy.sparse matrix or a sequence of str; "
                f"got {type(X).__name__} ({exc})"
            ) from exc
        tensor = torch.from_numpy(np.ascontiguousarray(array))
    if tensor.ndim != 2:
        raise ValueError(f"{name} must be 2-D (rows x features), got shape {tuple(tensor.shape)}")
    finite = torch.isfinite(tensor).all(dim=1)
    if not bool(finite.all()):
        row = int(torch.nonzero(~finite)[0, 0])
        raise ValueError(f"{name} contains {_NON_FINITE} (first at row {row})")
    return tensor


def n_rows(X: Features) -> int:
    """Number of rows of a feature matrix from :func:`as_features`."""
    return int(X.shape[0])


def take_rows(X: Features, rows: np.ndarray | slice, sparse: bool = False) -> "torch.Tensor | SparseBatch":
    """Rows of ``X`` on the CPU: a float32 tensor, or a :class:`SparseBatch` of CSR rows.

    CSR input stays sparse when ``sparse`` (for the built-in networks, whose first layer
    multiplies sparse rows); otherwise these rows only are densified.
    """
    if isinstance(X, torch.Tensor):
        return X[rows] if isinstance(rows, slice) else X[torch.from_numpy(rows)]
    block = X[rows]
    return SparseBatch(block) if sparse else torch.from_numpy(block.toarray())


def check_probs(probs: Any, n: int) -> torch.Tensor:
    """``probs`` as a float32 CPU tensor (n, k), after checking it is a label distribution."""
    if sp.issparse(probs):
        raise TypeError("probs must be a dense (n, k) array of probabilities, got a sparse matrix")
    _refuse_complex(probs, "probs")
    if isinstance(probs, torch.Tensor):
        array = probs.detach().cpu().double().numpy()
    else:
        try:
            array = np.asarray(probs, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"probs must be a numeric (n, k) array, got {type(probs).__name__}") from exc
    if array.ndim != 2:
        raise ValueError(f"probs must be 2-D (rows x classes), got shape {array.shape}")
    if array.shape[0] != n:
        raise ValueError(f"probs has {array.shape[0]} rows but X has {n}; they must match row for row")
    if array.shape[1] < 2:
        raise ValueError(f"probs must have at least 2 columns (classes), got {array.shape[1]}")
    bad = ~np.isfinite(array).all(axis=1)
    if bad.any():
        raise ValueError(f"probs contains NaN or infinity (first at row {int(np.flatnonzero(bad)[0])})")
    if (array < 0).any():
        raise ValueError(f"probs contains negative values (first at row {int(np.flatnonzero((array < 0).any(axis=1))[0])})")
    off = np.abs(array.sum(axis=1) - 1.0) > _PROB_ATOL
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise ValueError(f"probs rows must sum to 1; row {row} sums to {array[row].sum():.6g}")
    return torch.from_numpy(array.astype(np.float32))


def subset(features: Features, rows: np.ndarray) -> Features:
    """Rows of ``features``, kept in their own kind (tensor or CSR)."""
    return features[torch.from_numpy(rows)] if isinstance(features, torch.Tensor) else features[rows]
