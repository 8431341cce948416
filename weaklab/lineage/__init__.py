"""Lineage: what produced a label and when it changed.

- ``explain.py`` — :func:`explain`, one row's probabilities taken apart into the votes,
  the model's parameters and each vote's contribution;
- ``manifest.py`` — :func:`record_run`, :func:`model_summary`, :func:`load_run`, :func:`list_runs`: run
  manifests (JSON, format version) kept in the block store;
- ``diff.py`` — :func:`diff`, LF changes and flipped labels between two runs.
"""

from .diff import RunDiff, diff
from .explain import Explanation, explain
from .manifest import RunManifest, list_runs, load_run, model_summary, record_run, run_labels, run_matrix

__all__ = ["Explanation", "RunDiff", "RunManifest", "diff", "explain", "list_runs", "load_run", "model_summary",
           "record_run", "run_labels", "run_matrix"]
