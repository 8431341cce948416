"""The label matrix: n rows × m LFs of votes, in memory (CSR) or as Dask partitions.

- :class:`LabelMatrix` (``label_matrix.py``) — sparse CSR votes, LF names, cardinality,
  conversions, column algebra, save / load;
- :class:`PartitionedLabelMatrix` (``partitioned.py``) — the same votes kept as one
  ``LabelMatrix`` per Dask partition, reduced to summed statistics for fitting.
"""

from .label_matrix import ABSTAIN, LabelMatrix, LFErrors
from .partitioned import PartitionedLabelMatrix, add_stats

__all__ = ["ABSTAIN", "LFErrors", "LabelMatrix", "PartitionedLabelMatrix", "add_stats"]
