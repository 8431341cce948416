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

This module is the only place that wires all layers together (see docs/architecture.md).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from ..labeling import apply_lfs
from ..labeling import LabelingFunction
from ..labeling.cluster import dask_client
from ..matrix import LabelMatrix
from .. import models as label_models

__all__ = ["main"]

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
    with dask_client(args.scheduler, args.workers):
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
    from . import lineage

    lineage.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``weaklab`` command."""
    args = _build_parser().parse_args(argv)
    if args.command == "demo":
        for name in ("rows", "workers", "partitions"):
            if getattr(args, name) < 1:
                raise SystemExit(f"error: --{name} must be at least 1")
        from ..demo import run_demo

        run_demo(args.rows, args.workers, args.partitions, args.out, args.seed, not args.no_progress)
        return 0
    if hasattr(args, "run"):
        return args.run(args)
    return {"apply": _cmd_apply, "fit": _cmd_fit, "predict": _cmd_predict}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
