"""How ``EndModel``'s no-dev defaults were chosen: class weights x L2 strength, leave-one-dataset-out.

For every WRENCH text set (the same pipeline as ``bench_endmodel.py``, raw text through
the default ``TextFeaturizer``, no dev set) it fits the linear model with each setting of
``class_weight`` in {None, "balanced"} and ``weight_decay`` in ``--weight-decays``, and
prints the test gap to the label model (points). Then, leave-one-dataset-out: for each
set, the setting with the best mean gap on the other four, and its gap on the held-out
set. A default is adopted when it has the best mean over all five *and* the
leave-one-out choice agrees with it (or loses nothing) on every fold.

Run::

    PYTHONPATH=. python benchmarks/bench_endmodel_defaults.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

from weaklab import EndModel

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_endmodel import DATASETS, label_model, metric_of  # noqa: E402


def gaps_for(folder: Path, name: str, settings: list[tuple], seed: int) -> dict[tuple, float]:
    (train, _, test), _, probs, lm_score = label_model(name, folder, seed)
    metric = metric_of(name)
    out = {}
    for class_weight, weight_decay in settings:
        model = EndModel("logreg", class_weight=class_weight, weight_decay=weight_decay, metric=metric, seed=seed,
                         progress=False).fit(train.data["text"], probs, covered=train.L)
        out[(class_weight, weight_decay)] = 100 * (model.score(test.data["text"], test.y) - lm_score)
        print(f"  {name:8s} class_weight={class_weight!s:9s} weight_decay={weight_decay:g}: "
              f"{out[(class_weight, weight_decay)]:+.1f}", file=sys.stderr, flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument("--weight-decays", type=float, nargs="*", default=[1e-4, 1e-3, 3e-3, 1e-2])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    settings = list(itertools.product([None, "balanced"], args.weight_decays))
    table = {name: gaps_for(args.data / path, name, settings, args.seed) for name, path in DATASETS.items()
             if (args.data / path).is_dir()}
    names = list(table)
    print("| class_weight | weight_decay | " + " | ".join(names) + " | mean |")
    print("|---|---|" + "---|" * (len(names) + 1))
    for setting in settings:
        values = [table[n][setting] for n in names]
        print(f"| {setting[0]} | {setting[1]:g} | " + " | ".join(f"{v:+.1f}" for v in values) + f" | {np.mean(values):+.1f} |")
    print("\nleave one data set out (setting chosen on the other sets -> its gap on the held-out one):")
    for held in names:
        rest = [n for n in names if n != held]
        best = max(settings, key=lambda s: np.mean([table[n][s] for n in rest]))
        print(f"  {held}: class_weight={best[0]}, weight_decay={best[1]:g} -> {table[held][best]:+.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
