"""Issue 12 study: with a dev set, keep the no-dev choice unless the dev set shows the best
candidate significantly better (paired z of per-row correctness on the dev rows).

For each task with a valid split: LabelModel's dev candidates refitted on train (as it
fits them), each one's per-row dev correctness (random tie-break, seed 0) and test score;
today's rule (best dev score by the task's metric) against "the no-dev choice unless the
best candidate beats it with paired z > Z on the dev rows". One-off; not a library option.
Run from the repository root: PYTHONPATH=. python benchmarks/studies/issue12_select/dev_significance.py
"""
import sys, warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import bench_label_quality as B  # noqa: E402
from weaklab import models as wm  # noqa: E402

warnings.simplefilter("ignore")
rows = []
for task in B.load_tasks(Path("/work/shared/data"), None):
    if task.valid is None:
        continue
    metric = "f1" if task.metric == "f1" else "accuracy"
    lm = wm.LabelModel(dev_metric=metric).fit(task.train, L_dev=task.valid, Y_dev=task.y_valid)
    default = wm.LabelModel().fit(task.train).selected_
    parent = wm.LabelModel(dev_metric=metric)
    runs = parent._candidate_runs(task.train.cardinality, None, True)
    correct, test = {}, {}
    for name, model, prior in runs:
        model.fit(task.train, class_balance=prior)
        correct[name] = (model.predict(task.valid, tie_break="random", seed=0) == task.y_valid).astype(float)
        test[name] = 100 * B.evaluate(task, model.predict_proba(task.test), model.class_balance_)
    best = lm.selected_
    d = correct[best] - correct[default]
    z = d.sum() / np.sqrt((d ** 2).sum()) if (d ** 2).sum() else 0.0
    rows.append((task.name, task.name in B.PUBLIC, best, default, z, test[best], test[default]))
    print(f"{task.name:18s} best {best:26s} default {default:18s} z {z:5.2f}  test {test[best]:5.1f} vs {test[default]:5.1f}",
          flush=True)
for Z in (0.0, 1.0, 2.0):
    pick = [(r[5] if r[4] > Z or r[2] == r[3] else r[6]) for r in rows]
    pub = [p for p, r in zip(pick, rows) if r[1]]
    new = [p for p, r in zip(pick, rows) if not r[1]]
    print(f"z > {Z}: mean over the public sets with a valid split {np.mean(pub):.2f}, demo + new {np.mean(new):.2f}")
