"""Label models on disk: the registry of model classes, ``save`` and ``load_model``.

A model file is one ``.npz`` (see :mod:`weaklab.persistence`): the fitted arrays, plus a
JSON header with the model's class name, its hyper-parameters and its fitted scalars.
Nothing is ever unpickled; the class is looked up in the registry that every subclass
of :class:`~weaklab.models.BaseLabelModel` joins when it is defined.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..persistence import load_npz_json, save_npz_json

if TYPE_CHECKING:
    from .base import BaseLabelModel

__all__ = ["load_model", "read_model", "register", "save_model"]

_REGISTRY: dict[str, type["BaseLabelModel"]] = {}


def register(cls: type["BaseLabelModel"]) -> None:
    """Make ``cls`` loadable by name (called for every subclass of ``BaseLabelModel``).

    Examples
    --------
    >>> from weaklab.models import DawidSkene
    >>> _REGISTRY["DawidSkene"] is DawidSkene  # registered when the class was defined
    True
    """
    _REGISTRY[cls.__name__] = cls


def _fitted_state(model: "BaseLabelModel") -> dict[str, Any]:
    return {name: value for name, value in vars(model).items() if name.endswith("_") and not name.startswith("_")}


def save_model(model: "BaseLabelModel", path: str | Path) -> Path:
    """Write a fitted ``model``'s hyper-parameters and fitted state to one ``.npz`` file.

    Returns the file written (``.npz`` appended when missing).

    Examples
    --------
    >>> import tempfile
    >>> from weaklab import LabelMatrix
    >>> from weaklab.models import MajorityVote
    >>> model = MajorityVote().fit(LabelMatrix.from_dense(np.array([[0, 0], [1, -1]])))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save_model(model, Path(folder) / "mv").name
    'mv.npz'
    """
    arrays: dict[str, np.ndarray] = {}
    scalars: dict[str, Any] = {}
    for name, value in _fitted_state(model).items():
        if isinstance(value, np.ndarray):
            arrays[name] = value
        else:
            scalars[name] = _to_json(value)
    meta = {"model": type(model).__name__, "params": _to_json(model.get_params()), "fitted": scalars}
    return save_npz_json(path, arrays, meta)


def read_model(path: str | Path, expected: type["BaseLabelModel"] | None = None) -> "BaseLabelModel":
    """The model saved in ``path``; with ``expected``, the file must hold that class.

    Examples
    --------
    >>> import tempfile
    >>> from weaklab import LabelMatrix
    >>> from weaklab.models import DawidSkene, MajorityVote
    >>> model = MajorityVote().fit(LabelMatrix.from_dense(np.array([[0, 0], [1, -1]])))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = model.save(Path(folder) / "mv")
    ...     loaded = read_model(path, MajorityVote)
    ...     try:
    ...         read_model(path, DawidSkene)
    ...     except ValueError as error:
    ...         str(error).endswith("holds a MajorityVote, not a DawidSkene")
    True
    >>> loaded.predict_proba(LabelMatrix.from_dense(np.array([[1, 1]]))).tolist()
    [[0.0, 1.0]]
    """
    arrays, meta = load_npz_json(path)
    name = meta.get("model")
    target = _REGISTRY.get(name)
    if target is None:
        raise ValueError(f"{path} holds an unknown model {name!r}")
    if expected is not None and target is not expected:
        raise ValueError(f"{path} holds a {name}, not a {expected.__name__}")
    model = target(**meta["params"])
    for key, value in meta["fitted"].items():
        setattr(model, key, tuple(value) if key == "lf_names_" else value)
    for key, value in arrays.items():
        setattr(model, key, value)
    return model


def load_model(path: str | Path) -> "BaseLabelModel":
    """Load any weaklab label model saved with ``save`` (never unpickles).

    Examples
    --------
    >>> import tempfile
    >>> from weaklab import LabelMatrix
    >>> from weaklab.models import MajorityVote
    >>> L = LabelMatrix.from_dense(np.array([[0, 0, 1], [1, 1, -1]]))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = MajorityVote().fit(L).save(Path(folder) / "mv")
    ...     load_model(path).predict(L).tolist()
    [0, 1]
    """
    return read_model(path)


def _to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
