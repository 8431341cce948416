"""The report's figures, drawn with matplotlib's object API (no pyplot, no global state).

Each function returns a ``data:image/png;base64,...`` URI, so the HTML embeds the
picture and needs nothing from the network. Figures are sized for a 1200-pixel page and
limit how many LFs they show, so 200 LFs stay readable.
"""

from __future__ import annotations

import base64
import io
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure

DPI = 100
_BLUE = "#3b6ea8"
_RED = "#c4453c"
_GREY = "#9aa5b1"
_GREEN = "#3f8f5a"


def to_data_uri(fig: Figure) -> str:
    """Render ``fig`` as PNG and return it as a base64 data URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


# LF and class names are text: a name such as "mentions_$5_or_$10" must not be parsed as
# mathtext (it raised a ParseException before). Every chart builds its figure under this.
_PLAIN_TEXT = rc_context({"text.parse_math": False})


def _short(name: str, width: int = 28) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


@_PLAIN_TEXT
def coverage_accuracy_chart(summary: pd.DataFrame, max_lfs: int = 60) -> tuple[str, str]:
    """Horizontal bars per LF: coverage (with the conflicting part) and accuracy.

    Shows the ``max_lfs`` LFs with the highest coverage. Accuracy panels appear for the
    columns that exist: ``emp_accuracy`` (gold) and ``learned_accuracy`` (model).

    Returns
    -------
    (data_uri, caption)
    """
    shown = summary.sort_values("coverage", ascending=False).head(max_lfs)
    shown = shown.iloc[::-1]  # barh draws bottom-up; keep the largest on top
    acc_cols = [c for c in ("emp_accuracy", "learned_accuracy") if c in summary.columns]
    n = len(shown)
    height = 1.0 + 0.2 * max(n, 3)
    ncols = 1 + (1 if acc_cols else 0)
    fig = Figure(figsize=(11, height))
    axes = fig.subplots(1, ncols, sharey=True, squeeze=False)[0]
    pos = np.arange(n)
    names = [_short(str(s)) for s in shown.index]
    ax = axes[0]
    ax.barh(pos, shown["coverage"], color=_BLUE, label="coverage")
    ax.barh(pos, shown["conflicts"], color=_RED, label="conflicting")
    ax.set_yticks(pos, names, fontsize=8)
    ax.set_xlabel("fraction of rows")
    ax.set_title("Coverage (red: rows with a conflicting vote)", fontsize=10)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    ax.set_ylim(-0.7, n - 0.3)
    if acc_cols:
        ax = axes[1]
        width = 0.8 / len(acc_cols)
        colors = {"emp_accuracy": _GREEN, "learned_accuracy": _GREY}
        labels = {"emp_accuracy": "empirical (gold)", "learned_accuracy": "learned (label model)"}
        for t, col in enumerate(acc_cols):
            offset = (t - (len(acc_cols) - 1) / 2) * width
            ax.barh(pos + offset, shown[col].fillna(0), height=width, color=colors[col], label=labels[col])
        ax.set_xlim(0, 1)
        ax.axvline(0.5, color="black", lw=0.6, ls=":")
        ax.set_xlabel("accuracy")
        ax.set_title("Accuracy", fontsize=10)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    caption = (
        f"All {len(summary)} LFs, by coverage."
        if len(summary) <= max_lfs
        else f"The {max_lfs} LFs with the highest coverage, of {len(summary)}; the table lists all."
    )
    return to_data_uri(fig), caption


def _pick_and_order(conflict: np.ndarray, corr: np.ndarray, coverage: np.ndarray, max_lfs: int) -> np.ndarray:
    """The LFs most involved in conflicts (then by coverage), ordered by clustering."""
    m = conflict.shape[0]
    involvement = conflict.sum(axis=1)
    order = np.lexsort((-coverage, -involvement))
    chosen = np.sort(order[: min(max_lfs, m)])
    if chosen.size <= 2:
        return chosen
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    sub = np.nan_to_num(corr[np.ix_(chosen, chosen)], nan=0.0)
    dist = np.clip(1.0 - sub, 0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    dist = (dist + dist.T) / 2
    tree = linkage(squareform(dist, checks=False), method="average")
    return chosen[leaves_list(tree)]


@_PLAIN_TEXT
def pairwise_heatmaps(
    conflict: pd.DataFrame, correlation: pd.DataFrame, coverage: np.ndarray, max_lfs: int = 40
) -> tuple[list[str], str]:
    """LF × LF conflict (fraction of rows) and correlation heatmaps, clustered.

    Returns
    -------
    ([conflict_uri, correlation_uri], caption)
    """
    names = np.asarray(conflict.index, dtype=object)
    conf = conflict.to_numpy(dtype=np.float64)
    corr = correlation.to_numpy(dtype=np.float64)
    idx = _pick_and_order(conf, corr, np.asarray(coverage, dtype=np.float64), max_lfs)
    labels = [_short(str(n), 22) for n in names[idx]]
    sub_conf = conf[np.ix_(idx, idx)]
    sub_corr = corr[np.ix_(idx, idx)].copy()
    np.fill_diagonal(sub_corr, np.nan)  # always 1; masking it keeps the colours for the pairs
    n = idx.size
    side = max(4.5, 0.16 * n + 1.2)
    fontsize = 8 if n <= 30 else 7
    vmax = sub_conf.max() if sub_conf.size and sub_conf.max() > 0 else 1.0
    uris = []
    for mat, title, cmap, lim, unit in (
        (sub_conf, "Conflicts between pairs of LFs", "Reds", (0.0, vmax), "fraction of rows"),
        (sub_corr, "Correlation of votes (1 = copies)", "RdBu_r", (-1.0, 1.0), "correlation"),
    ):
        fig = Figure(figsize=(side + 1.6, side))
        ax = fig.subplots()
        image = ax.imshow(np.ma.masked_invalid(mat), cmap=cmap, vmin=lim[0], vmax=lim[1], interpolation="nearest")
        ax.set_facecolor("#e4e7eb")
        ax.set_xticks(np.arange(n), labels, rotation=90, fontsize=fontsize)
        ax.set_yticks(np.arange(n), labels, fontsize=fontsize)
        ax.set_title(title, fontsize=10)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.03, label=unit)
        fig.tight_layout()
        uris.append(to_data_uri(fig))
    m = len(names)
    caption = (
        f"All {m} LFs, ordered by hierarchical clustering of their vote correlation."
        if n == m
        else f"The {n} LFs (of {m}) most involved in conflicts, ordered by hierarchical "
        "clustering of their vote correlation."
    )
    return uris, caption


@_PLAIN_TEXT
def accuracy_scatter(summary: pd.DataFrame, n_labels: int = 5) -> str:
    """Learned accuracy (label model) against empirical accuracy (gold), one dot per LF."""
    emp = summary["emp_accuracy"].to_numpy(np.float64)
    learned = summary["learned_accuracy"].to_numpy(np.float64)
    cov = summary["coverage"].to_numpy(np.float64)
    ok = np.isfinite(emp) & np.isfinite(learned)
    fig = Figure(figsize=(5.0, 4.6))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="black", lw=0.7, ls=":")
    sizes = 15 + 200 * cov[ok] / max(cov.max(), 1e-12)
    ax.scatter(emp[ok], learned[ok], s=sizes, color=_BLUE, alpha=0.6, edgecolor="white", lw=0.5)
    gap = np.where(ok, np.abs(emp - learned), -1.0)
    placed: list[tuple[float, float]] = []
    for j in np.argsort(-gap):
        if len(placed) == n_labels or gap[j] <= 0.05:
            break
        if any(abs(emp[j] - a) < 0.12 and abs(learned[j] - b) < 0.04 for a, b in placed):
            continue  # would print over a label already placed
        placed.append((emp[j], learned[j]))
        ax.annotate(_short(str(summary.index[j]), 20), (emp[j], learned[j]), fontsize=7,
                    xytext=(4, 4), textcoords="offset points")
    lo = min(0.0, np.nanmin(learned[ok]) if ok.any() else 0.0)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(lo, 1.02)
    ax.set_xlabel("empirical accuracy (gold labels)")
    ax.set_ylabel("learned accuracy (label model)")
    ax.set_title("Learned vs. empirical accuracy (size = coverage)", fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return to_data_uri(fig)


@_PLAIN_TEXT
def class_balance_chart(series: Mapping[str, np.ndarray], class_names: Sequence[str]) -> str:
    """Grouped bars: one group per class, one bar per source (gold, majority vote, model...)."""
    k = len(class_names)
    fig = Figure(figsize=(min(2.5 + 0.3 * k * max(len(series), 1), 6.5), 4.2))
    ax = fig.subplots()
    width = 0.8 / max(len(series), 1)
    palette = [_GREEN, _GREY, _BLUE, "#d08c2f", "#7a5aa6"]
    pos = np.arange(k)
    for t, (name, values) in enumerate(series.items()):
        offset = (t - (len(series) - 1) / 2) * width
        ax.bar(pos + offset, np.nan_to_num(np.asarray(values, dtype=np.float64)), width=width,
               color=palette[t % len(palette)], label=name)
    ax.set_xticks(pos, [_short(str(c), 16) for c in class_names], fontsize=8, rotation=0 if k <= 8 else 45)
    ax.set_ylabel("fraction")
    ax.set_ylim(0, 1)
    ax.set_title("Class balance", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return to_data_uri(fig)
