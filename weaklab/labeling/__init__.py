"""Labeling: labeling functions and applying them to data.

- ``lf.py`` — :class:`LabelingFunction`, :func:`labeling_function`, preprocessors,
  :func:`keyword_lf`, :func:`regex_lf` and LF fingerprints;
- ``apply.py`` — :func:`apply_lfs` over pandas and Dask, the error policy, progress.
"""

from .apply import LFApplicationError, apply_lfs
from .lf import (
    ABSTAIN,
    LabelingFunction,
    Preprocessor,
    Row,
    keyword_lf,
    labeling_function,
    preprocessor,
    regex_lf,
)

__all__ = [
    "ABSTAIN",
    "LFApplicationError",
    "LabelingFunction",
    "Preprocessor",
    "Row",
    "apply_lfs",
    "keyword_lf",
    "labeling_function",
    "preprocessor",
    "regex_lf",
]
