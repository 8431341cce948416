"""Batch jobs: client peak memory of `weaklab apply --store`, and how LF resources travel.

1. Client peak RSS of ``weaklab apply DATA --store STORE --scheduler ADDR`` at several
   row counts, measured from outside with ``/usr/bin/time -v`` ("Maximum resident set
   size") against a ``dask scheduler`` + two ``dask worker`` processes started here.
   The input is generated Parquet, 100,000 rows per file (short texts drawn from a fixed
   pool, plus a unique id column so every file, and so every partition, differs).
2. A 50 MB LF resource: how many processes unpickle it during one ``apply_lfs`` over a
   local cluster (2 workers, 20 partitions), i.e. how many times it is shipped.

    python benchmarks/bench_batch.py --rows 1000000 10000000
    python benchmarks/bench_batch.py --rows 100000 --resource-mb 5     # smoke run
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROWS_PER_FILE = 100_000
WORDS = ["subscribe", "check", "out", "my", "channel", "great", "song", "love", "this", "free",
         "video", "lol", "watch", "now", "best", "ever", "please", "like", "share", "amazing"]

LF_FILE = '''
from weaklab import keyword_lf, regex_lf
LFS = [keyword_lf("promo", ["subscribe", "check out", "free"], 1),
       keyword_lf("praise", ["love", "great", "amazing"], 0),
       regex_lf("shouting", r"!{2,}", 1)]
'''


def generate(folder: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pool = np.array([" ".join(rng.choice(WORDS, size=rng.integers(3, 12))) + ("!!" if i % 7 == 0 else "")
                     for i in range(5000)], dtype=object)
    folder.mkdir(parents=True)
    for f, start in enumerate(range(0, rows, ROWS_PER_FILE)):
        n = min(ROWS_PER_FILE, rows - start)
        pd.DataFrame({"id": np.arange(start, start + n), "text": pool[rng.integers(0, len(pool), n)]}).to_parquet(
            folder / f"part-{f:04d}.parquet", index=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client_peak_rss(rows_list: list[int], work: Path) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    dask = str(Path(sys.executable).with_name("dask"))
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = open(work / "cluster.log", "w")
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              env=env, stdout=logs, stderr=subprocess.STDOUT)]
    time.sleep(3)
    procs += [subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
                               env=env, stdout=logs, stderr=subprocess.STDOUT) for _ in range(2)]
    (work / "lfs.py").write_text(LF_FILE)
    results = []
    try:
        from distributed import Client

        with Client(address, timeout=120) as c:
            c.wait_for_workers(2, timeout=120)
        for rows in rows_list:
            data = work / f"data-{rows}"
            t = time.perf_counter()
            generate(data, rows, seed=rows)
            gen_s = time.perf_counter() - t
            store = work / f"store-{rows}"
            cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "weaklab", "apply", str(data), "--lfs",
                   str(work / "lfs.py"), "--cardinality", "2", "--store", str(store), "--scheduler", address,
                   "--no-progress"]
            t = time.perf_counter()
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            wall = time.perf_counter() - t
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr[-3000:])
            rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
            results.append({"rows": rows, "files": len(list(data.glob("*.parquet"))),
                            "client_peak_rss_mb": rss_kb / 1024, "wall_s": wall, "generate_s": gen_s,
                            "summary": proc.stdout.strip().splitlines()[-1]})
            print(results[-1], flush=True)
            shutil.rmtree(data)
            shutil.rmtree(store)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
    return results


# ----------------------------------------------------------- resource shipping
def _unpickled(payload: bytes, log: str):
    with open(log, "a") as f:
        f.write(f"{os.getpid()}\n")
    return Resource(payload, log)


class Resource:
    """A resource that records every process that unpickles it."""

    def __init__(self, payload: bytes, log: str) -> None:
        self.payload, self.log = payload, log

    def __reduce__(self):
        return (_unpickled, (self.payload, self.log))


def _sevens(df, table):
    return np.where(df.x.to_numpy() % 7 == 0, 0, -1)


def resource_shipping(mb: float, work: Path, partitions: int = 20) -> dict:
    import dask.dataframe as dd
    from weaklab import LabelingFunction, apply_lfs
    from weaklab.labeling.cluster import dask_client

    log = str(work / "unpickled.txt")
    open(log, "w").close()
    size = int(mb * 1e6)
    lf = LabelingFunction("big", _sevens, resources={"table": Resource(os.urandom(size), log)}, batch=True)
    data = dd.from_pandas(pd.DataFrame({"x": np.arange(200_000)}), npartitions=partitions)
    with dask_client(None, workers=2) as client:
        t = time.perf_counter()
        apply_lfs(data, [lf], cardinality=2, progress=False)
        wall = time.perf_counter() - t
        workers = {str(p) for p in client.run(os.getpid).values()}
    pids = open(log).read().split()
    return {"resource_mb": mb, "tasks": partitions, "unpickled": len(pids),
            "in_workers": sum(p in workers for p in pids), "in_client": pids.count(str(os.getpid())),
            "mb_per_task": len(pids) * size / partitions / 1e6, "wall_s": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--resource-mb", type=float, default=50)
    args = parser.parse_args()
    print("load:", os.getloadavg())
    work = Path(tempfile.mkdtemp(prefix="weaklab-bench-batch-"))
    try:
        ship = resource_shipping(args.resource_mb, work)
        print(ship, flush=True)
        rss = client_peak_rss(args.rows, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("load:", os.getloadavg())
    print("\n| rows | files (partitions) | client peak RSS (MB) | wall (s) |\n|---:|---:|---:|---:|")
    for r in rss:
        print(f"| {r['rows']:,} | {r['files']} | {r['client_peak_rss_mb']:.0f} | {r['wall_s']:.0f} |")
    if len(rss) > 1:
        print(f"\nratio largest / smallest: {rss[-1]['client_peak_rss_mb'] / rss[0]['client_peak_rss_mb']:.2f}")
    print(f"\n{args.resource_mb:.0f} MB resource, {ship['tasks']} tasks, 2 workers: unpickled {ship['unpickled']} "
          f"times ({ship['in_workers']} in workers, {ship['in_client']} in the client) = "
          f"{ship['mb_per_task']:.1f} MB per task")


if __name__ == "__main__":
    main()
