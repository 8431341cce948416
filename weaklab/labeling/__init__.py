"""Labeling: labeling functions and applying them to data.

- ``lf.py`` — :class:`LabelingFunction`, :func:`labeling_function`, preprocessors,
  :func:`keyword_lf`, :func:`regex_lf` and LF fingerprints;
- ``fingerprint.py`` — partition fingerprints, pandas chunking;
- ``store.py`` — :class:`BlockStore` (blocks keyed by LF × partition fingerprint), run
  records, listing and pruning;
- ``apply.py`` — :func:`apply_lfs` over pandas and Dask, with or without a store, the
  error policy, progress.
"""

from .apply import LFApplicationError, apply_lfs
from .fingerprint import partition_fingerprint
from .store import BlockStore, CorruptBlockWarning, RunRecord
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
    "BlockStore",
    "CorruptBlockWarning",
    "LFApplicationError",
    "LabelingFunction",
    "Preprocessor",
    "Row",
    "apply_lfs",
    "keyword_lf",
    "labeling_function",
    "partition_fingerprint",
    "preprocessor",
    "regex_lf",
    "RunRecord",
]
