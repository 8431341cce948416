"""weaklab: weak supervision (data programming) that scales past one machine."""

from .analysis import (
    label_stats,
    lf_class_metrics,
    lf_examples,
    lf_pairwise,
    lf_summary,
    prediction_confusion,
)
from .datasets import load_wrench, make_demo_corpus
from .matrix import ABSTAIN, LabelMatrix, LFErrors

__version__ = "0.1.0"

__all__ = [
    "ABSTAIN",
    "LFErrors",
    "LabelMatrix",
    "label_stats",
    "lf_class_metrics",
    "lf_examples",
    "lf_pairwise",
    "lf_summary",
    "load_wrench",
    "make_demo_corpus",
    "prediction_confusion",
]
