"""Issue 12 study: choose between LabelModel and ClassBalancedVote without a dev set by
held-out-LF agreement (does the model fitted without LF j predict LF j's votes?).

One-off design study, not a benchmark of the library. Writes holdout_lf.json beside it.
Run from the repository root: PYTHONPATH=. python benchmarks/studies/issue12_select/holdout_lf.py
"LabelModel" here is the model as it was before the rule (LabelModelDawidSkeneOnly).
"""
import json, sys, time, warnings
from pathlib import Path

import numpy as np

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here.parents[1]))
import bench_label_quality as B  # noqa: E402
from weaklab import models as wm  # noqa: E402

warnings.simplefilter("ignore")
DATA = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data")
MODELS = {"LabelModel": B.LabelModelDawidSkeneOnly, "CBV": wm.ClassBalancedVote, "MV": wm.MajorityVote}


def holdout_agreement(cls, L, max_lfs=80, seed=0):
    """Per LF j (up to max_lfs sampled): agreement of model(L without j) with j's votes."""
    rng = np.random.default_rng(seed)
    names = list(L.lf_names)
    pick = names if len(names) <= max_lfs else list(rng.choice(names, max_lfs, replace=False))
    per_lf, votes, agree = [], 0, 0
    dense = L.to_dense()
    for name in pick:
        j = L.col(name)
        rows = np.flatnonzero(dense[:, j] >= 0)
        if rows.size == 0:
            continue
        rest = L.drop([name])
        try:
            model = cls().fit(rest)
        except Exception:
            continue
        pred = model.predict(rest[rows], tie_break="abstain")
        covered = np.diff(rest[rows].csr.indptr) > 0
        ok = (pred >= 0) & covered
        if not ok.any():
            continue
        hits = (pred[ok] == dense[rows[ok], j])
        per_lf.append(hits.mean()); votes += ok.sum(); agree += hits.sum()
    return float(np.mean(per_lf)), float(agree / votes)


out = {}
for task in B.load_tasks(DATA, None):
    t0 = time.perf_counter()
    row = {}
    for name, cls in MODELS.items():
        proba, prior = B._weaklab(cls)(task)
        row[name] = {"score": 100 * B.evaluate(task, proba, prior),
                     "holdout": holdout_agreement(cls, task.train)}
    out[task.name] = row
    print(task.name, {n: (round(r["score"], 1), [round(x, 4) for x in r["holdout"]]) for n, r in row.items()},
          f"{time.perf_counter() - t0:.0f}s", flush=True)
(here / "holdout_lf.json").write_text(json.dumps(out, indent=1))
