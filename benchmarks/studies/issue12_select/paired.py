"""Issue 12 study: the paired held-out-LF comparison of Dawid–Skene and ClassBalancedVote.

For each set, each held-out vote's outcome under both refitted models (1 hit, 0 miss,
0.5 tie; ``weaklab.models.holdout.holdout_outcomes``, LabelModel's groups and sample) and
the paired statistic z = sum(d) / sqrt(sum(d^2)), d = CBV - DS. Benchmark sets, then the
conditionally independent generator over a grid of shapes (where Dawid–Skene is the right
model). One-off design study; writes paired.json beside it.
Run from the repository root: PYTHONPATH=. python benchmarks/studies/issue12_select/paired.py MIN_VOTERS GRID
(MIN_VOTERS 1 or 3; GRID "a": n 400/2000, m 6/15, k 2/3/6, coverage 0.1-0.5, seeds 0-2;
"b", a second grid looked at only after "a": n 1000/5000, m 9/30, k 2/4/8, coverage 0.05-0.3, seeds 10-11).
"""
import itertools, json, sys, warnings
from functools import partial
from pathlib import Path

import numpy as np

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here.parents[1]))
import bench_label_quality as B  # noqa: E402
from weaklab import models as wm  # noqa: E402
from weaklab.datasets import make_synthetic_label_matrix  # noqa: E402
from weaklab.models.holdout import holdout_outcomes  # noqa: E402

warnings.simplefilter("ignore")
MIN_VOTERS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
GRID = sys.argv[2] if len(sys.argv) > 2 else "a"
GROUPS, ROWS = 10, 5000  # LF groups held out in turn; rows sampled (every ceil(n / ROWS)-th)


def compare(L):
    sample = L[np.arange(0, L.n_rows, max(1, -(-L.n_rows // ROWS)))]
    out = {}
    ds = wm.LabelModel()._candidates()["DawidSkene"]  # Dawid-Skene with the prior guardrail
    for name, make in (("DawidSkene", partial(type(ds), **ds.get_params())), ("ClassBalancedVote", wm.ClassBalancedVote)):
        out[name] = holdout_outcomes(make, sample, None, groups=GROUPS, seed=0, min_voters=MIN_VOTERS)
    d = out["ClassBalancedVote"] - out["DawidSkene"]
    z = d.sum() / np.sqrt((d ** 2).sum()) if (d ** 2).sum() else 0.0
    return float(out["DawidSkene"].mean()) if d.size else np.nan, float(out["ClassBalancedVote"].mean()) if d.size else np.nan, float(z)


def score(task, cls):
    model = cls().fit(task.train)
    return 100 * B.evaluate(task, model.predict_proba(task.test), model.class_balance_)


res = {"bench": {}, "synthetic": []}
for task in B.load_tasks(Path("/work/shared/data"), None):
    a_ds, a_cbv, z = compare(task.train)
    s_ds = score(task, B.LabelModelDawidSkeneOnly)
    s_cbv = score(task, wm.ClassBalancedVote)
    res["bench"][task.name] = dict(ds=a_ds, cbv=a_cbv, z=z, score_ds=s_ds, score_cbv=s_cbv)
    print(f"{task.name:18s} z {z:6.2f}  DS {s_ds:5.1f} CBV {s_cbv:5.1f}", flush=True)
shapes = (itertools.product((400, 2000), (6, 15), (2, 3, 6), (False, True), range(3)) if GRID == "a" else
          itertools.product((1000, 5000), (9, 30), (2, 4, 8), (False, True), range(10, 12)))
for n, m, k, one_sided, seed in shapes:
    cov = (0.1, 0.5) if GRID == "a" else (0.05, 0.3)
    syn = make_synthetic_label_matrix(n, m, k, coverage=cov, one_sided=one_sided, seed=seed)
    a_ds, a_cbv, z = compare(syn.L)
    acc = lambda mo: float(np.mean(mo.fit(syn.L).predict(syn.L, tie_break="random") == syn.y))
    res["synthetic"].append(dict(n=n, m=m, k=k, one_sided=one_sided, seed=seed, z=z,
                                 acc_ds=acc(B.LabelModelDawidSkeneOnly()), acc_cbv=acc(wm.ClassBalancedVote())))
for t in (0, 1, 2, 3, 4):
    b = res["bench"]
    names = list(b)
    pub = [x for x in names if x in B.PUBLIC]
    new = [x for x in names if x not in B.PUBLIC]
    pick = lambda r: r["score_cbv"] if r["z"] > t else r["score_ds"]
    syn = res["synthetic"]
    print(f"z > {t}: public {np.mean([pick(b[x]) for x in pub]):.2f} (DS {np.mean([b[x]['score_ds'] for x in pub]):.2f}), "
          f"demo+new {np.mean([pick(b[x]) for x in new]):.2f} (DS {np.mean([b[x]['score_ds'] for x in new]):.2f}); "
          f"synthetic grid picks CBV {sum(r['z'] > t for r in syn)}/{len(syn)}, mean acc "
          f"{np.mean([r['acc_cbv'] if r['z'] > t else r['acc_ds'] for r in syn]):.4f} (DS {np.mean([r['acc_ds'] for r in syn]):.4f}); "
          f"CBV picked on: {[x for x in names if b[x]['z'] > t]}")
(here / f"paired-v{MIN_VOTERS}-{GRID}.json").write_text(json.dumps(res, indent=1))
