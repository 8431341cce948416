"""Issue 12 study: averaging label models' posteriors when there is no dev set.

The issue names "averaging among the candidates when there is no dev set". Every no-dev
model is fitted on train, its test posteriors are kept, and each subset of two or three
models is scored with the arithmetic mean of their posteriors (rows no LF covers get the
mean of the models' class priors, as ``bench_label_quality.evaluate`` does for one model).
The leave-one-dataset-out table then asks whether choosing an average on the other sets
beats today's ``LabelModel`` on the held-out one.

Run from the repository root (about two minutes)::

    PYTHONPATH=. python benchmarks/studies/issue12_average/average.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import itertools
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import bench_label_quality as blq  # noqa: E402
from weaklab import models as wm  # noqa: E402

MODELS = {
    "LM": lambda: wm.LabelModel(),
    "LM0": lambda: wm.LabelModel(prior_shrink=0.0),
    "MV": lambda: wm.MajorityVote(),
    "WMV": lambda: wm.WeightedMajorityVote(),
    "DS1": lambda: wm.DawidSkene(one_coin=True, model_abstain="auto"),
    "CBV": lambda: wm.ClassBalancedVote(),
    "MC": lambda: wm.MatrixCompletion(model_abstain=True),
    "MMSR": lambda: wm.MMSR(),
}


def posteriors(task):
    out = {}
    for name, make in MODELS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                model = make().fit(task.train)
            except Exception as exc:  # reported, the subset is skipped
                print(f"  {task.name} {name} failed: {exc}", file=sys.stderr)
                continue
            out[name] = (np.asarray(model.predict_proba(task.test), dtype=float), np.asarray(model.class_balance_))
    return out


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = p.parse_args(argv)
    results: dict[str, dict[str, float]] = {}
    names = list(MODELS)
    combos = [c for r in (1, 2, 3) for c in itertools.combinations(names, r) if r == 1 or "LM" in c or "LM0" in c]
    for task in blq.load_tasks(args.data, None):
        post = posteriors(task)
        results[task.name] = {}
        for combo in combos:
            if not all(c in post for c in combo):
                continue
            proba = np.mean([post[c][0] for c in combo], axis=0)
            prior = np.mean([post[c][1] for c in combo], axis=0)
            results[task.name]["+".join(combo)] = blq.evaluate(task, proba, prior)
        print(f"  {task.name} done", file=sys.stderr)
    keys = [k for k in results[next(iter(results))] if all(k in r for r in results.values())]
    public = [t for t in results if t in blq.PUBLIC]
    rest = [t for t in results if t not in blq.PUBLIC]
    rows = sorted(keys, key=lambda k: -np.mean([results[t][k] for t in public]))
    print("| average of | public mean | demo + synthetic mean | all |")
    print("|---|---|---|---|")
    for k in rows[:15] + [r for r in ("LM", "MV") if r not in rows[:15]]:
        print(f"| {k} | {100 * np.mean([results[t][k] for t in public]):.2f} | "
              f"{100 * np.mean([results[t][k] for t in rest]):.2f} | {100 * np.mean([results[t][k] for t in results]):.2f} |")
    for label, pool in (("public", public), ("all", list(results))):
        held, chosen_names = [], []
        for t in pool:
            others = [o for o in pool if o != t]
            best = max(["LM"] + [k for k in keys if k != "LM"], key=lambda k: np.mean([results[o][k] for o in others]))
            held.append(results[t][best])
            chosen_names.append(f"{t}: {best} {100 * results[t][best]:.1f} (LM {100 * results[t]['LM']:.1f})")
        print(f"\nLeave one dataset out over the {label} sets ({len(keys)} candidates, LM first so ties keep it):")
        for line in chosen_names:
            print(f"- {line}")
        print(f"- **mean {100 * np.mean(held):.2f}** against LM {100 * np.mean([results[t]['LM'] for t in pool]):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
