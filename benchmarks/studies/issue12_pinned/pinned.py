"""With a dev set: does excluding candidates whose LF accuracies sit at a bound help?

For each task with a valid split, every `LabelModel` dev-set candidate is fitted on the
train votes; for each we record its dev score, its test score and how many LFs its
guardrail reports at a bound (accuracy >= 0.999 or within 1e-3 of 1/k, >= 10 votes).
Rules replayed on those records:
  today   - best dev score, ties to the earlier candidate
  nopin   - the same among candidates with no LF at a bound (all, when every one has some)
  fewest  - the same among candidates with the fewest LFs at a bound
Run: PYTHONPATH=.:benchmarks python benchmarks/studies/issue12_pinned/pinned.py [--json F]
"""
from __future__ import annotations

import argparse, json, sys, warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import bench_label_quality as bq  # noqa: E402
from weaklab import models as wm  # noqa: E402
from weaklab.models.guardrails import BOUND_TOLERANCE  # noqa: E402


def pinned(model, L) -> int:
    k = model.cardinality_
    acc = np.asarray(model.accuracies_, float)
    votes = np.asarray((L.csr != 0).sum(0)).ravel() if False else np.bincount(L.csr.indices, minlength=L.n_lfs)
    bound = (acc >= 1 - BOUND_TOLERANCE) | (np.abs(acc - 1 / k) <= BOUND_TOLERANCE)
    return int((bound & (votes >= 10)).sum())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    tasks = [t for t in bq.load_tasks(args.data, None) if t.valid is not None]
    out = {}
    for task in tasks:
        metric = "f1" if task.metric == "f1" else "accuracy"
        lm = wm.LabelModel(dev_metric=metric)
        rows = []
        for name, model, prior in lm._candidate_runs(task.train.cardinality, None, True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(task.train, class_balance=prior) if prior is not None else model.fit(task.train)
            dev = model.evaluate(task.valid, task.y_valid, (metric,), tie_break="random", seed=0)[metric]
            test = bq.evaluate(task, model.predict_proba(task.test), model.class_balance_)
            rows.append((name, float(dev), 100 * test, pinned(model, task.train)))
        out[task.name] = rows
        print(task.name, [(n, round(d, 3), round(t, 1), p) for n, d, t, p in rows], flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    rules = {
        "today": lambda rows: rows,
        "nopin": lambda rows: [r for r in rows if r[3] == 0] or rows,
        "fewest": lambda rows: [r for r in rows if r[3] == min(x[3] for x in rows)],
    }
    print("| set | " + " | ".join(rules) + " |")
    means = {r: [] for r in rules}
    for name, rows in out.items():
        cells = []
        for rule, keep in rules.items():
            pool = keep(rows)
            best = max(pool, key=lambda r: r[1])  # first max wins
            means[rule].append(best[2])
            cells.append(f"{best[2]:.1f} ({best[0]}, {best[3]} pinned)")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("| mean | " + " | ".join(f"{np.mean(v):.2f}" for v in means.values()) + " |")


if __name__ == "__main__":
    main()
