"""Every apply_lfs(store=...) run writes its own manifest (weaklab/labeling/manifest.py)."""

from __future__ import annotations

import json

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

import weaklab
from weaklab import ABSTAIN, apply_lfs, labeling_function, list_runs, load_run
from weaklab.labeling.manifest import RunManifest, read_manifest


@labeling_function()
def low(row):
    return 0 if row.x < 100 else ABSTAIN


@labeling_function()
def high(row):
    return 1 if row.x >= 150 else ABSTAIN


@labeling_function()
def fragile(row):
    if row.x % 50 == 7 and row.x > 100:
        raise ValueError("bad row")
    return 1 if row.x >= 80 else ABSTAIN


DATA = pd.DataFrame({"x": np.arange(200)})
LFS = [low, high, fragile]


def by_hand(x: np.ndarray) -> dict:
    """The votes of LFS, written out independently of weaklab (fragile fails → abstain)."""
    votes = np.stack([np.where(x < 100, 0, -1), np.where(x >= 150, 1, -1),
                      np.where((x % 50 == 7) & (x > 100), -1, np.where(x >= 80, 1, -1))], axis=1)
    voted = votes >= 0
    pairs = [(a, b) for a in range(3) for b in range(a + 1, 3)]
    both = {p: voted[:, p[0]] & voted[:, p[1]] for p in pairs}
    conflicts = sum(int((both[p] & (votes[:, p[0]] != votes[:, p[1]])).sum()) for p in pairs)
    n_pairs = sum(int(both[p].sum()) for p in pairs)
    overlapping = voted & (voted.sum(axis=1, keepdims=True) > 1)
    class_votes = np.array([(votes == c).sum() for c in (0, 1)])
    return {"coverage": voted.any(axis=1).mean(), "lf_coverage": voted.mean(axis=0),
            "conflict": conflicts / n_pairs, "overlap": overlapping.sum() / voted.sum(),
            "vote_balance": class_votes / class_votes.sum()}


def test_a_python_run_writes_a_complete_manifest_by_itself(tmp_path):
    store = tmp_path / "store"
    L = apply_lfs(DATA, LFS, cardinality=2, store=store, progress=False, fault_tolerant=True, chunk_rows=64,
                  data_source="frame x")
    path = store / "manifests" / f"{L.run.run_id}.json"
    assert path.is_file()  # nobody called record_run
    m = load_run(store, L.run.run_id)
    assert RunManifest.from_json(path.read_bytes()) == m == RunManifest.from_json(m.to_json())
    assert m.kind == "apply" and m.parent is None and m.model is None and m.labels is None
    assert m.store == str(store)
    assert [(lf["name"], lf["fingerprint"]) for lf in m.lfs] == [(lf.name, lf.fingerprint) for lf in LFS]
    assert 'raise ValueError("bad row")' in m.lfs[2]["source"] and "row.x >= 150" in m.lfs[1]["source"]
    assert m.data["source"] == "frame x" and m.data["n_rows"] == 200
    assert [p["n_rows"] for p in m.data["partitions"]] == [64, 64, 64, 8]
    assert m.data["partitions"] == L.run.partitions
    assert m.data["blocks"] == {"computed": 12, "reused": 0}
    assert m.versions["weaklab"] == weaklab.__version__ and m.versions["pandas"] == pd.__version__
    expected = by_hand(DATA.x.to_numpy())
    assert m.metrics["coverage"] == pytest.approx(expected["coverage"])
    assert m.metrics["conflict"] == pytest.approx(expected["conflict"])
    assert m.metrics["overlap"] == pytest.approx(expected["overlap"])
    assert m.metrics["vote_balance"] == pytest.approx(expected["vote_balance"])
    assert [m.metrics["lf"][lf.name]["coverage"] for lf in LFS] == pytest.approx(expected["lf_coverage"])
    assert m.metrics["lf"]["fragile"]["failed_rows"] == 2 and m.metrics["lf"]["low"]["failed_rows"] == 0
    assert m.drift_counts["n_rows"] == 200 and m.drift_counts["lf_names"] == ["low", "high", "fragile"]

    again = apply_lfs(DATA, LFS, cardinality=2, store=store, progress=False, fault_tolerant=True, chunk_rows=64)
    m2 = load_run(store, again.run.run_id)
    assert m2.data["blocks"] == {"computed": 0, "reused": 12}
    assert m2.metrics == m.metrics and m2.drift_counts == m.drift_counts
    runs = list_runs(store)
    assert runs["run_id"].tolist() == [m.run_id, m2.run_id]
    assert runs["manifest"].tolist() == [True, True] and runs["kind"].tolist() == ["apply", "apply"]


def test_a_dask_run_that_never_gathers_votes_writes_the_same_summary(tmp_path):
    frame = dd.from_pandas(DATA, npartitions=3)
    with dask.config.set(scheduler="threads"):
        P = apply_lfs(frame, LFS, cardinality=2, store=tmp_path / "a", progress=False, collect=False,
                      fault_tolerant=True)
    L = apply_lfs(DATA, LFS, cardinality=2, store=tmp_path / "b", progress=False, fault_tolerant=True)
    lazy, eager = load_run(tmp_path / "a", P.run.run_id), load_run(tmp_path / "b", L.run.run_id)
    assert lazy.metrics == eager.metrics and lazy.drift_counts == eager.drift_counts
    assert len(lazy.data["partitions"]) == 3 and lazy.data["blocks"] == {"computed": 9, "reused": 0}
    # the failures travel with the counts, first row counted in the whole data set
    assert P.errors["fragile"].n_failed == 2 and P.errors["fragile"].first_row == 107  # in partition 1
    assert str(P.errors["fragile"]) == str(L.errors["fragile"])
    assert P.lf_fingerprints == tuple(lf.fingerprint for lf in LFS)


def test_no_manifest_without_a_store_or_for_a_failed_run(tmp_path):
    store = tmp_path / "store"
    L = apply_lfs(DATA, LFS, cardinality=2, progress=False, fault_tolerant=True)
    assert L.run.store is None
    with pytest.raises(weaklab.LFApplicationError):
        apply_lfs(DATA, LFS, cardinality=2, store=store, progress=False)  # strict: fragile raises
    (record,) = weaklab.BlockStore(store).runs()
    assert record.status == "failed" and read_manifest(store, record.run_id) is None
    assert not (store / "manifests").exists()


def test_a_manifest_that_does_not_add_up_is_refused(tmp_path):
    L = apply_lfs(DATA, LFS, cardinality=2, store=tmp_path, progress=False, fault_tolerant=True, chunk_rows=64)
    doc = json.loads(load_run(tmp_path, L.run.run_id).to_json())
    bad_blocks = dict(doc, data={**doc["data"], "blocks": {"computed": 1, "reused": 0}})
    with pytest.raises(ValueError, match="partitions × LFs"):
        RunManifest.from_json(json.dumps(bad_blocks), where="m.json")
    bad_counts = dict(doc, drift_counts={**doc["drift_counts"], "n_rows": 199})
    with pytest.raises(ValueError, match="m.json"):
        RunManifest.from_json(json.dumps(bad_counts), where="m.json")
    bad_lf = dict(doc, lfs=[{**doc["lfs"][0], "extra": 1}, *doc["lfs"][1:]])
    with pytest.raises(ValueError, match="lfs must list"):
        RunManifest.from_json(json.dumps(bad_lf))
    with pytest.raises(TypeError, match="data_source"):
        apply_lfs(DATA, LFS, cardinality=2, store=tmp_path, progress=False, data_source=3)
