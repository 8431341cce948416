"""Analysis: what the LFs do, for people — statistics, example rows and the HTML report.

- ``statistics.py`` — :func:`lf_statistics` (one pass; :func:`lf_summary` and
  :func:`label_stats` are its views, the report reads it), :func:`lf_pairwise`,
  :func:`lf_class_metrics`, :func:`prediction_confusion`;
- ``drilldown.py`` — :func:`lf_examples`, the rows behind a statistic;
- ``monitor.py`` — :func:`monitor`, :func:`monitor_batches`: LF drift between two label
  matrices (or a sequence of batches), from mergeable per-partition counts;
- ``report/`` — :func:`build_report`, one self-contained HTML file (imports matplotlib,
  so it is loaded only when used).
"""

from .drilldown import lf_examples
from .monitor import DriftCounts, DriftReport, DriftSeries, monitor, monitor_batches
from .statistics import (
    LFStatistics,
    LabelStats,
    PairwiseStats,
    confusion_table,
    label_stats,
    lf_class_metrics,
    lf_pairwise,
    lf_statistics,
    lf_summary,
    prediction_confusion,
)

__all__ = [
    "DriftCounts",
    "DriftReport",
    "DriftSeries",
    "LFStatistics",
    "LabelStats",
    "PairwiseStats",
    "confusion_table",
    "label_stats",
    "lf_class_metrics",
    "lf_examples",
    "lf_pairwise",
    "lf_statistics",
    "lf_summary",
    "monitor",
    "monitor_batches",
    "prediction_confusion",
]
