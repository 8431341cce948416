"""Numba kernels over the CSR arrays of a label matrix, each with a plain-NumPy reference.

Kernels take ``indptr``, ``indices`` (LF column) and ``data`` (label + 1) and return dense
per-row, per-LF or per-pair arrays. Nothing here knows about models, files or Dask; the
models (:mod:`weaklab.models`) and the analysis (:mod:`weaklab.analysis`) call the same
kernels. One module per concern:

- ``votes.py`` — per-row tallies: weighted votes, vote shares, each row's majority class;
- ``counts.py`` — per-LF sums: the analysis counts, majority-vote and soft-label counts;
- ``pairs.py`` — per-pair counts: LFs voting together / agreeing, one-hot second moments;
- ``posterior.py`` — log-linear scores and probabilities, argmax against majority vote;
- ``em.py`` — the E-steps (general, binary log-odds, over (LF, label) pairs);
- ``rows.py`` — row hashes and equality, rows holding another label;
- ``chunks.py`` — the one chunked-accumulation pattern every pass over rows uses;
- ``compile_notice.py`` — the one line logged when a process first compiles a kernel.

Every ``name`` has a ``name_reference`` twin in its module (``*_binary`` kernels share
the general one's); ``tests/test_kernels.py`` proves each pair agrees.
"""

from . import compile_notice
from .counts import LFCounts, lf_counts, majority_vote_stats, soft_vote_counts
from .em import em_pass, em_pass_binary, em_pass_pairs
from .pairs import overlap_counts, pair_counts
from .posterior import (
    argmax_vs_majority,
    argmax_vs_majority_binary,
    loglinear_proba,
    loglinear_proba_binary,
    loglinear_scores,
)
from .rows import row_hashes, rows_equal, rows_with_other_label
from .votes import majority_winner, vote_share_proba, weighted_vote_counts

compile_notice.install()

__all__ = [
    "LFCounts",
    "argmax_vs_majority",
    "argmax_vs_majority_binary",
    "em_pass",
    "em_pass_binary",
    "em_pass_pairs",
    "lf_counts",
    "loglinear_proba",
    "loglinear_proba_binary",
    "loglinear_scores",
    "majority_vote_stats",
    "majority_winner",
    "overlap_counts",
    "pair_counts",
    "row_hashes",
    "rows_equal",
    "rows_with_other_label",
    "soft_vote_counts",
    "vote_share_proba",
    "weighted_vote_counts",
]
