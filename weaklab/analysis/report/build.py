"""Assemble the LF report: statistics from :mod:`weaklab.analysis`, figures, one HTML file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..._validation import check_int
from ..inputs import check_matrix
from ..statistics import LabelStats, LFStatistics, confusion_table, lf_pairwise, lf_statistics
from ..drilldown import lf_examples
from ..monitor import DriftCounts, monitor
from ...matrix import LabelMatrix
from . import _html as H
from . import _plots as P

__all__ = ["Report", "build_report"]


@dataclass(frozen=True)
class Report:
    """A built LF report.

    Attributes
    ----------
    path : pathlib.Path or None
        Where the standalone HTML file was written (``None`` if it was not written).
    html : str
        The complete, self-contained HTML document.
    fragment : str
        The report without the surrounding ``<html>`` document; what notebooks display.
    summary : pandas.DataFrame
        The per-LF table (see :func:`weaklab.lf_summary`).
    stats : LabelStats
        The matrix-level numbers (see :func:`weaklab.label_stats`).

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> from weaklab.analysis.report import build_report
    >>> L = LabelMatrix.from_dense(np.array([[0, 0], [1, 0], [1, -1], [-1, 1]]), ["a", "b"])
    >>> report = build_report(L, path=None)
    >>> report.path is None, report.html.startswith("<!DOCTYPE html>"), list(report.summary.index)
    (True, True, ['a', 'b'])
    """

    path: Path | None
    html: str = field(repr=False)
    fragment: str = field(repr=False)
    summary: pd.DataFrame = field(repr=False)
    stats: LabelStats = field(repr=False)

    def _repr_html_(self) -> str:
        return self.fragment

    def __str__(self) -> str:
        return str(self.path) if self.path is not None else repr(self)


def _pct(x: float | None) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


def _names_list(names: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _findings(summary: pd.DataFrame, stats: LabelStats, correlation: pd.DataFrame) -> list[str]:
    """Plain-language observations a person should act on."""
    notes = []
    if stats.n_rows and stats.coverage < 0.5:
        notes.append(
            f"Only {_pct(stats.coverage)} of rows get any vote; the rest get no training label."
        )
    silent = [str(s) for s in summary.index[summary["coverage"] == 0]]
    if silent:
        notes.append(f"{len(silent)} LF(s) never vote: {_names_list(silent)}.")
    if "emp_accuracy" in summary:
        weak = summary[summary["emp_accuracy"] < 0.5].sort_values("emp_accuracy")
        if len(weak):
            items = [f"{n} ({a:.2f})" for n, a in weak["emp_accuracy"].items()]
            notes.append(f"{len(weak)} LF(s) are wrong more often than right on gold rows: {_names_list(items)}.")
    if "emp_accuracy" in summary and "learned_accuracy" in summary:
        gap = (summary["learned_accuracy"] - summary["emp_accuracy"]).abs()
        off = gap[gap > 0.2].sort_values(ascending=False)
        if len(off):
            items = [
                f"{n} (learned {summary.at[n, 'learned_accuracy']:.2f}, empirical {summary.at[n, 'emp_accuracy']:.2f})"
                for n in off.index
            ]
            notes.append(f"The label model misjudges {len(off)} LF(s) by more than 0.2: {_names_list(items, 5)}.")
    corr = correlation.to_numpy(dtype=np.float64)
    a_idx, b_idx = np.triu_indices(corr.shape[0], k=1)
    vals = corr[a_idx, b_idx]
    high = np.flatnonzero(np.nan_to_num(vals, nan=-1.0) >= 0.95)
    if high.size:
        high = high[np.argsort(-vals[high])]
        names = correlation.index
        items = [f"{names[a_idx[t]]} ≈ {names[b_idx[t]]} ({vals[t]:.2f})" for t in high]
        notes.append(
            f"{high.size} pair(s) of LFs vote almost identically (correlation ≥ 0.95), which a "
            f"label model can over-count: {_names_list(items, 8)}."
        )
    return notes


def _model_choice(model: Any) -> str:
    """The model's class and, for one that chooses an estimator (``choice_``), what it chose and how."""
    choice = getattr(model, "choice_", None)
    return f"{type(model).__name__}: {choice}" if isinstance(choice, str) else type(model).__name__


def _worst_lfs(summary: pd.DataFrame, has_gold: bool, has_model: bool, limit: int) -> tuple[list[str], str]:
    """The LFs most worth a look, and which kind of rows to show for them.

    Only LFs that have such rows are returned (an LF that is never wrong is not "worst").
    """
    voted = summary[summary["coverage"] > 0]
    if has_gold:
        scored = voted[voted["incorrect"] > 0]
        order = scored.sort_values(["emp_accuracy", "coverage"], ascending=[True, False])
        return [str(s) for s in order.index[:limit]], "error"
    if has_model:
        scored = voted[voted["model_agreement"] < 1]
        order = scored.sort_values(["model_agreement", "coverage"], ascending=[True, False])
        return [str(s) for s in order.index[:limit]], "model"
    ratio = (voted["conflicts"] / voted["coverage"]).sort_values(ascending=False)
    return [str(s) for s in ratio.index[:limit] if ratio[s] > 0], "conflict"


def _example_section(
    p: LFStatistics, summary: pd.DataFrame, data: pd.DataFrame | pd.Series | None,
    n_lfs: int, n_rows: int, seed: int, max_data_columns: int,
) -> str:
    L = p.L
    names, mode = _worst_lfs(summary, p.gold is not None, p.has_model, n_lfs)
    if not names:
        nothing = {
            "error": "No LF votes against a gold label",
            "model": "Every LF agrees with the label model wherever it votes",
            "conflict": "No LF conflicts with another",
        }[mode]
        return f'<p class="wl-ok">{nothing}; nothing to show.</p>'
    if data is not None and isinstance(data, pd.DataFrame) and data.shape[1] > max_data_columns:
        data = data.iloc[:, :max_data_columns]
    pred = p.predictions
    parts = []
    for name in names:
        if mode == "error":
            rows = lf_examples(L, name, "error", y=p.gold, data=data, n=n_rows, seed=seed)
            what = f"empirical accuracy {summary.at[name, 'emp_accuracy']:.2f}; rows where it is wrong"
        elif mode == "model":
            rows = lf_examples(L, name, "error", y=pred, data=data, n=n_rows, seed=seed)
            rows = rows.rename(columns={"gold": "label model"})
            what = f"agrees with the label model on {_pct(summary.at[name, 'model_agreement'])}; rows where it does not"
        else:
            rows = lf_examples(L, name, "conflict", data=data, n=n_rows, seed=seed)
            what = "rows where another LF votes differently"
        if pred is not None and "label model" not in rows.columns:
            rows.insert(rows.columns.get_loc("votes"), "label model", pred[rows["row"].to_numpy()])
        shown = f"{len(rows)} of {rows.attrs['n_matches']:,}"
        parts.append(f"<h3>{H.esc(name)} <span class=\"wl-sub\">— {H.esc(what)} ({shown})</span></h3>")
        parts.append(H.table(rows.set_index("row"), index_name="row", max_chars=200))
    return "".join(parts)


def _check_report_inputs(L: LabelMatrix, data: Any, class_names: Any) -> list[str]:
    if data is not None:
        if not isinstance(data, (pd.DataFrame, pd.Series)):
            raise TypeError(f"data must be a pandas DataFrame or Series, got {type(data).__name__}")
        if len(data) != L.n_rows:
            raise ValueError(f"data has {len(data)} rows but L has {L.n_rows}")
    if class_names is None:
        return [str(c) for c in range(L.cardinality)]
    if isinstance(class_names, str):  # "ab" would read as the classes "a" and "b"
        raise TypeError(f"class_names must be a sequence of names, got the string {class_names!r}")
    names = [str(c) for c in class_names]
    if len(names) != L.cardinality:
        raise ValueError(f"class_names has {len(names)} names for cardinality {L.cardinality}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"class_names repeats {repeated}: each class needs its own name")
    return names


def build_report(
    L: LabelMatrix,
    data: pd.DataFrame | pd.Series | None = None,
    y: Sequence[int] | np.ndarray | None = None,
    model: Any = None,
    path: str | Path | None = "weaklab_report.html",
    *,
    class_names: Sequence[str] | None = None,
    title: str = "weaklab: labeling function report",
    max_bar_lfs: int = 60,
    max_heatmap_lfs: int = 40,
    example_lfs: int = 5,
    examples_per_lf: int = 5,
    seed: int = 0,
    reference: Any = None,
) -> Report:
    """Write a self-contained HTML report about the LFs behind ``L``.

    The file holds the per-LF summary table (click a header to sort), coverage and
    accuracy bars, LF × LF conflict and correlation heatmaps, learned-vs-empirical
    accuracy when both a model and gold labels are given, class balance, the label
    model's guardrail warnings, and example rows for the weakest LFs. Figures are
    embedded PNGs; the page loads nothing from the network.

    Parameters
    ----------
    L : LabelMatrix
    data : pandas.DataFrame or Series, optional
        The rows behind ``L`` (same order), shown next to the example votes. Only the
        first four columns are shown; long values are cut.
    y : array-like of int, shape (n,), optional
        Gold labels, ``-1`` where unknown.
    model : fitted label model, optional
        Anything with ``predict(L, tie_break="abstain")``; ``accuracies_``,
        ``class_balance_`` and ``warnings_`` are used when present.
    path : str or Path or None
        Where to write the HTML file (parent folders are created). ``None`` builds the
        report without writing it.
    class_names : sequence of str, optional
        Names of classes ``0..k-1`` for tables and plots.
    title : str
        Page title.
    max_bar_lfs : int
        At most this many LFs (highest coverage) in the bar chart; the table lists all.
    max_heatmap_lfs : int
        At most this many LFs (most involved in conflicts) in the heatmaps.
    example_lfs, examples_per_lf : int
        How many of the weakest LFs get example rows, and how many rows each.
    seed : int
        Seed of the example sample.
    reference : LabelMatrix, PartitionedLabelMatrix or DriftCounts, optional
        Votes of the same LFs on reference data (e.g. the training set): adds a drift
        section comparing ``L`` with it (:func:`weaklab.monitor`, default thresholds).

    Returns
    -------
    Report
        With ``.path`` and ``.html``; shows itself inline in a notebook.

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> L = LabelMatrix.from_dense(np.array([[0, 1], [1, 1], [0, -1]]), ["a", "b"])
    >>> report = build_report(L, path=None)
    >>> "<h1>" in report.html and "b" in report.summary.index
    True
    """
    from ..._version import __version__

    L = check_matrix(L)
    classes = _check_report_inputs(L, data, class_names)
    if path is not None and Path(path).is_dir():  # checked before the work, not when writing
        raise IsADirectoryError(f"report path {path} is a folder; give the .html file to write")
    for name, value in (("max_bar_lfs", max_bar_lfs), ("max_heatmap_lfs", max_heatmap_lfs),
                        ("example_lfs", example_lfs), ("examples_per_lf", examples_per_lf)):
        check_int(value, name, min_val=1)

    p = lf_statistics(L, y, model)
    summary = p.summary()
    stats = p.label_stats()
    pairwise = lf_pairwise(L, normalize=True)

    shown = summary.rename(columns={f"votes_{c}": f"votes {classes[c]}" for c in range(L.cardinality)})
    shown = shown.drop(columns=["j"])
    bad = [(i, "emp_accuracy") for i, v in enumerate(summary.get("emp_accuracy", [])) if v < 0.5]
    bad += [(i, "coverage") for i, v in enumerate(summary["coverage"]) if v == 0]

    s = stats
    overview = [
        ("rows", f"{s.n_rows:,}"), ("LFs", f"{s.n_lfs:,}"), ("classes", str(s.cardinality)),
        ("votes (density)", f"{s.n_votes:,} ({_pct(s.density)})"),
        ("coverage", _pct(s.coverage)), ("overlap", _pct(s.overlap)), ("conflict", _pct(s.conflict)),
        ("majority vote abstains", _pct(s.majority_abstain)),
    ]
    if s.majority_accuracy is not None:
        overview.append(("majority-vote accuracy (rows it decides)", _pct(s.majority_accuracy)))
    if model is not None:
        overview.append(("label model", _model_choice(model)))
        overview.append(("label model abstains", _pct(s.prediction_abstain)))
        overview.append(("model ≠ majority vote", _pct(s.majority_disagreement)))
    if s.model_accuracy is not None:
        overview.append(("label-model accuracy (rows with a vote)", _pct(s.model_accuracy)))

    warn_html = [f'<div class="wl-warn"><b>label model:</b> {H.esc(w)}</div>' for w in s.warnings]
    warn_html += [f'<div class="wl-warn"><b>LF error:</b> {H.esc(e)}</div>' for e in L.errors.values()]
    warn_html += [f'<div class="wl-note">{H.esc(n)}</div>' for n in _findings(summary, s, pairwise.correlation)]
    if not warn_html:
        warn_html = ['<p class="wl-ok">No warnings.</p>']

    parts = [
        '<div class="wl-report">',
        f"<style>{H.CSS}</style>",
        f"<h1>{H.esc(title)}</h1>",
        f'<p class="wl-sub">{s.n_rows:,} rows × {s.n_lfs} labeling functions, {s.cardinality} classes '
        f"({H.esc(', '.join(classes))}) · weaklab {H.esc(__version__)}</p>",
        H.cards(overview),
        "<h2>Warnings and findings</h2>", *warn_html,
    ]
    if reference is not None:
        counts_only = isinstance(reference, DriftCounts) and not reference.has_model
        drift = monitor(reference, L, None if counts_only else model)
        parts += ["<h2>Drift against the reference</h2>", drift.to_html()]
    parts += [
        "<h2>Labeling functions</h2>",
        '<p class="wl-sub">Coverage, overlaps and conflicts are fractions of all rows (Snorkel\'s '
        "definitions). Click a column header to sort.</p>",
        f'<div class="wl-scroll">{H.table(shown, sortable=True, index_name="LF", bad=bad)}</div>',
    ]
    if L.n_lfs:
        uri, caption = P.coverage_accuracy_chart(summary, max_lfs=max_bar_lfs)
        parts += ["<h2>Coverage and accuracy</h2>", H.figure(uri, "coverage and accuracy per LF", caption)]
    if L.n_lfs >= 2:
        uris, caption = P.pairwise_heatmaps(
            pairwise.conflict, pairwise.correlation, summary["coverage"].to_numpy(), max_lfs=max_heatmap_lfs
        )
        parts += [
            "<h2>How LFs interact</h2>",
            '<div class="wl-grid">'
            f'<div>{H.figure(uris[0], "LF by LF conflict heatmap")}</div>'
            f'<div>{H.figure(uris[1], "LF by LF correlation heatmap")}</div></div>',
            f'<p class="wl-caption">{H.esc(caption)}</p>',
        ]

    parts.append("<h2>Labels</h2>")
    balance: dict[str, np.ndarray] = {}
    if p.gold is not None and (p.gold >= 0).any():
        balance["gold"] = np.bincount(p.gold[p.gold >= 0], minlength=L.cardinality) / (p.gold >= 0).sum()
    balance["majority vote"] = s.majority_balance
    if s.prediction_balance is not None:
        balance["label model"] = s.prediction_balance
    if s.learned_class_balance is not None and s.learned_class_balance.shape == (L.cardinality,):
        balance["learned prior"] = s.learned_class_balance
    grid = [H.figure(P.class_balance_chart(balance, classes), "class balance")]
    if "emp_accuracy" in summary and "learned_accuracy" in summary:
        grid.append(H.figure(P.accuracy_scatter(summary), "learned vs empirical accuracy per LF"))
    parts.append('<div class="wl-grid">' + "".join(f"<div>{g}</div>" for g in grid) + "</div>")
    if p.gold is not None and p.has_model:
        conf = confusion_table(p.gold, p.predictions, L.cardinality)
        conf.index = pd.Index(classes, name="gold")
        conf.columns = [*classes, "abstain"]
        parts += ["<h3>Label-model predictions against gold (rows: gold)</h3>", H.table(conf, index_name="gold")]

    parts.append("<h2>Examples from the weakest LFs</h2>")
    parts.append(_example_section(p, summary, data, example_lfs, examples_per_lf, seed, max_data_columns=4))
    parts.append(f"<script>{H.SCRIPT}</script>")
    parts.append("</div>")
    fragment = "\n".join(parts)
    document = H.page(title, fragment)

    out_path = None
    if path is not None:
        out_path = Path(path)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(document, encoding="utf-8")
    return Report(out_path, document, fragment, summary, stats)
