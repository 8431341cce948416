"""Label models: learn LF accuracies without gold labels and output probabilistic labels.

All models share the API of :class:`BaseLabelModel`; :class:`LabelModel` is the
recommended default.
"""

from .base import BaseLabelModel, LabelModelWarning, NotFittedError, load_model
from .dawid_skene import DawidSkene
from .label_model import LabelModel
from .majority_vote import MajorityVote, WeightedMajorityVote

__all__ = [
    "BaseLabelModel",
    "DawidSkene",
    "LabelModel",
    "LabelModelWarning",
    "MajorityVote",
    "NotFittedError",
    "WeightedMajorityVote",
    "load_model",
]
