"""Drift monitoring: did the LFs (and the label model) behave differently on new data?

:func:`monitor` compares two label matrices produced by the same LFs, say the training
data (*reference*) and this week's production batch (*current*). Everything it needs is
a handful of counts per partition that add up (:class:`DriftCounts`), so on a cluster
only those counts travel to the client, never the votes.

What is compared
----------------
Per LF (``statistic`` column of :attr:`DriftReport.statistics`):

``votes``
    The LF's vote distribution with abstain as a category (``abstain, 0, .., k-1``) over
    all rows: catches a coverage change and a polarity change alike.
``conflict``
    Share of the LF's co-votes (rows where it and another LF both vote) on which the two
    disagree, counted against the LFs whose own votes did not drift: when one LF goes
    silent, the others' conflicts change with it, and that is its finding, not theirs.
    Pairs on one row are not independent observations, so the test counts each of the
    LF's overlapping rows once (the pair counts scaled by rows / pairs).
``agreement``
    Share of the LF's votes equal to the label model's prediction (with a ``model``;
    rows where the model's top classes tie are left out).

Overall (``lf`` = ``"(all LFs)"``): ``coverage`` (rows with any vote) and, with a model,
``class_balance`` (the model's predicted classes on covered rows, a tie counted as its
own category) and ``confidence`` (histogram of the top probability on covered rows, ten
equal bins over ``[1/k, 1]``).

Each statistic gets an effect size, the Jensen–Shannon distance (base 2, in [0, 1])
between the reference and current distributions, plus the population stability index
(PSI, shares floored at 1e-4) for readers used to it, and a test: Pearson's chi-square
on the 2 × c table of counts (Fisher's exact test for a 2 × 2 table with an expected
count below 5). The p-values are adjusted with Benjamini–Hochberg (``correction="by"``:
Benjamini–Yekutieli, for dependent tests; ``None``: none) in two families: first the
vote distributions and the overall coverage, then (given which LFs' votes drifted) the
conflicts and the model's statistics. When nothing drifted, BH keeps the chance of a
false alarm in each family at ``alpha``.

A statistic *drifted* when its adjusted p-value is below ``alpha`` **and** its distance
is at least ``min_distance`` (with millions of rows every tiny change is significant;
the distance says whether it matters). An LF *went silent* when its coverage fell to at
most ``silent_fraction`` of its reference coverage, significantly: its own finding (the
classic failure after a schema change), flagged whatever its distance.

Defaults: ``alpha=0.01``; ``min_distance=0.03``, which an LF with 5 % coverage reaches
when it loses 30 % of its votes, and one with 20 % coverage when it loses 13 %;
``silent_fraction=0.05``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats as st
from scipy.spatial.distance import jensenshannon

from ..matrix import LabelMatrix
from ..matrix.counts import CONFIDENCE_BINS, DriftCounts

__all__ = ["DriftCounts", "DriftReport", "DriftSeries", "monitor", "monitor_batches"]

OVERALL = "(all LFs)"
PSI_FLOOR = 1e-4
CORRECTIONS = ("bh", "by", None)


# ------------------------------------------------------------------ tests
def _compare(ref: np.ndarray, cur: np.ndarray) -> tuple[float, float, float, float, int]:
    """``(distance, psi, chi2, p_value, dof)`` of two count vectors over the same categories.

    NaN throughout when one side has no counts (nothing to compare, no test).
    """
    ref = np.asarray(ref, dtype=np.float64)
    cur = np.asarray(cur, dtype=np.float64)
    if ref.sum() == 0 or cur.sum() == 0:
        return math.nan, math.nan, math.nan, math.nan, 0
    keep = (ref + cur) > 0
    r, c = ref[keep], cur[keep]
    pr, pc = r / r.sum(), c / c.sum()
    distance = float(jensenshannon(pr, pc, base=2))
    fr, fc = np.maximum(pr, PSI_FLOOR), np.maximum(pc, PSI_FLOOR)
    psi = float(np.sum((fc - fr) * np.log(fc / fr)))
    if r.size < 2:
        return distance, psi, 0.0, 1.0, 0
    table = np.vstack([r, c])
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    if table.shape == (2, 2) and expected.min() < 5:
        p = float(st.fisher_exact(table.astype(np.int64)).pvalue)
        chi2 = float(st.chi2_contingency(table, correction=False).statistic)
        return distance, psi, chi2, p, 1
    res = st.chi2_contingency(table, correction=False)
    return distance, psi, float(res.statistic), float(res.pvalue), int(res.dof)


def _rate(num: float, den: float) -> float:
    return float(num) / float(den) if den > 0 else math.nan


def _check_thresholds(alpha: Any, min_distance: Any, silent_fraction: Any, correction: Any) -> dict[str, Any]:
    for name, value, low, high in (("alpha", alpha, 0.0, 1.0), ("min_distance", min_distance, 0.0, 1.0),
                                   ("silent_fraction", silent_fraction, 0.0, 1.0)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not (low <= value <= high) \
                or (name == "alpha" and value == 0):
            raise ValueError(f"{name} must be a number in {'(0, 1]' if name == 'alpha' else '[0, 1]'}, got {value!r}")
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {CORRECTIONS}, got {correction!r}")
    return {"alpha": float(alpha), "min_distance": float(min_distance),
            "silent_fraction": float(silent_fraction), "correction": correction}


def _as_counts(x: Any, model: Any, argname: str) -> DriftCounts:
    if isinstance(x, DriftCounts):
        if model is not None and not x.has_model:
            raise ValueError(
                f"{argname} is DriftCounts without model statistics; count it with "
                "DriftCounts.from_matrix(L, model) or call monitor without a model"
            )
        return x
    if isinstance(x, LabelMatrix) or (hasattr(x, "map_sum") and hasattr(x, "lf_names")):
        return DriftCounts.from_matrix(x, model)
    raise TypeError(f"{argname} must be a LabelMatrix, PartitionedLabelMatrix or DriftCounts, got {type(x).__name__}")


def _align(ref: DriftCounts, cur: DriftCounts) -> DriftCounts:
    """``cur`` with its LFs in ``ref``'s order; the LF sets and cardinality must match."""
    if cur.cardinality != ref.cardinality:
        raise ValueError(f"cardinality differs: reference {ref.cardinality}, current {cur.cardinality}")
    missing = [n for n in ref.lf_names if n not in set(cur.lf_names)]
    extra = [n for n in cur.lf_names if n not in set(ref.lf_names)]
    if missing or extra:
        raise ValueError(
            f"reference and current must come from the same LFs; missing from current: {missing[:10]}, "
            f"only in current: {extra[:10]}"
        )
    if cur.lf_names == ref.lf_names:
        return cur
    pos = {n: j for j, n in enumerate(cur.lf_names)}
    order = np.array([pos[n] for n in ref.lf_names])

    def take(a):
        return None if a is None else a[order]

    pairs = np.ix_(order, order)
    return DriftCounts(ref.lf_names, cur.cardinality, cur.n_rows, cur.n_covered, cur.class_votes[order],
                       cur.overlap[pairs], cur.pair_conflicts[pairs], cur.overlaps[order], take(cur.agree), take(cur.disagree), cur.predicted, cur.confidence)


def _row(lf: str, stat: str, cats: Sequence[str], rc: np.ndarray, cc: np.ndarray, rv: float, cv: float) -> dict:
    distance, psi, chi2, p, dof = _compare(rc, cc)
    return {
        "lf": lf, "statistic": stat, "summary": _SUMMARY[stat], "reference": rv, "current": cv,
        "change": cv - rv, "distance": distance, "psi": psi, "chi2": chi2, "dof": dof, "p_value": p,
        "categories": list(cats), "reference_counts": [int(x) for x in rc], "current_counts": [int(x) for x in cc],
    }


def _vote_rows(ref: DriftCounts, cur: DriftCounts) -> list[dict]:
    """First family: each LF's vote distribution (abstain included) and the overall coverage."""
    cats = ["abstain", *map(str, range(ref.cardinality))]
    rows = []
    for j, name in enumerate(ref.lf_names):
        rv, cv = ref.class_votes[j], cur.class_votes[j]
        rn, cn = int(rv.sum()), int(cv.sum())
        rows.append(_row(name, "votes", cats, np.r_[ref.n_rows - rn, rv], np.r_[cur.n_rows - cn, cv],
                         _rate(rn, ref.n_rows), _rate(cn, cur.n_rows)))
    rows.append(_row(OVERALL, "coverage", ["covered", "no vote"],
                     np.array([ref.n_covered, ref.n_rows - ref.n_covered]),
                     np.array([cur.n_covered, cur.n_rows - cur.n_covered]),
                     _rate(ref.n_covered, ref.n_rows), _rate(cur.n_covered, cur.n_rows)))
    return rows


def _relation_rows(ref: DriftCounts, cur: DriftCounts, moved: np.ndarray) -> list[dict]:
    """Second family: conflicts with the LFs whose votes did not drift, and the model's statistics."""
    k = ref.cardinality
    rows = []
    for j, name in enumerate(ref.lf_names):
        partners = ~moved
        partners[j] = False
        counts = []
        for c in (ref, cur):
            co, dis = int(c.overlap[j, partners].sum()), int(c.pair_conflicts[j, partners].sum())
            all_pairs = int(c.overlap[j].sum() - c.overlap[j, j])
            rows_per_pair = c.overlaps[j] / all_pairs if all_pairs else 0.0
            tested = np.round(np.array([dis, co - dis]) * rows_per_pair).astype(np.int64)
            counts.append((tested, _rate(dis, co)))
        rows.append(_row(name, "conflict", ["disagree", "agree"], counts[0][0], counts[1][0], counts[0][1], counts[1][1]))
    if not (ref.has_model and cur.has_model):
        return rows
    for j, name in enumerate(ref.lf_names):
        ra, rd, ca, cd = int(ref.agree[j]), int(ref.disagree[j]), int(cur.agree[j]), int(cur.disagree[j])
        rows.append(_row(name, "agreement", ["agree", "disagree"], np.array([ra, rd]), np.array([ca, cd]),
                         _rate(ra, ra + rd), _rate(ca, ca + cd)))
    bins = np.linspace(1.0 / k, 1.0, CONFIDENCE_BINS + 1)
    mids = (bins[:-1] + bins[1:]) / 2

    def mean_conf(h):
        return _rate(float((h * mids).sum()), float(h.sum()))

    rows.append(_row(OVERALL, "class_balance", [*map(str, range(k)), "tie"], ref.predicted, cur.predicted,
                     _rate(ref.predicted[0], ref.predicted.sum()), _rate(cur.predicted[0], cur.predicted.sum())))
    rows.append(_row(OVERALL, "confidence", [f"{a:.3f}-{b:.3f}" for a, b in zip(bins[:-1], bins[1:])],
                     ref.confidence, cur.confidence, mean_conf(ref.confidence), mean_conf(cur.confidence)))
    return rows


_SUMMARY = {
    "votes": "coverage", "conflict": "disagreement with the other LFs", "agreement": "agreement with the model",
    "coverage": "rows with a vote", "class_balance": "share predicted class 0", "confidence": "mean confidence",
}


def _flag(rows: list[dict], th: dict[str, Any]) -> pd.DataFrame:
    """Adjust one family's p-values together and flag drift and silence."""
    frame = pd.DataFrame(rows)
    p = frame["p_value"].to_numpy(dtype=np.float64)
    adjusted = np.full(p.shape, math.nan)
    tested = np.isfinite(p)
    if tested.any():
        adjusted[tested] = p[tested] if th["correction"] is None else st.false_discovery_control(
            p[tested], method=th["correction"]
        )
    frame["p_adjusted"] = adjusted
    significant = np.nan_to_num(adjusted, nan=1.0) < th["alpha"]
    frame["silent"] = (
        (frame["statistic"] == "votes") & (frame["reference"] > 0)
        & (frame["current"] <= th["silent_fraction"] * frame["reference"]) & significant
    )
    big = np.nan_to_num(frame["distance"].to_numpy(dtype=np.float64), nan=0.0) >= th["min_distance"]
    frame["drifted"] = (significant & big) | frame["silent"]
    return frame


def _compute(ref: DriftCounts, cur: DriftCounts, th: dict[str, Any]) -> pd.DataFrame:
    votes = _flag(_vote_rows(ref, cur), th)
    per_lf = votes[votes["statistic"] == "votes"]
    moved = per_lf["drifted"].to_numpy(dtype=bool)
    relations = _flag(_relation_rows(ref, cur, moved), th)
    frame = pd.concat([votes, relations], ignore_index=True)
    order = {name: i for i, name in enumerate([*ref.lf_names, OVERALL])}
    frame = frame.sort_values("lf", key=lambda s: s.map(order), kind="stable")
    return frame.set_index(["lf", "statistic"])


def _pct(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{100 * x:.1f}%"


def _finding(lf: str, stat: str, row: pd.Series) -> str:
    where = f"LF {lf!r}" if lf != OVERALL else "Overall"
    if row["silent"]:
        return f"{where} went silent: coverage {_pct(row['reference'])} → {_pct(row['current'])}"
    detail = f"(JS distance {row['distance']:.3f}, adjusted p = {row['p_adjusted']:.2g})"
    if stat == "confidence":
        return f"{where}: the model's confidence distribution drifted, mean {row['reference']:.3f} → {row['current']:.3f} {detail}"
    if stat == "class_balance":
        ref = np.asarray(row["reference_counts"], float)
        cur = np.asarray(row["current_counts"], float)
        shares = ", ".join(f"{c} {_pct(a)} → {_pct(b)}" for c, a, b in
                           zip(row["categories"], ref / max(ref.sum(), 1), cur / max(cur.sum(), 1)))
        return f"{where}: predicted class balance drifted: {shares} {detail}"
    return f"{where}: {_SUMMARY[stat]} {_pct(row['reference'])} → {_pct(row['current'])} {detail}"


@dataclass(frozen=True)
class DriftReport:
    """The result of :func:`monitor`.

    Attributes
    ----------
    statistics : pandas.DataFrame
        One row per (``lf``, ``statistic``) (see the module notes): ``reference`` and
        ``current`` (the summary value named in ``summary``), ``change``, ``distance``
        (Jensen–Shannon), ``psi``, ``chi2``, ``dof``, ``p_value``, ``p_adjusted``,
        ``silent``, ``drifted``, and the compared ``categories`` with their
        ``reference_counts`` / ``current_counts``.
    thresholds : dict
        ``alpha``, ``min_distance``, ``silent_fraction``, ``correction`` used.
    n_reference, n_current : int
        Rows compared.

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix, monitor
    >>> rng = np.random.default_rng(1)
    >>> def votes(n, coverage):
    ...     return np.where(rng.random((n, 2)) < coverage, rng.integers(0, 2, (n, 2)), -1)
    >>> report = monitor(LabelMatrix.from_dense(votes(4000, [0.4, 0.4]), ["a", "b"]),
    ...                  LabelMatrix.from_dense(votes(4000, [0.4, 0.1]), ["a", "b"]))
    >>> report.drifted, report.silent, report.any_drift
    (('b',), (), True)
    >>> row = report.statistics.loc[("b", "votes")]
    >>> round(float(row["reference"]), 1), round(float(row["current"]), 1)  # coverage of LF b
    (0.4, 0.1)
    """

    statistics: pd.DataFrame = field(repr=False)
    thresholds: dict[str, Any]
    n_reference: int
    n_current: int

    @property
    def drifted(self) -> tuple[str, ...]:
        """Names of the LFs with at least one drifted statistic (silent LFs included)."""
        flagged = self.statistics.index[self.statistics["drifted"]].get_level_values("lf")
        return tuple(dict.fromkeys(n for n in flagged if n != OVERALL))

    @property
    def silent(self) -> tuple[str, ...]:
        """Names of the LFs that went silent."""
        return tuple(self.statistics.index[self.statistics["silent"]].get_level_values("lf"))

    @property
    def overall_drifted(self) -> tuple[str, ...]:
        """Overall statistics that drifted (``coverage``, ``class_balance``, ``confidence``)."""
        overall = self.statistics.xs(OVERALL, level="lf")
        return tuple(overall.index[overall["drifted"]])

    @property
    def any_drift(self) -> bool:
        """Whether anything drifted: an LF or an overall statistic."""
        return bool(self.statistics["drifted"].any())

    @property
    def findings(self) -> list[str]:
        """One sentence per drifted statistic, silent LFs first, then by distance."""
        hits = self.statistics[self.statistics["drifted"]]
        hits = hits.assign(_s=~hits["silent"]).sort_values(["_s", "distance"], ascending=[True, False])
        return [_finding(lf, stat, row) for (lf, stat), row in hits.iterrows()]

    def by_lf(self) -> pd.DataFrame:
        """One row per LF: reference / current coverage, conflict and agreement, flags."""
        s = self.statistics.drop(index=OVERALL, level="lf")
        wide = s["reference"].unstack("statistic").add_suffix("_ref").join(
            s["current"].unstack("statistic").add_suffix("_cur"))
        order = [c for stat in ("votes", "conflict", "agreement") for c in (f"{stat}_ref", f"{stat}_cur") if c in wide]
        wide = wide[order].rename(columns=lambda c: c.replace("votes", "coverage"))
        wide["drifted"] = s["drifted"].groupby(level="lf").any()
        wide["silent"] = s["silent"].groupby(level="lf").any()
        flagged = s[s["drifted"]].reset_index().groupby("lf")["statistic"].agg(", ".join)
        wide["what"] = flagged.reindex(wide.index).fillna("")
        names = list(dict.fromkeys(s.index.get_level_values("lf")))
        return wide.reindex(names).rename_axis("lf")

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready Python objects (NaN becomes ``None``)."""
        records = []
        for (lf, stat), row in self.statistics.iterrows():
            rec = {"lf": lf, "statistic": stat}
            for key, value in row.items():
                if isinstance(value, (np.bool_, bool)):
                    value = bool(value)
                elif isinstance(value, (np.integer,)):
                    value = int(value)
                elif isinstance(value, (float, np.floating)):
                    value = None if not np.isfinite(value) else float(value)
                rec[key] = value
            records.append(rec)
        return {
            "format": "weaklab-drift", "version": 1, "any_drift": self.any_drift,
            "drifted": list(self.drifted), "silent": list(self.silent),
            "overall_drifted": list(self.overall_drifted), "findings": self.findings,
            "thresholds": dict(self.thresholds), "n_reference": self.n_reference,
            "n_current": self.n_current, "statistics": records,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The :meth:`to_dict` document as strict JSON text, for an alerting job."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def __repr__(self) -> str:
        return (f"DriftReport(n_reference={self.n_reference}, n_current={self.n_current}, "
                f"drifted={list(self.drifted)}, silent={list(self.silent)}, "
                f"overall_drifted={list(self.overall_drifted)})")

    def __str__(self) -> str:
        head = (f"Drift of {self.n_current:,} rows against a reference of {self.n_reference:,} "
                f"(alpha {self.thresholds['alpha']}, min distance {self.thresholds['min_distance']}):")
        lines = self.findings or ["nothing drifted"]
        return "\n".join([head, *(f"  - {x}" for x in lines)])

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_html(self) -> str:
        """An HTML fragment: the verdict, the findings, the overall and per-LF tables."""
        import html

        verdict = ("<b>Drift found.</b>" if self.any_drift else "<b>No drift.</b>") + html.escape(
            f" {self.n_current:,} rows compared with a reference of {self.n_reference:,}; alpha "
            f"{self.thresholds['alpha']} ({self.thresholds['correction'] or 'no'} correction), "
            f"min JS distance {self.thresholds['min_distance']}.")
        items = "".join(f"<li>{html.escape(f)}</li>" for f in self.findings)
        lfs = self.by_lf()
        lfs = pd.concat([lfs[lfs["drifted"]], lfs[~lfs["drifted"]]])
        overall = self.statistics.xs(OVERALL, level="lf")[["summary", "reference", "current", "distance",
                                                            "p_adjusted", "drifted"]]
        return (f'<div class="wl-drift"><p>{verdict}</p>' + (f"<ul>{items}</ul>" if items else "")
                + "<h4>Overall</h4>" + overall.to_html(float_format=lambda v: f"{v:.4g}", escape=True)
                + "<h4>Per LF (drifted first)</h4>"
                + lfs.to_html(float_format=lambda v: f"{v:.4g}", escape=True, max_rows=200) + "</div>")


def monitor(
    reference: Any,
    current: Any,
    model: Any = None,
    *,
    alpha: float = 0.01,
    min_distance: float = 0.03,
    silent_fraction: float = 0.05,
    correction: str | None = "bh",
) -> DriftReport:
    """Compare how the LFs (and the label model) behave on ``current`` versus ``reference``.

    Parameters
    ----------
    reference, current : LabelMatrix, PartitionedLabelMatrix or DriftCounts
        Votes of the same LFs (matched by name; the order may differ) and cardinality. A
        partitioned matrix is counted partition by partition; only counts reach the client.
    model : fitted label model, optional
        Adds per-LF agreement with the model, the predicted class balance and the
        model's confidence. Fitted on these LFs (same names and order as both matrices).
    alpha : float
        Adjusted p-value below which a difference is significant.
    min_distance : float
        Jensen–Shannon distance a significant difference must reach to count as drift.
    silent_fraction : float
        An LF whose coverage falls to at most this fraction of its reference coverage
        (significantly) went silent.
    correction : {"bh", "by", None}
        Multiple-testing correction over all tests of the comparison.

    Returns
    -------
    DriftReport
        ``.drifted`` (LF names), ``.silent``, ``.statistics``, ``.to_json()``; shows a
        table in a notebook.

    Raises
    ------
    ValueError
        ``reference`` or ``current`` has no rows: there is nothing to judge drift on, and
        a report of no drift would be a false all-clear (``weaklab monitor`` exits with
        an error, not 0).

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> rng = np.random.default_rng(0)
    >>> def votes(n, coverage):
    ...     return np.where(rng.random((n, 3)) < coverage, rng.integers(0, 2, (n, 3)), -1)
    >>> ref = LabelMatrix.from_dense(votes(5000, [0.3, 0.3, 0.3]), ["a", "b", "c"])
    >>> cur = LabelMatrix.from_dense(votes(5000, [0.3, 0.3, 0.0]), ["a", "b", "c"])
    >>> report = monitor(ref, cur)
    >>> report.drifted, report.silent
    (('c',), ('c',))
    """
    th = _check_thresholds(alpha, min_distance, silent_fraction, correction)
    ref = _as_counts(reference, model, "reference")
    cur = _align(ref, _as_counts(current, model, "current"))
    for name, counts in (("reference", ref), ("current", cur)):
        if counts.n_rows == 0:
            raise ValueError(f"{name} has no rows: drift cannot be judged on an empty batch")
    return DriftReport(_compute(ref, cur, th), th, ref.n_rows, cur.n_rows)


@dataclass(frozen=True)
class DriftSeries:
    """The result of :func:`monitor_batches`: one :class:`DriftReport` per batch.

    Attributes
    ----------
    names : tuple of str
        The batches' names, in order.
    reports : tuple of DriftReport

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix, monitor_batches
    >>> rng = np.random.default_rng(2)
    >>> def votes(coverage):
    ...     return LabelMatrix.from_dense(np.where(rng.random((3000, 2)) < coverage, rng.integers(0, 2, (3000, 2)), -1), ["a", "b"])
    >>> series = monitor_batches(votes([0.3, 0.3]), [votes([0.3, 0.3]), votes([0.3, 0.0])], names=["monday", "tuesday"])
    >>> series.drifted
    {'monday': (), 'tuesday': ('b',)}
    >>> series.coverage.round(1).loc["tuesday"].tolist()
    [0.3, 0.0]
    """

    names: tuple[str, ...]
    reports: tuple[DriftReport, ...] = field(repr=False)

    @property
    def coverage(self) -> pd.DataFrame:
        """Coverage of each LF (columns) in the reference and each batch (rows)."""
        ref = self.reports[0].statistics.xs("votes", level="statistic")["reference"]
        rows = {"reference": ref}
        for name, rep in zip(self.names, self.reports):
            rows[name] = rep.statistics.xs("votes", level="statistic")["current"]
        return pd.DataFrame(rows).T.rename_axis(index="batch", columns="lf")

    @property
    def drifted(self) -> dict[str, tuple[str, ...]]:
        """The drifted LFs of each batch."""
        return {name: rep.drifted for name, rep in zip(self.names, self.reports)}

    @property
    def any_drift(self) -> bool:
        """Whether anything drifted in any batch."""
        return any(rep.any_drift for rep in self.reports)

    def plot_coverage(self, lfs: Sequence[str] | None = None, ax: Any = None) -> Any:
        """Each LF's coverage over the batches; drifted batches marked with a red ring.

        Parameters
        ----------
        lfs : sequence of str, optional
            LFs to draw; by default those that drifted somewhere, else all (at most 20,
            highest reference coverage first).
        ax : matplotlib Axes, optional
            Where to draw; a new figure otherwise.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from matplotlib.figure import Figure

        cov = self.coverage
        if lfs is None:
            flagged = [n for n in cov.columns if any(n in d for d in self.drifted.values())]
            lfs = flagged or list(cov.loc["reference"].sort_values(ascending=False).index[:20])
        unknown = [n for n in lfs if n not in cov.columns]
        if unknown:
            raise ValueError(f"lfs names LFs that are not monitored: {unknown[:10]}")
        if ax is None:
            fig = Figure(figsize=(8, 4))
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        x = np.arange(len(cov.index))
        for name in lfs:
            ax.plot(x, cov[name].to_numpy(), marker="o", label=name)
            hit = [i + 1 for i, drifted in enumerate(self.drifted.values()) if name in drifted]
            if hit:
                ax.scatter(x[hit], cov[name].to_numpy()[hit], s=140, facecolors="none", edgecolors="#c4453c")
        ax.set_xticks(x, list(cov.index), rotation=30, ha="right")
        ax.set_ylabel("coverage")
        ax.set_title("LF coverage over batches (red ring: drifted)")
        ax.legend(fontsize=7, loc="best")
        return fig

    def to_json(self, indent: int | None = 2) -> str:
        """All reports as one JSON document."""
        doc = {"format": "weaklab-drift-series", "version": 1, "any_drift": self.any_drift,
               "batches": [{"name": n, **r.to_dict()} for n, r in zip(self.names, self.reports)]}
        return json.dumps(doc, indent=indent, allow_nan=False)

    def _repr_html_(self) -> str:
        import html

        marks = self.coverage.copy().map(lambda v: f"{100 * v:.1f}%" if np.isfinite(v) else "–")
        for name, lfs in self.drifted.items():
            for lf in lfs:
                marks.loc[name, lf] = "⚠ " + marks.loc[name, lf]
        head = html.escape(f"{len(self.names)} batch(es); ⚠ marks a drifted LF.")
        return f'<div class="wl-drift"><p>{head}</p>{marks.to_html(escape=True)}</div>'


def monitor_batches(
    reference: Any,
    batches: Sequence[Any],
    model: Any = None,
    *,
    names: Sequence[str] | None = None,
    **thresholds: Any,
) -> DriftSeries:
    """Monitor a sequence of batches (e.g. daily) against one reference.

    Parameters
    ----------
    reference : LabelMatrix, PartitionedLabelMatrix or DriftCounts
        Counted once.
    batches : sequence of the same
    model : fitted label model, optional
    names : sequence of str, optional
        One per batch; ``batch 0``, ``batch 1``, ... by default.
    **thresholds
        ``alpha``, ``min_distance``, ``silent_fraction``, ``correction`` as in
        :func:`monitor` (the correction runs within each batch).

    Returns
    -------
    DriftSeries
        ``.coverage`` (batches × LFs), ``.drifted`` per batch, ``.plot_coverage()``.

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> rng = np.random.default_rng(1)
    >>> def votes(coverage):
    ...     return LabelMatrix.from_dense(np.where(rng.random((4000, 2)) < coverage, 1, -1), ["a", "b"])
    >>> series = monitor_batches(votes([0.4, 0.4]), [votes([0.4, 0.4]), votes([0.4, 0.1])], names=["mon", "tue"])
    >>> series.drifted
    {'mon': (), 'tue': ('b',)}
    """
    unknown = set(thresholds) - {"alpha", "min_distance", "silent_fraction", "correction"}
    if unknown:
        raise TypeError(f"monitor_batches got unexpected keyword arguments {sorted(unknown)}")
    if isinstance(batches, (LabelMatrix, DriftCounts)) or not isinstance(batches, Sequence) or not len(batches):
        raise TypeError("batches must be a non-empty sequence of label matrices or DriftCounts")
    names = tuple(f"batch {i}" for i in range(len(batches))) if names is None else tuple(map(str, names))
    if len(names) != len(batches) or len(set(names)) != len(names) or "reference" in names:
        raise ValueError("names must be unique, one per batch, and not 'reference'")
    ref = _as_counts(reference, model, "reference")
    reports = tuple(monitor(ref, _as_counts(b, model, f"batches[{i}]"), **thresholds) for i, b in enumerate(batches))
    return DriftSeries(names, reports)
