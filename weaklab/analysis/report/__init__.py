"""A self-contained HTML report about labeling functions, for people.

:func:`build_report` writes one HTML file (figures embedded as PNG, nothing loaded from
the network) and returns a :class:`Report` that also shows itself inline in notebooks.
"""

from .build import Report, build_report

__all__ = ["Report", "build_report"]
