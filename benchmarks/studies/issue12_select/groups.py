"""Issue 12 study: held-out-LF agreement with LFs held out in G groups (seeded
permutation, round-robin) and rows sampled, as a library rule would afford it.
One-off design study. Run: PYTHONPATH=. python benchmarks/studies/issue12_select/groups.py G MAX_ROWS
"LabelModel" here is the model as it was before the rule (LabelModelDawidSkeneOnly).
"""
import json, sys, warnings
from pathlib import Path

import numpy as np

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here.parents[1]))
import bench_label_quality as B  # noqa: E402
from weaklab import models as wm  # noqa: E402

warnings.simplefilter("ignore")
G, MAX_ROWS = int(sys.argv[1]), int(sys.argv[2])


def agreement(cls, L):
    n, m = L.n_rows, L.n_lfs
    if n > MAX_ROWS:
        L = L[np.arange(0, n, -(-n // MAX_ROWS))]
    dense = L.to_dense()
    order = np.random.default_rng(0).permutation(m)
    groups = [order[g::min(G, m)] for g in range(min(G, m))]
    hits = votes = 0
    for g in groups:
        names = [L.lf_names[j] for j in g]
        rest = L.drop(names)
        held = dense[:, g]
        rows = np.flatnonzero((held >= 0).any(axis=1) & (np.diff(rest.csr.indptr) > 0))
        if rows.size == 0 or rest.n_lfs == 0:
            continue
        pred = cls().fit(rest).predict(rest[rows], tie_break="abstain")
        ok = pred >= 0
        h = held[rows[ok]]
        voted = h >= 0
        hits += (h == pred[ok][:, None])[voted].sum(); votes += voted.sum()
    return hits / votes if votes else float("nan")


base = json.loads((here / "holdout_lf.json").read_text())
tot = {"LM": [], "rule": []}
for task in B.load_tasks(Path("/work/shared/data"), None):
    a = {name: agreement(cls, task.train) for name, cls in (("LabelModel", B.LabelModelDawidSkeneOnly), ("CBV", wm.ClassBalancedVote))}
    pick = "CBV" if a["CBV"] > a["LabelModel"] else "LabelModel"
    s = {n: base[task.name][n]["score"] for n in ("LabelModel", "CBV")}
    tot["LM"].append(s["LabelModel"]); tot["rule"].append(s[pick])
    print(f"{task.name:18s} LM {a['LabelModel']:.4f} CBV {a['CBV']:.4f} -> {pick:10s} {s[pick]:5.1f} (LM {s['LabelModel']:5.1f})")
pub = len(B.PUBLIC)
print("public mean LM %.2f rule %.2f; demo+new LM %.2f rule %.2f" % (
    np.mean(tot["LM"][:pub]), np.mean(tot["rule"][:pub]), np.mean(tot["LM"][pub:]), np.mean(tot["rule"][pub:])))
