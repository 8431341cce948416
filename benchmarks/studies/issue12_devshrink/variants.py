"""Issue 12 study: should the class prior be shrunk when a dev set chooses the estimator?

``prior_shrink=0.25`` was chosen for the no-dev default. With a dev set the shrunk
Dawid–Skene fit is one candidate among seven; this study scores two alternatives on every
set of ``bench_label_quality.py`` with the valid split (train-only fits, dev chooses):

* ``A``: with a dev set the Dawid–Skene candidate is fitted with the unshrunk prior.
* ``B``: the unshrunk fit is an extra candidate, ``DawidSkene+unshrunk``, after the others
  (ties keep the earlier choice). Adopted: it is ``LabelModel`` now, scored here as
  ``LabelModel+valid``; ``before+valid`` is the candidate list without it.

Run from the repository root::

    PYTHONPATH=. python benchmarks/studies/issue12_devshrink/variants.py --data ../shared/data --json /tmp/dev.json
    PYTHONPATH=. python benchmarks/studies/issue12_devshrink/variants.py --from-json /tmp/dev.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import bench_label_quality as blq  # noqa: E402
from weaklab import models as wm  # noqa: E402


class Before(wm.LabelModel):
    """The candidates before this study: no ``DawidSkene+unshrunk``."""

    def _candidate_runs(self, k, class_balance, with_dev):
        return [run for run in super()._candidate_runs(k, class_balance, with_dev) if run[0] != "DawidSkene+unshrunk"]


class VariantA(Before):
    """With a dev set, the Dawid–Skene candidate keeps the maximum-likelihood prior."""

    def _fit(self, source, class_balance, dev):
        if dev is None:
            return super()._fit(source, class_balance, dev)
        shrink, self.prior_shrink = self.prior_shrink, 0.0
        try:
            super()._fit(source, class_balance, dev)
        finally:
            self.prior_shrink = shrink


METHODS = {
    "before+valid": lambda t: blq._label_model_on_valid(t, Before),
    "LabelModel+valid": lambda t: blq._label_model_on_valid(t),  # B, adopted
    "A+valid": lambda t: blq._label_model_on_valid(t, VariantA),
}


def loo(results, names, pool):
    held = {n: [] for n in names}
    rows = []
    chosen_scores = []
    for task in pool:
        rest = [t for t in pool if t != task]
        chosen = max(names, key=lambda c: np.mean([results[t][c] for t in rest]))  # first max wins
        chosen_scores.append(results[task][chosen])
        rows.append((task, chosen, results[task][chosen], results[task]["before+valid"]))
    print(f"\n| held-out set | chosen on the other {len(pool) - 1} | its score | before |")
    print("|---|---|---|---|")
    for task, chosen, s, base in rows:
        print(f"| {task} | {chosen} | {100 * s:.1f} | {100 * base:.1f} |")
    print(f"| **mean** | | **{100 * np.mean(chosen_scores):.2f}** | **{100 * np.mean([r[3] for r in rows]):.2f}** |")


def report(results):
    names = list(METHODS)
    public = [t for t in results if t in blq.PUBLIC]
    rest = [t for t in results if t not in blq.PUBLIC]
    print("| set | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for t, row in results.items():
        print(f"| {t} | " + " | ".join(f"{100 * row[n]:.1f}" for n in names) + " |")
    for label, group in (("mean (public)", public), ("mean (demo + synthetic)", rest), ("mean (all)", list(results))):
        print(f"| **{label}** | " + " | ".join(f"**{100 * np.mean([results[t][n] for t in group]):.2f}**" for n in names) + " |")
    for label, pool in (("public", public), ("all", list(results))):
        print(f"\nLeave one dataset out over the {label} sets, variants {', '.join(names)}:")
        loo(results, names, pool)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--json", type=Path)
    p.add_argument("--from-json", type=Path)
    args = p.parse_args(argv)
    if args.from_json:
        report(json.loads(args.from_json.read_text()))
        return 0
    results = {}
    for task in blq.load_tasks(args.data, None):
        results[task.name] = {}
        for name, fn in METHODS.items():
            t0 = time.perf_counter()
            proba, prior = fn(task)
            results[task.name][name] = blq.evaluate(task, proba, prior)
            print(f"  {task.name:12s} {name:18s} {results[task.name][name]:.4f} ({time.perf_counter() - t0:.1f}s)", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
