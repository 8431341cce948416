"""The ``weaklab runs / explain / monitor`` commands (weaklab/cli/lineage.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from weaklab import ABSTAIN, MajorityVote, apply_lfs, explain, labeling_function, record_run
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
