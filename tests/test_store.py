"""The block store: store-backed apply_lfs equals a store-less one; only missing blocks are
computed; corrupt, truncated and half-written blocks are never used; concurrent writers."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dask.dataframe as dd
from weaklab import ABSTAIN, LabelingFunction, LFApplicationError, apply_lfs, keyword_lf, make_demo_corpus
from weaklab.demo import demo_lfs
from weaklab.labeling.store import Block, BlockStore, CorruptBlockWarning, RunRecord
from weaklab.matrix import PartitionedLabelMatrix
from weaklab.models import MajorityVote

REPO = Path(__file__).resolve().parents[1]
CHUNK = 500  # rows per pandas partition in these tests: 3000 rows -> 6 partitions


@pytest.fixture(scope="module")
def corpus():
    df = make_demo_corpus(3000, seed=3)
    df.index = pd.Index(np.arange(len(df)) * 3 + 1, name="comment_id")
    return df


@pytest.fixture(scope="module")
def lfs():
    return demo_lfs() + [keyword_lf("promo", ["check out", "free"], 1)]


def _apply(data, lfs, store, **kw):
    kw.setdefault("chunk_rows", CHUNK) if isinstance(data, pd.DataFrame) else None
    return apply_lfs(data, lfs, cardinality=2, progress=False, store=store, **kw)


@contextlib.contextmanager
def _no_corrupt_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", CorruptBlockWarning)
        yield


# ------------------------------------------------------------------ equality
def test_store_backed_apply_equals_store_less_row_for_row(corpus, lfs, tmp_path):
    expected = apply_lfs(corpus, lfs, cardinality=2, progress=False)
    m, parts = len(lfs), len(corpus) // CHUNK
    cold = _apply(corpus, lfs, tmp_path / "s")
    assert cold == expected and np.array_equal(cold.to_dense(), expected.to_dense())
    assert (cold.run.computed, cold.run.reused) == (m * parts, 0)
    warm = _apply(corpus, lfs, tmp_path / "s")
    assert warm == expected
    assert (warm.run.computed, warm.run.reused) == (0, m * parts)
    assert [p["n_rows"] for p in warm.run.partitions] == [CHUNK] * parts
    assert warm.run.status == "finished" and warm.run.store == str(tmp_path / "s")


def test_a_store_at_an_fsspec_url(corpus, lfs, tmp_path):
    expected = apply_lfs(corpus, lfs, cardinality=2, progress=False)
    for url in ("memory://weaklab-test-store", (tmp_path / "f").as_uri()):
        assert _apply(corpus, lfs, url) == expected
        again = _apply(corpus, lfs, url)
        assert again == expected and again.run.computed == 0


# ------------------------------------------------------- what is recomputed
def test_only_the_edited_or_new_lf_is_computed(corpus, lfs, tmp_path):
    store = tmp_path / "s"
    parts = len(corpus) // CHUNK
    _apply(corpus, lfs, store)
    edited = lfs[:-1] + [keyword_lf("promo", ["check out", "free", "win"], 1)]  # same name, new code
    L = _apply(corpus, edited, store)
    assert (L.run.computed, L.run.reused) == (parts, (len(lfs) - 1) * parts)
    assert L == apply_lfs(corpus, edited, cardinality=2, progress=False)
    added = edited + [keyword_lf("song", ["song"], 0)]
    L = _apply(corpus, added, store)
    assert (L.run.computed, L.run.reused) == (parts, len(edited) * parts)
    # A renamed LF keeps its fingerprint, so its blocks are reused under the new name.
    renamed = [LabelingFunction("promo_v2", edited[-1].f, resources=edited[-1].resources, batch=True)]
    L = _apply(corpus, renamed, store)
    assert (L.run.computed, L.run.reused) == (0, parts) and L.lf_names == ("promo_v2",)


def test_a_changed_cell_or_new_partition_recomputes_only_that_partition(corpus, lfs, tmp_path):
    store = tmp_path / "s"
    m = len(lfs)
    _apply(corpus, lfs, store)
    changed = corpus.copy()
    changed.iloc[CHUNK * 2 + 17, changed.columns.get_loc("text")] = "SUBSCRIBE to my channel http://x.com"
    L = _apply(changed, lfs, store)
    assert (L.run.computed, L.run.reused) == (m, m * 5)
    assert L == apply_lfs(changed, lfs, cardinality=2, progress=False)
    assert L.to_dense()[CHUNK * 2 + 17].tolist() != _apply(corpus, lfs, store).to_dense()[CHUNK * 2 + 17].tolist()
    more = make_demo_corpus(CHUNK, seed=99)
    more.index = pd.Index(np.arange(CHUNK) + 10**6, name="comment_id")
    grown = pd.concat([corpus, more])
    L = _apply(grown, lfs, store)
    assert (L.run.computed, L.run.reused) == (m, m * 6)
    assert L == apply_lfs(grown, lfs, cardinality=2, progress=False)


# --------------------------------------------------------- damaged blocks
def _one_block_path(store: Path) -> Path:
    return sorted((store / "blocks").rglob("*.wlb"))[3]


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "swap"])
def test_a_damaged_block_warns_naming_it_and_is_recomputed(corpus, lfs, tmp_path, damage):
    store = tmp_path / "s"
    expected = _apply(corpus, lfs, store)
    path = _one_block_path(store)
    raw = path.read_bytes()
    if damage == "flip":
        raw = bytearray(raw)
        raw[len(raw) // 2] ^= 0xFF
        path.write_bytes(bytes(raw))
    elif damage == "truncate":
        path.write_bytes(raw[: len(raw) // 3])
    elif damage == "empty":
        path.write_bytes(b"")
    else:  # a valid block of another (LF, partition) key copied over this one
        other = next(p for p in sorted((store / "blocks").rglob("*.wlb")) if p != path)
        path.write_bytes(other.read_bytes())
    with pytest.warns(CorruptBlockWarning, match=str(path)):
        L = _apply(corpus, lfs, store)
    assert L == expected
    assert (L.run.computed, L.run.reused) == (1, expected.run.computed - 1)
    with _no_corrupt_warning():
        again = _apply(corpus, lfs, store)  # the recomputed block was written back, valid
    assert again.run.computed == 0 and again == expected


def _block(values, rows, n=5, k=2):
    return Block("a" * 64, "b" * 64, n, k, np.asarray(rows, np.int32), np.asarray(values, np.int8), "lf")


@pytest.mark.parametrize(
    "block, reason",
    [
        (_block([3], [1]), "outside 1..2"),
        (_block([0], [1]), "outside 1..2"),
        (_block([1, 1], [2, 1]), "strictly increasing"),
        (_block([1], [5]), "strictly increasing"),
        (_block([1], [-1]), "strictly increasing"),
    ],
)
def test_values_outside_the_format_are_rejected_even_with_a_valid_checksum(tmp_path, block, reason):
    store = BlockStore(tmp_path)
    store.write_block(block)  # the writer does not validate: the reader must
    with pytest.warns(CorruptBlockWarning, match=reason):
        assert store.read_block("a" * 64, "b" * 64) is None


def test_block_round_trip_keeps_votes_and_errors(tmp_path):
    from weaklab.matrix.label_matrix import LFErrors

    store = BlockStore(tmp_path)
    err = LFErrors("lf", 2, 3, "row-3", "KeyError: 'x'")
    block = Block("c" * 64, "d" * 64, 6, 300, np.array([0, 4], np.int32), np.array([300, 1], np.int16), "lf", err)
    store.write_block(block)
    back = store.read_block("c" * 64, "d" * 64)
    assert back.to_dense().tolist() == [299, -1, -1, -1, 0, -1]
    assert back.errors == err and back.cardinality == 300 and back.values.dtype == np.int16
    with pytest.raises(ValueError, match="lf_fp"):
        store.read_block("../../etc", "d" * 64)


def test_a_file_that_is_not_a_store_marker_is_refused(tmp_path):
    (tmp_path / "weaklab-store.json").write_text('{"kind": "something else"}')
    with pytest.raises(ValueError, match="weaklab-store.json"):
        BlockStore(tmp_path)


@pytest.mark.parametrize("text, message", [
    ('{"kind": "weaklab-store", "format_version": 0}', "store format 0"),
    ('{"kind": "weaklab-store", "format_version": -1}', "store format -1"),
    ('{"kind": "weaklab-store", "format_version": 1, "zzz": 1}', "has fields"),
    ('{"kind": "weaklab-store", "format_version": 1, "format_version": 1}', "not a weaklab store marker"),
])
def test_a_store_marker_with_a_bad_version_or_unknown_fields_is_refused(tmp_path, text, message):
    (tmp_path / "weaklab-store.json").write_text(text)
    with pytest.raises(ValueError, match=f"weaklab-store.json.*{message}"):
        BlockStore(tmp_path)
    (tmp_path / "weaklab-store.json").write_text('{"kind": "weaklab-store", "format_version": 1}')
    BlockStore(tmp_path)  # a valid marker opens


# --------------------------------------------- failures, cardinality and errors
def test_recorded_failures_are_reused_only_by_fault_tolerant_runs(corpus, tmp_path):
    def fragile(row):
        if "song" in row.text:
            raise KeyError("boom")
        return 0 if len(row.text) < 30 else ABSTAIN

    lf = [LabelingFunction("fragile", fragile)]
    expected = apply_lfs(corpus, lf, cardinality=2, fault_tolerant=True, progress=False)
    store = tmp_path / "s"
    first = _apply(corpus, lf, store, fault_tolerant=True)
    again = _apply(corpus, lf, store, fault_tolerant=True)
    assert again.run.computed == 0
    for got in (first, again):
        assert got == expected and got.errors == expected.errors
    with pytest.raises(LFApplicationError, match="'fragile' raised KeyError"):
        _apply(corpus, lf, store)  # strict: recomputes and raises as a store-less call does
    record = BlockStore(store).runs()[-1]
    assert record.status == "failed"


def test_blocks_serve_another_cardinality_only_when_every_vote_fits(tmp_path):
    df = pd.DataFrame({"n": np.arange(40)})
    low = LabelingFunction("low", lambda row: 1 if row.n % 3 == 0 else ABSTAIN)
    high = LabelingFunction("high", lambda row: 2 if row.n % 5 == 0 else ABSTAIN)
    store = tmp_path / "s"
    apply_lfs(df, [low, high], cardinality=3, progress=False, store=store)
    L = apply_lfs(df, [low], cardinality=2, progress=False, store=store)
    assert L.run.reused == 1 and L == apply_lfs(df, [low], cardinality=2, progress=False)
    with pytest.raises(LFApplicationError, match="'high' returned 2"):
        apply_lfs(df, [high], cardinality=2, progress=False, store=store)


# ------------------------------------------------------------ maintenance
def test_summary_lists_lfs_partitions_sizes_and_last_use(corpus, lfs, tmp_path):
    store = tmp_path / "s"
    L = _apply(corpus, lfs, store)
    s = BlockStore(store).summary()
    assert s.n_blocks == len(lfs) * 6 and s.runs == 1
    assert s.bytes == sum(p.stat().st_size for p in (store / "blocks").rglob("*.wlb"))
    by_fp = {e["fingerprint"]: e for e in s.lfs}
    assert {lf.fingerprint for lf in lfs} == set(by_fp)
    assert by_fp[lfs[0].fingerprint]["names"] == [lfs[0].name]
    assert all(e["blocks"] == 6 and e["last_used"] == L.run.started for e in s.lfs)
    assert sorted(p["fingerprint"] for p in s.partitions) == sorted(p["fingerprint"] for p in L.run.partitions)
    assert all(p["n_rows"] == CHUNK for p in s.partitions)


def test_prune_removes_blocks_no_recent_run_used(corpus, lfs, tmp_path):
    store = tmp_path / "s"
    _apply(corpus, lfs, store)
    edited = lfs[:-1] + [keyword_lf("promo", ["free"], 1)]
    _apply(corpus, edited, store)
    old = {str(p) for p in (store / "blocks" / lfs[-1].fingerprint).glob("*.wlb")}
    bs = BlockStore(store)
    dry = bs.prune(keep=1, dry_run=True)
    assert set(dry.removed) == old and dry.dry_run and all(os.path.exists(p) for p in old)
    assert bs.prune(keep=2).removed == []  # the older run still protects them
    done = bs.prune(keep=1)
    assert set(done.removed) == old and not any(os.path.exists(p) for p in old)
    assert done.kept == len(edited) * 6
    L = _apply(corpus, edited, store)
    assert L.run.computed == 0
    with pytest.raises(ValueError, match="keep"):
        bs.prune(keep=0)


def test_run_record_round_trips_and_rejects_malformed_text():
    r = RunRecord.start(None, demo_lfs(), cardinality=2, fault_tolerant=False)
    r.partitions.append({"fingerprint": "e" * 64, "n_rows": 10})
    assert RunRecord.from_json(r.to_json()) == r
    with pytest.raises(ValueError, match="run record"):
        RunRecord.from_json('{"kind": "other"}')
    with pytest.raises(ValueError, match="fields"):
        RunRecord.from_json('{"kind": "weaklab-run", "format_version": 1}')


def _small_store(tmp_path):
    frame = pd.DataFrame({"x": [1, -1, 2, -2, 0]})
    lf = LabelingFunction("pos", lambda row: 1 if row.x > 0 else ABSTAIN)
    L = apply_lfs(frame, [lf], cardinality=2, progress=False, store=tmp_path / "s")
    return tmp_path / "s", tmp_path / "s" / "runs" / f"{L.run.run_id}.json"


@pytest.mark.parametrize("damage", [lambda text: text[:50], lambda text: text.replace('"finished"', '"started": 1, "x"')])
def test_prune_refuses_while_a_run_record_is_unreadable(tmp_path, damage):
    store, record = _small_store(tmp_path)
    record.write_text(damage(record.read_text()))
    blocks = sorted((store / "blocks").rglob("*.wlb"))
    assert len(blocks) == 1
    with pytest.raises(ValueError, match=f"cannot prune .*{record.name}"):
        BlockStore(store).prune()
    assert all(p.exists() for p in blocks)  # nothing removed
    with pytest.warns(UserWarning, match=f"cannot prune .*{record.name}"):
        BlockStore(store).prune(dry_run=True)
    assert all(p.exists() for p in blocks)


def test_a_run_record_under_another_runs_file_name_is_unreadable(tmp_path):
    store, record = _small_store(tmp_path)
    copy = record.with_name("20990101T000000000000Z-0badc0de.json")
    copy.write_text(record.read_text())  # a copied record: two files would claim one run
    with pytest.warns(UserWarning, match=f"{copy.name}: holds run_id '{record.stem}', but its file name says"):
        runs = BlockStore(store).runs()
    assert [r.run_id for r in runs] == [record.stem]


@pytest.mark.parametrize("field, value, message", [
    ("started", "not a time", "'started' must be an ISO 8601 time"),
    ("started", 12, "'started' must be a string"),
    ("finished", 3.5, "'finished' must be a string"),
    ("cardinality", "two", "'cardinality' must be an integer"),
    ("cardinality", 1, "'cardinality' = 1 is outside"),
    ("fault_tolerant", "yes", "'fault_tolerant' must be true or false"),
    ("run_id", 5, "'run_id' must be a string"),
    ("store", [1], "'store' must be a string"),
    ("computed", -7, "'computed' = -7 is outside"),
    ("reused", True, "'reused' must be an integer"),
    ("format_version", 0, "format version 0"),
    ("partitions", [{"fingerprint": "zz", "n_rows": 5}], r"partitions\[0\].fingerprint must be 64 lowercase hex"),
    ("partitions", [{"fingerprint": "e" * 64, "n_rows": -5}], r"partitions\[0\].n_rows = -5 is outside"),
    ("partitions", [{"fingerprint": "e" * 64}], r"partitions\[0\] must be an object with exactly"),
    ("lfs", [{"name": "a", "fingerprint": "x", "batch": False}], r"lfs\[0\].fingerprint must be 64"),
    ("lfs", [{"name": 5, "fingerprint": "e" * 64, "batch": False}], r"lfs\[0\].name must be a string"),
    ("lfs", [{"name": "a", "fingerprint": "e" * 64, "batch": "no"}], r"lfs\[0\].batch must be true or false"),
    ("columns", "text", "'columns' must be a list of names"),
    ("columns", ["text", 3], r"columns\[1\] must be a string"),
    ("columns", ["text", "text"], "'columns' names a column twice"),
])
def test_run_record_fields_are_checked_naming_the_file_and_field(field, value, message):
    r = RunRecord.start(None, demo_lfs(), cardinality=2, fault_tolerant=False)
    doc = dict(json.loads(r.to_json()), **{field: value})
    with pytest.raises(ValueError, match=f"^runs/r.json: .*{message}"):
        RunRecord.from_json(json.dumps(doc), where="runs/r.json")


def test_run_records_sort_by_time_not_by_text(tmp_path):
    store, record = _small_store(tmp_path)
    doc = json.loads(record.read_text())
    # 12:00 at +05:00 is 07:00 UTC: earlier than 09:00 UTC though its text sorts later
    record.write_text(json.dumps(dict(doc, started="2026-01-01T12:00:00+05:00")))
    (record.parent / "other.json").write_text(json.dumps(dict(doc, run_id="other", started="2026-01-01T09:00:00+00:00")))
    assert [r.run_id for r in BlockStore(store).runs()] == [doc["run_id"], "other"]


# --------------------------------------------------------- real processes
_KILLED_WRITER = textwrap.dedent(
    """
    import os, sys, time
    from weaklab import apply_lfs, make_demo_corpus
    from weaklab.demo import demo_lfs
    from weaklab.labeling.store import BlockStore

    store = BlockStore(sys.argv[1])
    real_write, writes = os.write, []

    def write(fd, data):
        # The n-th block write stops half-way and hangs there until the parent kills us.
        path = os.readlink(f"/proc/self/fd/{fd}")
        if "blocks" in path and ".tmp-" in path:
            writes.append(path)
            if len(writes) == int(sys.argv[2]):
                real_write(fd, bytes(data[: len(data) // 2]))
                print("HALF", flush=True)
                time.sleep(600)
        return real_write(fd, data)

    os.write = write  # a local store writes its blocks with os.write (then fsync, rename)
    df = make_demo_corpus(3000, seed=3)
    apply_lfs(df, demo_lfs(), cardinality=2, progress=False, store=store, chunk_rows=500)
    """
)


def _env():
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}


def test_a_writer_killed_mid_block_leaves_nothing_that_looks_complete(tmp_path):
    store = tmp_path / "s"
    m = len(demo_lfs())
    # A partition's blocks are all written, then fsynced, then renamed: hang in the 5th block
    # of the second partition.
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(store), str(m + 5)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env())
    try:
        assert proc.stdout.readline().strip() == "HALF", proc.stderr.read()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    complete = sorted((store / "blocks").rglob("*.wlb"))
    leftovers = [p for p in (store / "blocks").rglob("*") if p.is_file() and p not in complete]
    assert len(complete) == m and len(leftovers) == 5 and all(".tmp-" in p.name for p in leftovers)
    assert all(0 < p.stat().st_size for p in leftovers)
    assert len(BlockStore(store).list_blocks()) == m
    df = make_demo_corpus(3000, seed=3)
    with _no_corrupt_warning():
        L = apply_lfs(df, demo_lfs(), cardinality=2, progress=False, store=store, chunk_rows=500)
    total = len(demo_lfs()) * 6
    assert (L.run.computed, L.run.reused) == (total - m, m)
    assert L == apply_lfs(df, demo_lfs(), cardinality=2, progress=False)
    killed = [r for r in BlockStore(store).runs() if r.status == "running"]
    assert len(killed) == 1  # the killed run's record stays "running": prune keeps its LFs' blocks


_CONCURRENT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from weaklab import apply_lfs, make_demo_corpus
    from weaklab.demo import demo_lfs

    df = make_demo_corpus(20000, seed=4)
    go = Path(sys.argv[2])
    while not go.exists():
        time.sleep(0.01)
    L = apply_lfs(df, demo_lfs(), cardinality=2, progress=False, store=sys.argv[1], chunk_rows=1000)
    L.save(sys.argv[3])
    print(L.run.computed, L.run.reused)
    """
)


@pytest.mark.slow
def test_two_processes_applying_to_one_store_at_once(tmp_path):
    store, go = tmp_path / "s", tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", _CONCURRENT, str(store), str(go), str(tmp_path / f"L{i}.npz")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
        for i in range(2)
    ]
    time.sleep(3)  # both import and build the corpus, then start together
    go.touch()
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    from weaklab import LabelMatrix

    df = make_demo_corpus(20000, seed=4)
    expected = apply_lfs(df, demo_lfs(), cardinality=2, progress=False)
    for i in range(2):
        assert LabelMatrix.load(tmp_path / f"L{i}.npz") == expected
    total = len(demo_lfs()) * 20
    counts = [tuple(map(int, o[0].split())) for o in outs]
    assert all(c + r == total for c, r in counts)
    with _no_corrupt_warning():
        L = apply_lfs(df, demo_lfs(), cardinality=2, progress=False, store=store, chunk_rows=1000)
    assert (L.run.computed, L.run.reused) == (0, total) and L == expected
    assert not [p for p in (store / "blocks").rglob("*") if p.is_file() and not p.name.endswith(".wlb")]
    assert len(BlockStore(store).runs()) == 3


# ------------------------------------------------------------ Dask cluster
@pytest.mark.slow
def test_store_on_a_local_cluster_equals_store_less(corpus, lfs, tmp_path, cluster_client):
    expected = apply_lfs(corpus, lfs, cardinality=2, progress=False)
    ddf = dd.from_pandas(corpus, npartitions=5)
    store = tmp_path / "s"
    m = len(lfs)
    cold = _apply(ddf, lfs, store)
    assert cold == expected and (cold.run.computed, cold.run.reused) == (5 * m, 0)
    # Written by the workers: the client process never opened the block folder for writing,
    # and the files exist as soon as the run returns.
    assert len(list((store / "blocks").rglob("*.wlb"))) == 5 * m
    edited = lfs[:-1] + [keyword_lf("promo", ["check out", "free", "win"], 1)]
    lazy = _apply(ddf, edited, store, collect=False)
    assert isinstance(lazy, PartitionedLabelMatrix)
    assert (lazy.run.computed, lazy.run.reused) == (5, 5 * (m - 1))
    want = apply_lfs(corpus, edited, cardinality=2, progress=False)
    assert lazy.compute() == want
    model = MajorityVote().fit(lazy)
    np.testing.assert_allclose(model.predict_proba(lazy).compute(), MajorityVote().fit(want).predict_proba(want))
    warm = _apply(ddf, edited, store)
    assert warm == want and warm.run.computed == 0
    # A block damaged on disk: the worker that finds it reports it, the client warns naming it.
    path = _one_block_path(store)
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.warns(CorruptBlockWarning, match=str(path)):
        healed = _apply(ddf, edited, store)
    assert healed == want and (healed.run.computed, healed.run.reused) == (1, 5 * m - 1)


@pytest.mark.slow
def test_fault_tolerant_store_run_on_a_cluster_keeps_error_records(corpus, tmp_path, cluster_client):
    def fragile(row):
        if "song" in row.text:
            raise KeyError("boom")
        return 0 if len(row.text) < 30 else ABSTAIN

    lf = [LabelingFunction("fragile", fragile)]
    expected = apply_lfs(corpus, lf, cardinality=2, fault_tolerant=True, progress=False)
    ddf = dd.from_pandas(corpus, npartitions=4)
    for _ in range(2):
        got = _apply(ddf, lf, tmp_path / "s", fault_tolerant=True)
        assert got == expected and got.errors == expected.errors
    assert got.run.reused == 4


def test_a_local_block_is_fsynced_before_its_rename_and_its_folder_after(tmp_path, monkeypatch):
    import os

    import weaklab.labeling.store as store_module

    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("rename", str(dst)))
        real_replace(src, dst)

    store = BlockStore(tmp_path / "store")
    block = Block("a" * 64, "b" * 64, 3, 2, np.array([0], np.int32), np.array([1], np.int8), "lf")
    monkeypatch.setattr(store_module.os, "fsync", fsync)
    monkeypatch.setattr(store_module.os, "replace", replace)
    store.write_block(block)
    final = store.block_path("a" * 64, "b" * 64)
    folder = os.path.dirname(final)
    renamed = events.index(("rename", final))
    written = [i for i, (what, path) in enumerate(events) if what == "fsync" and ".tmp-" in path
               and path.startswith(final)]
    assert written and max(written) < renamed  # the data reached the disk before the rename
    assert ("fsync", folder) in events[renamed + 1:]  # and the rename itself after it
    assert ("fsync", os.path.dirname(folder)) in events[:renamed]  # the new LF folder's entry
    assert store.read_block("a" * 64, "b" * 64).to_dense().tolist() == [0, -1, -1]
    events.clear()
    # one partition's blocks: every file synced before the first rename, every folder after the last
    several = [Block(c * 64, "e" * 64, 3, 2, np.array([1], np.int32), np.array([2], np.int8), c) for c in "123"]
    store.write_blocks(several)
    renames = [i for i, (what, _) in enumerate(events) if what == "rename"]
    files = [i for i, (what, path) in enumerate(events) if what == "fsync" and ".tmp-" in path]
    folders = {path for i, (what, path) in enumerate(events) if what == "fsync" and i > max(renames)}
    assert len(renames) == len(files) == 3 and max(files) < min(renames)
    assert folders >= {os.path.dirname(store.block_path(b.lf_fingerprint, "e" * 64)) for b in several}
    assert [store.read_block(c * 64, "e" * 64).to_dense().tolist() for c in "123"] == [[-1, 1, -1]] * 3
    events.clear()
    memory = BlockStore("memory://fsync-test")  # no local file: nothing to fsync, still atomic
    memory.write_block(block)
    assert events == [] and memory.read_block("a" * 64, "b" * 64) is not None


def test_a_version_1_run_record_reads_without_columns_and_rewrites_as_version_2():
    doc = json.loads(RunRecord.start(None, demo_lfs(), cardinality=2, fault_tolerant=False, columns=["t"]).to_json())
    assert doc["columns"] == ["t"]
    del doc["columns"]
    doc["format_version"] = 1
    old = RunRecord.from_json(json.dumps(doc))
    assert old.columns is None and RunRecord.from_json(old.to_json()) == old
    with pytest.raises(ValueError, match="has fields"):
        RunRecord.from_json(json.dumps(dict(doc, format_version=2)))  # version 2 must say 'columns'
