"""First-run cost: a fresh install's first calls, with an empty Numba cache and a warm one.

Three things a new user runs first, each as a whole fresh process:

- ``readme``: the README's three-row example (its first Python block, run as written);
- ``demo``: ``weaklab demo`` at its defaults (20 000 rows, 2 Dask workers);
- ``fit``: ``weaklab fit`` of a saved 350-row label matrix (10 LFs, k = 2) at its defaults.

"Cold" runs get an empty Numba cache (``NUMBA_CACHE_DIR`` pointed at a new empty folder,
which is what a fresh install has: nothing compiled yet); "warm" runs reuse the cache the
cold run filled. Figures are medians over ``--repeats`` (each cold repeat starts from a
new empty cache). ``--repo`` times another checkout (e.g. an older commit, for a
before/after ratio), always with the same interpreter.

    nice python benchmarks/bench_first_run.py
    nice python benchmarks/bench_first_run.py --repo /tmp/weaklab-before --only readme
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
TASKS = ("readme", "fit", "demo")


def readme_example(repo: Path) -> str:
    """The first ```python block of the README."""
    text = (repo / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n(.*?)```", text, re.S)
    if match is None:
        raise SystemExit(f"no ```python block in {repo / 'README.md'}")
    return match.group(1)


def commands(repo: Path, work: Path) -> dict[str, list[str]]:
    py = sys.executable
    matrix = work / "L350.npz"
    if not matrix.exists():
        subprocess.run(
            [py, "-c", "import sys; from weaklab.datasets import make_synthetic_label_matrix as m; "
             "m(350, 10, 2, seed=0).L.save(sys.argv[1])", str(matrix)],
            check=True, env={**os.environ, "PYTHONPATH": str(repo)},
        )
    return {
        "readme": [py, "-c", readme_example(repo)],
        "fit": [py, "-m", "weaklab", "fit", str(matrix), "--out", str(work / "model.npz"), "--overwrite"],
        "demo": [py, "-m", "weaklab", "demo", "--out", str(work / "demo"), "--no-progress"],
    }


def timed(cmd: list[str], env: dict, cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, done.stderr


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repo", type=Path, default=HERE, help="checkout to time (default: this one)")
    p.add_argument("--only", action="append", choices=TASKS, help="time only these (repeatable)")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    repo = args.repo.resolve()
    print(f"weaklab at {repo}; load average before: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="weaklab-first-run-") as tmp:
        work = Path(tmp)
        cmds = commands(repo, work)
        for name in args.only or TASKS:
            cold, warm, notices = [], [], 0
            for r in range(args.repeats):
                cache = work / f"numba-cache-{name}-{r}"
                cache.mkdir()
                env = {**os.environ, "PYTHONPATH": str(repo), "NUMBA_CACHE_DIR": str(cache)}
                seconds, err = timed(cmds[name], env, work)
                cold.append(seconds)
                notices += err.count("weaklab: compiling numerical kernels")
                warm.append(timed(cmds[name], env, work)[0])
            print(f"{name:7s} cold {statistics.median(cold):6.1f} s  warm {statistics.median(warm):6.1f} s  "
                  f"(cold runs {[round(s, 1) for s in cold]}, warm {[round(s, 1) for s in warm]}; "
                  f"compile notices in the cold runs' stderr: {notices}; load {os.getloadavg()[0]:.1f})",
                  flush=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
