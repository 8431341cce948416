"""End model against its own label model on the WRENCH text sets, in one run.

Pipeline per data set: ``LabelModel`` fitted on the train votes (the valid votes and
labels only choose among its candidates) -> probabilistic labels of the covered train
rows -> ``TextFeaturizer`` (word + character n-gram TF-IDF, fitted on the train text)
-> ``EndModel``. Protocol (WRENCH's): the valid split is used only to pick the end-model
configuration from a small grid (logreg or MLP, each with and without
``class_weight="balanced"``, the same grid for every data set) and to stop early; the end
model sees text features only, never votes or label-model outputs; both models are scored once on the
test split. The label model's test score treats rows without votes as WRENCH and
``bench_label_quality.py`` do (class prior, ties broken at random with seed 0).
Metric: F1 of class 1 for sms, accuracy otherwise. Epoch time is the median over the
selected configuration's epochs; the device is recorded with it.

Run::

    PYTHONPATH=. python benchmarks/bench_endmodel.py --data ../shared/data
    PYTHONPATH=. python benchmarks/bench_endmodel.py --device cuda      # on a GPU machine
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import accuracy_score, f1_score

from weaklab import EndModel, TextFeaturizer, load_wrench
from weaklab.models import LabelModel, LabelModelWarning

DATASETS = {
    "youtube": "nhbess_weak_supervision_tutorial/youtube",
    "sms": "dygen_wrench/sms",
    "trec": "dygen_wrench/trec",
    "hausa": "nhbess_weak_supervision_tutorial/hausa",
    "yoruba": "nhbess_weak_supervision_tutorial/yoruba",
}
# The grid the valid split chooses from (first wins ties).
CONFIGS = {
    "logreg": dict(model="logreg", lr=3e-2),
    "mlp": dict(model="mlp", lr=1e-3, hidden_dims=(128,)),
    "logreg+balanced": dict(model="logreg", lr=3e-2, class_weight="balanced"),
    "mlp+balanced": dict(model="mlp", lr=1e-3, hidden_dims=(128,), class_weight="balanced"),
}


def metric_of(name: str) -> str:
    return "f1" if name == "sms" else "accuracy"


def score(metric: str, y: np.ndarray, pred: np.ndarray) -> float:
    if metric == "f1":
        return float(f1_score(y, pred, pos_label=1, zero_division=0))
    return float(accuracy_score(y, pred))


def run_dataset(name: str, folder: Path, device: str, n_epochs: int, seed: int) -> dict:
    train, valid, test = (load_wrench(folder, split) for split in ("train", "valid", "test"))
    metric = metric_of(name)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabelModelWarning)
        lm = LabelModel(seed=seed).fit(train.L, L_dev=valid.L, Y_dev=valid.y)
    probs = lm.predict_proba(train.L)
    lm_score = score(metric, test.y, lm.predict(test.L, tie_break="random"))
    lm_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    featurizer = TextFeaturizer().fit(train.data["text"])
    X_train, X_valid, X_test = (featurizer.transform(s.data["text"]) for s in (train, valid, test))
    feat_seconds = time.perf_counter() - t0

    best = None
    for config_name, config in CONFIGS.items():
        t0 = time.perf_counter()
        model = EndModel(**config, n_epochs=n_epochs, patience=5, metric=metric, device=device, seed=seed, progress=False)
        model.fit(X_train, probs, X_valid, valid.y, covered=train.L)
        valid_score = max(model.history_["dev_score"])
        print(
            f"  {name:8s} {config_name:15s} valid {valid_score:.4f}  epochs {len(model.history_['seconds'])}  "
            f"({time.perf_counter() - t0:.1f}s)",
            file=sys.stderr,
            flush=True,
        )
        if best is None or valid_score > best[1]:
            best = (config_name, valid_score, model)
    config_name, valid_score, model = best
    return {
        "dataset": name,
        "metric": metric,
        "label_model": getattr(lm, "selected_", type(lm).__name__),
        "lm_score": lm_score,
        "lm_seconds": lm_seconds,
        "n_features": featurizer.n_features_,
        "feat_seconds": feat_seconds,
        "config": config_name,
        "valid_score": valid_score,
        "em_score": model.score(X_test, test.y),
        "epochs": len(model.history_["seconds"]),
        "epoch_seconds": float(np.median(model.history_["seconds"])),
        "train_rows": model.n_train_rows_,
        "device": str(model.device_),
    }


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default auto)")
    parser.add_argument("--epochs", type=int, default=30, help="most epochs per end model (early stopping on valid)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    rows = []
    for name in args.datasets:
        folder = args.data / DATASETS[name]
        if not folder.is_dir():
            print(f"  {name}: not found at {folder}, skipped", file=sys.stderr)
            continue
        rows.append(run_dataset(name, folder, args.device, args.epochs, args.seed))
    if not rows:
        print("no data sets found; pass --data", file=sys.stderr)
        return 1
    device = torch.device(rows[0]["device"])
    print(f"device: {rows[0]['device']} = {device_name(device)}; torch {torch.__version__}; seed {args.seed}\n")
    print("| dataset (metric) | label model (selected) | label model test | end model (config) | end model test "
          "| end - label | train rows | TF-IDF features | epochs | s/epoch (median) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['dataset']} ({'F1' if r['metric'] == 'f1' else 'acc'}) | {r['label_model']} | {100 * r['lm_score']:.1f} "
            f"| {r['config']} | {100 * r['em_score']:.1f} | {100 * (r['em_score'] - r['lm_score']):+.1f} "
            f"| {r['train_rows']} | {r['n_features']} | {r['epochs']} | {r['epoch_seconds']:.3f} |"
        )
    gaps = [100 * (r["em_score"] - r["lm_score"]) for r in rows]
    wins = sum(g > 0 for g in gaps)
    print(f"\nend model beats its label model on {wins} of {len(rows)}; worst gap {min(gaps):+.1f} points")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
