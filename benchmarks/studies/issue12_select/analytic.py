"""Issue 12 study: held-out-LF agreement without refitting (each vote's own term taken out
of the fitted model's score), for LabelModel and ClassBalancedVote, against the refit
version of holdout_lf.py. One-off design study; writes analytic.json beside it.
Run from the repository root: PYTHONPATH=. python benchmarks/studies/issue12_select/analytic.py
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


def vote_arrays(L):
    c = L.csr
    rows = np.repeat(np.arange(L.n_rows), np.diff(c.indptr))
    return rows, c.indices.astype(np.int64), c.data.astype(np.int64) - 1


def held_out_scores(model, L):
    """(n_votes, k) scores of each voting row with that vote's LF taken out, and a mask of
    votes whose row has another vote."""
    rows, lfs, labels = vote_arrays(L)
    k = L.cardinality
    n_votes_row = np.bincount(rows, minlength=L.n_rows)
    others = n_votes_row[rows] > 1
    if isinstance(model, wm.ClassBalancedVote):
        counts = np.zeros((L.n_rows, k))
        np.add.at(counts, (rows, labels), 1.0)
        s = counts[rows].copy()
        s[np.arange(len(rows)), labels] -= 1.0
        return s / model.vote_share_, others
    table, base = model._loglinear_tables()
    scores = np.tile(base, (L.n_rows, 1))
    np.add.at(scores, rows, table[lfs, labels])
    s = scores[rows] - table[lfs, labels]
    inner = model._guard_model() if hasattr(model, "_guard_model") else model
    abstain = getattr(inner, "model_abstain", None)
    cov = getattr(model, "coverage_", None)
    if abstain is not False and cov is not None and np.ndim(cov) == 2:
        s -= np.log1p(-np.clip(cov, 1e-6, 1 - 1e-6))[lfs]
    return s, others


def agreement(model, L):
    rows, lfs, labels = vote_arrays(L)
    s, others = held_out_scores(model, L)
    top = s.max(axis=1, keepdims=True)
    tied = np.isclose(s, top, rtol=1e-9, atol=1e-12).sum(axis=1) > 1
    ok = others & ~tied
    hit = (s.argmax(axis=1) == labels) & ok
    per_lf = [hit[lfs == j].sum() / ok[lfs == j].sum() for j in range(L.n_lfs) if ok[lfs == j].any()]
    pooled = hit.sum() / ok.sum() if ok.any() else np.nan
    return float(np.mean(per_lf)) if per_lf else np.nan, float(pooled)


out = {}
refit = json.loads((here / "holdout_lf.json").read_text()) if (here / "holdout_lf.json").is_file() else {}
for task in B.load_tasks(DATA, None):
    t0 = time.perf_counter()
    row = {}
    for name, cls in {"LabelModel": B.LabelModelDawidSkeneOnly, "CBV": wm.ClassBalancedVote}.items():
        model = cls().fit(task.train)
        proba = model.predict_proba(task.test)
        row[name] = {"score": 100 * B.evaluate(task, proba, model.class_balance_),
                     "analytic": agreement(model, task.train),
                     "refit": refit.get(task.name, {}).get(name, {}).get("holdout")}
    out[task.name] = row
    print(f"{task.name:18s}", "  ".join(f"{n} {r['score']:5.1f} an {r['analytic'][0]:.4f}/{r['analytic'][1]:.4f}"
                                        f" re {r['refit'][0]:.4f}/{r['refit'][1]:.4f}" for n, r in row.items()),
          f"{time.perf_counter() - t0:.1f}s", flush=True)
(here / "analytic.json").write_text(json.dumps(out, indent=1))
