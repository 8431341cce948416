"""Numba kernels over the CSR arrays of a label matrix, each with a plain-NumPy reference.

Kernels take ``indptr``, ``indices`` (LF column) and ``data`` (label + 1) and return dense
per-row, per-LF or per-pair arrays. Nothing here knows about models, files or Dask.

- ``label_models.py`` — the passes the label models make (EM steps, majority vote,
  posteriors, guardrails);
- ``statistics.py`` — the per-LF and per-pair counts behind :mod:`weaklab.analysis`.
"""
