"""Partition fingerprints: equal content gives equal fingerprints, any changed cell a new one."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from weaklab.labeling.fingerprint import DEFAULT_CHUNK_ROWS, chunk_bounds, partition_fingerprint


def _frame(n=500, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "text": [f"comment {i} {'x' * (i % 7)}" for i in range(n)],
            "score": rng.normal(size=n),
            "count": rng.integers(0, 100, n),
            "flag": rng.random(n) < 0.5,
            "when": pd.date_range("2024-01-01", periods=n, freq="h"),
            "kind": pd.Categorical(rng.choice(["a", "b", "c"], n)),
            "obj": pd.Series([("t", i % 3) if i % 2 else None for i in range(n)], dtype=object),
        }
    )


def test_same_content_same_fingerprint_however_built():
    df = _frame()
    rebuilt = pd.DataFrame({c: list(df[c]) for c in df.columns}).astype(df.dtypes.to_dict())
    assert partition_fingerprint(df) == partition_fingerprint(rebuilt)
    # A slice (Arrow buffers with an offset) equals the same rows built afresh.
    part = df.iloc[100:200]
    fresh = pd.DataFrame({c: list(part[c]) for c in df.columns}, index=part.index).astype(df.dtypes.to_dict())
    assert partition_fingerprint(part) == partition_fingerprint(fresh)


@pytest.mark.parametrize("column", ["text", "score", "count", "flag", "when", "kind", "obj"])
def test_one_changed_cell_changes_the_fingerprint(column):
    df = _frame()
    changed = df.copy()
    other = df[column].iloc[7] if column != "kind" else ("b" if df["kind"].iloc[3] != "b" else "c")
    if column == "obj":
        other = ("changed", 1)
    changed.iloc[3, df.columns.get_loc(column)] = other
    assert not changed[column].equals(df[column])
    assert partition_fingerprint(changed) != partition_fingerprint(df)


def test_index_names_order_length_and_dtype_count():
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    base = partition_fingerprint(df)
    assert partition_fingerprint(df.set_axis([0, 1, 5])) != base  # index values
    assert partition_fingerprint(df.rename(columns={"a": "c"})) != base  # column name
    assert partition_fingerprint(df[["b", "a"]]) != base  # column order
    assert partition_fingerprint(df.iloc[:2]) != base  # length
    assert partition_fingerprint(df.astype({"a": "int32"})) != base  # dtype
    nulls = pd.DataFrame({"t": pd.array(["a", None], dtype="string[pyarrow]")})
    empty = pd.DataFrame({"t": pd.array(["a", ""], dtype="string[pyarrow]")})
    assert partition_fingerprint(nulls) != partition_fingerprint(empty)


def test_fingerprint_is_stable_across_processes():
    code = (
        "import pandas as pd; from weaklab.labeling.fingerprint import partition_fingerprint as f;"
        "print(f(pd.DataFrame({'text': ['a', 'bb', None], 'n': [1.5, 2.0, 3.0]})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    here = partition_fingerprint(pd.DataFrame({"text": ["a", "bb", None], "n": [1.5, 2.0, 3.0]}))
    assert out == here and len(here) == 64


def test_chunk_bounds_and_bad_arguments():
    assert chunk_bounds(5, 2) == [(0, 2), (2, 4), (4, 5)]
    assert chunk_bounds(4, 2) == [(0, 2), (2, 4)]
    assert chunk_bounds(3) == [(0, 3)] and DEFAULT_CHUNK_ROWS == 100_000
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="chunk_rows"):
            chunk_bounds(5, bad)
    with pytest.raises(TypeError, match="DataFrame"):
        partition_fingerprint([1, 2])


# ----------------------------------------------------------------- categoricals
def _cat(values, categories, ordered=False, dtype=None):
    cats = pd.Index(categories, dtype=dtype) if dtype else categories
    return pd.DataFrame({"c": pd.Categorical(values, categories=cats, ordered=ordered)})


def test_categories_their_order_dtype_and_ordered_count():
    base = _cat(["a", "b", "a"], ["a", "b"])
    assert partition_fingerprint(base) == partition_fingerprint(_cat(["a", "b", "a"], ["a", "b"]))
    # Same values, other codes: a batch LF reading .cat.codes sees other input.
    assert partition_fingerprint(_cat(["a", "b", "a"], ["b", "a"])) != partition_fingerprint(base)
    assert partition_fingerprint(_cat(["a", "b", "a"], ["a", "b", "z"])) != partition_fingerprint(base)
    assert partition_fingerprint(_cat(["a", "b", "a"], ["a", "b"], ordered=True)) != partition_fingerprint(base)
    ints = _cat([1, 2], [1, 2], dtype="int64")
    assert partition_fingerprint(_cat([1, 2], [1, 2], dtype="int32")) != partition_fingerprint(ints)
    assert partition_fingerprint(_cat([1, 2], [2, 1], dtype="int64")) != partition_fingerprint(ints)


def test_a_store_recomputes_when_only_the_category_order_changed(tmp_path):
    from weaklab import LabelingFunction, apply_lfs

    lf = LabelingFunction("code", lambda frame: np.where(frame.c.cat.codes == 0, 1, 0), batch=True)
    values = ["a", "b", "b", "a", "b"]
    first = _cat(values, ["a", "b"])
    second = _cat(values, ["b", "a"])
    L = apply_lfs(first, [lf], cardinality=2, progress=False, store=tmp_path)
    assert L.to_dense()[:, 0].tolist() == [1, 0, 0, 1, 0]
    L = apply_lfs(second, [lf], cardinality=2, progress=False, store=tmp_path)
    assert (L.run.computed, L.run.reused) == (1, 0)
    assert L.to_dense()[:, 0].tolist() == [0 if v == "a" else 1 for v in values]
