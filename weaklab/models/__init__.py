"""Label models: learn LF accuracies without gold labels and output probabilistic labels.

All models share the API of :class:`BaseLabelModel`; :class:`LabelModel` is the
recommended default.
"""

from .base import BaseLabelModel, LFChangedWarning, NotFittedError
from .class_balanced_vote import ClassBalancedVote
from .dawid_skene import DawidSkene
from .guardrails import LabelModelWarning
from .label_model import LabelModel
from .majority_vote import MajorityVote, WeightedMajorityVote
from .matrix_completion import MatrixCompletion
from .mmsr import MMSR
from .persistence import load_model
from .triplet import TripletModel

__all__ = [
    "BaseLabelModel",
    "ClassBalancedVote",
    "DawidSkene",
    "LabelModel",
    "LabelModelWarning",
    "LFChangedWarning",
    "MajorityVote",
    "MatrixCompletion",
    "MMSR",
    "NotFittedError",
    "TripletModel",
    "WeightedMajorityVote",
    "load_model",
]
