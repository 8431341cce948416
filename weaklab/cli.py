"""The ``weaklab`` command: the demo job, and batch jobs on a Dask cluster.

Sub-commands
------------
``weaklab demo``
    The end-to-end demo on the built-in comment-spam corpus: apply LFs over a local
    Dask cluster, print LF statistics, fit the label model, write the HTML report,
    train the end model and score it on unseen comments.
``weaklab apply DATA --lfs FILE --cardinality K --out L.npz``
    Apply the LFs defined in a Python file (or module) to Parquet/CSV data, on a local
    cluster or on the scheduler given with ``--scheduler``; only sparse blocks come back.
``weaklab fit L.npz --out model.npz``
    Fit a label model on a saved label matrix.
``weaklab predict L.npz --model model.npz --out probs.npy``
    Write probabilistic labels (n × k) for a saved label matrix.

This module is the only place that wires all layers together (see DESIGN.md).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import sys
import time
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pandas as pd

from .analysis import label_stats, lf_summary
from .apply import apply_lfs
from .datasets import make_demo_corpus
from .lf import LabelingFunction
from .matrix import LabelMatrix
from . import models as label_models

__all__ = ["main"]

_SUMMARY_COLUMNS = ["polarity", "coverage", "overlaps", "conflicts", "emp_accuracy", "learned_accuracy"]


@contextlib.contextmanager
def _dask_client(scheduler: str | None, workers: int) -> Iterator[object]:
    """A client on ``scheduler`` (an address), or on a fresh local cluster of process workers."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, Client(cluster) as client:
        yield client


def _print_table(frame: pd.DataFrame) -> None:
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.precision", 3):
        print(frame.to_string())


# ------------------------------------------------------------------------ demo
def run_demo(rows: int, workers: int, partitions: int, out: Path, seed: int, progress: bool) -> dict:
    """Run the demo job; returns the headline numbers (used by tests)."""
    import dask.dataframe as dd

    from .demo import demo_lfs

    out.mkdir(parents=True, exist_ok=True)
    corpus = make_demo_corpus(rows, seed=seed)
    gold = corpus["label"].to_numpy()
    lfs = demo_lfs()
    print(f"weaklab demo: {rows:,} generated comments, {len(lfs)} labeling functions, "
          f"{workers} Dask workers, {partitions} partitions")

    started = time.perf_counter()
    with _dask_client(None, workers):
        data = dd.from_pandas(corpus.drop(columns="label"), npartitions=partitions)
        L = apply_lfs(data, lfs, cardinality=2, progress=progress)
    print(f"\nLabel matrix: {L.n_rows:,} rows × {L.n_lfs} LFs, {L.nnz:,} votes "
          f"({time.perf_counter() - started:.1f} s including cluster start-up)")
    L.save(out / "label_matrix.npz")

    # Like most projects, the demo has a small hand-labelled dev set (the first rows):
    # the label model uses it to choose among its estimators.
    n_dev = min(200, rows)
    model = label_models.LabelModel(seed=seed).fit(L, L_dev=L[:n_dev], Y_dev=gold[:n_dev])
    summary = lf_summary(L, y=gold, model=model)
    print("\nLF statistics (gold labels are known for the demo corpus):")
    _print_table(summary[[c for c in _SUMMARY_COLUMNS if c in summary.columns]])
    stats = label_stats(L, y=gold, model=model)
    print(f"\nCoverage {stats.coverage:.1%}, overlap {stats.overlap:.1%}, conflict {stats.conflict:.1%}")
    mv = label_models.MajorityVote().fit(L)
    scores = {
        "label_model_accuracy": model.score(L, gold)["accuracy"],
        "majority_vote_accuracy": mv.score(L, gold)["accuracy"],
        "coverage": stats.coverage,
    }
    print(f"Label model accuracy {scores['label_model_accuracy']:.3f} "
          f"(majority vote {scores['majority_vote_accuracy']:.3f}) on all rows, uncovered rows get the prior")
    for message in model.warnings_:
        print(f"warning: {message}")
    model.save(out / "label_model.npz")
    np.save(out / "probabilistic_labels.npy", model.predict_proba(L))
    print(f"\nSaved the label matrix, label model and probabilistic labels in {out}/")
    from .report import build_report

    report = build_report(L, data=corpus.drop(columns="label"), y=gold, model=model,
                          path=out / "report.html", class_names=["ham", "spam"], seed=seed)
    print(f"LF report (open in a browser): {report.path.resolve()}")

    # The end model learns from the text, so it also labels comments no LF covers.
    from .endmodel import EndModel

    test = make_demo_corpus(max(rows // 5, 100), seed=seed + 1)
    end_model = EndModel("logreg", lr=0.05, n_epochs=20, seed=seed, progress=progress)
    end_model.fit(corpus["text"], model.predict_proba(L), covered=L)
    L_test = apply_lfs(test.drop(columns="label"), lfs, cardinality=2, progress=False)
    scores["end_model_test_accuracy"] = end_model.score(test["text"], test["label"].to_numpy())
    scores["label_model_test_accuracy"] = model.score(L_test, test["label"].to_numpy())["accuracy"]
    print(f"\nEnd model (TF-IDF + logistic regression on the probabilistic labels, {end_model.device_}): "
          f"test accuracy {scores['end_model_test_accuracy']:.3f} on {len(test):,} unseen comments "
          f"(label model {scores['label_model_test_accuracy']:.3f})")
    end_model.save(out / "end_model")
    return scores


# ----------------------------------------------------------------------- apply
def _load_lfs(spec: str) -> list[LabelingFunction]:
    """LFs from a ``.py`` file or an importable module: its ``LFS`` list, else every LF it defines."""
    if spec.endswith(".py"):
        path = Path(spec)
        if not path.is_file():
            raise SystemExit(f"error: --lfs file {spec} does not exist")
        name = f"weaklab_user_lfs_{path.stem}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        module_spec.loader.exec_module(module)
        # The module is not importable on workers: ship its functions by value.
        import cloudpickle

        cloudpickle.register_pickle_by_value(module)
    else:
        module = importlib.import_module(spec)
    found = getattr(module, "LFS", None)
    if found is None:
        found = [v for v in vars(module).values() if isinstance(v, LabelingFunction)]
    lfs = list(found)
    if not lfs or not all(isinstance(lf, LabelingFunction) for lf in lfs):
        raise SystemExit(f"error: {spec} defines no LabelingFunction objects (or its LFS list holds other things)")
    return lfs


def _read_data(path: str, columns: Sequence[str] | None):
    import dask.dataframe as dd

    columns = list(columns) if columns else None
    if path.endswith(".csv"):
        return dd.read_csv(path, usecols=columns)
    return dd.read_parquet(path, columns=columns)


def _cmd_apply(args: argparse.Namespace) -> int:
    lfs = _load_lfs(args.lfs)
    with _dask_client(args.scheduler, args.workers):
        data = _read_data(args.data, args.columns)
        L = apply_lfs(data, lfs, cardinality=args.cardinality, fault_tolerant=args.fault_tolerant,
                      progress=not args.no_progress)
    path = L.save(args.out)
    print(f"{L.n_rows:,} rows × {L.n_lfs} LFs, {L.nnz:,} votes → {path}")
    for err in L.errors.values():
        print(f"warning: {err}")
    return 0


def _cmd_fit(args: argparse.Namespace) -> int:
    L = LabelMatrix.load(args.matrix)
    cls = getattr(label_models, args.model, None)
    if not isinstance(cls, type) or not issubclass(cls, label_models.BaseLabelModel):
        raise SystemExit(f"error: unknown label model {args.model!r}")
    model = cls().fit(L)
    path = model.save(args.out)
    for message in model.warnings_:
        print(f"warning: {message}")
    print(f"{type(model).__name__} fitted on {L.n_rows:,} rows × {L.n_lfs} LFs → {path}")
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    L = LabelMatrix.load(args.matrix)
    model = label_models.load_model(args.model)
    np.save(args.out, model.predict_proba(L))
    print(f"probabilistic labels ({L.n_rows:,} × {L.cardinality}) → {args.out}")
    return 0


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="weaklab", description="Weak supervision that scales.")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the end-to-end demo on the built-in corpus")
    demo.add_argument("--rows", type=int, default=20_000, help="comments to generate (default 20000)")
    demo.add_argument("--workers", type=int, default=2, help="local Dask process workers (default 2)")
    demo.add_argument("--partitions", type=int, default=8, help="Dask partitions (default 8)")
    demo.add_argument("--out", type=Path, default=Path("weaklab-output"), help="output folder")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--no-progress", action="store_true", help="no progress bars")

    apply = sub.add_parser("apply", help="apply LFs to Parquet/CSV data on a Dask cluster")
    apply.add_argument("data", help="Parquet file/folder or CSV path/glob")
    apply.add_argument("--lfs", required=True, help="a .py file or importable module defining the LFs")
    apply.add_argument("--cardinality", type=int, required=True, help="number of classes k")
    apply.add_argument("--out", required=True, help="where to write the label matrix (.npz)")
    apply.add_argument("--scheduler", help="address of a Dask scheduler (default: a local cluster)")
    apply.add_argument("--workers", type=int, default=2, help="workers of the local cluster")
    apply.add_argument("--columns", nargs="+", help="only read these columns")
    apply.add_argument("--fault-tolerant", action="store_true", help="LF exceptions become abstains")
    apply.add_argument("--no-progress", action="store_true")

    fit = sub.add_parser("fit", help="fit a label model on a saved label matrix")
    fit.add_argument("matrix", help="label matrix (.npz) written by 'weaklab apply'")
    fit.add_argument("--model", default="LabelModel", help="label model class (default LabelModel)")
    fit.add_argument("--out", required=True, help="where to write the model (.npz)")

    predict = sub.add_parser("predict", help="probabilistic labels from a fitted label model")
    predict.add_argument("matrix", help="label matrix (.npz)")
    predict.add_argument("--model", required=True, help="fitted model (.npz)")
    predict.add_argument("--out", required=True, help="where to write the n × k probabilities (.npy)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``weaklab`` command."""
    args = _build_parser().parse_args(argv)
    if args.command == "demo":
        for name in ("rows", "workers", "partitions"):
            if getattr(args, name) < 1:
                raise SystemExit(f"error: --{name} must be at least 1")
        run_demo(args.rows, args.workers, args.partitions, args.out, args.seed, not args.no_progress)
        return 0
    return {"apply": _cmd_apply, "fit": _cmd_fit, "predict": _cmd_predict}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
