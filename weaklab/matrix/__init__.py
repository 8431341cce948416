"""The label matrix: n rows × m LFs of votes, in memory (CSR) or as Dask partitions.

- :class:`LabelMatrix` (``label_matrix.py``) — sparse CSR votes, LF names, cardinality,
  conversions, column algebra, save / load;
- :class:`PartitionedLabelMatrix` (``partitioned.py``) — the same votes kept as one
  ``LabelMatrix`` per Dask partition, reduced to summed statistics for fitting;
- :class:`DriftCounts` (``counts.py``) — the mergeable per-LF and pair counts of a
  matrix (coverage, overlap, conflict, class balance; a model's agreement), which run
  manifests and drift monitoring are built from.
"""

from .label_matrix import ABSTAIN, LabelMatrix, LFErrors
from .counts import DriftCounts
from .partitioned import PartitionedLabelMatrix, add_stats

__all__ = ["ABSTAIN", "DriftCounts", "LFErrors", "LabelMatrix", "PartitionedLabelMatrix", "add_stats"]
