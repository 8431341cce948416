"""Label models: speed and memory, weaklab side by side with the incumbents.

Synthetic label matrices (generated here, cached as ``.npz`` under ``--cache``):

=========== ============ ====== ===== =====================================================
name        rows         LFs    k     LFs
=========== ============ ====== ===== =====================================================
dense1m     1 000 000    50     2     vote any class; coverage U(0.1, 0.525), ~15.6 M votes
sparse200k  200 000      1 000  2     one-sided, coverage U(0.2 %, 2 %), ~11 votes a row
k50         100 000      100    50    vote any class; coverage U(0.1, 0.525)
k50-1s      100 000      100    50    one-sided, coverage U(0.2 %, 2 %); weaklab only
huge10m     10 000 000   100    2     as dense1m; weaklab only (fit + predict < 60 s,
                                      peak memory < 3x the CSR's own size)
=========== ============ ====== ===== =====================================================

Every (scenario, method) runs in a fresh child process so its memory figure is its own:
the child imports its library and warms it up (torch start-up for Snorkel, Numba
compilation for weaklab) on a tiny matrix, loads the votes in the method's own input
format (weaklab: ``LabelMatrix``; Snorkel / FlyingSquid: dense array; crowd-kit: long
DataFrame), then times ``fit`` and ``predict_proba`` ``--repeats`` times. Peak memory is
the process's peak resident set (``VmHWM``, reset through ``/proc/self/clear_refs``
before each step) minus its resident set while holding the input, i.e. what the method
itself adds. A watchdog in the parent kills a child that passes ``--mem-cap-gb`` or its
time limit.

Incumbents are first run on 5 % and 10 % of the rows; time and memory are extrapolated
to the full size with an affine fit (``a + b * rows``). When the extrapolation exceeds
``--mem-cap-gb`` or ``--time-budget`` the full-size run is skipped and the table shows
the extrapolated figures marked ``~`` with the reason (the shared benchmark machine must
not run processes above ~6 GB). Otherwise the full size is measured.

Run with the incumbents' virtualenv (``benchmarks/setup_incumbents.sh``)::

    nice /work/venv-bench/bin/python benchmarks/bench_label_speed.py
    nice /work/venv-bench/bin/python benchmarks/bench_label_speed.py --quick   # smoke run
    nice python benchmarks/bench_label_speed.py --only dense1m --methods weaklab
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

# ----------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Scenario:
    name: str
    n: int
    m: int
    k: int
    one_sided: bool
    incumbents: bool
    description: str


SCENARIOS = {
    s.name: s
    for s in [
        Scenario("dense1m", 1_000_000, 50, 2, False, True, "1M rows x 50 LFs, k=2"),
        Scenario("sparse200k", 200_000, 1000, 2, True, True,
                 "200k rows x 1000 one-sided LFs (0.2-2% coverage), k=2"),
        Scenario("k50", 100_000, 100, 50, False, True, "100k rows x 100 LFs, k=50"),
        Scenario("k50-1s", 100_000, 100, 50, True, False, "100k rows x 100 one-sided LFs (0.2-2% coverage), k=50"),
        Scenario("huge10m", 10_000_000, 100, 2, False, False, "10M rows x 100 LFs, k=2"),
    ]
}
QUICK_DIVISOR = {"dense1m": 100, "sparse200k": 20, "k50": 50, "k50-1s": 50, "huge10m": 1000}

INCUMBENTS = ["snorkel", "flyingsquid", "crowdkit_ds"]
SEED = 0


def generate(n: int, m: int, k: int, one_sided: bool, seed: int, chunk: int = 100_000):
    """Synthetic votes with known LF parameters, built chunk by chunk straight into CSR.

    General LFs vote on a row with probability ``coverage_j`` and are right with
    probability ``acc_j`` (a wrong vote is uniform over the other classes). A one-sided LF
    only ever votes its target class ``t_j``: it fires with precision ``acc_j`` and
    coverage ``coverage_j``. Returns ``indptr, indices, data (label + 1), y``.
    """
    rng = np.random.default_rng(seed)
    if k == 2:
        balance = np.array([0.8, 0.2]) if one_sided else np.array([0.6, 0.4])
    else:
        balance = np.full(k, 1.0 / k)
    y = rng.choice(k, size=n, p=balance).astype(np.int16)
    if one_sided:
        coverage = rng.uniform(0.002, 0.02, m)
        target = np.arange(m) % k
        acc = rng.uniform(0.6, 0.95, m)
        pt = balance[target]
        p_pos = (coverage * acc / pt).astype(np.float32)  # P(fire | y == t_j)
        p_neg = (coverage * (1 - acc) / (1 - pt)).astype(np.float32)  # P(fire | y != t_j)
    else:
        coverage = rng.uniform(0.1, 0.525, m).astype(np.float32)
        acc = rng.uniform(0.55, 0.95, m).astype(np.float32)
    data_dtype = np.int8 if k < 127 else np.int16
    counts = np.zeros(n, dtype=np.int64)
    idx_parts, data_parts = [], []
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        yc = y[s:e]
        u = rng.random((e - s, m), dtype=np.float32)
        if one_sided:
            fire = u < np.where(yc[:, None] == target[None, :], p_pos[None, :], p_neg[None, :])
        else:
            fire = u < coverage[None, :]
        del u
        r, c = np.nonzero(fire)  # row-major: columns sorted within each row
        del fire
        if one_sided:
            lab = target[c]
        else:
            right = rng.random(r.size, dtype=np.float32) < acc[c]
            truth = yc[r].astype(np.int64)
            wrong = (truth + 1 + rng.integers(0, k - 1, r.size)) % k
            lab = np.where(right, truth, wrong)
        counts[s:e] = np.bincount(r, minlength=e - s)
        idx_parts.append(c.astype(np.int32))
        data_parts.append((lab + 1).astype(data_dtype))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.concatenate(idx_parts)
    del idx_parts
    data = np.concatenate(data_parts)
    return indptr, indices, data, y


def matrix_path(cache: Path, sc: Scenario, n: int) -> Path:
    path = cache / f"{sc.name}-n{n}-m{sc.m}-k{sc.k}-seed{SEED}.npz"
    if not path.exists():
        t0 = time.perf_counter()
        indptr, indices, data, y = generate(n, sc.m, sc.k, sc.one_sided, SEED)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, indptr=indptr, indices=indices, data=data, y=y,
                 shape=np.array([n, sc.m, sc.k]))
        os.replace(tmp, path)
        print(f"  generated {path.name}: {data.size:,} votes "
              f"({data.size / n:.1f} a row) in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


# ----------------------------------------------------------------------------- child side


def _rss_kb() -> int:
    return int(re.search(r"VmRSS:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))


def _hwm_kb() -> int:
    return int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as f:  # "5" resets VmHWM to the current RSS
        f.write("5")


class Runner:
    """One method: ``load`` builds its native input, ``fit`` / ``predict_proba`` time it."""

    def __init__(self, k: int):
        self.k = k

    def warm_up(self) -> None:
        rng = np.random.default_rng(1)
        y = rng.integers(0, self.k, 400)
        vote = rng.random((400, 6)) < 0.6
        right = rng.random((400, 6)) < 0.8
        dense = np.where(vote, np.where(right, y[:, None], (y[:, None] + 1) % self.k), -1)
        import scipy.sparse as sp

        csr = sp.csr_matrix(dense + 1)
        X = self.load(csr.indptr.astype(np.int64), csr.indices.astype(np.int32),
                      csr.data.astype(np.int8), 400, 6)
        self.predict_proba(self.fit(X), X)

    def load(self, indptr, indices, data, n, m):
        raise NotImplementedError

    def fit(self, X):
        raise NotImplementedError

    def predict_proba(self, model, X):
        raise NotImplementedError


def _dense(indptr, indices, data, n, m, fill=-1, offset=-1):
    out = np.full((n, m), fill, dtype=np.int64)
    rows = np.repeat(np.arange(n), np.diff(indptr))
    out[rows, indices] = data.astype(np.int64) + offset
    return out


class SnorkelRunner(Runner):
    def __init__(self, k):
        super().__init__(k)
        from snorkel.labeling.model import LabelModel

        self.cls = LabelModel

    def load(self, indptr, indices, data, n, m):
        return _dense(indptr, indices, data, n, m)

    def fit(self, X):
        model = self.cls(cardinality=self.k, verbose=False)
        model.fit(X, seed=SEED, progress_bar=False)
        return model

    def predict_proba(self, model, X):
        return model.predict_proba(X)


class FlyingSquidRunner(Runner):
    """FlyingSquid is binary ({-1, +1}, 0 = abstain): one-vs-rest for k > 2."""

    def __init__(self, k):
        super().__init__(k)
        import logging

        logging.getLogger("pgmpy").setLevel(logging.ERROR)
        from flyingsquid.label_model import LabelModel

        self.cls = LabelModel

    def load(self, indptr, indices, data, n, m):
        return _dense(indptr, indices, data, n, m)

    def _binary(self, X, c):
        return np.where(X == -1, 0, np.where(X == c, 1, -1))

    def fit(self, X):
        classes = [1] if self.k == 2 else range(self.k)
        models = []
        for c in classes:
            model = self.cls(X.shape[1])
            model.fit(self._binary(X, c))
            models.append(model)
        return models

    def predict_proba(self, models, X):
        if self.k == 2:
            p1 = models[0].predict_proba(self._binary(X, 1), verbose=False)[:, 1]
            return np.column_stack([1 - p1, p1])
        pos = np.column_stack(
            [mod.predict_proba(self._binary(X, c), verbose=False)[:, 1] for c, mod in enumerate(models)]
        )
        return pos / pos.sum(axis=1, keepdims=True)


class CrowdKitDSRunner(Runner):
    """crowd-kit's DawidSkene is transductive: ``fit`` computes the posteriors."""

    transductive = True

    def __init__(self, k):
        super().__init__(k)
        from crowdkit.aggregation import DawidSkene

        self.cls = DawidSkene

    def load(self, indptr, indices, data, n, m):
        import pandas as pd

        rows = np.repeat(np.arange(n), np.diff(indptr))
        return pd.DataFrame({"task": rows, "worker": indices.astype(np.int64),
                             "label": data.astype(np.int64) - 1})

    def fit(self, X):
        return self.cls(n_iter=100).fit(X)

    def predict_proba(self, model, X):
        probas = model.probas_
        out = np.full((int(X["task"].max()) + 1, self.k), np.nan)
        cols = [int(c) for c in probas.columns]
        out[np.ix_(probas.index.to_numpy(dtype=np.int64), cols)] = probas.to_numpy()
        return out


class WeaklabRunner(Runner):
    def __init__(self, k, cls_name):
        super().__init__(k)
        import weaklab.models as wm

        self.cls = getattr(wm, cls_name)

    def load(self, indptr, indices, data, n, m):
        import scipy.sparse as sp

        from weaklab import LabelMatrix

        csr = sp.csr_matrix((data, indices, indptr), shape=(n, m))
        return LabelMatrix(csr, [f"lf_{j}" for j in range(m)], self.k)

    def fit(self, X):
        try:
            model = self.cls(seed=SEED)
        except TypeError:
            model = self.cls()
        return model.fit(X)

    def predict_proba(self, model, X):
        return model.predict_proba(X)


def weaklab_model_names() -> list[str]:
    """Every label model class exported by ``weaklab.models`` (has fit + predict_proba)."""
    import inspect

    try:
        import weaklab.models as wm
    except ImportError as exc:
        print(f"weaklab.models not importable ({exc}); running the incumbents only")
        return []
    names = getattr(wm, "__all__", dir(wm))
    return [
        n for n in names
        if inspect.isclass(getattr(wm, n, None)) and not inspect.isabstract(getattr(wm, n))
        and not n.startswith("Base")
        and hasattr(getattr(wm, n), "fit") and hasattr(getattr(wm, n), "predict_proba")
    ]


def make_runner(method: str, k: int) -> Runner:
    if method == "snorkel":
        return SnorkelRunner(k)
    if method == "flyingsquid":
        return FlyingSquidRunner(k)
    if method == "crowdkit_ds":
        return CrowdKitDSRunner(k)
    if method.startswith("weaklab."):
        return WeaklabRunner(k, method.split(".", 1)[1])
    raise ValueError(f"unknown method {method!r}")


def child_main(method: str, path: str, rows: int, repeats: int) -> None:
    """Runs in a fresh process; prints one JSON line per stage."""
    import warnings

    warnings.simplefilter("ignore")
    with np.load(path) as z:
        n_full, m, k = (int(v) for v in z["shape"])
    runner = make_runner(method, k)
    runner.warm_up()
    gc.collect()
    rss_base = _rss_kb()
    with np.load(path) as z:
        indptr, indices, data, y = z["indptr"], z["indices"], z["data"], z["y"]
    if rows < n_full:  # a prefix of the rows (the generator draws rows independently)
        indptr = indptr[: rows + 1].copy()
        nnz = int(indptr[-1])
        indices, data, y = indices[:nnz].copy(), data[:nnz].copy(), y[:rows].copy()
        gc.collect()
    nnz = int(indptr[-1])
    csr_bytes = indptr.nbytes + indices.nbytes + data.nbytes
    X = runner.load(indptr, indices, data, rows, m)
    if not method.startswith("weaklab."):
        del indptr, indices, data  # the incumbent holds only its own format
    gc.collect()
    rss_input = _rss_kb()
    print(json.dumps({"stage": "loaded", "input_mb": (rss_input - rss_base) / 1024,
                      "csr_mb": csr_bytes / 2**20, "votes": nnz,
                      "base_mb": rss_base / 1024}), flush=True)
    for r in range(repeats):
        _reset_peak()
        t0 = time.perf_counter()
        model = runner.fit(X)
        t_fit = time.perf_counter() - t0
        peak_fit = _hwm_kb()
        _reset_peak()
        t0 = time.perf_counter()
        P = runner.predict_proba(model, X)
        t_pred = time.perf_counter() - t0
        peak_pred = _hwm_kb()
        P = np.asarray(P)
        covered = ~np.isnan(P).any(axis=1)
        acc = float((P[covered].argmax(axis=1) == y[: P.shape[0]][covered]).mean())
        print(json.dumps({
            "stage": "repeat", "fit_s": t_fit, "predict_s": t_pred,
            "peak_mb": (max(peak_fit, peak_pred) - rss_input) / 1024,
            "acc": acc, "transductive": getattr(runner, "transductive", False),
        }), flush=True)
        del model, P
        gc.collect()


# ----------------------------------------------------------------------------- parent side


@dataclass
class Result:
    scenario: str
    method: str
    rows: int
    fit_s: float | None = None
    predict_s: float | None = None
    peak_mb: float | None = None
    input_mb: float | None = None
    base_mb: float = 0.0
    csr_mb: float | None = None
    acc: float | None = None
    repeats: int = 0
    estimated: bool = False
    transductive: bool = False
    note: str = ""
    raw: list = field(default_factory=list)


def run_child(method: str, path: Path, rows: int, repeats: int, timeout: float,
              mem_cap_mb: float, python: str) -> tuple[list[dict], str]:
    """Run one measurement in a fresh process under a time and memory watchdog."""
    cmd = [python, os.path.abspath(__file__), "--child", method, "--matrix", str(path),
           "--rows", str(rows), "--repeats", str(repeats)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        import psutil

        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=os.environ.copy())
        ps = psutil.Process(proc.pid)
        start, killed = time.time(), ""
        try:
            killed = _watch(proc, ps, start, timeout, mem_cap_mb)
        finally:  # never leave a child running when the parent is interrupted
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        out.seek(0)
        err.seek(0)
        lines = [json.loads(x) for x in out.read().splitlines() if x.startswith("{")]
        if proc.returncode not in (0, None) and not killed:
            tail = err.read().strip().splitlines()[-3:]
            killed = "failed: " + " | ".join(tail)
    return lines, killed


def _watch(proc, ps, start: float, timeout: float, mem_cap_mb: float) -> str:
    """Poll a child until it exits; kill it past the memory cap or the time limit."""
    import psutil

    killed = ""
    while proc.poll() is None:
        time.sleep(0.1)
        try:
            rss_mb = ps.memory_info().rss / 2**20
        except psutil.NoSuchProcess:
            break
        if rss_mb > mem_cap_mb:
            killed = f"killed at {rss_mb / 1024:.1f} GB (cap {mem_cap_mb / 1024:.0f} GB)"
        elif time.time() - start > timeout:
            killed = f"timeout > {timeout:.0f} s"
        if killed:
            proc.kill()
            proc.wait()
            break
    return killed


def summarise(res: Result, lines: list[dict]) -> Result:
    loaded = [x for x in lines if x["stage"] == "loaded"]
    reps = [x for x in lines if x["stage"] == "repeat"]
    if loaded:
        res.input_mb, res.csr_mb = loaded[0]["input_mb"], loaded[0]["csr_mb"]
        res.base_mb = loaded[0]["base_mb"]
    if reps:
        res.fit_s = float(np.median([x["fit_s"] for x in reps]))
        res.predict_s = float(np.median([x["predict_s"] for x in reps]))
        res.peak_mb = float(max(x["peak_mb"] for x in reps))
        res.acc = reps[0]["acc"]
        res.transductive = reps[0]["transductive"]
        res.repeats = len(reps)
    res.raw = reps
    return res


def measure_incumbent(method: str, sc: Scenario, n: int, args, path: Path) -> Result:
    """Calibrate on a fraction of the rows, then measure the full size if it is feasible.

    A first run on 10 % of the rows gives upper bounds (time and memory scaled by 10).
    When they exceed the budget or the memory cap, a second run on 20 % gives an affine
    extrapolation ``a + b * rows``; the full size is run only if that fits.
    """
    cap_mb = args.mem_cap_gb * 1024

    def calibrate(rows):
        lines, killed = run_child(method, path, rows, 1, args.time_budget, cap_mb, args.python)
        return summarise(Result(sc.name, method, rows), lines), killed

    def total_mb(r):
        return r.base_mb + r.input_mb + r.peak_mb

    n1 = max(200, n // 10)
    r1, killed = calibrate(n1)
    if r1.fit_s is None:
        return Result(sc.name, method, n, note=f"skipped: at {n1:,} rows already {killed}")
    scale = n / n1
    est_s = (r1.fit_s + r1.predict_s) * scale
    est_mb = r1.base_mb + (r1.input_mb + r1.peak_mb) * scale
    if est_s > args.time_budget or est_mb > cap_mb:
        n2 = 2 * n1
        r2, killed = calibrate(n2)
        if r2.fit_s is None:
            return Result(sc.name, method, n, note=f"skipped: at {n2:,} rows already {killed}")

        def extrapolate(v1, v2):
            return max(v2, v2 + max(0.0, (v2 - v1) / (n2 - n1)) * (n - n2))

        est = Result(sc.name, method, n, estimated=True, transductive=r2.transductive,
                     fit_s=extrapolate(r1.fit_s, r2.fit_s),
                     predict_s=extrapolate(r1.predict_s, r2.predict_s),
                     peak_mb=extrapolate(r1.peak_mb, r2.peak_mb),
                     input_mb=extrapolate(r1.input_mb, r2.input_mb), base_mb=r2.base_mb,
                     acc=r2.acc, repeats=1)
        est_s, est_mb = est.fit_s + est.predict_s, total_mb(est)
        where = f"~ extrapolated from {n1:,} and {n2:,} rows"
        if est_mb > cap_mb:
            est.note = f"{where}: full size needs ~{est_mb / 1024:.1f} GB > cap {args.mem_cap_gb:g} GB"
            return est
        if est_s > args.time_budget:
            est.note = f"{where}: full size would take ~{est_s:.0f} s > budget {args.time_budget:.0f} s"
            return est
    # Repeats of a slow incumbent are capped so that they take about half the budget.
    repeats = int(max(1, min(args.repeats, 0.5 * args.time_budget // max(est_s, 1e-3))))
    lines, killed = run_child(method, path, n, repeats, 2.5 * args.time_budget + 60, cap_mb,
                              args.python)
    res = summarise(Result(sc.name, method, n), lines)
    if res.fit_s is None:
        return Result(sc.name, method, n, note=f"skipped: full-size run {killed}")
    if killed:
        res.note = f"{res.repeats} repeat(s) before {killed}"
    return res


def measure_weaklab(method: str, sc: Scenario, n: int, args, path: Path) -> Result:
    lines, killed = run_child(method, path, n, args.repeats, args.time_budget * args.repeats + 120,
                              args.mem_cap_gb * 1024, args.python)
    res = summarise(Result(sc.name, method, n), lines)
    if killed:
        res.note = killed if res.fit_s is None else f"{res.repeats} repeat(s) before {killed}"
    return res


# ----------------------------------------------------------------------------- report


def _fmt_s(v):
    return "–" if v is None else (f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 100 else f"{v:.0f}")


def _fmt_mb(v):
    return "–" if v is None else (f"{v:.0f} MB" if v < 1024 else f"{v / 1024:.2f} GB")


def _ratio(a, b):
    if a is None or b is None or b <= 0:
        return "–"
    return f"{a / b:.0f}×" if a / b >= 10 else f"{a / b:.1f}×"


TARGETS = {  # scenario: (fit x, predict x, memory fraction of Snorkel's) vs Snorkel
    "dense1m": (5, 50, None),
    "sparse200k": (20, 20, 1 / 5),
    "k50": (20, 20, 1 / 5),
}


def report(results: list[Result]) -> str:
    out = []
    by_sc: dict[str, list[Result]] = {}
    for r in results:
        by_sc.setdefault(r.scenario, []).append(r)
    verdicts = []
    for name, rs in by_sc.items():
        sc = SCENARIOS[name]
        n = max(r.rows for r in rs)
        votes = next((r for r in rs if r.csr_mb), None)
        out.append(f"\n### {name}: {sc.description.replace('1M', f'{n:,}')} (n = {n:,})\n")
        if votes:
            out.append(f"CSR of the votes: {_fmt_mb(votes.csr_mb)}\n")
        out.append("| method | fit s | predict_proba s | peak memory | input | accuracy "
                   "| fit vs Snorkel | predict vs Snorkel | memory vs Snorkel | runs | note |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|")
        snk = next((r for r in rs if r.method == "snorkel"), None)
        for r in rs:
            pre = "~" if r.estimated else ""
            pred = None if r.transductive else r.predict_s
            pred_cell = "in fit" if r.transductive else pre + _fmt_s(pred) if pred is not None else "–"
            row = [
                r.method,
                pre + _fmt_s(r.fit_s) if r.fit_s is not None else "–",
                pred_cell,
                pre + _fmt_mb(r.peak_mb) if r.peak_mb is not None else "–",
                _fmt_mb(r.input_mb),
                "–" if r.acc is None else f"{r.acc:.3f}",
                _ratio(snk.fit_s, r.fit_s) if snk else "–",
                _ratio(snk.predict_s, pred) if snk and pred else "–",
                _ratio(snk.peak_mb, r.peak_mb) if snk else "–",
                str(r.repeats),
                r.note,
            ]
            out.append("| " + " | ".join(row) + " |")
        tgt = TARGETS.get(name)
        for r in rs:
            if not r.method.startswith("weaklab.") or r.fit_s is None:
                continue
            if name == "huge10m":
                total = r.fit_s + r.predict_s
                mem = (r.peak_mb + r.csr_mb) / r.csr_mb
                ok = total < 60 and mem < 3
                verdicts.append(
                    f"- {name} {r.method}: fit+predict {total:.1f} s (< 60 s), peak incl. CSR "
                    f"{mem:.2f}× CSR (< 3×): {'MET' if ok else 'MISSED'}"
                )
            elif tgt and snk and snk.fit_s is not None:
                parts, ok = [], True
                fx, px = snk.fit_s / r.fit_s, snk.predict_s / r.predict_s
                parts.append(f"fit {fx:.1f}× (≥{tgt[0]}×)")
                parts.append(f"predict {px:.1f}× (≥{tgt[1]}×)")
                ok = fx >= tgt[0] and px >= tgt[1]
                if tgt[2] is not None:
                    frac = r.peak_mb / snk.peak_mb
                    parts.append(f"memory {frac:.3f} of Snorkel's (≤{tgt[2]:.2f})")
                    ok = ok and frac <= tgt[2]
                est = " (Snorkel extrapolated)" if snk.estimated else ""
                verdicts.append(f"- {name} {r.method}: {', '.join(parts)}{est}: "
                                f"{'MET' if ok else 'MISSED'}")
    out.append("\n### Targets\n")
    out.extend(verdicts)
    return "\n".join(out)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    p.add_argument("--only", action="append", choices=sorted(SCENARIOS),
                   help="run only this scenario (repeatable)")
    p.add_argument("--methods", default="all",
                   help="comma list: all, weaklab, incumbents, snorkel, flyingsquid, "
                        "crowdkit_ds, or weaklab.<Class>")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--time-budget", type=float, default=600.0,
                   help="seconds one incumbent fit + predict may take at full size")
    p.add_argument("--mem-cap-gb", type=float, default=6.0,
                   help="no child process may pass this resident size")
    p.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "weaklab-bench-cache"))
    p.add_argument("--python", default=sys.executable, help="interpreter for the children")
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--matrix", help=argparse.SUPPRESS)
    p.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child_main(args.child, args.matrix, args.rows, args.repeats)
        return

    # SIGTERM becomes SystemExit so run_child's cleanup kills the running child too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    wl = [f"weaklab.{c}" for c in weaklab_model_names()]
    import weaklab

    print(f"weaklab from {os.path.dirname(weaklab.__file__)}; children run {args.python}")
    wanted = args.methods.split(",")
    methods = []
    for w in wanted:
        methods += {"all": INCUMBENTS + wl, "weaklab": wl, "incumbents": INCUMBENTS}.get(w, [w])
    methods = list(dict.fromkeys(methods))
    results = []
    for name in args.only or list(SCENARIOS):
        sc = SCENARIOS[name]
        n = sc.n // QUICK_DIVISOR[name] if args.quick else sc.n
        print(f"== {name}: {n:,} rows x {sc.m} LFs, k={sc.k}", flush=True)
        path = matrix_path(cache, sc, n)
        for method in methods:
            if method in INCUMBENTS and not sc.incumbents:
                continue
            t0 = time.perf_counter()
            if method in INCUMBENTS:
                res = measure_incumbent(method, sc, n, args, path)
            else:
                res = measure_weaklab(method, sc, n, args, path)
            results.append(res)
            print(f"  {method:28s} fit {_fmt_s(res.fit_s):>8s}  predict {_fmt_s(res.predict_s):>8s}"
                  f"  peak {_fmt_mb(res.peak_mb):>9s}  acc {res.acc if res.acc is None else round(res.acc, 3)}"
                  f"  {'(est.) ' if res.estimated else ''}{res.note}  [{time.perf_counter() - t0:.0f} s]",
                  flush=True)
    table = report(results)
    print(table)
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in results], indent=1))


if __name__ == "__main__":
    main()
