"""Benchmark: LF statistics with weaklab vs Snorkel, and the HTML report at scale.

Measures, in one run and on the same synthetic label matrices:

* weaklab ``lf_summary(L, y)`` + ``label_stats(L)`` (per-LF table and matrix-level
  coverage / overlap / conflict, from the sparse matrix),
* Snorkel 0.10 ``LFAnalysis(L).lf_summary(Y)`` + ``label_coverage/overlap/conflict()``
  on the dense array Snorkel takes (building that array is not counted against Snorkel),
* weaklab ``lf_pairwise`` (m × m overlap / conflict / correlation; Snorkel has no
  equivalent),
* weaklab ``build_report`` with a fitted ``LabelModel`` and gold labels (no incumbent
  has a report).

Before any time is printed, the shared columns (polarity, coverage, overlaps, conflicts,
correct, incorrect, empirical accuracy) and the three matrix-level fractions are checked
to be equal to Snorkel's. Times are medians over ``--repeats`` runs; the first weaklab
call (Numba compilation, cached on disk afterwards) is a warm-up and not counted.

Run: ``python benchmarks/bench_analysis.py`` (about 5 minutes on 2 cores), or
``python benchmarks/bench_analysis.py --sizes 20000x20 --report-size 50000x50 --repeats 1``
for a smoke run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from weaklab import LabelMatrix, label_stats, lf_pairwise, lf_summary
from weaklab.models import LabelModel
from weaklab.analysis.report import build_report


def synthetic(n: int, m: int, k: int, seed: int = 0) -> tuple[LabelMatrix, np.ndarray]:
    """A label matrix whose LFs cover 0.5–10 % of rows with 55–90 % accuracy (CSR only)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    rows, cols, vals = [], [], []
    for j in range(m):
        r = np.sort(rng.choice(n, int(rng.uniform(0.005, 0.10) * n), replace=False))
        right = rng.random(r.size) < rng.uniform(0.55, 0.90)
        rows.append(r)
        cols.append(np.full(r.size, j, np.int32))
        vals.append(np.where(right, y[r], rng.integers(0, k, r.size)) + 1)
    csr = sp.csr_matrix(
        (np.concatenate(vals).astype(np.int8), (np.concatenate(rows), np.concatenate(cols))), shape=(n, m)
    )
    return LabelMatrix(csr, [f"lf_{j:03d}" for j in range(m)], k), y


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def check_same(ours: pd.DataFrame, theirs: pd.DataFrame, stats, ana) -> None:
    assert ours["polarity"].tolist() == [list(map(int, p)) for p in theirs["Polarity"]]
    for mine, snorkel in [("coverage", "Coverage"), ("overlaps", "Overlaps"), ("conflicts", "Conflicts"),
                          ("correct", "Correct"), ("incorrect", "Incorrect")]:
        np.testing.assert_allclose(ours[mine].to_numpy(float), theirs[snorkel].to_numpy(float), err_msg=mine)
    np.testing.assert_allclose(ours["emp_accuracy"].fillna(0).to_numpy(), theirs["Emp. Acc."].to_numpy())
    np.testing.assert_allclose(
        [stats.coverage, stats.overlap, stats.conflict],
        [ana.label_coverage(), ana.label_overlap(), ana.label_conflict()],
    )


def bench_summary(n: int, m: int, k: int, repeats: int) -> dict:
    from snorkel.labeling import LFAnalysis

    L, y = synthetic(n, m, k)
    dense = L.to_dense()

    def ours():
        return lf_summary(L, y=y), label_stats(L)

    def theirs():
        ana = LFAnalysis(dense)
        return ana.lf_summary(y), ana

    (o_sum, o_stats), (t_sum, t_ana) = ours(), theirs()
    check_same(o_sum, t_sum, o_stats, t_ana)

    def theirs_all():
        ana = LFAnalysis(dense)
        ana.lf_summary(y)
        ana.label_coverage(), ana.label_overlap(), ana.label_conflict()

    t_ours = median_time(ours, repeats)
    t_theirs = median_time(theirs_all, repeats)
    lf_pairwise(L)
    t_pair = median_time(lambda: lf_pairwise(L), repeats)
    return {"rows": n, "LFs": m, "votes": L.nnz, "weaklab s": t_ours, "snorkel s": t_theirs,
            "speed-up": t_theirs / t_ours, "pairwise s": t_pair}


def bench_report(n: int, m: int, k: int, repeats: int) -> dict:
    L, y = synthetic(n, m, k, seed=1)
    data = pd.DataFrame({"text": pd.array(np.char.add("row ", np.arange(n).astype(str)), dtype="str")})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LabelModel().fit(L)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.html"
        build_report(L, data=data, y=y, model=model, path=path)
        t = median_time(lambda: build_report(L, data=data, y=y, model=model, path=path), repeats)
        size = path.stat().st_size
    return {"rows": n, "LFs": m, "votes": L.nnz, "build_report s": t, "HTML MB": size / 2**20}


def parse_size(text: str) -> tuple[int, int]:
    n, m = text.lower().split("x")
    return int(n), int(m)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["100000x50", "500000x100"],
                        help="ROWSxLFS matrices for the Snorkel comparison")
    parser.add_argument("--report-size", default="1000000x200", help="ROWSxLFS for build_report")
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=FutureWarning)  # scipy, inside Snorkel

    warm, _ = synthetic(1000, 5, args.classes)
    lf_summary(warm), label_stats(warm), lf_pairwise(warm)  # compile the Numba kernels once

    rows = [bench_summary(*parse_size(s), args.classes, args.repeats) for s in args.sizes]
    print("\nlf_summary + matrix-level stats (shared columns checked equal to Snorkel's)")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    report = bench_report(*parse_size(args.report_size), args.classes, args.repeats)
    print("\nbuild_report (LabelModel + gold + 1 text column; median of repeats)")
    print(pd.DataFrame([report]).to_string(index=False, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    sys.exit(main())
