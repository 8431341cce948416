"""``weaklab fit``, ``weaklab predict`` and ``weaklab label``: label models on a store or a saved matrix."""

from __future__ import annotations

import argparse
import inspect

import numpy as np

import pandas as pd

from . import add_command
from .errors import UsageError, check_output, warn
from .. import models as label_models
from ..labeling import apply_lfs
from ..labeling.batch import stored_matrix
from ..labeling.lf_files import load_lfs
from ..labeling.sources import DataFileError, check_lf_columns, find_input_files, plan_pieces, read_piece, read_schemas
from ..lineage import record_run
from ..matrix import LabelMatrix


def model_classes() -> dict[str, type]:
    """The label models ``--model`` accepts, by class name."""
    return {
        name: cls
        for name, cls in vars(label_models).items()
        if inspect.isclass(cls) and issubclass(cls, label_models.BaseLabelModel)
        and cls is not label_models.BaseLabelModel and not inspect.isabstract(cls)
    }


def _first_line(cls: type) -> str:
    return (inspect.getdoc(cls) or "").split("\n", 1)[0]


def register(commands) -> None:
    names = model_classes()
    listing = "\n".join(f"  {name:22s} {_first_line(cls)}" for name, cls in sorted(names.items()))
    fit = add_command(commands, "fit", "fit a label model on a store's votes or a saved label matrix")
    fit.description = (
        "Fit a label model from the latest finished run of a store (from per-partition\n"
        "sufficient statistics: no partition's votes leave where they are read), or on a\n"
        f"saved label matrix.\n\nlabel models (--model):\n{listing}"
    )
    fit.add_argument("matrix", nargs="?", help="label matrix (.npz) written by 'weaklab apply --out' "
                     "(or give --store)")
    fit.add_argument("--store", help="block store written by 'weaklab apply --store'")
    fit.add_argument("--scheduler", help="Dask scheduler to read the store's partitions on (default: local threads)")
    fit.add_argument("--dev", help="gold-labelled dev data (Parquet/CSV) for the model's dev-set checks")
    fit.add_argument("--dev-label-column", help="the gold label column of --dev (classes 0..k-1, -1 unknown)")
    fit.add_argument("--lfs", help="the job's LF file or module (needed with --dev, to vote on the dev rows)")
    fit.add_argument("--model", default="LabelModel", help="label model class (default LabelModel; listed above)")
    fit.add_argument("--out", required=True, help="where to write the model (.npz, written atomically)")
    fit.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    fit.set_defaults(run=run_fit)

    predict = add_command(commands, "predict", "probabilistic labels (n × k .npy) for a saved label matrix")
    predict.add_argument("matrix", help="label matrix (.npz)")
    predict.add_argument("--model", required=True, help="fitted model (.npz) written by 'weaklab fit'")
    predict.add_argument("--out", required=True, help="where to write the n × k probabilities (.npy)")
    predict.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    predict.set_defaults(run=run_predict)


def model_class(name: str) -> type:
    classes = model_classes()
    if name not in classes:
        raise UsageError(f"unknown label model {name!r}; choose one of {sorted(classes)}")
    return classes[name]


def run_fit(args: argparse.Namespace) -> int:
    cls = model_class(args.model)
    if (args.matrix is None) == (args.store is None):
        raise UsageError("give either a label matrix (weaklab fit L.npz ...) or --store STORE, not both")
    if (args.dev is None) != (args.dev_label_column is None):
        raise UsageError("--dev and --dev-label-column go together")
    if args.dev is not None and args.lfs is None:
        raise UsageError("--dev needs --lfs: the LFs vote on the dev rows")
    check_output(args.out, args.overwrite)
    with _compute_on(args.scheduler):
        L = stored_matrix(args.store) if args.store else LabelMatrix.load(args.matrix)
        dev = {} if args.dev is None else _dev_set(args, L)
        model = cls().fit(L, **dev)
        path = model.save(args.out)
        manifest = record_run(L, model=model, model_path=path, **dev) if args.store else None
    for message in model.warnings_:
        warn(message)
    choice = getattr(model, "choice_", None)
    name = type(model).__name__ + (f" ({choice})" if isinstance(choice, str) else "")
    print(f"{name} fitted on {L.n_rows:,} rows × {L.n_lfs} LFs → {path}")
    if manifest is not None:
        print(f"fit run {manifest.run_id} recorded in {args.store} (weaklab runs show {manifest.run_id} "
              f"--store {args.store})")
    return 0


def _compute_on(scheduler: str | None):
    """A client on ``scheduler``, or nothing (Dask's local threads)."""
    import contextlib

    if scheduler is None:
        return contextlib.nullcontext()
    from ..labeling.cluster import dask_client

    return dask_client(scheduler, 1)


def _dev_set(args: argparse.Namespace, L) -> dict:
    """``L_dev`` / ``Y_dev``: the job's LFs applied to the dev rows, checked against the store's run."""
    lfs = load_lfs(args.lfs)
    names = tuple(lf.name for lf in lfs)
    if names != L.lf_names:
        raise UsageError(f"--lfs {args.lfs} defines LFs {list(names)}; the votes have {list(L.lf_names)}")
    run = getattr(L, "run", None)
    if run is not None:
        for lf, recorded in zip(lfs, run.lfs):
            if lf.fingerprint != recorded["fingerprint"]:
                raise UsageError(f"LF {lf.name!r} in {args.lfs} differs from the one the store's run applied; "
                                 "rerun weaklab apply first")
    files = find_input_files(args.dev)
    schemas = read_schemas(files)
    for file, columns in schemas.items():
        if args.dev_label_column not in columns:
            raise DataFileError(f"{file} has no column {args.dev_label_column!r} (--dev-label-column)")
    check_lf_columns(lfs, schemas)
    frame = pd.concat([read_piece(p) for p in plan_pieces(files)], ignore_index=True)
    y = frame.pop(args.dev_label_column)
    if y.isna().any() or not np.all(np.equal(np.mod(y.to_numpy(dtype=float), 1), 0)):
        raise DataFileError(f"--dev-label-column {args.dev_label_column!r}: labels must be integers (-1 unknown)")
    if not (y.to_numpy() >= 0).any():
        raise DataFileError(f"--dev-label-column {args.dev_label_column!r}: no dev row has a label (all are -1 or the files are empty)")
    L_dev = apply_lfs(frame, lfs, cardinality=L.cardinality, progress=False)
    return {"L_dev": L_dev, "Y_dev": y.to_numpy(dtype=np.int64)}


def run_predict(args: argparse.Namespace) -> int:
    out = check_output(args.out, args.overwrite)
    if out.suffix != ".npy":
        raise UsageError(f"--out {out} must end in .npy")
    model = label_models.load_model(args.model)
    L = LabelMatrix.load(args.matrix)
    probs = model.predict_proba(L)
    from ..persistence import atomic_path

    with atomic_path(out) as tmp:
        np.save(tmp, probs)
    print(f"probabilistic labels ({L.n_rows:,} × {L.cardinality}) → {out}")
    return 0
