"""Property-based tests of the public entry points against hostile input.

Every entry point is fed generated input, valid and invalid (mutated saved files
included), and must keep one contract: either it refuses the input with a ``ValueError``
/ ``TypeError`` (``LFApplicationError`` and ``CorruptFileError`` for LFs and files)
whose message names the argument, LF, row or file at fault, or it returns a valid
result: a matrix equal to a reference built here independently (plain loops), or
probabilities that are finite, in [0, 1] and sum to 1 per row. Never NaN, never a
silently shifted row.

Each property runs twice: bounded (``CI_RUNS`` examples, the whole module in well under
two minutes on two cores) and, marked ``slow``, with ``SLOW_RUNS`` examples. Run with
``--hypothesis-show-statistics`` to see how many cases each property generated.
"""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import weaklab
from weaklab import (
    ABSTAIN,
    CorruptFileError,
    LabelMatrix,
    LFApplicationError,
    apply_lfs,
    labeling_function,
)

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]


def _profile(runs: int) -> settings:
    return settings(max_examples=runs, deadline=None, suppress_health_check=_HEALTH, print_blob=True)


def _twice(check, ci: int, slow: int):
    """A property ``check(data)`` as a bounded test and a ``slow`` one with more examples."""

    @_profile(ci)
    @given(st.data())
    def bounded(tmp_path_factory, data):
        check(data, tmp_path_factory)

    @pytest.mark.slow
    @_profile(slow)
    @given(st.data())
    def larger(tmp_path_factory, data):
        check(data, tmp_path_factory)

    bounded.__doc__ = larger.__doc__ = check.__doc__
    return bounded, larger


def _refusal(exc: BaseException, *names: object) -> None:
    """``exc`` is a clear refusal: its message names one of ``names`` (case-insensitive)."""
    message = str(exc).lower()
    assert any(str(n).lower() in message for n in names), f"{type(exc).__name__}: {exc!r} names none of {names}"


def _valid_probabilities(proba: object, n: int, k: int) -> None:
    proba = np.asarray(proba)
    assert proba.shape == (n, k), proba.shape
    assert np.all(np.isfinite(proba)), "non-finite probabilities"
    assert np.all((proba >= 0) & (proba <= 1)), "probabilities outside [0, 1]"
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)


def _is_whole(value: object) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, np.integer)):
        return True
    return isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer()


# ---------------------------------------------------------------- label matrices
CELL = st.one_of(
    st.integers(-1, 4),
    st.integers(-1, 4),
    st.integers(-3, 40),
    st.sampled_from([0.0, 1.0, 0.7, 1.9, -0.5, float("nan"), float("inf")]),
)


def check_from_dense(data, _tmp) -> None:
    """from_dense accepts exactly whole numbers in [-1, k-1] and keeps every cell."""
    n = data.draw(st.integers(0, 8), label="n")
    m = data.draw(st.integers(1, 5), label="m")
    k = data.draw(st.one_of(st.integers(2, 5), st.sampled_from([None, 1, 0, 2.0, True])), label="k")
    cells = data.draw(st.lists(st.lists(CELL, min_size=m, max_size=m), min_size=n, max_size=n), label="cells")
    arr = np.array(cells, dtype=np.float64).reshape(n, m)
    if all(isinstance(c, int) for row in cells for c in row):
        arr = arr.astype(np.int64)
    names = data.draw(st.one_of(st.none(), st.lists(st.sampled_from("abcdef"), min_size=m - 1, max_size=m + 1)))
    flat = arr.ravel().tolist()
    effective_k = k if k is not None else max(2, int(max(flat, default=0)) + 1) if all(map(_is_whole, flat)) else 2
    valid = (
        all(_is_whole(v) for v in flat)
        and isinstance(effective_k, int) and not isinstance(effective_k, bool) and effective_k >= 2
        and all(-1 <= v < effective_k for v in flat)
        and (names is None or (len(names) == m and len(set(names)) == m))
    )
    try:
        L = LabelMatrix.from_dense(arr, names, k)
    except (ValueError, TypeError) as exc:
        assert not valid, f"valid input refused: {exc}"
        _refusal(exc, "label", "cardinality", "names", "integers")
        return
    assert valid, "invalid input accepted"
    assert L.shape == (n, m) and L.cardinality == effective_k
    for i in range(n):
        for j in range(m):
            assert L.to_dense()[i, j] == int(arr[i, j])


def check_from_long(data, _tmp) -> None:
    """from_long accepts exactly in-range whole numbers, known LFs and unique pairs."""
    n = data.draw(st.integers(0, 6), label="n_rows")
    names = ["a", "b", "c"]
    k = data.draw(st.integers(2, 4), label="k")
    vote = st.tuples(
        st.one_of(st.integers(-1, n), st.sampled_from([0.0, 1.9, -0.0, float("nan")])),
        st.sampled_from(names + ["zz"]),
        st.one_of(st.integers(-2, k), st.sampled_from([0.0, 0.7, 1.0, float("nan")])),
    )
    votes = data.draw(st.lists(vote, max_size=10), label="votes")
    frame = pd.DataFrame(votes, columns=["row", "lf", "label"]) if votes else pd.DataFrame(
        {"row": pd.Series([], dtype=np.int64), "lf": pd.Series([], dtype=object), "label": pd.Series([], dtype=np.int64)}
    )
    pairs = [(r, lf) for r, lf, _ in votes]
    valid = (
        all(_is_whole(r) and 0 <= r < n for r, _, _ in votes)
        and all(lf in names for _, lf, _ in votes)
        and all(_is_whole(v) and -1 <= v < k for _, _, v in votes)
        and len(set(pairs)) == len(pairs)
    )
    try:
        L = LabelMatrix.from_long(frame, n, names, k)
    except (ValueError, TypeError) as exc:
        assert not valid, f"valid votes refused: {exc}"
        _refusal(exc, "votes row", "same (row, lf) pair")
        return
    assert valid, f"invalid votes accepted: {votes}"
    expected = [[-1] * len(names) for _ in range(n)]
    for r, lf, v in votes:
        expected[int(r)][names.index(lf)] = int(v)
    assert L.to_dense().tolist() == expected


def check_sparse_constructor(data, _tmp) -> None:
    """LabelMatrix(csr) accepts exactly stored values 1..k, one per (row, LF), in bounds."""
    n = data.draw(st.integers(1, 6), label="n")
    m = data.draw(st.integers(1, 4), label="m")
    k = data.draw(st.integers(2, 4), label="k")
    triples = data.draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1), st.integers(-1, k + 1)), max_size=12),
        label="triples",
    )
    fmt = data.draw(st.sampled_from(["coo", "csr", "csc"]), label="format")
    rows = np.array([t[0] for t in triples], dtype=np.int64)
    cols = np.array([t[1] for t in triples], dtype=np.int64)
    vals = np.array([t[2] for t in triples], dtype=np.int64)
    coo = sp.coo_matrix((vals, (rows, cols)), shape=(n, m))
    matrix = coo if fmt == "coo" else coo.asformat(fmt)  # csr/csc conversion sums repeated pairs
    if fmt == "coo":
        cells: dict = {}
        for r, c, v in triples:
            cells.setdefault((r, c), []).append(v)
        repeated = any(len(vs) > 1 for vs in cells.values())
        final = {rc: vs[0] for rc, vs in cells.items()}
    else:
        summed: dict = {}
        for r, c, v in triples:
            summed[(r, c)] = summed.get((r, c), 0) + v
        repeated, final = False, summed
    valid = not repeated and all(0 <= v <= k for v in final.values())
    try:
        L = LabelMatrix(matrix, [f"lf{j}" for j in range(m)], k)
    except (ValueError, TypeError) as exc:
        assert not valid, f"valid matrix refused: {exc}"
        _refusal(exc, "stored CSR values", "more than one entry", "label + 1")
        return
    assert valid, "invalid matrix accepted"
    expected = [[-1] * m for _ in range(n)]
    for (r, c), v in final.items():
        expected[r][c] = v - 1
    assert L.to_dense().tolist() == expected


test_from_dense_property, test_from_dense_property_slow = _twice(check_from_dense, 60, 300)
test_from_long_property, test_from_long_property_slow = _twice(check_from_long, 60, 300)
test_sparse_constructor_property, test_sparse_constructor_property_slow = _twice(check_sparse_constructor, 60, 300)


# ------------------------------------------------------- saved matrices, mutated
JSON_VALUE = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-3, 10), st.sampled_from([4.7, -5.0, 2.0, 1e300]),
        st.sampled_from(["abc", "", "LabelMatrix", "lots"]),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(list("abc")), inner, max_size=3)),
    max_leaves=6,
)


@st.composite
def small_matrices(draw, max_rows: int = 8, max_lfs: int = 4):
    n = draw(st.integers(1, max_rows))
    m = draw(st.integers(1, max_lfs))
    k = draw(st.integers(2, 4))
    cells = draw(st.lists(st.integers(-1, k - 1), min_size=n * m, max_size=n * m))
    return LabelMatrix.from_dense(np.array(cells).reshape(n, m), [f"lf_{j}" for j in range(m)], k)


def _mutate_arrays(data, arrays: dict) -> None:
    name = data.draw(st.sampled_from(sorted(arrays) + ["extra"]), label="array")
    how = data.draw(
        st.sampled_from(["drop", "truncate", "extend", "float", "bool", "negate", "perturb", "reshape", "nan", "uint"]),
        label="array mutation",
    )
    if name == "extra":
        arrays["extra"] = np.zeros(2)
        return
    arr = arrays[name]
    if how == "drop":
        del arrays[name]
    elif how == "truncate":
        arrays[name] = arr[: data.draw(st.integers(0, max(len(arr) - 1, 0)))]
    elif how == "extend":
        arrays[name] = np.concatenate([arr, arr[-1:] if len(arr) else np.zeros(1, arr.dtype)])
    elif how == "float":
        arrays[name] = arr.astype(np.float64) + data.draw(st.sampled_from([0.0, 0.5]))
    elif how == "bool":
        arrays[name] = arr.astype(bool)
    elif how == "negate":
        arrays[name] = -arr
    elif how == "perturb" and len(arr):
        out = arr.astype(np.int64).copy()
        i = data.draw(st.integers(0, len(out) - 1))
        out[i] = data.draw(st.integers(-2, 1 << 20))
        arrays[name] = out
    elif how == "reshape":
        arrays[name] = arr.reshape(1, -1)
    elif how == "nan":
        arrays[name] = np.full(arr.shape, np.nan)
    elif how == "uint":
        arrays[name] = arr.astype(np.uint64)


def _rewrite(path: Path, arrays: dict, meta_text: str) -> None:
    np.savez(path, **arrays, __meta__=np.array(meta_text))


def _matrix_file_reference(path: Path):
    """Independent reading of a LabelMatrix file: the dense votes, names, k, errors and LF
    fingerprints it describes, or ``None`` if anything about it is wrong."""
    try:
        with zipfile.ZipFile(path) as z:
            if z.testzip() is not None:
                return None
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        meta = json.loads(str(arrays.pop("__meta__")), parse_constant=lambda t: 1 / 0)
    except Exception:  # noqa: BLE001 - the reference only needs to know it is unreadable
        return None
    if not all(isinstance(a, np.ndarray) for a in arrays.values()):
        return None
    fields = {"kind", "lf_names", "cardinality", "n_rows", "errors", "format_version"}
    if not isinstance(meta, dict) or set(meta) - {"lf_fingerprints"} != fields:  # older files have no fingerprints
        return None
    if set(arrays) != {"data", "indices", "indptr"}:
        return None
    n, names, k, version = meta["n_rows"], meta["lf_names"], meta["cardinality"], meta["format_version"]
    is_int = lambda v: type(v) is int  # noqa: E731 - JSON ints only
    if meta["kind"] != "LabelMatrix" or not is_int(version) or version != 1:
        return None
    if not is_int(n) or n < 0 or not is_int(k) or not 2 <= k <= 32766:
        return None
    if not isinstance(names, list) or not all(isinstance(s, str) for s in names) or len(set(names)) != len(names):
        return None
    data, indices, indptr = arrays["data"], arrays["indices"], arrays["indptr"]
    if any(a.ndim != 1 or a.dtype.kind not in "iu" for a in (data, indices, indptr)):
        return None
    if len(indptr) != n + 1 or indptr[0] != 0 or len(data) != indptr[-1] or len(indices) != indptr[-1]:
        return None
    dense = [[-1] * len(names) for _ in range(n)]
    for r in range(n):
        if indptr[r + 1] < indptr[r]:
            return None
        last = -1
        for p in range(int(indptr[r]), int(indptr[r + 1])):
            c, v = int(indices[p]), int(data[p])
            if not last < c < len(names) or not 1 <= v <= k:
                return None
            dense[r][c], last = v - 1, c
    errors = meta["errors"]
    if not isinstance(errors, list):
        return None
    seen = set()
    for e in errors:
        fields = {"lf", "n_failed", "first_row", "first_index", "first_error"}
        if not isinstance(e, dict) or set(e) != fields or e["lf"] not in names or e["lf"] in seen:
            return None
        if not is_int(e["n_failed"]) or not 1 <= e["n_failed"] <= n or not is_int(e["first_row"]):
            return None
        if not 0 <= e["first_row"] < n or not isinstance(e["first_error"], str):
            return None
        if not (e["first_index"] is None or isinstance(e["first_index"], (str, int, float, bool))):
            return None
        seen.add(e["lf"])
    fps = meta.get("lf_fingerprints")
    if fps is not None and not (isinstance(fps, list) and len(fps) == len(names) and all(
            isinstance(f, str) and len(f) == 64 and set(f) <= set("0123456789abcdef") for f in fps)):
        return None
    return dense, tuple(names), k, {e["lf"]: e["n_failed"] for e in errors}, None if fps is None else tuple(fps)


def check_matrix_file(data, tmp_factory) -> None:
    """LabelMatrix.load returns exactly what the file describes, or a CorruptFileError
    naming the file; byte damage and header/array edits included."""
    L = data.draw(small_matrices(), label="matrix")
    if data.draw(st.booleans(), label="with error record"):
        name = L.lf_names[0]
        L = LabelMatrix(L.csr, L.lf_names, L.cardinality, {name: weaklab.LFErrors(name, 1, 0, "x", "E: y")})
    if data.draw(st.booleans(), label="with LF fingerprints"):
        fps = [hashlib.sha256(name.encode()).hexdigest() for name in L.lf_names]
        L = LabelMatrix(L.csr, L.lf_names, L.cardinality, L.errors, fps)
    path = L.save(tmp_factory.mktemp("matrix") / "votes")
    kind = data.draw(st.sampled_from(["none", "header", "array", "bytes", "both"]), label="mutation")
    if kind in ("header", "array", "both"):
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        meta = json.loads(str(arrays.pop("__meta__")))
        if kind in ("header", "both"):
            key = data.draw(st.sampled_from(sorted(meta) + ["extra"]), label="header key")
            if data.draw(st.booleans(), label="delete key"):
                meta.pop(key, None)
            else:
                meta[key] = data.draw(JSON_VALUE, label="header value")
        if kind in ("array", "both"):
            _mutate_arrays(data, arrays)
        _rewrite(path, arrays, json.dumps(meta))
    elif kind == "bytes":
        raw = bytearray(path.read_bytes())
        how = data.draw(st.sampled_from(["truncate", "flip", "zero"]), label="byte damage")
        at = data.draw(st.integers(0, len(raw) - 1), label="offset")
        if how == "truncate":
            raw = raw[:at]
        elif how == "flip":
            raw[at] ^= data.draw(st.integers(1, 255))
        else:
            raw[at : at + 16] = bytes(len(raw[at : at + 16]))
        path.write_bytes(bytes(raw))
    expected = _matrix_file_reference(path)
    try:
        back = LabelMatrix.load(path)
    except CorruptFileError as exc:
        assert expected is None, f"a valid file was refused: {exc}"
        assert str(path) in str(exc)
        return
    assert expected is not None, "a corrupt file loaded"
    dense, names, k, failed, fps = expected
    assert back.to_dense().tolist() == dense and back.lf_names == names and back.cardinality == k
    assert {name: e.n_failed for name, e in back.errors.items()} == failed
    assert back.lf_fingerprints == fps


test_matrix_file_property, test_matrix_file_property_slow = _twice(check_matrix_file, 80, 300)


# ------------------------------------------------------------------ apply_lfs
@st.composite
def frames(draw):
    n = draw(st.integers(0, 12))
    keys = draw(st.permutations(list(range(n))))
    index_kind = draw(st.sampled_from(["range", "shuffled", "strings", "repeated"]))
    if index_kind == "range":
        index = pd.RangeIndex(n)
    elif index_kind == "shuffled":
        index = pd.Index(draw(st.permutations([10 * i + 7 for i in range(n)])))
    elif index_kind == "strings":
        index = pd.Index([f"r{i}" for i in range(n)], dtype=object)
    else:
        index = pd.Index([i // 2 for i in range(n)])
    text = draw(st.lists(st.text(max_size=6), min_size=n, max_size=n))
    return pd.DataFrame({"key": np.array(keys, dtype=np.int64), "text": text}, index=index)


_GOOD = st.integers(-1, 2)
_RAISE = st.sampled_from(["ValueError", "SystemExit"])
_BAD = st.sampled_from([None, 1.5, 3, True, "1", -2])


def _row_plan(draw, n: int, k: int):
    """Per key: ("vote", v) | ("numpy", v) | ("raise", kind) | ("bad", v)."""
    entry = st.one_of(
        st.tuples(st.just("vote"), st.integers(-1, k - 1)),
        st.tuples(st.just("numpy"), st.integers(-1, k - 1)),
        st.tuples(st.just("raise"), _RAISE),
        st.tuples(st.just("bad"), _BAD),
    )
    weights = draw(st.sampled_from(["clean", "clean", "raises", "any"]))
    if weights == "clean":
        entry = st.tuples(st.just("vote"), st.integers(-1, k - 1))
    elif weights == "raises":
        entry = st.one_of(st.tuples(st.just("vote"), st.integers(-1, k - 1)), st.tuples(st.just("raise"), _RAISE))
    return tuple(draw(st.lists(entry, min_size=n, max_size=n)))


def _make_row_lf(name: str, plan: tuple):
    def f(row, plan):
        what, value = plan[row.key]
        if what == "raise":
            raise SystemExit(2) if value == "SystemExit" else ValueError(f"planned failure on key {row.key}")
        if what == "numpy":
            return np.int64(value)
        return value

    return labeling_function(name=name, resources={"plan": plan})(f)


_BATCH_SHAPES = ["array", "series", "sorted", "reversed", "foreign", "list", "short", "float", "raise"]


def _make_batch_lf(name: str, votes_by_key: tuple, shape: str):
    def f(frame, votes, shape):
        v = np.array([votes[key] for key in frame["key"]], dtype=np.int64)
        if shape == "raise":
            raise RuntimeError("planned batch failure")
        if shape == "array":
            return v
        if shape == "list":
            return v.tolist()
        if shape == "short":
            return v[:-1]
        if shape == "float":
            return v.astype(np.float64)
        s = pd.Series(v, index=frame.index)
        if shape == "sorted":
            return s.sort_values(kind="stable")
        if shape == "reversed":
            return s[::-1]
        if shape == "foreign":
            return s.reset_index(drop=True)
        return s

    return labeling_function(name=name, batch=True, resources={"votes": votes_by_key, "shape": shape})(f)


def _partition_sizes(n: int, npartitions: int) -> list[int]:
    return [len(part) for part in np.array_split(np.arange(n), npartitions)]


def check_apply(data, _tmp) -> None:
    """apply_lfs (pandas, and Dask with 1-4 partitions) puts every vote on its own row, or
    fails naming an LF that misbehaved (or the columns)."""
    frame = data.draw(frames(), label="frame")
    n = len(frame)
    k = 3
    fault_tolerant = data.draw(st.booleans(), label="fault_tolerant")
    lfs, plans = [], []
    for j in range(data.draw(st.integers(1, 3), label="n_lfs")):
        if data.draw(st.booleans(), label=f"lf{j} batch"):
            votes = tuple(data.draw(st.lists(st.integers(-1, k - 1), min_size=n, max_size=n)))
            shape = data.draw(st.sampled_from(_BATCH_SHAPES + ["sorted", "reversed", "series"]), label=f"lf{j} shape")
            lfs.append(_make_batch_lf(f"batch{j}", votes, shape))
            plans.append(("batch", votes, shape))
        else:
            plan = _row_plan(data.draw, n, k)
            lfs.append(_make_row_lf(f"row{j}", plan))
            plans.append(("row", plan, None))
    use_dask = data.draw(st.booleans(), label="dask")
    npartitions = data.draw(st.integers(1, 4), label="npartitions") if use_dask and n else 1
    if use_dask:
        import dask.dataframe as dd

        target = dd.from_pandas(frame, npartitions=npartitions, sort=False)
        npartitions = target.npartitions
        sizes = target.map_partitions(len).compute().tolist() if n else []
    else:
        target, sizes = frame, [n]

    # reference: what each LF must vote on each row, from the plans alone
    expected = np.full((n, len(lfs)), ABSTAIN)
    failures: dict[str, list[int]] = {}
    must_fail: set[str] = set()  # LFs whose output is a bug whatever fault_tolerant says
    may_fail: set[str] = set()  # LFs that raise (a failure only without fault_tolerant)
    unique_index = frame.index.is_unique
    for j, (lf, (kind, plan, shape)) in enumerate(zip(lfs, plans)):
        if kind == "row":
            for i, key in enumerate(frame["key"]):
                what, value = plan[key]
                if what in ("vote", "numpy"):
                    expected[i, j] = value
                elif what == "raise":
                    may_fail.add(lf.name)
                    failures.setdefault(lf.name, []).append(i)
                else:
                    must_fail.add(lf.name)
        else:
            start = 0
            for size in sizes:
                part_index = frame.index[start : start + size]
                if size == 0:
                    pass
                elif shape == "raise":
                    may_fail.add(lf.name)
                    failures.setdefault(lf.name, []).extend(range(start, start + size))
                elif shape in ("short", "float") or (
                    shape == "foreign" and not part_index.equals(pd.RangeIndex(size))
                ):
                    must_fail.add(lf.name)
                elif shape in ("sorted", "reversed") and not unique_index:
                    # repeated labels: only a Series whose labels read as the frame's is usable,
                    # and then (being indistinguishable) by position
                    s = _reordered(plan, frame, start, size, shape)
                    if s.index.equals(part_index):
                        expected[start : start + size, j] = s.to_numpy()
                    else:
                        must_fail.add(lf.name)
                else:
                    expected[start : start + size, j] = [plan[key] for key in frame["key"][start : start + size]]
                start += size
    try:
        L = apply_lfs(target, lfs, cardinality=k, fault_tolerant=fault_tolerant, progress=False)
    except LFApplicationError as exc:
        culprits = must_fail | (set() if fault_tolerant else may_fail)
        assert culprits, f"nothing should have failed: {exc}"
        _refusal(exc, *(f"'{name}'" for name in culprits))
        return
    assert not must_fail, f"misbehaving LFs {sorted(must_fail)} were accepted"
    assert fault_tolerant or not may_fail, "a raising LF passed without fault_tolerant"
    np.testing.assert_array_equal(L.to_dense().reshape(n, len(lfs)), expected)
    assert {name: e.n_failed for name, e in L.errors.items()} == {name: len(rows) for name, rows in failures.items()}
    for name, rows in failures.items():
        first = min(rows)
        assert L.errors[name].first_row == first
        label = frame.index[first]
        assert L.errors[name].first_index == (label.item() if isinstance(label, np.generic) else label)


def _reordered(votes, frame, start, size, shape) -> pd.Series:
    """The Series a sorted/reversed batch LF returns for one partition."""
    part = frame.iloc[start : start + size]
    s = pd.Series([votes[key] for key in part["key"]], index=part.index)
    return s.sort_values(kind="stable") if shape == "sorted" else s[::-1]


test_apply_property, test_apply_property_slow = _twice(check_apply, 60, 150)


# ---------------------------------------------------------------- label models
import warnings  # noqa: E402

from weaklab import load_model  # noqa: E402
from weaklab.models import (  # noqa: E402
    ClassBalancedVote,
    DawidSkene,
    LabelModel,
    MajorityVote,
    MatrixCompletion,
    MMSR,
    TripletModel,
    WeightedMajorityVote,
)

MODELS = [MajorityVote, WeightedMajorityVote, ClassBalancedVote, DawidSkene, LabelModel, MatrixCompletion, TripletModel,
          MMSR]
HOSTILE_NUMBERS = [math.inf, -math.inf, math.nan, -1, 0, 1e300, -1e-9, 0.5, 3, "x", None, True]


def _fit_quietly(model, L, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(L, **kwargs)


def _proba_quietly(model, L):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.predict_proba(L)


def _draw_params(data, cls, hostile: bool) -> dict:
    params = {}
    for name, default in cls().get_params().items():
        if hostile and data.draw(st.integers(0, 3), label=f"perturb {name}") == 0:
            params[name] = data.draw(st.sampled_from(HOSTILE_NUMBERS), label=name)
        elif name == "weights" and data.draw(st.booleans(), label="weights given"):
            params[name] = "per-LF"  # filled in once the number of LFs is known
        else:
            params[name] = default
    return params


def _check_label_model(data, tmp_factory, hostile: bool) -> None:
    cls = data.draw(st.sampled_from(MODELS), label="model")
    L = data.draw(small_matrices(max_rows=30, max_lfs=5), label="L")
    params = _draw_params(data, cls, hostile)
    if params.get("weights") == "per-LF":
        params["weights"] = data.draw(
            st.lists(st.floats(-5, 5, allow_nan=False), min_size=L.n_lfs, max_size=L.n_lfs), label="weights"
        )
    kwargs = {}
    if data.draw(st.booleans(), label="class_balance given"):
        kwargs["class_balance"] = data.draw(st.one_of(
            st.just(np.full(L.cardinality, 1 / L.cardinality)),
            st.lists(st.one_of(st.floats(-1, 2), st.just(math.nan)), min_size=1, max_size=5).map(np.array),
        ), label="class_balance")
    if data.draw(st.booleans(), label="dev set"):
        n_dev = data.draw(st.integers(1, L.n_rows))
        kwargs["L_dev"] = L[:n_dev]
        kwargs["Y_dev"] = np.array(data.draw(
            st.lists(st.integers(-1 if hostile else 0, L.cardinality - 1), min_size=n_dev, max_size=n_dev)
        ))
    model = cls(**params)
    try:
        _fit_quietly(model, L, **kwargs)
    except (ValueError, TypeError) as exc:
        _refusal(exc, *params, "class_balance", "Y_dev", "L_dev", "weights")
        return
    proba = _proba_quietly(model, L)
    _valid_probabilities(proba, L.n_rows, L.cardinality)
    pred = model.predict(L)
    assert pred.shape == (L.n_rows,) and np.all((pred >= -1) & (pred < L.cardinality))
    path = model.save(tmp_factory.mktemp("model") / "m")
    np.testing.assert_array_equal(_proba_quietly(load_model(path), L), proba)


def check_label_model(data, tmp_factory) -> None:
    """Every label model fitted on generated votes (valid hyper-parameters) gives valid
    probabilities, and its file loads to the same model."""
    _check_label_model(data, tmp_factory, hostile=False)


def check_label_model_hostile_params(data, tmp_factory) -> None:
    """With infinite, NaN, negative or mistyped hyper-parameters, fit refuses them naming
    the parameter, or gives valid probabilities."""
    _check_label_model(data, tmp_factory, hostile=True)


_SHAPE_BREAKING = {"drop", "truncate", "extend", "reshape", "nan"}


def check_model_file(data, tmp_factory) -> None:
    """A mutated model file is refused naming the file, or loads to a model whose
    probabilities are valid; arrays of the wrong shape and NaN never load."""
    cls = data.draw(st.sampled_from(MODELS), label="model")
    L = data.draw(small_matrices(max_rows=30, max_lfs=5), label="L")
    model = _fit_quietly(cls(), L)
    path = model.save(tmp_factory.mktemp("model") / "m")
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    where = data.draw(st.sampled_from(["array", "fitted", "params", "model"]), label="mutate")
    must_fail = False
    if where == "array" and arrays:
        name = data.draw(st.sampled_from(sorted(arrays)), label="array")
        how = data.draw(st.sampled_from(sorted(_SHAPE_BREAKING | {"negate", "scale", "zero", "bool"})), label="how")
        arr = arrays[name]
        if how == "drop":
            del arrays[name]
        elif how == "truncate":
            arrays[name] = arr[:-1]
        elif how == "extend":
            arrays[name] = np.concatenate([arr, arr[:1]])
        elif how == "reshape":
            arrays[name] = arr.reshape(-1)[None, :]
        elif how == "nan":
            arrays[name] = np.full(arr.shape, np.nan)
        elif how == "negate":
            arrays[name] = ~arr if arr.dtype == bool else -arr  # numpy refuses unary minus on bools
        elif how == "scale":
            arrays[name] = arr * data.draw(st.sampled_from([2.0, 1e300, 0.5]))
        elif how == "zero":
            arrays[name] = np.zeros_like(arr)
        else:
            arrays[name] = arr.astype(bool)
        # A (1, n) array reshapes to itself: that is no shape-breaking mutation.
        must_fail = how in _SHAPE_BREAKING and not (how == "reshape" and arrays[name].shape == arr.shape)
    elif where == "fitted":
        key = data.draw(st.sampled_from(sorted(meta["fitted"]) + ["predict_proba", "_model", "vote_share_"]), label="key")
        meta["fitted"][key] = data.draw(JSON_VALUE, label="value")
        must_fail = key in ("predict_proba", "_model")
    elif where == "params":
        key = data.draw(st.sampled_from(sorted(meta["params"]) + ["unknown"]), label="param")
        meta["params"][key] = data.draw(JSON_VALUE, label="value")
        must_fail = key == "unknown"
    else:
        meta["model"] = data.draw(st.sampled_from([m.__name__ for m in MODELS] + ["Nope", 3]), label="class")
    np.savez(path, **arrays, __meta__=np.array(json.dumps(meta)))
    try:
        back = load_model(path)
    except CorruptFileError as exc:
        assert str(path) in str(exc)
        return
    assert not must_fail, f"a file mutated at {where} loaded"
    try:
        proba = _proba_quietly(back, L)
    except (ValueError, TypeError) as exc:  # e.g. the file's LF names are not L's
        _refusal(exc, "LFs", "cardinality")
        return
    _valid_probabilities(proba, L.n_rows, L.cardinality)


test_label_model_property, test_label_model_property_slow = _twice(check_label_model, 40, 120)
_hostile, _hostile_slow = _twice(check_label_model_hostile_params, 40, 120)
test_label_model_hostile_params_property = _hostile
test_label_model_hostile_params_property_slow = _hostile_slow
test_model_file_property, test_model_file_property_slow = _twice(check_model_file, 60, 200)


# ------------------------------------------------------------------- end model
HOSTILE_END_PARAMS = {
    "lr": [1e-2, math.inf, math.nan, -1.0, 0.0, 1e10],
    "weight_decay": [0.0, math.inf, -1.0, math.nan],
    "dropout": [0.0, 0.5, 1.5, -0.1, math.nan],
    "n_epochs": [1, 2, 0, -1, 2.5],
    "batch_size": [None, 4, 0, -3],
    "dev_fraction": [0.25, 0.0, 1.0, math.nan],
}


def check_end_model(data, _tmp) -> None:
    """EndModel.fit on generated features and probabilistic labels (NaN, negative, rows not
    summing to 1, hostile hyper-parameters) refuses naming the argument, or predicts valid
    probabilities."""
    from weaklab import EndModel

    n = data.draw(st.integers(2, 24), label="n")
    d = data.draw(st.integers(1, 4), label="d")
    k = data.draw(st.integers(2, 3), label="k")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    X = rng.normal(size=(n, d))
    probs = rng.dirichlet(np.ones(k), size=n)
    damage = data.draw(st.sampled_from(["none", "none", "X nan", "X inf", "probs nan", "probs negative",
                                        "probs sum", "probs shape", "X rows"]), label="damage")
    if damage == "X nan":
        X[rng.integers(n), rng.integers(d)] = np.nan
    elif damage == "X inf":
        X[rng.integers(n), rng.integers(d)] = np.inf
    elif damage == "probs nan":
        probs[rng.integers(n)] = np.nan
    elif damage == "probs negative":
        probs[0] = np.r_[-0.5, 1.5, np.zeros(k - 2)]
    elif damage == "probs sum":
        probs[0] *= 2
    elif damage == "probs shape":
        probs = probs[:, :1]
    elif damage == "X rows":
        X = X[:-1]
    params = {"n_epochs": 2, "dev_fraction": 0.25, "progress": False, "device": "cpu", "patience": None}
    for name, pool in HOSTILE_END_PARAMS.items():
        if data.draw(st.integers(0, 3), label=f"perturb {name}") == 0:
            params[name] = data.draw(st.sampled_from(pool), label=name)
    model = EndModel(**params)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, probs)
    except (ValueError, TypeError) as exc:
        _refusal(exc, *HOSTILE_END_PARAMS, "X", "probs", "rows", "dev_fraction")
        return
    assert damage == "none", f"damaged input ({damage}) was accepted"
    _valid_probabilities(model.predict_proba(X), n, k)


def check_report(data, tmp_factory) -> None:
    """build_report on generated LF and class names (markup, ``$``, quotes, unicode) writes
    a page that holds every name as escaped text, or refuses naming the argument."""
    import html

    from weaklab import build_report

    name = st.text(alphabet=st.sampled_from(list("ab$_<>&'\"{}^\\ é中")), min_size=1, max_size=8)
    L0 = data.draw(small_matrices(max_rows=12, max_lfs=3), label="L")
    names = data.draw(st.lists(name, min_size=L0.n_lfs, max_size=L0.n_lfs, unique=True), label="lf names")
    classes = data.draw(st.one_of(st.none(), st.lists(name, min_size=L0.cardinality, max_size=L0.cardinality)),
                        label="class names")
    L = LabelMatrix(L0.csr, names, L0.cardinality)
    y = data.draw(st.one_of(st.none(), st.lists(st.integers(-1, L.cardinality - 1), min_size=L.n_rows,
                                                max_size=L.n_rows).map(np.array)), label="y")
    path = tmp_factory.mktemp("report") / "r.html"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = build_report(L, y=y, model=_fit_quietly(MajorityVote(), L), path=path, class_names=classes)
    except (ValueError, TypeError) as exc:
        _refusal(exc, "class_names", "lf", "y")
        return
    page = path.read_text(encoding="utf-8")
    assert page == report.html
    for text in names + list(classes or []):
        assert html.escape(text) in page or html.escape(text, quote=False) in page, text


test_end_model_property, test_end_model_property_slow = _twice(check_end_model, 25, 60)
test_report_property, test_report_property_slow = _twice(check_report, 8, 20)
