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
