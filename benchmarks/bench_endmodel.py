"""``EndModel()`` at its defaults against its own label model on the WRENCH text sets.

Pipeline per data set: ``LabelModel`` fitted on the train votes (the valid votes and
labels only choose among its candidates) -> probabilistic labels of the train rows ->
``EndModel(seed=0, metric=...)`` with nothing else set, fitted on the train rows an LF
covered (``covered=train.L``), scored once on the test split. Three inputs a user brings:

* ``tfidf``: word uni+bigram TF-IDF (scikit-learn's ``TfidfVectorizer``, sparse);
* ``dense``: 256-d dense embeddings (LSA: ``TruncatedSVD`` of that TF-IDF, standardised;
  no pretrained sentence encoder is installed here);
* ``text``: the raw text, featurized inside ``EndModel`` by its ``TextFeaturizer``.

"with dev" passes ``X_dev=valid, y_dev=valid.y``, so the library chooses among its own
candidates (``EndModel.selected_``); "no dev" passes nothing (a held-out slice of the
train rows stops training). No grid lives in this script. Seconds exclude torch's
one-off imports at a process's first optimizer (paid before the first fit). The label model's test score
treats rows without votes as WRENCH does (class prior, ties broken at random, seed 0).
Metric: F1 of class 1 for sms, accuracy otherwise. Seconds are wall-clock ``fit`` time.

Time target (issue 13: fit time per set at most 2x the end model's before it): with
``--incumbent SRC`` (a folder holding an older ``weaklab`` package, e.g. the one at
04ae994, before the L-BFGS defaults) each fit is repeated, right after the current one,
by that version's ``EndModel()`` at its own defaults in a child process on the same
inputs, labels and split; its test score, fit seconds and the ratio are printed too.

Run::

    PYTHONPATH=. python benchmarks/bench_endmodel.py --data ../shared/data
    mkdir -p /tmp/incumbent && git archive 04ae994 weaklab | tar -x -C /tmp/incumbent
    PYTHONPATH=. python benchmarks/bench_endmodel.py --data ../shared/data --incumbent /tmp/incumbent
    PYTHONPATH=. python benchmarks/bench_endmodel.py --inputs text --device cuda   # on a GPU machine
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score

from weaklab import EndModel, load_wrench
from weaklab.models import LabelModel, LabelModelWarning

DATASETS = {
    "youtube": "nhbess_weak_supervision_tutorial/youtube",
    "sms": "dygen_wrench/sms",
    "trec": "dygen_wrench/trec",
    "hausa": "nhbess_weak_supervision_tutorial/hausa",
    "yoruba": "nhbess_weak_supervision_tutorial/yoruba",
}
INPUTS = ("tfidf", "dense", "text")


def metric_of(name: str) -> str:
    return "f1" if name == "sms" else "accuracy"


def score(metric: str, y: np.ndarray, pred: np.ndarray) -> float:
    if metric == "f1":
        return float(f1_score(y, pred, pos_label=1, zero_division=0))
    return float(accuracy_score(y, pred))


def features(kind: str, texts: list[list[str]]) -> list:
    """The three splits' inputs of one kind (fitted on the train split only)."""
    if kind == "text":
        return texts
    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32).fit(texts[0])
    sparse = [tfidf.transform(t) for t in texts]
    if kind == "tfidf":
        return sparse
    svd = TruncatedSVD(256, random_state=0).fit(sparse[0])
    dense = [svd.transform(x).astype(np.float32) for x in sparse]
    mean, std = dense[0].mean(axis=0), dense[0].std(axis=0) + 1e-6
    return [(x - mean) / std for x in dense]


def label_model(name: str, folder: Path, seed: int):
    """The three splits, the fitted ``LabelModel``, its train ``probs`` and its test score."""
    train, valid, test = (load_wrench(folder, split) for split in ("train", "valid", "test"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabelModelWarning)
        lm = LabelModel(seed=seed).fit(train.L, L_dev=valid.L, Y_dev=valid.y)
    lm_score = score(metric_of(name), test.y, lm.predict(test.L, tie_break="random"))
    return (train, valid, test), lm, lm.predict_proba(train.L), lm_score


# Runs in a child process whose PYTHONPATH holds the incumbent weaklab: fits its
# EndModel() at its defaults on the inputs saved in the folder argv[1]; prints seconds and score.
_INCUMBENT_FIT = """
import json, sys, time
from pathlib import Path
import numpy as np, scipy.sparse as sp
from sklearn.metrics import accuracy_score, f1_score
import weaklab
from weaklab import EndModel
import torch
torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)  # pays torch's one-off optimizer imports
folder = Path(sys.argv[1]); spec = json.loads((folder / "spec.json").read_text())
def load(split):
    if spec["kind"] == "text":
        return json.loads((folder / f"X_{split}.json").read_text())
    if spec["kind"] == "tfidf":
        return sp.load_npz(folder / f"X_{split}.npz").tocsr()
    return np.load(folder / f"X_{split}.npy")
X_train, X_valid, X_test = load("train"), load("valid"), load("test")
probs, covered = np.load(folder / "probs.npy"), np.load(folder / "covered.npy")
model = EndModel(metric=spec["metric"], device=spec["device"], seed=spec["seed"], progress=False)
start = time.perf_counter()
if spec["dev"]:
    model.fit(X_train, probs, X_valid, np.load(folder / "y_valid.npy"), covered=covered)
else:
    model.fit(X_train, probs, covered=covered)
seconds = time.perf_counter() - start
pred, y = model.predict(X_test), np.load(folder / "y_test.npy")
score = f1_score(y, pred, pos_label=1, zero_division=0) if spec["metric"] == "f1" else accuracy_score(y, pred)
print(json.dumps({"seconds": seconds, "score": float(score), "weaklab": weaklab.__file__}))
"""


def incumbent_fit(src: Path, kind: str, inputs: list, probs: np.ndarray, covered: np.ndarray, y_valid: np.ndarray,
                  y_test: np.ndarray, spec: dict) -> dict:
    """The incumbent ``EndModel()``'s fit seconds and test score on the same inputs (child process)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for split, X in zip(("train", "valid", "test"), inputs):
            if kind == "text":
                (folder / f"X_{split}.json").write_text(json.dumps(X))
            elif kind == "tfidf":
                sp.save_npz(folder / f"X_{split}.npz", X)
            else:
                np.save(folder / f"X_{split}.npy", X)
        for key, value in (("probs", probs), ("covered", covered), ("y_valid", y_valid), ("y_test", y_test)):
            np.save(folder / f"{key}.npy", value)
        (folder / "spec.json").write_text(json.dumps({**spec, "kind": kind}))
        proc = subprocess.run([sys.executable, "-c", _INCUMBENT_FIT, str(folder)], capture_output=True, text=True,
                              cwd=tmp, env={**os.environ, "PYTHONPATH": str(src)})
    if proc.returncode != 0:
        raise RuntimeError(f"the incumbent fit failed: {proc.stderr.strip()[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if not Path(out["weaklab"]).resolve().is_relative_to(src.resolve()):
        raise RuntimeError(f"the child imported weaklab from {out['weaklab']}, not from --incumbent {src}")
    return out


def run_dataset(name: str, folder: Path, kinds: list[str], device: str, seed: int,
                incumbent: Path | None = None) -> list[dict]:
    (train, valid, test), lm, probs, lm_score = label_model(name, folder, seed)
    metric = metric_of(name)
    texts = [split.data["text"].tolist() for split in (train, valid, test)]
    rows = []
    for kind in kinds:
        X_train, X_valid, X_test = features(kind, texts)
        for with_dev in (True, False):
            model = EndModel(metric=metric, device=device, seed=seed, progress=False)
            start = time.perf_counter()
            if with_dev:
                model.fit(X_train, probs, X_valid, valid.y, covered=train.L)
            else:
                model.fit(X_train, probs, covered=train.L)
            seconds = time.perf_counter() - start
            row = {
                "dataset": name, "metric": metric, "input": kind, "dev": with_dev,
                "label_model": getattr(lm, "selected_", type(lm).__name__), "lm_score": lm_score,
                "selected": model.selected_, "em_score": model.score(X_test, test.y), "seconds": seconds,
                "epochs": len(model.history_["seconds"]), "device": str(model.device_), "stop": model.stop_reason_,
                "load": os.getloadavg()[0],
            }
            print(f"  {name:8s} {kind:6s} {'dev' if with_dev else 'no dev':6s} {row['selected']:18s} "
                  f"{100 * row['em_score']:.1f} vs {100 * lm_score:.1f}  {seconds:.1f}s  {row['stop']}",
                  file=sys.stderr, flush=True)
            if incumbent is not None:
                old = incumbent_fit(incumbent, kind, [X_train, X_valid, X_test], probs, train.L.covered, valid.y,
                                    test.y, {"metric": metric, "device": device, "seed": seed, "dev": with_dev})
                row.update(old_score=old["score"], old_seconds=old["seconds"])
                print(f"  {'':8s} {'':6s} {'':6s} {'incumbent':18s} {100 * old['score']:.1f}  {old['seconds']:.1f}s "
                      f"(current / incumbent time {seconds / old['seconds']:.2f})", file=sys.stderr, flush=True)
            rows.append(row)
    return rows


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--inputs", nargs="*", default=list(INPUTS), choices=list(INPUTS))
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default auto)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--incumbent", type=Path, help="folder holding an older weaklab package to time against")
    args = parser.parse_args(argv)
    if args.incumbent is not None and not (args.incumbent / "weaklab" / "__init__.py").is_file():
        parser.error(f"--incumbent {args.incumbent} holds no weaklab package")

    # The first torch optimizer of a process imports torch._dynamo (seconds); pay that
    # here, as the incumbent's child process does, so no fit's time includes it.
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    rows = []
    for name in args.datasets:
        folder = args.data / DATASETS[name]
        if not folder.is_dir():
            print(f"  {name}: not found at {folder}, skipped", file=sys.stderr)
            continue
        rows += run_dataset(name, folder, args.inputs, args.device, args.seed, args.incumbent)
    if not rows:
        print("no data sets found; pass --data", file=sys.stderr)
        return 1
    device = torch.device(rows[0]["device"])
    print(f"device: {rows[0]['device']} = {device_name(device)}; torch {torch.__version__}; seed {args.seed}; "
          f"load average at the end {os.getloadavg()[0]:.1f}\n")
    print("| dataset (metric) | input | label model | EndModel() with dev (selected) | − label | s "
          "| EndModel() no dev | − label | s |")
    print("|---|---|---|---|---|---|---|---|---|")
    by_key = {(r["dataset"], r["input"], r["dev"]): r for r in rows}
    for (name, kind, dev), r in by_key.items():
        if not dev:
            continue
        nd = by_key[(name, kind, False)]
        print(f"| {name} ({'F1' if r['metric'] == 'f1' else 'acc'}) | {kind} | {100 * r['lm_score']:.1f} "
              f"| {100 * r['em_score']:.1f} ({r['selected']}) | {100 * (r['em_score'] - r['lm_score']):+.1f} | {r['seconds']:.1f} "
              f"| {100 * nd['em_score']:.1f} | {100 * (nd['em_score'] - nd['lm_score']):+.1f} | {nd['seconds']:.1f} |")
    for kind in args.inputs:
        for dev in (True, False):
            gaps = [100 * (r["em_score"] - r["lm_score"]) for r in rows if r["input"] == kind and r["dev"] == dev]
            print(f"\n{kind}, {'with' if dev else 'without'} dev: beats its label model on "
                  f"{sum(g > 0 for g in gaps)} of {len(gaps)}; worst gap {min(gaps):+.1f}, mean {np.mean(gaps):+.1f} points")
    if args.incumbent is not None:
        print(f"\nagainst the incumbent EndModel() from {args.incumbent} (fitted right after each current fit):\n")
        print("| dataset | input | dev | incumbent score | current score | incumbent s | current s | time ratio | load |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['dataset']} | {r['input']} | {'yes' if r['dev'] else 'no'} | {100 * r['old_score']:.1f} "
                  f"| {100 * r['em_score']:.1f} | {r['old_seconds']:.1f} | {r['seconds']:.1f} "
                  f"| {r['seconds'] / r['old_seconds']:.2f} | {r['load']:.1f} |")
        ratios = [r["seconds"] / r["old_seconds"] for r in rows]
        print(f"\ntime ratio current / incumbent: median {np.median(ratios):.2f}, max {max(ratios):.2f} "
              f"({sum(x <= 2 for x in ratios)} of {len(ratios)} fits within 2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
