"""``LabelModel``: weaklab's recommended default label model."""

from __future__ import annotations

from .dawid_skene import DawidSkene

__all__ = ["LabelModel"]


class LabelModel(DawidSkene):
    """The recommended label model: Dawid–Skene EM with abstains modelled.

    Chosen by ``benchmarks/bench_label_quality.py`` (see benchmarks/README.md): modelling
    each LF's class-conditional coverage lets one-sided LFs (keyword rules that vote one
    class or abstain) carry evidence through where they stay silent, which is where
    majority-vote and crowd-sourcing models lose accuracy; the majority-vote start and
    diagonal-leaning smoothing prior keep EM away from label-swapped optima.

    Parameters and attributes are those of :class:`~weaklab.models.DawidSkene`.
    """
