"""The ``weaklab runs / explain / monitor`` commands (weaklab/cli/lineage.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import dask.dataframe as dd
import pandas as pd
import pytest

import weaklab
from weaklab import ABSTAIN, MajorityVote, apply_lfs, explain, labeling_function, list_runs, load_run, record_run
from weaklab.lineage.manifest import run_labels
from weaklab.cli import main
from weaklab.cli.lineage import EXIT_DRIFT

REPO = Path(__file__).resolve().parents[1]


@labeling_function()
def small(row):
    return 0 if row.x < 300 else ABSTAIN


@labeling_function()
def big(row):
    return 1 if row.x >= 200 else ABSTAIN


@labeling_function(name="odd")
def odd_v1(row):
    return 1 if row.x % 2 else ABSTAIN


@labeling_function(name="odd")
def odd_silent(row):
    return 1 if row.x < 0 else ABSTAIN


def make_runs(tmp_path):
    store = tmp_path / "store"
    data = pd.DataFrame({"x": np.arange(600)})
    runs = []
    for lfs in ([small, big, odd_v1], [small, big, odd_silent]):
        L = apply_lfs(data, lfs, cardinality=2, store=store, progress=False)
        model = MajorityVote().fit(L)
        path = model.save(tmp_path / f"model{len(runs)}.npz")
        runs.append((record_run(L, lfs, model=model, model_path=path), L, model, path))
    return store, runs


def test_runs_list_show_and_diff(tmp_path, capsys):
    store, ((a, *_), (b, *_)) = make_runs(tmp_path)
    assert main(["runs", "list", str(store)]) == 0
    out = capsys.readouterr().out
    assert a.run_id in out and b.run_id in out and "MajorityVote" in out
    assert main(["runs", "show", a.run_id, "--store", str(store)]) == 0
    assert json.loads(capsys.readouterr().out)["run_id"] == a.run_id
    manifest_file = store / "manifests" / f"{b.run_id}.json"
    assert main(["runs", "show", str(manifest_file)]) == 0
    assert json.loads(capsys.readouterr().out)["run_id"] == b.run_id
    out_json = tmp_path / "diff.json"
    assert main(["runs", "diff", a.run_id, b.run_id, "--store", str(store), "--json", str(out_json)]) == 0
    text = capsys.readouterr().out
    assert "edited: ['odd']" in text
    doc = json.loads(out_json.read_text())
    # odd voted 1 on the odd rows < 200 (alone: 1, against small: a tie) and >= 300 (alone: 1).
    x = np.arange(600)
    was = np.where(x < 200, np.where(x % 2, -1, 0), np.where(x < 300, np.where(x % 2, 1, -1), 1))
    now = np.where(x < 200, 0, np.where(x < 300, -1, 1))
    assert doc["n_flipped"] == int((was != now).sum())


def test_explain_reads_the_votes_back_from_the_store(tmp_path, capsys):
    store, ((a, L, model, path), _) = make_runs(tmp_path)
    assert main(["explain", "--store", str(store), "--model", str(path), "--row", "250", "--run", a.run_id]) == 0
    out = capsys.readouterr().out
    assert f"run {a.run_id}" in out and str(explain(model, L, 250)) in out


def test_monitor_exits_non_zero_on_drift_and_writes_reports(tmp_path):
    store, ((a, *_), (b, *_)) = make_runs(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    html, js = tmp_path / "drift.html", tmp_path / "drift.json"
    cmd = [sys.executable, "-m", "weaklab", "monitor", "--reference", a.run_id, "--current", b.run_id,
           "--store", str(store), "--out", str(html), "--json", str(js)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == EXIT_DRIFT, done.stderr
    assert "went silent" in done.stdout
    assert json.loads(js.read_text())["silent"] == ["odd"]
    assert "went silent" in html.read_text()
    same = subprocess.run(cmd[:6] + ["--current", a.run_id, "--store", str(store)], capture_output=True, text=True, env=env,
                          timeout=300)
    assert same.returncode == 0, same.stderr


def test_monitor_of_a_run_without_rows_fails_instead_of_reporting_no_drift(tmp_path, capsys):
    store, ((a, L, model, _), _) = make_runs(tmp_path)
    empty = weaklab.LabelMatrix.from_dense(np.zeros((0, 3), dtype=int), list(L.lf_names))
    none = record_run(empty, store=store, model=model)
    code = main(["monitor", "--reference", a.run_id, "--current", none.run_id, "--store", str(store)])
    assert code not in (0, EXIT_DRIFT) and "current has no rows" in capsys.readouterr().err


CLI_LFS = '''
from weaklab import ABSTAIN, labeling_function

@labeling_function()
def small(row):
    return 0 if row.x < 300 else ABSTAIN

@labeling_function()
def big(row):
    return 1 if row.x >= 200 else ABSTAIN
'''


@pytest.mark.slow
def test_weaklab_apply_fit_label_on_real_files_record_their_manifests(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        pd.DataFrame({"x": np.arange(200 * i, 200 * (i + 1))}).to_parquet(data / f"part-{i}.parquet")
    (tmp_path / "cli_lfs.py").write_text(CLI_LFS)
    store, model = tmp_path / "store", tmp_path / "model.npz"

    def weaklab_cli(*args):
        done = subprocess.run([sys.executable, "-m", "weaklab", *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stdout

    weaklab_cli("apply", str(data), "--lfs", "cli_lfs.py", "--cardinality", "2", "--store", str(store),
                "--workers", "1", "--no-progress")
    weaklab_cli("fit", "--store", str(store), "--model", "MajorityVote", "--out", str(model))
    weaklab_cli("label", "--store", str(store), "--model", str(model), "--out", str(tmp_path / "labels"))
    listing = weaklab_cli("runs", "list", str(store))

    runs = list_runs(store)
    assert runs["kind"].tolist() == ["apply", "fit", "label"] and runs["manifest"].all()
    applied, fitted, labelled = (load_run(store, r) for r in runs["run_id"])
    for m in (applied, fitted, labelled):
        assert m.run_id in listing
    assert "MajorityVote" in listing
    # the apply manifest: source, partitions, LFs with their code, blocks, metrics computed by hand
    assert applied.data["source"] == str(data) and applied.data["n_rows"] == 600
    assert [p["n_rows"] for p in applied.data["partitions"]] == [200, 200, 200]
    assert applied.data["blocks"] == {"computed": 6, "reused": 0}
    assert [lf["name"] for lf in applied.lfs] == ["small", "big"]
    assert "row.x >= 200" in applied.lfs[1]["source"]
    x = np.arange(600)
    assert applied.metrics["coverage"] == 1.0
    assert applied.metrics["lf"]["small"]["coverage"] == pytest.approx(0.5)
    both = (x >= 200) & (x < 300)
    assert applied.metrics["conflict"] == 1.0 and applied.metrics["overlap"] == pytest.approx(
        2 * both.sum() / ((x < 300).sum() + (x >= 200).sum()))
    # the fit and label manifests: the model file by hash, labels, parent run, inherited source
    import hashlib

    for m, kind in ((fitted, "fit"), (labelled, "label")):
        assert m.kind == kind and m.parent == applied.run_id and m.data["source"] == str(data)
        assert m.model["class"] == "MajorityVote"
        assert m.model["file_sha256"] == hashlib.sha256(model.read_bytes()).hexdigest()
        assert m.model["lf_fingerprints"] == [lf["fingerprint"] for lf in applied.lfs]
        assert [lf["source"] for lf in m.lfs] == [lf["source"] for lf in applied.lfs]
        expected = np.where(x < 200, 0, np.where(x < 300, -1, 1))  # ties on 200..299
        np.testing.assert_array_equal(run_labels(store, m), expected)
        assert m.metrics["class_balance"] == pytest.approx([200 / 500, 300 / 500])


def test_help_lists_the_drift_exit_code_with_the_others(capsys):
    for argv in (["--help"], ["monitor", "--help"], ["apply", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        codes = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.startswith("  ")
                 and line.split()[0].isdigit()]
        assert codes == ["0", "2", "3", "4", "5", str(EXIT_DRIFT), "1", "130"], argv
    assert EXIT_DRIFT == 6


def test_label_asks_the_model_once_per_partition_and_records_what_it_wrote(tmp_path, monkeypatch):
    store = tmp_path / "store"
    data = pd.DataFrame({"x": np.arange(600)})
    L = apply_lfs(dd.from_pandas(data, npartitions=3), [small, big], cardinality=2, store=store, progress=False)
    path = MajorityVote().fit(L).save(tmp_path / "model.npz")
    calls = []
    real = MajorityVote.predict_proba

    def counted(self, L, *args, **kwargs):
        calls.append(L.n_rows)
        return real(self, L, *args, **kwargs)

    monkeypatch.setattr(MajorityVote, "predict_proba", counted)
    assert main(["label", "--store", str(store), "--model", str(path), "--out", str(tmp_path / "labels")]) == 0
    # one predict (which calls predict_proba) and one predict_proba per partition, not four
    assert sorted(calls) == sorted([200, 200] * 3)
    labelled = load_run(store, list_runs(store)["run_id"].iloc[-1])
    files = pd.concat(pd.read_parquet(f) for f in sorted((tmp_path / "labels").glob("part-*.parquet")))
    x = np.arange(600)
    expected = np.where(x < 200, 0, np.where(x < 300, -1, 1))  # MV ties on 200..299
    np.testing.assert_array_equal(run_labels(store, labelled), expected)
    np.testing.assert_allclose(files["p_1"].to_numpy(), np.where(x < 200, 0.0, np.where(x < 300, 0.5, 1.0)))
    np.testing.assert_array_equal(files["label"].to_numpy(), expected)  # a tie is -1 in the files too
    assert labelled.drift_counts["predicted"] == [200, 300, 100]
