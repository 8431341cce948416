"""The shared input checks: one rule for class labels, one for scalar arguments."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from weaklab._validation import check_float, check_int, check_labels


def test_labels_come_back_as_int64_from_lists_floats_and_tensors():
    for y in ([1, 0, 1], np.array([1.0, 0.0, 1.0]), torch.tensor([1, 0, 1])):
        out = check_labels(y, 3, 2)
        assert out.dtype == np.int64 and out.tolist() == [1, 0, 1]


@pytest.mark.parametrize(
    ("y", "error", "match"),
    [
        ([0, 1], ValueError, "y has 2 labels for 3 rows"),
        ([[0], [1], [0]], ValueError, "must be 1-D"),
        ([0, 1.5, 1], TypeError, "integer class labels"),
        ([0, np.inf, 1], TypeError, "integer class labels"),
        ([0, np.nan, 1], TypeError, "integer class labels"),
        (["a", "b", "c"], TypeError, "integer class labels"),
        ([0, 1, 2], ValueError, r"y\[2\] = 2 is outside \[0, 1\]"),
        ([0, -1, 1], ValueError, r"y\[1\] = -1 is outside \[0, 1\]"),
    ],
)
def test_bad_labels_are_refused_naming_the_row(y, error, match):
    with pytest.raises(error, match=match):
        check_labels(y, 3, 2)


def test_missing_labels_only_when_allowed():
    assert check_labels([0, -1, 1], 3, 2, allow_missing=True).tolist() == [0, -1, 1]
    with pytest.raises(ValueError, match=r"Y_dev\[0\] = -2"):
        check_labels([-2, 0, 1], 3, 2, name="Y_dev", allow_missing=True)


def test_int_check_refuses_booleans_floats_and_out_of_range():
    assert check_int(np.int64(4), "n", min_val=1) == 4
    assert type(check_int(np.int64(4), "n")) is int
    with pytest.raises(TypeError, match="n must be an int"):
        check_int(True, "n")
    with pytest.raises(TypeError, match="n must be an instance of int"):
        check_int(2.0, "n")
    with pytest.raises(ValueError, match="n == 0, must be >= 1"):
        check_int(0, "n", min_val=1)
    with pytest.raises(ValueError, match="n == 9, must be <= 8"):
        check_int(9, "n", max_val=8)


def test_float_check_refuses_nan_infinity_and_out_of_range():
    assert check_float(3, "lr", min_val=0, include_boundaries="neither") == 3.0
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match="lr must be finite"):
            check_float(bad, "lr")
    with pytest.raises(ValueError, match="lr == 0.0, must be > 0"):
        check_float(0.0, "lr", min_val=0, include_boundaries="neither")
    with pytest.raises(TypeError, match="lr must be a real number"):
        check_float(False, "lr")
    with pytest.raises(TypeError):
        check_float("0.1", "lr")
