"""Benchmark: drift monitoring at scale and the latency of explaining one row.

1. ``monitor(reference, current)`` on two label matrices of ``--rows`` rows (10 M by
   default) × ``--lfs`` LFs (100) each held as ``--partitions`` partitions (50) on a local
   ``distributed`` cluster with two process workers: the blocks are generated on the
   workers and stay there; only per-partition counts reach the client. Compared, in
   the same run and in separate processes (so each peak memory is its own), with the
   only alternative a drift tool that knows columns offers: gathering the votes on the
   client (``PartitionedLabelMatrix.compute()``) and monitoring the in-memory matrix.
   Reported: seconds (median of ``--repeats``, generation excluded) and the client
   process's peak resident memory (``resource.getrusage``).
2. ``explain(model, L, row)`` on random rows of a ``--explain-rows`` (1 M) × 100 matrix
   with a fitted ``LabelModel`` (the default, no dev set): median latency of one call,
   next to one ``predict_proba`` over the whole matrix for scale.

LF behaviour is fixed (coverage 1–10 %, accuracy 60–90 %, k = 2); each partition is
drawn with its own seed, the current matrix with other seeds than the reference, so the
two are samples of the same distribution.

Run: ``python benchmarks/bench_lineage.py`` (several minutes on 2 cores), or
``python benchmarks/bench_lineage.py --rows 1000000 --partitions 10 --explain-rows 100000`` for a smoke run.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import scipy.sparse as sp

K = 2


def lf_behaviour(m: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(12345)
    return rng.uniform(0.01, 0.10, m), rng.uniform(0.60, 0.90, m)


def make_block(n: int, m: int, seed: int):
    """One partition's votes (CSR only, never dense)."""
    from weaklab import LabelMatrix

    coverage, accuracy = lf_behaviour(m)
    rng = np.random.default_rng(seed)
    y = rng.integers(0, K, n)
    rows, cols, vals = [], [], []
    for j in range(m):
        r = np.flatnonzero(rng.random(n) < coverage[j])
        right = rng.random(r.size) < accuracy[j]
        rows.append(r)
        cols.append(np.full(r.size, j, np.int32))
        vals.append(np.where(right, y[r], 1 - y[r]) + 1)
    csr = sp.csr_matrix((np.concatenate(vals).astype(np.int8), (np.concatenate(rows), np.concatenate(cols))),
                        shape=(n, m))
    return LabelMatrix(csr, [f"lf_{j:03d}" for j in range(m)], K)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_monitor(mode: str, rows: int, lfs: int, partitions: int, repeats: int) -> dict:
    """One mode in this process: 'partitioned' (counts travel) or 'gathered' (votes travel)."""
    import dask
    import distributed

    from weaklab import PartitionedLabelMatrix, monitor

    per = rows // partitions
    with distributed.Client(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                            memory_limit=0) as client:
        def matrix(offset: int) -> PartitionedLabelMatrix:
            blocks = [dask.delayed(make_block, pure=False)(per, lfs, offset + i) for i in range(partitions)]
            names = tuple(f"lf_{j:03d}" for j in range(lfs))
            parts = PartitionedLabelMatrix(blocks, names, K)
            parts._persist()
            distributed.wait(parts.blocks)
            return parts

        ref, cur = matrix(0), matrix(10_000)
        monitor(ref, cur)  # warm-up: Numba compiles (or loads) the counting kernels on each worker
        baseline = peak_rss_mb()
        times, report = [], None
        for _ in range(repeats):
            start = time.perf_counter()
            if mode == "gathered":
                report = monitor(ref.compute(), cur.compute())
            else:
                report = monitor(ref, cur)
            times.append(time.perf_counter() - start)
        client.close()
    return {"mode": mode, "seconds": statistics.median(times), "peak_mb": peak_rss_mb(),
            "baseline_mb": baseline, "drifted": list(report.drifted), "rows": per * partitions}


def run_explain(rows: int, lfs: int, calls: int) -> dict:
    import warnings

    from weaklab import LabelModel, explain

    L = make_block(rows, lfs, 7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LabelModel().fit(L)
    explain(model, L, 0)  # warm-up
    rng = np.random.default_rng(0)
    times = []
    for row in rng.integers(0, rows, calls):
        start = time.perf_counter()
        e = explain(model, L, int(row))
        times.append(time.perf_counter() - start)
    proba_times = []
    for _ in range(3):
        start = time.perf_counter()
        proba = model.predict_proba(L)
        proba_times.append(time.perf_counter() - start)
    assert np.allclose(e.probabilities, proba[int(row)], atol=1e-9)
    return {"explain_ms": 1000 * statistics.median(times), "predict_proba_s": statistics.median(proba_times),
            "rows": rows, "model": f"LabelModel ({model.selected_})"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--lfs", type=int, default=100)
    parser.add_argument("--partitions", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--explain-rows", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--skip-gathered", action="store_true", help="only the partitioned monitor")
    parser.add_argument("--mode", choices=["partitioned", "gathered", "explain"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode == "explain":
        print(json.dumps(run_explain(args.explain_rows, args.lfs, args.calls)))
        return
    if args.mode:
        print(json.dumps(run_monitor(args.mode, args.rows, args.lfs, args.partitions, args.repeats)))
        return
    results = {}
    modes = ["partitioned"] + ([] if args.skip_gathered else ["gathered"]) + ["explain"]
    for mode in modes:
        cmd = [sys.executable, __file__, "--mode", mode, "--rows", str(args.rows), "--lfs", str(args.lfs),
               "--partitions", str(args.partitions), "--repeats", str(args.repeats),
               "--explain-rows", str(args.explain_rows), "--calls", str(args.calls)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    with open("/proc/loadavg") as fh:
        load = fh.read().split()[:3]
    print(f"load average before the table: {' '.join(load)}")
    print(f"| monitor, {args.rows:,} rows × {args.lfs} LFs per matrix, {args.partitions} partitions | seconds "
          "| client peak RSS | drifted LFs |")
    print("|---|---:|---:|---|")
    for mode in ("partitioned", "gathered"):
        if mode in results:
            r = results[mode]
            label = "counts per partition (weaklab.monitor on the partitioned matrices)" if mode == "partitioned" \
                else "votes gathered on the client, then monitor"
            print(f"| {label} | {r['seconds']:.2f} | {r['peak_mb']:.0f} MB | {r['drifted'] or 'none'} |")
    e = results["explain"]
    print(f"\nexplain, one row of {e['rows']:,} × {args.lfs} ({e['model']}): median {e['explain_ms']:.2f} ms "
          f"per call over {args.calls} random rows; predict_proba over all rows {e['predict_proba_s']:.2f} s")


if __name__ == "__main__":
    main()
