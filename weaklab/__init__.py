"""weaklab: weak supervision (data programming) that scales past one machine."""

from ._version import __version__
from .analysis import (
    label_stats,
    lf_class_metrics,
    lf_examples,
    lf_pairwise,
    lf_summary,
    prediction_confusion,
)
from .labeling import BlockStore, CorruptBlockWarning, LFApplicationError, apply_lfs
from .datasets import (
    load_crowd,
    load_lf_matrix_csv,
    load_wrench,
    make_demo_corpus,
    make_synthetic_label_matrix,
)
from .labeling import (
    LabelingFunction,
    Preprocessor,
    Row,
    keyword_lf,
    labeling_function,
    preprocessor,
    regex_lf,
)
from .matrix import ABSTAIN, LabelMatrix, LFErrors
from .models import (
    ClassBalancedVote,
    DawidSkene,
    LabelModel,
    MajorityVote,
    MatrixCompletion,
    TripletModel,
    WeightedMajorityVote,
    load_model,
)
from .matrix import PartitionedLabelMatrix
from .persistence import CorruptFileError

# torch and matplotlib load only when these are first used.
_LAZY = {
    "EndModel": ("weaklab.endmodel", "EndModel"),
    "TextFeaturizer": ("weaklab.endmodel", "TextFeaturizer"),
    "build_report": ("weaklab.analysis.report", "build_report"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'weaklab' has no attribute {name!r}")


__all__ = [
    "__version__",
    "ABSTAIN",
    "BlockStore",
    "ClassBalancedVote",
    "CorruptBlockWarning",
    "CorruptFileError",
    "DawidSkene",
    "EndModel",
    "LabelModel",
    "MajorityVote",
    "MatrixCompletion",
    "PartitionedLabelMatrix",
    "TextFeaturizer",
    "TripletModel",
    "WeightedMajorityVote",
    "build_report",
    "load_crowd",
    "load_lf_matrix_csv",
    "load_model",
    "make_synthetic_label_matrix",
    "LFApplicationError",
    "LFErrors",
    "LabelMatrix",
    "LabelingFunction",
    "Preprocessor",
    "Row",
    "apply_lfs",
    "keyword_lf",
    "label_stats",
    "labeling_function",
    "lf_class_metrics",
    "lf_examples",
    "lf_pairwise",
    "lf_summary",
    "load_wrench",
    "make_demo_corpus",
    "prediction_confusion",
    "preprocessor",
    "regex_lf",
]
