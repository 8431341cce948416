"""Lineage: what produced a label and when it changed.

- ``explain.py`` — :func:`explain`, one row's probabilities taken apart into the votes,
  the model's parameters and each vote's contribution.
"""

from .explain import Explanation, explain

__all__ = ["Explanation", "explain"]
