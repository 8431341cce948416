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


# ------------------------------------------------- object columns: type-tagged cells
def _obj(*values):
    return pd.DataFrame({"x": pd.Series(list(values), dtype=object)})


# Pairs that pandas' hashing took for one value (they compare or hash alike, or share
# their str form) but that an LF can tell apart.
LOOKALIKES = [
    ("None vs NaN, strings", _obj("a", None), _obj("a", np.nan)),
    ("None vs pd.NA, strings", _obj("a", None), _obj("a", pd.NA)),
    ("NaN vs NaT, strings", _obj("a", np.nan), _obj("a", pd.NaT)),
    ("None vs NaN, mixed", _obj(1, None), _obj(1, np.nan)),
    ("None vs 'None'", _obj(1, None), _obj(1, "None")),
    ("1 vs 1.0", _obj("a", 1), _obj("a", 1.0)),
    ("1 vs True", _obj("a", 1), _obj("a", True)),
    ("1.0 vs True", _obj("a", 1.0), _obj("a", True)),
    ("1 vs '1'", _obj("a", 1), _obj("a", "1")),
    ("1 vs np.int64(1)", _obj("a", 1), _obj("a", np.int64(1))),
    ("0 vs False", _obj(0, "a"), _obj(False, "a")),
    ("str vs bytes", _obj("a", "b"), _obj(b"a", b"b")),
    ("0.0 vs -0.0", _obj("a", 0.0), _obj("a", -0.0)),
    ("tuple vs its str", _obj(("a", 1), "b"), _obj("('a', 1)", "b")),
    ("(1,) vs (True,)", _obj((1,), "b"), _obj((True,), "b")),
    ("split strings", _obj(["ab", "c"]), _obj(["a", "bc"])),
    # pandas factorizes a column first: values equal to one already seen took its code.
    ("1 then True", _obj(1, True), _obj(1, 1)),
    ("1 then 1.0", _obj(1, 1.0), _obj(1, 1)),
    ("0.0 then -0.0", _obj(0.0, -0.0), _obj(0.0, 0.0)),
    ("(1,) then (True,)", _obj((1,), (True,)), _obj((1,), (1,))),
]


@pytest.mark.parametrize("a, b", [pair[1:] for pair in LOOKALIKES], ids=[pair[0] for pair in LOOKALIKES])
def test_lookalike_object_values_give_other_fingerprints(a, b):
    assert partition_fingerprint(a) != partition_fingerprint(b)
    assert partition_fingerprint(a) == partition_fingerprint(a.copy(deep=True))


def test_a_store_recomputes_when_none_became_nan(tmp_path):
    from weaklab import LabelingFunction, apply_lfs

    lf = LabelingFunction("is_none", lambda row: 1 if row.x is None else 0)
    first = _obj("a", None, "b", None)
    second = _obj("a", np.nan, "b", None)
    L = apply_lfs(first, [lf], cardinality=2, progress=False, store=tmp_path)
    assert L.to_dense()[:, 0].tolist() == [0, 1, 0, 1]
    L = apply_lfs(second, [lf], cardinality=2, progress=False, store=tmp_path)
    assert (L.run.computed, L.run.reused) == (1, 0)
    assert L.to_dense()[:, 0].tolist() == [1 if v is None else 0 for v in second.x]


# ------------------------------------------------------------- unhashable cells
def _nested_frames():
    """name -> (frame, same content built afresh, one element changed)."""
    import pyarrow as pa

    def arrow(values):
        return pd.DataFrame({"x": pd.arrays.ArrowExtensionArray(pa.array(values))})

    return {
        "lists": (_obj([1, 2], [3]), _obj([1, 2], [3]), _obj([1, 2], [4])),
        "dicts": (_obj({"a": 1}, {}), _obj({"a": 1}, {}), _obj({"a": 2}, {})),
        "sets": (_obj({"x", "y", "z"}, "a"), _obj({"z", "y", "x"}, "a"), _obj({"x", "y"}, "a")),
        "int arrays": (_obj(np.arange(3), np.arange(2)), _obj(np.arange(3), np.arange(2)),
                       _obj(np.arange(3), np.array([0, 2]))),
        "long arrays": (_obj(np.arange(2000)), _obj(np.arange(2000)),
                        _obj(np.where(np.arange(2000) == 1000, -1, np.arange(2000)))),
        "array dtypes": (_obj(np.arange(3)), _obj(np.arange(3)), _obj(np.arange(3, dtype=np.int32))),
        "object arrays": (_obj(np.array(["a", "b"], dtype=object)), _obj(np.array(["a", "b"], dtype=object)),
                          _obj(np.array(["a", "c"], dtype=object))),
        "arrow lists": (arrow([[1, 2], [3]]), arrow([[1, 2], [3]]), arrow([[1, 2], [4]])),
        "arrow structs": (arrow([{"a": 1, "b": "x"}]), arrow([{"a": 1, "b": "x"}]), arrow([{"a": 1, "b": "y"}])),
    }


@pytest.mark.parametrize("name", list(_nested_frames()))
def test_unhashable_cells_are_hashed_by_content(name):
    frame, same, changed = _nested_frames()[name]
    assert partition_fingerprint(frame) == partition_fingerprint(same)
    assert partition_fingerprint(frame) != partition_fingerprint(changed)


def test_unhashable_cells_hash_alike_in_another_process_and_hash_seed():
    import os

    code = (
        "import numpy as np, pandas as pd; from weaklab.labeling.fingerprint import partition_fingerprint as f;"
        "print(f(pd.DataFrame({'x': pd.Series([{'s', 't', 'u'}, [1, 'a', None], {'k': np.arange(3)},"
        " np.array(['p', 'q'], dtype=object), float('nan'), 1.5], dtype=object),"
        " 'c': pd.Categorical(['b', 'a', 'b', 'a', 'b', 'a'], categories=['b', 'a'])})))"
    )
    here = None
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        here = here or out.stdout.strip()
        assert out.stdout.strip() == here and len(here) == 64


@pytest.mark.parametrize("backend", ["numpy_nullable", "pyarrow"])  # cells: ndarrays, lists
def test_a_store_recomputes_a_changed_parquet_list_column(backend, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from weaklab import LabelingFunction, apply_lfs

    lf = LabelingFunction("has_3", lambda row: 1 if 3 in list(row.tags) else 0)
    store = tmp_path / "store"
    for run, tags in enumerate(([[1, 2], [3], []], [[1, 3], [4], []])):
        pq.write_table(pa.table({"tags": tags}), tmp_path / f"{run}.parquet")
        frame = pd.read_parquet(tmp_path / f"{run}.parquet", dtype_backend=backend)
        L = apply_lfs(frame, [lf], cardinality=2, progress=False, store=store)
        assert (L.run.computed, L.run.reused) == (1, 0)
        assert L.to_dense()[:, 0].tolist() == [1 if 3 in t else 0 for t in tags]
    again = apply_lfs(frame, [lf], cardinality=2, progress=False, store=store)
    assert (again.run.computed, again.run.reused) == (0, 1) and again == L


def test_a_multiindex_is_hashed_level_by_level_with_its_dtypes():
    df = pd.DataFrame({"a": [1, 2]})
    ints = df.set_axis(pd.MultiIndex.from_arrays([[1, 2], ["x", "y"]]))
    assert partition_fingerprint(ints) == partition_fingerprint(df.set_axis(pd.MultiIndex.from_arrays([[1, 2], ["x", "y"]])))
    assert partition_fingerprint(df.set_axis(pd.MultiIndex.from_arrays([[1, 3], ["x", "y"]]))) != partition_fingerprint(ints)
    bools = df.set_axis(pd.MultiIndex.from_arrays([pd.Index([True, 2], dtype=object), ["x", "y"]]))
    assert partition_fingerprint(bools) != partition_fingerprint(
        df.set_axis(pd.MultiIndex.from_arrays([pd.Index([1, 2], dtype=object), ["x", "y"]])))
