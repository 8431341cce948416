"""Tests for weaklab.drilldown.lf_examples on a small hand-checked matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weaklab import LabelMatrix
from weaklab.analysis.drilldown import lf_examples

DENSE = np.array(
    [
        [-1, 0, 0],
        [-1, -1, -1],
        [1, 0, -1],
        [-1, 0, -1],
        [0, 0, 0],
    ]
)
GOLD = np.array([0, 1, 1, 0, 1])


@pytest.fixture
def L():
    return LabelMatrix.from_dense(DENSE, ["a", "b", "c"], 2)


@pytest.mark.parametrize(
    "lf, kind, rows",
    [
        ("a", "conflict", [2]),
        ("b", "conflict", [2]),
        ("c", "conflict", []),
        ("b", "only", [3]),
        ("a", "only", []),
        ("a", "error", [4]),
        ("b", "error", [2, 4]),
        ("c", "vote", [0, 4]),
    ],
)
def test_single_lf_rows(L, lf, kind, rows):
    out = lf_examples(L, lf, kind, y=GOLD)
    assert out["row"].tolist() == rows
    assert out.attrs["n_matches"] == len(rows)


@pytest.mark.parametrize(
    "lf, other, kind, rows",
    [
        ("a", "b", "conflict", [2]),
        ("b", "c", "conflict", []),
        ("b", "c", "only", [0]),
        ("b", "c", "error", [4]),
        ("a", "b", "vote", [2, 4]),
    ],
)
def test_pair_rows(L, lf, other, kind, rows):
    assert lf_examples(L, lf, kind, other=other, y=GOLD)["row"].tolist() == rows


def test_columns_show_votes_and_gold(L):
    out = lf_examples(L, "a", "conflict", other="b", y=GOLD)
    assert list(out.columns) == ["row", "a", "b", "n_votes", "votes", "gold"]
    assert out.iloc[0].tolist() == [2, 1, 0, 2, "a=1, b=0", 1]


def test_lf_can_be_given_by_position(L):
    assert lf_examples(L, 1, "only")["row"].tolist() == [3]


def test_joins_user_data_and_uses_its_index(L):
    data = pd.DataFrame({"text": list("vwxyz"), "row": range(10, 15)}, index=[f"r{i}" for i in range(5)])
    out = lf_examples(L, "b", "error", y=GOLD, data=data)
    assert list(out.index) == ["r2", "r4"]
    assert out["text"].tolist() == ["x", "z"]
    assert out["data.row"].tolist() == [12, 14]
    assert out["row"].tolist() == [2, 4]


def test_joins_a_series(L):
    out = lf_examples(L, "c", "vote", data=pd.Series(list("vwxyz"), name="text"))
    assert out["text"].tolist() == ["v", "z"]


def test_sample_is_capped_seeded_and_sorted():
    rng = np.random.default_rng(0)
    dense = rng.integers(-1, 2, size=(2000, 4))
    L = LabelMatrix.from_dense(dense, list("abcd"), 2)
    everything = lf_examples(L, "a", "conflict", n=None)
    first = lf_examples(L, "a", "conflict", n=7, seed=3)
    again = lf_examples(L, "a", "conflict", n=7, seed=3)
    other = lf_examples(L, "a", "conflict", n=7, seed=4)
    assert len(first) == 7 and first.attrs["n_matches"] == len(everything) > 7
    assert first["row"].tolist() == again["row"].tolist() != other["row"].tolist()
    assert first["row"].is_monotonic_increasing
    assert set(first["row"]) <= set(everything["row"])


def test_single_lf_conflict_agrees_with_dense_definition():
    rng = np.random.default_rng(1)
    dense = rng.integers(-1, 3, size=(500, 5))
    L = LabelMatrix.from_dense(dense, list("abcde"), 3)
    mine = dense[:, 0]
    others = dense[:, 1:]
    expected = np.flatnonzero((mine >= 0) & ((others >= 0) & (others != mine[:, None])).any(axis=1))
    assert lf_examples(L, "a", "conflict", n=None)["row"].tolist() == expected.tolist()


def test_rejects_unknown_lf(L):
    with pytest.raises(ValueError, match="lf='zzz' is not an LF"):
        lf_examples(L, "zzz")


def test_rejects_out_of_range_position(L):
    with pytest.raises(ValueError, match="other=7"):
        lf_examples(L, "a", other=7)


def test_rejects_same_lf_twice(L):
    with pytest.raises(ValueError, match="different LF"):
        lf_examples(L, "a", other="a")


def test_error_kind_needs_gold(L):
    with pytest.raises(ValueError, match="pass y"):
        lf_examples(L, "a", "error")


def test_rejects_unknown_kind(L):
    with pytest.raises(ValueError, match="kind must be one of"):
        lf_examples(L, "a", "wrong")


def test_rejects_data_of_wrong_length(L):
    with pytest.raises(ValueError, match="data has 2 rows"):
        lf_examples(L, "a", data=pd.DataFrame({"t": [1, 2]}))


def test_rejects_negative_n(L):
    with pytest.raises(ValueError, match="n == -1, must be >= 0"):
        lf_examples(L, "a", n=-1)
