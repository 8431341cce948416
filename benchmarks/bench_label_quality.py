"""Label-model quality: weaklab's models against the incumbents, side by side in one run.

Protocol (WRENCH's): fit on the train split, score on the test split; the valid split is
only used where a method chooses hyper-parameters (``--select-on-valid``); rows where
every LF abstains get the method's class prior. Metric: F1 of class 1 for sms (as in
WRENCH), accuracy otherwise. Crowd sets have no splits: fit and score on all items.
Synthetic sets: one-sided LFs (each votes one class or abstains) with an 80/20 class
imbalance, where methods that ignore abstains lose their signal.

Incumbents (install per ../shared/INCUMBENTS.md, e.g. in a virtualenv made with
``--system-site-packages``): Snorkel ``MajorityLabelVoter`` and ``LabelModel`` (defaults),
FlyingSquid (one-vs-rest for k > 2), crowd-kit ``DawidSkene`` (test items scored with
its fitted priors and error matrices), HyperLM (pre-trained; it has no fit step, so it
infers on train + test votes together and the test rows are scored). A missing
incumbent is reported as "n/a".

Run::

    PYTHONPATH=. /work/venv-bench/bin/python benchmarks/bench_label_quality.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from weaklab import LabelMatrix
from weaklab.datasets import load_crowd, load_lf_matrix_csv, load_wrench, make_demo_corpus, make_synthetic_label_matrix
from weaklab.demo import demo_lfs
from weaklab.labeling import apply_lfs
from weaklab import models as wm
from weaklab.models.scoring import argmax_ties

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic_families as families  # noqa: E402

os.environ.setdefault("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")


@dataclass
class Task:
    name: str
    train: LabelMatrix
    test: LabelMatrix
    y_test: np.ndarray
    valid: LabelMatrix | None
    y_valid: np.ndarray | None
    metric: str  # "acc" or "f1"


# ------------------------------------------------------------------ datasets
def load_tasks(data: Path, only: set[str] | None) -> list[Task]:
    tasks: list[Task] = []

    def want(name: str) -> bool:
        return only is None or name in only

    wrench = {
        "youtube": "nhbess_weak_supervision_tutorial/youtube",
        "sms": "dygen_wrench/sms",
        "trec": "dygen_wrench/trec",
        "hausa": "nhbess_weak_supervision_tutorial/hausa",
        "yoruba": "nhbess_weak_supervision_tutorial/yoruba",
    }
    for name, rel in wrench.items():
        if want(name) and (data / rel).is_dir():
            tr, va, te = (load_wrench(data / rel, s) for s in ("train", "valid", "test"))
            tasks.append(Task(name, tr.L, te.L, te.y, va.L, va.y, "f1" if name == "sms" else "acc"))
    for name, prefix in (("tubespam", "TubeSpam/TubeSpam"), ("rna", "RNA/rna")):
        base = data / "regularized_data_programming"
        if want(name) and (base / f"{prefix}_lf_matrix_train.csv").is_file():
            tr, va, te = (load_lf_matrix_csv(base / f"{prefix}_lf_matrix_{s}.csv") for s in ("train", "val", "test"))
            tasks.append(Task(name, tr.L, te.L, te.y, va.L, va.y, "acc"))
    for name, rel in (("bluebirds", "welinder_cubam/bluebirds"), ("rte", "snow2008/rte"), ("dog", "crowd_truth_infer/dog")):
        if want(name) and (data / rel).is_dir():
            v = load_crowd(data / rel)
            tasks.append(Task(name, v.L, v.L, v.y, None, None, "acc"))
    for name, seed, n_lfs, cov in (("synth-1s-a", 1, 12, (0.05, 0.3)), ("synth-1s-b", 2, 30, (0.01, 0.1))):
        if want(name):
            syn = make_synthetic_label_matrix(
                6000, n_lfs, 2, class_balance=[0.8, 0.2], accuracy=(0.55, 0.9), coverage=cov,
                one_sided=True, seed=seed,
            )
            L, y = syn.L, syn.y
            tasks.append(Task(name, L[:4000], L[5000:], y[5000:], L[4000:5000], y[4000:5000], "acc"))
    if want("demo"):
        # weaklab's own demo job: its generated comments and its 10 LFs (200 dev rows, as there).
        corpus = make_demo_corpus(20_000, seed=0)
        L = apply_lfs(corpus.drop(columns="label"), demo_lfs(), cardinality=2, progress=False)
        y = corpus["label"].to_numpy()
        tasks.append(Task("demo", L[:16_000], L[16_200:], y[16_200:], L[16_000:16_200], y[16_000:16_200], "acc"))
    for family in families.FAMILIES:
        name = f"synth-{family}"
        if not want(name):
            continue
        L, y, metric = families.generate(family, seed=0)
        if family in families.CROWD:
            tasks.append(Task(name, L, L, y, None, None, metric))
        else:
            tasks.append(Task(name, L[:4000], L[5000:], y[5000:], L[4000:5000], y[4000:5000], metric))
    return tasks


#: The public sets: the mean over these is the headline (the synthetic families come on top).
PUBLIC = ("youtube", "sms", "trec", "hausa", "yoruba", "tubespam", "rna", "bluebirds", "rte", "dog",
          "synth-1s-a", "synth-1s-b")


# ------------------------------------------------------------------ methods
def _weaklab(factory: Callable[[], wm.BaseLabelModel], use_valid: bool = False):
    def run(task: Task) -> tuple[np.ndarray, np.ndarray]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if use_valid and task.valid is not None:
                model = factory().fit(task.train, L_dev=task.valid, Y_dev=task.y_valid)
            else:
                model = factory().fit(task.train)
        return model.predict_proba(task.test), model.class_balance_

    return run


def _snorkel_mv(task: Task):
    from snorkel.labeling.model import MajorityLabelVoter

    k = task.train.cardinality
    mv = MajorityLabelVoter(cardinality=k)
    train_pred = mv.predict_proba(task.train.to_dense()).argmax(1)
    covered = np.diff(task.train.csr.indptr) > 0
    prior = (np.bincount(train_pred[covered], minlength=k) + 1.0) / (covered.sum() + k)
    return mv.predict_proba(task.test.to_dense()), prior


def _snorkel_lm(task: Task):
    from snorkel.labeling.model import LabelModel

    k = task.train.cardinality
    lm = LabelModel(cardinality=k, verbose=False)
    lm.fit(task.train.to_dense())
    return lm.predict_proba(task.test.to_dense()), _lm_prior(lm, k)


def _lm_prior(lm, k: int) -> np.ndarray:
    p = np.asarray(getattr(lm, "p", np.full(k, 1.0 / k)), dtype=float).ravel()
    return p / p.sum() if p.shape == (k,) else np.full(k, 1.0 / k)


def _fs_binary(train_pm: np.ndarray, test_pm: np.ndarray) -> np.ndarray:
    from flyingsquid.label_model import LabelModel as FSLabelModel

    fs = FSLabelModel(train_pm.shape[1])
    with contextlib.redirect_stdout(io.StringIO()):
        fs.fit(train_pm)
        return np.asarray(fs.predict_proba_marginalized(test_pm), dtype=float)


def _flyingsquid(task: Task):
    k = task.train.cardinality
    tr, te = task.train.to_dense(), task.test.to_dense()
    if k == 2:
        p1 = _fs_binary(np.where(tr < 0, 0, 2 * tr - 1), np.where(te < 0, 0, 2 * te - 1))
        proba = np.stack([1 - p1, p1], axis=1)
    else:
        cols = []
        for c in range(k):
            cols.append(_fs_binary(np.where(tr < 0, 0, np.where(tr == c, 1, -1)), np.where(te < 0, 0, np.where(te == c, 1, -1))))
        proba = np.stack(cols, axis=1)
    proba = np.clip(np.nan_to_num(proba, nan=1.0 / k), 1e-12, None)
    proba /= proba.sum(1, keepdims=True)
    return proba, None


def _long(L: LabelMatrix):
    import pandas as pd

    df = L.to_long()
    return pd.DataFrame({"task": df["row"].to_numpy(), "worker": df["lf"].astype(str).to_numpy(), "label": df["label"].to_numpy()})


def _scores_to_proba(scores, n: int, k: int) -> np.ndarray:
    """crowd-kit's (task x label) scores as an (n, k) array; unscored rows stay 0."""
    proba = np.zeros((n, k))
    for label in scores.columns:
        proba[scores.index.to_numpy(dtype=int), int(label)] = np.nan_to_num(scores[label].to_numpy(dtype=float))
    return proba


def _crowdkit_mmsr(task: Task):
    """crowd-kit's M-MSR: worker skills from rank-one completion of the agreement matrix,
    then skill-weighted majority vote; test rows are scored with the skills fitted on train."""
    from crowdkit.aggregation import MMSR

    k = task.train.cardinality
    mmsr = MMSR().fit(_long(task.train))
    test_long = _long(task.test)
    test_long = test_long[test_long["worker"].isin(mmsr.skills_.index)]
    proba = _scores_to_proba(mmsr.predict_score(test_long), task.test.n_rows, k)
    proba = np.clip(proba, 0, None)
    empty = proba.sum(1) <= 0
    proba[empty] = 1.0 / k
    return proba / proba.sum(1, keepdims=True), None


def _crowdkit_glad(task: Task):
    """crowd-kit's GLAD (worker ability x item difficulty). It has per-item parameters, so
    like HyperLM it is fitted on train + test votes together and the test rows are scored."""
    from crowdkit.aggregation import GLAD

    k = task.train.cardinality
    both = LabelMatrix.vstack([task.train, task.test]) if task.test is not task.train else task.train
    probas = GLAD().fit_predict_proba(_long(both))
    proba = _scores_to_proba(probas, both.n_rows, k)[-task.test.n_rows:]
    empty = proba.sum(1) <= 0
    proba[empty] = 1.0 / k
    return proba / proba.sum(1, keepdims=True), None


def _crowdkit_ds(task: Task):
    from crowdkit.aggregation import DawidSkene

    k = task.train.cardinality
    long = _long

    ds = DawidSkene(n_iter=100)
    ds.fit(long(task.train))
    test_long = long(task.test)
    test_long = test_long[test_long["label"].isin(ds.errors_.index.get_level_values("label").unique())]
    test_long = test_long[test_long["worker"].isin(ds.errors_.index.get_level_values("worker").unique())]
    post = DawidSkene._e_step(test_long, ds.priors_.copy(), ds.errors_)
    proba = np.zeros((task.test.n_rows, k))
    prior = np.zeros(k)
    for label, value in ds.priors_.items():
        prior[int(label)] = value
    prior = prior / prior.sum() if prior.sum() > 0 else np.full(k, 1.0 / k)
    proba[:] = prior
    for label in post.columns:
        proba[post.index.to_numpy(dtype=int), int(label)] = post[label].to_numpy()
    proba = np.nan_to_num(proba, nan=0.0)
    bad = proba.sum(1) <= 0
    proba[bad] = prior
    return proba / proba.sum(1, keepdims=True), prior


def _hyperlm(task: Task):
    from hyperlm import HyperLabelModel

    k = task.train.cardinality
    both = LabelMatrix.vstack([task.train, task.test]) if task.test is not task.train else task.train
    dense = both.to_dense()
    with contextlib.redirect_stdout(io.StringIO()):
        proba = HyperLabelModel(device="cpu").infer(dense, return_probs=True)
    proba = np.asarray(proba, dtype=float)
    if proba.shape[1] < k:
        proba = np.hstack([proba, np.zeros((proba.shape[0], k - proba.shape[1]))])
    test = proba[-task.test.n_rows:]
    return test / test.sum(1, keepdims=True), None


WEAKLAB = {
    "MV": lambda: wm.MajorityVote(),
    "WMV": lambda: wm.WeightedMajorityVote(),
    "DS": lambda: wm.DawidSkene(),
    "DS-crowd": lambda: wm.DawidSkene(model_abstain=False),
    "DS-1coin": lambda: wm.DawidSkene(one_coin=True, model_abstain="auto"),
    "MC": lambda: wm.MatrixCompletion(model_abstain=True),
    "Triplet": lambda: wm.TripletModel(),
    "MMSR": lambda: wm.MMSR(),
    "CBV": lambda: wm.ClassBalancedVote(),
    "LabelModel": lambda: wm.LabelModel(),
    "LM-shrink0": lambda: wm.LabelModel(prior_shrink=0.0),
    "LM-before": lambda: LabelModelDawidSkeneOnly(),
}
#: The defaults a user without labels could get: the leave-one-dataset-out table chooses among them.
LOO_CANDIDATES = ("LabelModel", "LM-before", "LM-shrink0", "MV", "WMV", "DS", "DS-1coin", "CBV", "MC", "Triplet",
                  "MMSR")


class LabelModelDawidSkeneOnly(wm.LabelModel):
    """LabelModel as it was before the no-dev choice of ClassBalancedVote (issue 12,
    2026-12-03): without a dev set always its Dawid–Skene fit (LM-before). The baseline
    the adoption rule measures that choice against; not a library option."""

    def _candidate_runs(self, k, class_balance, with_dev):
        runs = super()._candidate_runs(k, class_balance, with_dev)
        return runs if with_dev else runs[:1]


class LabelModelWithMMSR(wm.LabelModel):
    """LabelModel whose dev-set candidates also hold :class:`~weaklab.models.MMSR` (the
    design alternative the adoption rule is measured on; LabelModel+MMSR+valid)."""

    def _candidates(self):
        return {**super()._candidates(), "MMSR": wm.MMSR(seed=self.seed)}


def _label_model_on_valid(task: Task, cls: type = wm.LabelModel):
    """LabelModel choosing its estimator on the valid split, by the task's metric."""
    metric = "f1" if task.metric == "f1" else "accuracy"
    return _weaklab(lambda: cls(dev_metric=metric), use_valid=True)(task)


INCUMBENTS = {
    "snorkel-MV": _snorkel_mv,
    "snorkel-LM": _snorkel_lm,
    "FlyingSquid": _flyingsquid,
    "crowdkit-DS": _crowdkit_ds,
    "crowdkit-MMSR": _crowdkit_mmsr,
    "crowdkit-GLAD": _crowdkit_glad,
    "HyperLM": _hyperlm,
}


def evaluate(task: Task, proba: np.ndarray, prior: np.ndarray | None) -> float:
    k = task.train.cardinality
    proba = np.asarray(proba, dtype=float).copy()
    uncovered = np.diff(task.test.csr.indptr) == 0
    if prior is None:
        prior = proba[~uncovered].mean(0) if (~uncovered).any() else np.full(k, 1.0 / k)
    proba[uncovered] = prior
    pred = argmax_ties(proba, "random", 0)
    y = task.y_test
    keep = y >= 0
    y, pred = y[keep], pred[keep]
    if task.metric == "f1":
        tp = np.sum((pred == 1) & (y == 1))
        denom = np.sum(pred == 1) + np.sum(y == 1)
        return float(2 * tp / denom) if denom else 0.0
    return float(np.mean(pred == y))


def print_table(results: dict[str, dict[str, float]], metrics: dict[str, str], names: list[str]) -> None:
    """The markdown table: one row per set, the means over the public sets and over the rest."""
    print("| dataset (metric) | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for task, row in results.items():
        best = np.nanmax([row.get(n, np.nan) for n in names if n in INCUMBENTS] or [np.nan])
        cells = []
        for n in names:
            v = row.get(n, np.nan)
            cell = "n/a" if np.isnan(v) else f"{100 * v:.1f}"
            if n in INCUMBENTS and not np.isnan(v) and v == best:
                cell = f"*{cell}*"
            cells.append(cell)
        print(f"| {task} ({metrics[task]}) | " + " | ".join(cells) + " |")
    groups = {"mean (public)": [t for t in results if t in PUBLIC],
              "mean (demo + new synthetic families)": [t for t in results if t not in PUBLIC]}
    for label, group in groups.items():
        if group:
            means = [np.mean([results[t].get(n, np.nan) for t in group]) for n in names]
            print(f"| **{label}** | " + " | ".join("n/a" if np.isnan(v) else f"**{100 * v:.1f}**" for v in means) + " |")
    inc = [n for n in names if n in INCUMBENTS]
    for ours in ("LabelModel", "LabelModel+valid"):
        if ours not in names or not inc:
            continue
        gaps = {t: 100 * (results[t][ours] - np.nanmax([results[t].get(n, np.nan) for n in inc])) for t in results}
        worst = min(gaps, key=gaps.get)
        print(f"\n{ours} minus best incumbent: worst {gaps[worst]:+.1f} points on {worst}; "
              + ", ".join(f"{k} {v:+.1f}" for k, v in gaps.items()))


def print_loo(results: dict[str, dict[str, float]]) -> None:
    """The leave-one-dataset-out tables: over the public sets, and over every set."""
    public = [t for t in results if t in PUBLIC]
    for label, pool in (("public sets", public), ("all sets (public + demo + synthetic families)", list(results))):
        print(f"\nLeave one dataset out over the {label}, candidates {', '.join(LOO_CANDIDATES)}:")
        loo_table(results, list(LOO_CANDIDATES), pool)


def loo_table(results: dict[str, dict[str, float]], candidates: list[str], pool: list[str]) -> None:
    """Leave one dataset out: for each set, the candidate default with the best mean on the
    other sets of ``pool``, scored on the held-out set, beside the current default."""
    candidates = [c for c in candidates if all(c in results[t] for t in pool)]
    if len(candidates) < 2 or len(pool) < 3:
        return
    print(f"\n| held-out set | chosen on the other {len(pool) - 1} sets | its score | LabelModel | best incumbent |")
    print("|---|---|---|---|---|")
    held = []
    for task in pool:
        rest = [t for t in pool if t != task]
        chosen = max(candidates, key=lambda c: np.mean([results[t][c] for t in rest]))  # first max wins
        inc = np.nanmax([results[task].get(n, np.nan) for n in INCUMBENTS] or [np.nan])
        held.append(results[task][chosen])
        print(f"| {task} | {chosen} | {100 * results[task][chosen]:.1f} | {100 * results[task]['LabelModel']:.1f} | "
              + ("n/a" if np.isnan(inc) else f"{100 * inc:.1f}") + " |")
    print(f"| **mean** | | **{100 * np.mean(held):.1f}** | **{100 * np.mean([results[t]['LabelModel'] for t in pool]):.1f}** | |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument("--datasets", nargs="*", default=None)
    parser.add_argument("--methods", nargs="*", default=None, help="subset of method names")
    parser.add_argument("--json", type=Path, default=None, help="also write the scores to this JSON file")
    parser.add_argument("--from-json", type=Path, nargs="+", default=None,
                        help="print the table of earlier --json runs (e.g. one with the incumbents, one without)")
    args = parser.parse_args(argv)
    if args.from_json is not None:
        results, metrics, names = {}, {}, []
        for path in args.from_json:
            saved = json.loads(path.read_text())
            for task, row in saved["results"].items():
                results.setdefault(task, {}).update(row)
            metrics.update(saved["metrics"])
            names += [n for n in saved["methods"] if n not in names]
        names = [n for n in names if n not in INCUMBENTS] + [n for n in INCUMBENTS if n in names]
        print_table(results, metrics, names)
        print_loo(results)
        return 0
    tasks = load_tasks(args.data, set(args.datasets) if args.datasets else None)
    methods: dict[str, Callable] = {n: _weaklab(f) for n, f in WEAKLAB.items()}
    methods["LabelModel+valid"] = _label_model_on_valid
    methods["LM+MMSR+valid"] = lambda task: _label_model_on_valid(task, LabelModelWithMMSR)
    methods.update(INCUMBENTS)
    if args.methods:
        methods = {n: f for n, f in methods.items() if n in args.methods}
    results: dict[str, dict[str, float]] = {}
    for task in tasks:
        results[task.name] = {}
        for name, fn in methods.items():
            t0 = time.perf_counter()
            try:
                proba, prior = fn(task)
                score = evaluate(task, proba, prior)
            except Exception as exc:  # an incumbent that crashes is reported, not fatal
                print(f"  {task.name:12s} {name:16s} failed: {type(exc).__name__}: {str(exc)[:120]}", file=sys.stderr)
                score = float("nan")
            results[task.name][name] = score
            print(f"  {task.name:12s} {name:16s} {score:.4f}  ({time.perf_counter() - t0:.1f}s)", file=sys.stderr)
    metrics = {t.name: t.metric for t in tasks}
    if args.json is not None:
        args.json.write_text(json.dumps({"results": results, "metrics": metrics, "methods": list(methods)}, indent=1))
    print_table(results, metrics, list(methods))
    print_loo(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
