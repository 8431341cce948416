"""LabelMatrix: conversions, column algebra, stacking and memory."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from weaklab import LabelMatrix, LFErrors


@st.composite
def dense_label_arrays(draw):
    k = draw(st.integers(2, 8))
    n = draw(st.integers(0, 30))
    m = draw(st.integers(1, 8))
    arr = draw(arrays(np.int64, (n, m), elements=st.integers(-1, k - 1)))
    return arr, k


@settings(max_examples=200, deadline=None)
@given(dense_label_arrays())
def test_dense_sparse_long_round_trip(case):
    arr, k = case
    names = [f"lf{j}" for j in range(arr.shape[1])]
    L = LabelMatrix.from_dense(arr, names, k)
    assert np.array_equal(L.to_dense(), arr)
    assert L.nnz == int((arr != -1).sum())
    assert L.csr.data.size == L.nnz and np.all(L.csr.data >= 1)  # no abstain stored
    long = L.to_long()
    assert len(long) == L.nnz
    back = LabelMatrix.from_long(long, arr.shape[0], names, k)
    assert back == L
    assert np.array_equal(LabelMatrix(L.csr, names, k).to_dense(), arr)


def test_csr_stores_label_plus_one():
    L = LabelMatrix.from_dense(np.array([[0, -1, 2]]), ["a", "b", "c"], 3)
    assert L.csr.toarray().tolist() == [[1, 0, 3]]
    assert L.csr.data.dtype == np.int8 and L.csr.indices.dtype == np.int32


def test_memory_is_proportional_to_votes_not_cells():
    n, m = 1_000_000, 200
    rng = np.random.default_rng(0)
    rows = rng.integers(0, n, 5000)
    cols = rng.integers(0, m, 5000)
    csr = sp.csr_matrix((np.ones(5000, np.int8), (rows, cols)), shape=(n, m))
    L = LabelMatrix(csr, [f"lf{j}" for j in range(m)], 2)
    # indptr dominates (8 bytes per row); nothing scales with n*m = 2e8 cells
    assert L.nbytes < 8 * (n + 1) + 5 * 5000 + 1


def test_large_cardinality_uses_int16():
    L = LabelMatrix.from_dense(np.array([[299, -1]]), ["a", "b"], 300)
    assert L.csr.data.dtype == np.int16
    assert L.to_dense().tolist() == [[299, -1]]


def test_select_drop_and_replace_by_name():
    L = LabelMatrix.from_dense(np.array([[0, 1, -1], [1, -1, 0]]), ["a", "b", "c"], 2)
    assert L.select(["c", "a"]).to_dense().tolist() == [[-1, 0], [0, 1]]
    assert L.drop(["b"]).lf_names == ("a", "c")
    new = LabelMatrix.from_dense(np.array([[1, 0], [-1, 0]]), ["b", "d"], 2)
    R = L.replace(new)
    assert R.lf_names == ("a", "b", "c", "d")
    assert R.to_dense().tolist() == [[0, 1, -1, 0], [1, -1, 0, 0]]


def test_unknown_lf_name_is_named_in_error():
    L = LabelMatrix.from_dense(np.array([[0]]), ["a"], 2)
    with pytest.raises(KeyError, match="nope"):
        L.select(["nope"])


def test_vstack_keeps_row_order_and_merges_errors():
    a = LabelMatrix(
        sp.csr_matrix(np.array([[1, 0]])), ["x", "y"], 2, {"x": LFErrors("x", 1, 0, "r0", "E: a")}
    )
    b = LabelMatrix(
        sp.csr_matrix(np.array([[0, 2], [1, 1]])), ["x", "y"], 2, {"x": LFErrors("x", 2, 1, "r2", "E: b")}
    )
    S = LabelMatrix.vstack([a, b])
    assert S.to_dense().tolist() == [[0, -1], [-1, 1], [0, 0]]
    err = S.errors["x"]
    assert (err.n_failed, err.first_row, err.first_index, err.first_error) == (3, 0, "r0", "E: a")
    err_b = LabelMatrix.vstack([b.select(["x", "y"]), a]).errors["x"]
    assert err_b.first_row == 1 and err_b.n_failed == 3


def test_vstack_rejects_different_lfs():
    a = LabelMatrix.from_dense(np.array([[0]]), ["a"], 2)
    b = LabelMatrix.from_dense(np.array([[0]]), ["b"], 2)
    with pytest.raises(ValueError, match="LF names differ"):
        LabelMatrix.vstack([a, b])


def test_row_indexing():
    L = LabelMatrix.from_dense(np.array([[0], [1], [-1]]), ["a"], 2)
    assert L[1:].to_dense().tolist() == [[1], [-1]]
    assert L[np.array([True, False, True])].to_dense().tolist() == [[0], [-1]]
    assert L[[]].shape == (0, 1)


@pytest.mark.parametrize("rows", [np.array([0.0, 1.7]), np.array([0.0, 1.0]), [1.0]])
def test_float_row_positions_are_refused(rows):
    # scipy would truncate 1.7 to row 1; NumPy refuses float indices, even whole ones
    L = LabelMatrix.from_dense(np.array([[0], [1], [-1]]), ["a"], 2)
    with pytest.raises(IndexError, match="integer positions or a boolean mask, got dtype float64"):
        L[rows]


@pytest.mark.parametrize(
    "arr, k, match",
    [
        (np.array([[2]]), 2, "outside"),
        (np.array([[-2]]), 2, "outside"),
        (np.array([[0.5]]), 2, "integers"),
        (np.array([0, 1]), 2, "2-D"),
    ],
)
def test_from_dense_rejects_bad_values(arr, k, match):
    with pytest.raises((ValueError, TypeError), match=match):
        LabelMatrix.from_dense(arr, None, k)


def test_duplicate_names_rejected():
    with pytest.raises(ValueError, match="duplicate"):
        LabelMatrix.from_dense(np.zeros((1, 2), int), ["a", "a"], 2)


def test_a_bare_string_is_refused_wherever_lf_names_are_taken():
    # "ab" would name the LFs 'a' and 'b'
    with pytest.raises(TypeError, match="lf_names must be a sequence of LF names, not the string 'ab'"):
        LabelMatrix.from_dense(np.zeros((1, 2), int), "ab", 2)
    with pytest.raises(TypeError, match="lf_names must be a sequence of LF names, not the string 'ab'"):
        LabelMatrix(sp.csr_matrix((1, 2)), "ab", 2)
    L = LabelMatrix.from_dense(np.zeros((1, 3), int), ["a", "b", "ab"], 2)
    for method in (L.select, L.drop):
        with pytest.raises(TypeError, match="names must be a sequence of LF names, not the string 'ab'"):
            method("ab")


def test_from_long_rejects_repeated_pairs():
    votes = pd.DataFrame({"row": [0, 0], "lf": ["a", "a"], "label": [0, 1]})
    with pytest.raises(ValueError, match="more than once"):
        LabelMatrix.from_long(votes, 1, ["a"], 2)


def test_csr_with_two_entries_for_one_row_and_lf_is_rejected():
    # (row 0, LF 0) stored twice: scipy would add 1 + 2 into label 2, silently.
    csr = sp.csr_matrix((np.array([1, 2, 1]), np.array([0, 0, 1]), np.array([0, 2, 3])), shape=(2, 2))
    with pytest.raises(ValueError, match="more than one entry"):
        LabelMatrix(csr, ["a", "b"], 3)


def test_coo_with_two_entries_for_one_row_and_lf_is_rejected():
    # Converting to CSR would add labels 0 and 1 (stored 1 and 2) into label 2.
    coo = sp.coo_matrix((np.array([1, 2]), (np.array([0, 0]), np.array([0, 0]))), shape=(1, 1))
    with pytest.raises(ValueError, match="more than one entry"):
        LabelMatrix(coo, ["a"], 3)


@pytest.mark.parametrize("bad", [0.5, np.nan, np.inf])
def test_non_integer_stored_values_are_rejected(bad):
    csr = sp.csr_matrix((np.array([bad, 2.0]), np.array([0, 1]), np.array([0, 2])), shape=(1, 2))
    with pytest.raises(ValueError, match="whole numbers"):
        LabelMatrix(csr, ["a", "b"], 2)


def test_the_callers_matrix_is_not_modified():
    csr = sp.csr_matrix((np.array([2, 0, 1]), np.array([1, 0, 0]), np.array([0, 2, 3])), shape=(2, 2))
    before = (csr.data.copy(), csr.indices.copy())
    L = LabelMatrix(csr, ["a", "b"], 2)
    assert L.to_dense().tolist() == [[-1, 1], [0, -1]]
    np.testing.assert_array_equal(csr.data, before[0])
    np.testing.assert_array_equal(csr.indices, before[1])


def test_csr_with_a_column_index_beyond_the_lfs_is_rejected():
    # scipy accepts this without a full check; a kernel would read past its per-LF tables.
    csr = sp.csr_matrix((np.array([1, 1]), np.array([0, 5]), np.array([0, 2])), shape=(1, 2))
    with pytest.raises(ValueError, match="invalid CSR structure"):
        LabelMatrix(csr, ["a", "b"], 2)


def test_unsorted_csr_columns_are_accepted_and_sorted():
    csr = sp.csr_matrix((np.array([1, 2, 1]), np.array([1, 0, 1]), np.array([0, 2, 3])), shape=(2, 2))
    assert LabelMatrix(csr, ["a", "b"], 2).to_dense().tolist() == [[1, 0], [-1, 0]]


def test_save_load_round_trip_keeps_errors(tmp_path):
    L = LabelMatrix(
        sp.csr_matrix(np.array([[1, 0], [0, 2]])), ["x", "y"], 3, {"x": LFErrors("x", 2, 1, "row-7", "KeyError: 'a'")}
    )
    path = L.save(tmp_path / "votes")
    back = LabelMatrix.load(path)
    assert back == L and back.errors == L.errors and back.cardinality == 3


FP_A, FP_B, FP_C = "a" * 64, "b" * 64, "c" * 64


def test_lf_fingerprints_survive_save_load_slicing_and_column_algebra(tmp_path):
    L = LabelMatrix.from_dense(np.array([[0, 1], [1, -1], [-1, 0]]), ["x", "y"])
    assert L.lf_fingerprints is None and LabelMatrix.load(L.save(tmp_path / "none")).lf_fingerprints is None
    L = LabelMatrix(L.csr, ["x", "y"], 2, lf_fingerprints=[FP_A, FP_B])
    assert LabelMatrix.load(L.save(tmp_path / "votes")).lf_fingerprints == (FP_A, FP_B)
    assert L[1:].lf_fingerprints == L[[0, 2]].lf_fingerprints == L[np.array([True, False, True])].lf_fingerprints \
        == (FP_A, FP_B)
    assert L.select(["y"]).lf_fingerprints == (FP_B,) and L.drop(["y"]).lf_fingerprints == (FP_A,)
    assert LabelMatrix.vstack([L, L[:1]]).lf_fingerprints == (FP_A, FP_B)
    z = LabelMatrix(L.csr[:, [0]], ["z"], 2, lf_fingerprints=[FP_C])
    assert L.replace(z).lf_fingerprints == (FP_A, FP_B, FP_C)
    new_y = LabelMatrix(L.csr[:, [1]], ["y"], 2, lf_fingerprints=[FP_C])
    assert L.replace(new_y).lf_fingerprints == (FP_A, FP_C)


def test_stacking_votes_of_two_versions_of_an_lf_is_refused():
    v1 = LabelMatrix.from_dense(np.array([[0, 1]]), ["x", "y"])
    v1 = LabelMatrix(v1.csr, ["x", "y"], 2, lf_fingerprints=[FP_A, FP_B])
    v2 = LabelMatrix(v1.csr, ["x", "y"], 2, lf_fingerprints=[FP_A, FP_C])
    with pytest.raises(ValueError, match=r"versions of LF\(s\) \['y'\]"):
        LabelMatrix.vstack([v1, v2])
    unknown = LabelMatrix(v1.csr, ["x", "y"], 2)
    assert LabelMatrix.vstack([v1, unknown]).lf_fingerprints is None  # unknown for some rows: unknown


@pytest.mark.parametrize("fps, message", [
    (["a" * 64], "1 LF fingerprints for 2 LFs"),
    (["a" * 64, "B" * 64], "LF 'y' must be 64 lowercase hex"),
    (["a" * 64, 7], "LF 'y' must be 64 lowercase hex"),
    ("a" * 128, "sequence of str"),
])
def test_bad_lf_fingerprints_are_refused(fps, message):
    with pytest.raises((TypeError, ValueError), match=message):
        LabelMatrix(sp.csr_matrix((1, 2)), ["x", "y"], 2, lf_fingerprints=fps)


@pytest.mark.parametrize("fps", [["a" * 64], ["a" * 64, "nothex" * 8], "a" * 64, [1, 2]])
def test_load_refuses_a_file_with_malformed_lf_fingerprints(tmp_path, fps):
    from weaklab.persistence import CorruptFileError, save_npz_json

    L = LabelMatrix.from_dense(np.array([[0, 1]]), ["x", "y"])
    meta = {"kind": "LabelMatrix", "lf_names": ["x", "y"], "cardinality": 2, "n_rows": 1, "errors": [],
            "lf_fingerprints": fps}
    c = L.csr
    path = save_npz_json(tmp_path / "bad.npz", {"data": c.data, "indices": c.indices, "indptr": c.indptr}, meta)
    with pytest.raises(CorruptFileError, match=r"bad\.npz.*lf_fingerprints"):
        LabelMatrix.load(path)


def test_load_refuses_other_weaklab_files(tmp_path):
    from weaklab.persistence import save_npz_json

    path = save_npz_json(tmp_path / "m.npz", {"a": np.zeros(1)}, {"kind": "DawidSkene"})
    with pytest.raises(ValueError, match="not a LabelMatrix"):
        LabelMatrix.load(path)


@pytest.mark.parametrize(
    "votes, message",
    [
        ({"row": [0, 1], "lf": ["a", "b"], "label": [1, 0.7]}, r"votes row 1 .*label 0\.7 is not a whole number"),
        ({"row": [0, 1.9], "lf": ["a", "b"], "label": [1, 0]}, r"votes row 1 .*row 1\.9 is not a whole number"),
        ({"row": [0, 1], "lf": ["a", "b"], "label": [1, np.nan]}, r"votes row 1 .*label nan is not a whole number"),
        ({"row": [0, 1], "lf": ["a", "b"], "label": [1, 2]}, r"votes row 1 .*label 2 is outside \[-1, 1\]"),
        ({"row": [0, 3], "lf": ["a", "b"], "label": [1, 0]}, r"votes row 1 .*row number 3 is outside"),
        ({"row": [0, -1], "lf": ["a", "b"], "label": [1, 0]}, r"votes row 1 .*row number -1 is outside"),
        ({"row": [0, 1], "lf": ["a", "zz"], "label": [1, 0]}, r"votes row 1 .*names LF 'zz'"),
        ({"row": [0, 1], "lf": ["a", "b"], "label": [1, "x"]}, r"votes row 1 .*'x' is not a number"),
    ],
)
def test_from_long_refuses_fractions_and_out_of_range_values_naming_the_vote(votes, message):
    with pytest.raises(ValueError, match=message):
        LabelMatrix.from_long(pd.DataFrame(votes), 3, ["a", "b"], 2)


def test_from_long_accepts_whole_floats_and_drops_abstains():
    votes = pd.DataFrame({"row": [0.0, 2.0, 1.0], "lf": ["a", "b", "a"], "label": [1.0, 0.0, -1.0]})
    assert LabelMatrix.from_long(votes, 3, ["a", "b"], 2).to_dense().tolist() == [[1, -1], [-1, -1], [-1, 0]]


@pytest.mark.parametrize("n_rows", [2.5, -1, True, "3"])
def test_from_long_refuses_a_bad_row_count(n_rows):
    votes = pd.DataFrame({"row": [0], "lf": ["a"], "label": [1]})
    with pytest.raises(ValueError, match="n_rows"):
        LabelMatrix.from_long(votes, n_rows, ["a"], 2)


def test_error_records_must_fit_the_rows():
    csr = sp.csr_matrix(np.array([[1], [0]]))
    with pytest.raises(ValueError, match="impossible in 2 rows"):
        LabelMatrix(csr, ["a"], 2, {"a": LFErrors("a", 5, 0, 0, "E: x")})


def test_from_long_refuses_a_pair_listed_as_vote_and_as_abstain():
    # found by tests/test_properties.py: the abstain was dropped before the repeat check
    votes = pd.DataFrame({"row": [0, 0], "lf": ["a", "a"], "label": [0, -1]})
    with pytest.raises(ValueError, match=r"votes row 1 .*same \(row, lf\) pair more than once"):
        LabelMatrix.from_long(votes, 1, ["a"], 2)


@pytest.mark.parametrize("value, message", [(True, "label True is a boolean"), ("1", "label '1' is not a number")])
def test_from_long_refuses_bools_and_strings_in_an_object_column(value, message):
    votes = pd.DataFrame({"row": [0, 1], "lf": ["a", "a"], "label": [0, value]})  # dtype object
    with pytest.raises(ValueError, match=rf"votes row 1 \(index 1\): {message}"):
        LabelMatrix.from_long(votes, 2, ["a"], 2)


@pytest.mark.parametrize("column, message", [
    ("label", r"label 18446744073709551615 is outside \[-1, 1\]"),
    ("row", r"row number 18446744073709551615 is outside \[0, 1\]"),
])
def test_from_long_checks_uint64_values_before_the_cast_to_int64(column, message):
    votes = pd.DataFrame({"row": np.array([0], np.uint64), "lf": ["a"], "label": np.array([0], np.uint64)})
    votes[column] = np.array([2**64 - 1], np.uint64)  # would wrap to -1
    with pytest.raises(ValueError, match=rf"votes row 0 \(index 0\): {message}"):
        LabelMatrix.from_long(votes, 2, ["a"], 2)


@pytest.mark.parametrize("labels, shown", [
    (np.array([[0, 2**64 - 1]], dtype=np.uint64), "18446744073709551615"),  # would wrap to -1
    (np.array([[0, 1e19]]), r"1e\+19"),  # would warn and become -2**63
])
def test_from_dense_checks_the_range_before_the_cast_to_int64(labels, shown):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=rf"label {shown} at row 0, column 1 is outside \[-1, 1\]"):
            LabelMatrix.from_dense(labels, cardinality=2)


@pytest.mark.parametrize("frame, column", [
    (pd.DataFrame({"y": pd.array([1, None, 0], dtype="Int64")}), 0),  # a float64 array
    (pd.DataFrame({"x": [0, 1, 0], "y": pd.array([1, None, 0], dtype="Int64")}), 1),  # an object array
])
def test_from_dense_names_the_cell_of_a_missing_value(frame, column):
    with pytest.raises(TypeError, match=rf"row 1, column {column} is missing"):
        LabelMatrix.from_dense(frame, cardinality=2)


def test_an_error_record_past_the_last_row_is_refused_so_save_writes_only_readable_files(tmp_path):
    csr = sp.csr_matrix(np.array([[1], [0]]))
    with pytest.raises(ValueError, match=r"from row 2, impossible in 2 rows"):
        LabelMatrix(csr, ["a"], 2, {"a": LFErrors("a", 1, 2, 2, "E: x")})  # load() refuses this record
    L = LabelMatrix(csr, ["a"], 2, {"a": LFErrors("a", 1, 1, 1, "E: x")})
    assert LabelMatrix.load(L.save(tmp_path / "votes")).errors == {"a": LFErrors("a", 1, 1, 1, "E: x")}


def test_from_dense_names_lfs_after_a_frames_string_columns():
    frame = pd.DataFrame({"keyword": [1, -1], "length": [0, 0]})
    assert LabelMatrix.from_dense(frame).lf_names == ("keyword", "length")
    assert LabelMatrix.from_dense(frame, ["a", "b"]).lf_names == ("a", "b")
    assert LabelMatrix.from_dense(pd.DataFrame([[1, -1]])).lf_names == ("lf_0", "lf_1")  # a RangeIndex of columns
