"""npz + JSON persistence without pickle."""

from __future__ import annotations

import json

import numpy as np
import pytest

from weaklab.persistence import FORMAT_VERSION, load_npz_json, save_npz_json


def test_round_trip_keeps_arrays_and_metadata(tmp_path):
    path = save_npz_json(tmp_path / "x", {"a": np.arange(3.0)}, {"name": "m", "n": 2})
    assert path.suffix == ".npz"
    arrays, meta = load_npz_json(path)
    np.testing.assert_array_equal(arrays["a"], np.arange(3.0))
    assert meta == {"name": "m", "n": 2, "format_version": FORMAT_VERSION}


def test_object_arrays_are_refused(tmp_path):
    with pytest.raises(TypeError, match="pickle"):
        save_npz_json(tmp_path / "x", {"bad": np.array([{}], dtype=object)}, {})


def test_newer_format_versions_are_refused(tmp_path):
    path = tmp_path / "future.npz"
    np.savez(path, __meta__=np.array(json.dumps({"format_version": FORMAT_VERSION + 1})))
    with pytest.raises(ValueError, match="format version"):
        load_npz_json(path)


def test_plain_npz_without_metadata_is_refused(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, a=np.zeros(2))
    with pytest.raises(ValueError, match="not a weaklab file"):
        load_npz_json(path)


# ----------------------------------------------------- corrupt and inconsistent files
import zipfile

import scipy.sparse as sp

from weaklab import CorruptFileError, LabelMatrix, LFErrors


def _saved_matrix(tmp_path):
    L = LabelMatrix(
        sp.csr_matrix(np.array([[1, 0, 2], [0, 0, 0], [3, 1, 0], [0, 2, 2]])),
        ["a", "b", "c"],
        3,
        {"b": LFErrors("b", 2, 1, 7, "KeyError: 'x'")},
    )
    return L, L.save(tmp_path / "votes")


def _rewrite(path, *, meta_changes=None, arrays_changes=None, drop=()):
    """Write a copy of a weaklab file with some header fields / arrays replaced."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    for key, value in (meta_changes or {}).items():
        meta[key] = value
    for key in drop:
        meta.pop(key, None)
        arrays.pop(key, None)
    arrays.update(arrays_changes or {})
    np.savez(path, **arrays, __meta__=np.array(json.dumps(meta)))
    return path


def test_round_trip_of_a_matrix_with_error_records(tmp_path):
    L, path = _saved_matrix(tmp_path)
    back = LabelMatrix.load(path)
    assert back == L and back.errors == L.errors


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # truncated zip
        lambda p: p.write_bytes(b""),  # empty file
        lambda p: p.write_bytes(b"PK\x03\x04" + b"\0" * 40),  # zip magic, garbage body
        lambda p: p.write_text("this is not a zip file"),
    ],
    ids=["truncated", "empty", "zip-magic-garbage", "text"],
)
def test_unreadable_files_raise_one_error_naming_the_file(tmp_path, damage):
    _, path = _saved_matrix(tmp_path)
    damage(path)
    with pytest.raises(CorruptFileError, match="votes.npz"):
        LabelMatrix.load(path)


def test_broken_json_header_names_the_file(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, __meta__=np.array("{not json"))
    with pytest.raises(CorruptFileError, match=r"m\.npz.*not valid JSON"):
        load_npz_json(path)


def test_a_member_needing_pickle_is_refused_naming_the_file(tmp_path):
    _, path = _saved_matrix(tmp_path)
    with zipfile.ZipFile(path, "a") as z:  # an object array: loading it would unpickle
        import io as _io

        buf = _io.BytesIO()
        np.save(buf, np.array([{"x": 1}], dtype=object), allow_pickle=True)
        z.writestr("evil.npy", buf.getvalue())
    with pytest.raises(CorruptFileError, match="votes.npz"):
        LabelMatrix.load(path)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"n_rows": 4.7}, "'n_rows' must be an integer"),
        ({"n_rows": -1}, "'n_rows' = -1 is outside"),
        ({"n_rows": True}, "'n_rows' must be an integer"),
        ({"n_rows": 5}, "'indptr' has shape"),
        ({"lf_names": "abc"}, "'lf_names' must be a list"),
        ({"lf_names": ["a", "b"]}, "'indices' holds"),
        ({"lf_names": ["a", "a", "c"]}, "repeats"),
        ({"lf_names": ["a", 1, "c"]}, "strings only"),
        ({"format_version": -5}, "format version -5"),
        ({"format_version": "1"}, "format version '1'"),
        ({"cardinality": 2}, "'data' holds 3, above"),
        ({"cardinality": 2.5}, "'cardinality' must be an integer"),
        ({"errors": [{"lf": "b", "n_failed": "lots", "first_row": 1, "first_index": 7, "first_error": "x"}]},
         "'n_failed' must be an integer"),
        ({"errors": [{"lf": "zz", "n_failed": 1, "first_row": 1, "first_index": 7, "first_error": "x"}]},
         "'lf' = 'zz' is not one of"),
        ({"errors": [{"lf": "b", "n_failed": 1, "first_row": 9, "first_index": 7, "first_error": "x"}]},
         "'first_row' = 9 is outside"),
        ({"errors": [{"lf": "b", "n_failed": 1}]}, "lacks"),
        ({"errors": "none"}, "'errors' must be a list"),
        ({"extra": 1}, "unknown fields \\['extra'\\]"),
        ({"kind": "DawidSkene"}, "not a LabelMatrix"),
    ],
)
def test_inconsistent_headers_are_refused_naming_file_and_field(tmp_path, changes, message):
    _, path = _saved_matrix(tmp_path)
    _rewrite(path, meta_changes=changes)
    with pytest.raises(CorruptFileError, match=message) as info:
        LabelMatrix.load(path)
    assert str(path) in str(info.value)


def test_a_missing_header_field_is_named(tmp_path):
    _, path = _saved_matrix(tmp_path)
    _rewrite(path, drop=["n_rows"])
    with pytest.raises(CorruptFileError, match="no 'n_rows' field"):
        LabelMatrix.load(path)


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"data": np.array([1.0, 2, 3, 1, 2, 2])}, "'data' must hold integers"),
        ({"data": np.array([1, 2, 3, 1, 2])}, "'data' has shape"),
        ({"data": np.array([1, 2, 0, 1, 2, 2])}, "'data' holds 0, below"),
        ({"indices": np.array([0, 2, 0, 1, 1, 3])}, "'indices' holds 3, above"),
        ({"indices": np.array([2, 0, 0, 1, 1, 2])}, "not strictly increasing"),
        ({"indices": np.array([0, 0, 0, 1, 1, 2])}, "not strictly increasing"),
        ({"indptr": np.array([0, 2, 1, 4, 6])}, "never decrease"),
        ({"indptr": np.array([1, 2, 2, 4, 6])}, "start at 0"),
        ({"indptr": np.array([[0, 2, 2, 4, 6]])}, "'indptr' has shape"),
        ({"surplus": np.zeros(3)}, "unknown arrays \\['surplus'\\]"),
    ],
)
def test_arrays_that_disagree_with_the_header_are_refused(tmp_path, arrays, message):
    _, path = _saved_matrix(tmp_path)
    _rewrite(path, arrays_changes=arrays)
    with pytest.raises(CorruptFileError, match=message):
        LabelMatrix.load(path)


def test_a_missing_array_is_named(tmp_path):
    _, path = _saved_matrix(tmp_path)
    _rewrite(path, drop=["indices"])
    with pytest.raises(CorruptFileError, match="array 'indices' is missing"):
        LabelMatrix.load(path)


def test_nan_in_a_header_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, __meta__=np.array('{"format_version": 1, "x": NaN}'))
    with pytest.raises(CorruptFileError, match="NaN"):
        load_npz_json(path)


def test_a_missing_file_stays_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        LabelMatrix.load(tmp_path / "absent.npz")


def test_corrupt_file_error_survives_pickling():
    import pickle

    err = pickle.loads(pickle.dumps(CorruptFileError("x.npz", "bad")))
    assert isinstance(err, CorruptFileError) and err.path == "x.npz" and str(err) == "x.npz: bad"


def test_unsigned_csr_arrays_in_range_load(tmp_path):
    # found by tests/test_properties.py: uint64 arrays reached np.repeat and raised a raw TypeError
    L, path = _saved_matrix(tmp_path)
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    _rewrite(path, arrays_changes={name: arrays[name].astype(np.uint64) for name in ("data", "indices", "indptr")})
    assert LabelMatrix.load(path) == L


def test_a_member_with_a_damaged_npy_header_is_refused(tmp_path):
    # found by tests/test_properties.py: np.load returned the member as bytes (AttributeError)
    _, path = _saved_matrix(tmp_path)
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    with zipfile.ZipFile(path, "w") as z:
        for name, value in arrays.items():
            import io as _io

            buf = _io.BytesIO()
            np.save(buf, value)
            raw = buf.getvalue()
            z.writestr(name + ".npy", b"\0" * 6 + raw[6:] if name == "indices" else raw)
    with pytest.raises(CorruptFileError, match="member 'indices' is not a NumPy array"):
        LabelMatrix.load(path)
