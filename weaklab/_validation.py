"""Input checks every layer shares: class labels and scalar arguments.

One rule per concept: :func:`check_labels` for vectors of class labels (gold labels,
dev labels, end-model targets), :func:`check_bool`, :func:`check_int` and
:func:`check_float` for scalar arguments (both built on :func:`sklearn.utils.check_scalar`, so the messages read the
same everywhere). This module imports no other part of weaklab, so every layer may use
it; checks that need a :class:`~weaklab.LabelMatrix` live with their callers
(:mod:`weaklab.analysis.inputs`).
"""

from __future__ import annotations

import math
import numbers
import re

import numpy as np
from sklearn.utils import check_scalar

__all__ = ["check_bool", "check_float", "check_int", "check_labels"]


def check_labels(
    y: object, n: int, k: int, name: str = "y", allow_missing: bool = False
) -> np.ndarray:
    """Check a vector of class labels and return it as int64.

    Parameters
    ----------
    y : array-like of int, shape (n,)
        Labels in ``0..k-1``; ``-1`` (unknown) too when ``allow_missing``. Floats that
        hold whole numbers are accepted; a tensor is moved to the CPU first.
    n : int
        Number of rows the labels must cover.
    k : int
        Number of classes.
    name : str
        The argument's name in error messages.
    allow_missing : bool
        Accept ``-1`` for rows without a label.

    Returns
    -------
    ndarray of int64, shape (n,)

    Raises
    ------
    ValueError
        Wrong shape or a label outside the range (naming the first bad row).
    TypeError
        Labels that are not whole numbers.

    Examples
    --------
    >>> check_labels([0, 1, 1.0], n=3, k=2)
    array([0, 1, 1])
    >>> check_labels([0, 2], n=2, k=2)
    Traceback (most recent call last):
    ...
    ValueError: y[1] = 2 is outside [0, 1] for cardinality 2
    """
    if hasattr(y, "detach") and hasattr(y, "cpu"):  # a torch tensor, without importing torch
        y = y.detach().cpu().numpy()
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} labels for {n} rows")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        whole = (
            np.issubdtype(arr.dtype, np.floating)
            and bool(np.isfinite(arr).all())
            and bool(np.all(arr == np.round(arr)))
        )
        if not whole:
            raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False) if arr.size else np.zeros(0, np.int64)
    low = -1 if allow_missing else 0
    bad = np.flatnonzero((arr < low) | (arr >= k))
    if bad.size:
        raise ValueError(
            f"{name}[{bad[0]}] = {arr[bad[0]]} is outside [{low}, {k - 1}] for cardinality {k}"
        )
    return arr


def check_bool(value: object, name: str) -> bool:
    """Check a flag (``True`` or ``False``, NumPy's included) and return it as ``bool``.

    A string such as ``"False"`` is truthy, so it is refused rather than read as True.

    Parameters
    ----------
    value : object
        The argument.
    name : str
        Its name in error messages.

    Raises
    ------
    TypeError
        Anything but a bool.

    Examples
    --------
    >>> check_bool(False, "fault_tolerant")
    False
    >>> check_bool("False", "fault_tolerant")
    Traceback (most recent call last):
    ...
    TypeError: fault_tolerant must be True or False, got 'False'
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_int(
    value: object, name: str, *, min_val: int | None = None, max_val: int | None = None
) -> int:
    """Check an integer argument (booleans are refused) and return it as ``int``.

    Parameters
    ----------
    value : object
        The argument.
    name : str
        Its name in error messages.
    min_val, max_val : int, optional
        Inclusive bounds.

    Raises
    ------
    TypeError
        Not an integer (``True`` included).
    ValueError
        Outside the bounds.

    Examples
    --------
    >>> check_int(3, "max_iter", min_val=1)
    3
    >>> check_int(0, "max_iter", min_val=1)
    Traceback (most recent call last):
    ...
    ValueError: max_iter == 0, must be >= 1.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    return int(check_scalar(value, name, numbers.Integral, min_val=min_val, max_val=max_val))


def check_float(
    value: object,
    name: str,
    *,
    min_val: float | None = None,
    max_val: float | None = None,
    include_boundaries: str = "both",
) -> float:
    """Check a finite real argument (booleans are refused) and return it as ``float``.

    Parameters
    ----------
    value : object
        The argument.
    name : str
        Its name in error messages.
    min_val, max_val : float, optional
        Bounds; ``include_boundaries`` is ``"both"``, ``"left"``, ``"right"`` or
        ``"neither"`` as in :func:`sklearn.utils.check_scalar`.

    Raises
    ------
    TypeError
        Not a real number.
    ValueError
        NaN, infinite, or outside the bounds.

    Examples
    --------
    >>> check_float(0.5, "tol", min_val=0)
    0.5
    >>> check_float(float("inf"), "tol", min_val=0)
    Traceback (most recent call last):
    ...
    ValueError: tol must be finite, got inf
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    check_scalar(value, name, numbers.Real)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    check_scalar(
        value, name, numbers.Real, min_val=min_val, max_val=max_val,
        include_boundaries=include_boundaries,
    )
    return float(value)


_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


def is_fingerprint(value: object) -> bool:
    """Whether ``value`` is a fingerprint as weaklab writes them: a SHA-256 in 64 lowercase hex digits.

    Examples
    --------
    >>> is_fingerprint("0" * 64), is_fingerprint("0" * 63), is_fingerprint(None)
    (True, False, False)
    """
    return isinstance(value, str) and _FINGERPRINT.fullmatch(value) is not None
