"""weaklab: weak supervision (data programming) that scales past one machine."""

from ._version import __version__
from .analysis import (
    DriftCounts,
    DriftReport,
    DriftSeries,
    label_stats,
    lf_class_metrics,
    lf_examples,
    lf_pairwise,
    lf_statistics,
    lf_summary,
    monitor,
    monitor_batches,
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
    LFChangedWarning,
    MajorityVote,
    MatrixCompletion,
    MMSR,
    TripletModel,
    WeightedMajorityVote,
    load_model,
)
from .matrix import PartitionedLabelMatrix
from .lineage import Explanation, RunDiff, RunManifest, diff, explain, list_runs, load_run, record_run
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
    "DriftCounts",
    "DriftReport",
    "DriftSeries",
    "EndModel",
    "Explanation",
    "RunDiff",
    "RunManifest",
    "LabelModel",
    "MajorityVote",
    "MatrixCompletion",
    "MMSR",
    "PartitionedLabelMatrix",
    "TextFeaturizer",
    "TripletModel",
    "WeightedMajorityVote",
    "build_report",
    "diff",
    "explain",
    "list_runs",
    "load_run",
    "load_crowd",
    "load_lf_matrix_csv",
    "load_model",
    "make_synthetic_label_matrix",
    "LFApplicationError",
    "LFChangedWarning",
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
    "lf_statistics",
    "lf_summary",
    "load_wrench",
    "make_demo_corpus",
    "monitor",
    "monitor_batches",
    "prediction_confusion",
    "preprocessor",
    "record_run",
    "regex_lf",
]
