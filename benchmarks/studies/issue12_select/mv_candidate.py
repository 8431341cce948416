"""Issue 12 study: majority vote as a third no-dev candidate under the held-out-LF rule
(paired z against Dawid-Skene and ClassBalancedVote, min_voters=3) on the benchmark sets
and on generator grid a. One-off; not adopted. Run from the repository root:
PYTHONPATH=. python benchmarks/studies/issue12_select/mv_candidate.py
"""
import sys, warnings, itertools, json
from functools import partial
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import bench_label_quality as B
from weaklab import models as wm
from weaklab.datasets import make_synthetic_label_matrix
from weaklab.models.holdout import holdout_outcomes
warnings.simplefilter("ignore")
def zs(L):
    s = L[np.arange(0, L.n_rows, max(1, -(-L.n_rows // 5000)))]
    ds = wm.LabelModel()._candidates()["DawidSkene"]
    o = {n: holdout_outcomes(mk, s, None, groups=10, seed=0, min_voters=3) for n, mk in
         (("DS", partial(type(ds), **ds.get_params())), ("MV", wm.MajorityVote), ("CBV", wm.ClassBalancedVote))}
    def z(a, b):
        d = o[a] - o[b]; q = np.sqrt((d**2).sum()); return d.sum() / q if q else 0.0
    return z("MV", "DS"), z("CBV", "DS"), z("MV", "CBV")
for t in B.load_tasks(Path('/work/shared/data'), None):
    sc = {n: 100*B.evaluate(t, *(lambda m: (m.predict_proba(t.test), m.class_balance_))(c().fit(t.train))) for n, c in (("DS", B.LabelModelDawidSkeneOnly), ("MV", wm.MajorityVote), ("CBV", wm.ClassBalancedVote))}
    print(f"{t.name:18s}", " ".join(f"{x:6.2f}" for x in zs(t.train)), {k: round(v,1) for k,v in sc.items()})
bad = []
for n, m, k, one_sided, seed in itertools.product((400, 2000), (6, 15), (2, 3, 6), (False, True), range(3)):
    syn = make_synthetic_label_matrix(n, m, k, coverage=(0.1, 0.5), one_sided=one_sided, seed=seed)
    zmv = zs(syn.L)[0]
    if zmv > 2:
        acc = lambda mo: np.mean(mo.fit(syn.L).predict(syn.L, tie_break="random") == syn.y)
        bad.append((n, m, k, one_sided, seed, round(zmv, 2), round(100*(acc(wm.MajorityVote()) - acc(B.LabelModelDawidSkeneOnly())), 2)))
print("grid a MV z>2:", len(bad), bad)
