"""weaklab: weak supervision (data programming) that scales past one machine."""

from .datasets import load_wrench, make_demo_corpus
from .endmodel import EndModel, TextFeaturizer
from .matrix import ABSTAIN, LabelMatrix, LFErrors

__version__ = "0.1.0"

__all__ = [
    "ABSTAIN",
    "EndModel",
    "LFErrors",
    "LabelMatrix",
    "TextFeaturizer",
    "load_wrench",
    "make_demo_corpus",
]
