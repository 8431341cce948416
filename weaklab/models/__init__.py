"""Label models: learn LF accuracies without gold labels and output probabilistic labels.

All models share the API of :class:`BaseLabelModel`; :class:`LabelModel` is the
recommended default.
"""

from .base import BaseLabelModel, LabelModelWarning, NotFittedError, load_model
from .dawid_skene import DawidSkene
from .label_model import ClassBalancedVote, LabelModel
from .majority_vote import MajorityVote, WeightedMajorityVote
from .matrix_completion import MatrixCompletion
from .triplet import TripletModel

__all__ = [
    "BaseLabelModel",
    "ClassBalancedVote",
    "DawidSkene",
    "LabelModel",
    "LabelModelWarning",
    "MajorityVote",
    "MatrixCompletion",
    "NotFittedError",
    "TripletModel",
    "WeightedMajorityVote",
    "load_model",
]
