import sys, warnings, numpy as np
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from harness import tasks
from weaklab import models as wm
warnings.simplefilter("ignore")
def tables(D, k):
    n, m = D.shape
    oh = np.zeros((n, m, k + 1)); oh[np.arange(n)[:, None], np.arange(m)[None, :], D + 1] = 1  # cell 0 = abstain
    X = oh.reshape(n, m * (k + 1))
    return (X.T @ X).reshape(m, k + 1, m, k + 1) / n
def pred_tables(model, k, m):
    pi = model.class_balance_
    conf, cov = model.confusion_, model.coverage_   # conf[j,y,l], cov[j,y]
    P = np.zeros((m, k, k + 1))  # P[j, y, cell]
    P[:, :, 0] = 1 - cov; P[:, :, 1:] = cov[:, :, None] * conf
    return np.einsum("y,jya,kyb->jakb", pi, P, P)
for t in tasks():
    k = t.train.cardinality; D = t.train.to_dense(); n, m = D.shape
    ds = wm.DawidSkene(model_abstain="auto", prior_shrink=0.0).fit(t.train)
    O = tables(D, k); Pt = pred_tables(ds, k, m)
    iu = [(i, j) for i in range(m) for j in range(i + 1, m)]
    g_all, g_cov, dof_all = [], [], 0
    for i, j in iu:
        o, p = O[i, :, j, :], Pt[i, :, j, :]
        mask = o > 0
        g = 2 * n * np.sum(o[mask] * np.log(o[mask] / np.maximum(p[mask], 1e-300)))
        g_all.append(g)
        # co-vote cells only, renormalised
        oc, pc = o[1:, 1:], p[1:, 1:]
        if oc.sum() * n >= 5 and (oc > 0).sum() > 1:
            oc2, pc2 = oc / oc.sum(), pc / pc.sum()
            mk = oc2 > 0
            g_cov.append(2 * n * oc.sum() * np.sum(oc2[mk] * np.log(oc2[mk] / np.maximum(pc2[mk], 1e-300))))
    g_all = np.array(g_all)
    # mutual-information-like excess per row per pair
    print(f"{t.name:18s} n={n:6d} m={m:3d} k={k:2d} mean G/pair={g_all.mean():10.1f}  G/(n*pairs)={g_all.mean()/n:.4f}  median G={np.median(g_all):8.1f}"
          f"  covote pairs={len(g_cov):4d} meanG={np.mean(g_cov) if g_cov else float('nan'):8.1f}", flush=True)
