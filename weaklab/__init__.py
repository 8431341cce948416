"""weaklab: weak supervision (data programming) that scales past one machine."""

from .analysis import (
    label_stats,
    lf_class_metrics,
    lf_examples,
    lf_pairwise,
    lf_summary,
    prediction_confusion,
)
from .apply import LFApplicationError, apply_lfs
from .datasets import load_wrench, make_demo_corpus
from .endmodel import EndModel, TextFeaturizer
from .lf import (
    LabelingFunction,
    Preprocessor,
    Row,
    keyword_lf,
    labeling_function,
    preprocessor,
    regex_lf,
)
from .matrix import ABSTAIN, LabelMatrix, LFErrors

__version__ = "0.1.0"

__all__ = [
    "ABSTAIN",
    "EndModel",
    "LFApplicationError",
    "LFErrors",
    "LabelMatrix",
    "LabelingFunction",
    "Preprocessor",
    "Row",
    "TextFeaturizer",
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
