"""``weaklab fit`` and ``weaklab predict``: label models on saved label matrices."""

from __future__ import annotations

import argparse
import inspect

import numpy as np

from . import add_command
from .errors import UsageError, check_output
from .. import models as label_models
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
    fit = add_command(commands, "fit", "fit a label model on a saved label matrix")
    fit.description = f"Fit a label model on a saved label matrix.\n\nlabel models (--model):\n{listing}"
    fit.add_argument("matrix", help="label matrix (.npz) written by 'weaklab apply --out'")
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
    check_output(args.out, args.overwrite)
    L = LabelMatrix.load(args.matrix)
    model = cls().fit(L)
    path = model.save(args.out)
    from .errors import warn

    for message in model.warnings_:
        warn(message)
    print(f"{type(model).__name__} fitted on {L.n_rows:,} rows × {L.n_lfs} LFs → {path}")
    return 0


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
