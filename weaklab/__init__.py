"""weaklab: weak supervision (data programming) that scales past one machine."""

from .apply import LFApplicationError, apply_lfs
from .datasets import load_wrench, make_demo_corpus
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
    "LFApplicationError",
    "LFErrors",
    "LabelMatrix",
    "LabelingFunction",
    "Preprocessor",
    "Row",
    "apply_lfs",
    "keyword_lf",
    "labeling_function",
    "load_wrench",
    "make_demo_corpus",
    "preprocessor",
    "regex_lf",
]
