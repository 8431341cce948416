"""``diff(run_a, run_b)``: what changed between two labeling runs, and why labels flipped.

LFs are matched by name: one present in only one run was added or removed; one whose
fingerprint differs was edited (with a unified diff of its source where both manifests
hold it). Per-LF coverage, disagreement with the other LFs and learned accuracy are set
side by side. When both runs are known to have labelled the same rows (same partition
fingerprints or, for a run recorded from a plain matrix, the same data fingerprint: the
same matrix), every row whose label differs is a *flip*, counted by (old, new) class
pair; a flip comes from an **LF edit** when the row's votes differ between the runs
(an LF added, removed or edited changed a vote on it) and from the **refit** of the label
model when its votes are identical. Example rows of each pair show the votes of both runs.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .manifest import RunManifest, load_run, run_labels, run_matrix

__all__ = ["RunDiff", "diff"]


@dataclass(frozen=True)
class RunDiff:
    """The result of :func:`diff`.

    Attributes
    ----------
    run_a, run_b : str
        Run ids (old, new).
    added, removed : tuple of str
        LFs only in run b / only in run a.
    edited : dict of str to str
        LF name → unified diff of its source (a note where a source is unknown).
    lfs : pandas.DataFrame
        Per LF (union of both runs): ``coverage``, ``disagreement``,
        ``learned_accuracy`` in a and b and their ``*_delta``.
    flips : pandas.DataFrame or None
        One row per (``from``, ``to``) class pair (``-1`` = tie): ``count``,
        ``lf_edit`` and ``refit`` (or ``unknown`` where votes could not be read back).
        None when the runs are not known to have labelled the same rows (see ``note``).
    examples : pandas.DataFrame or None
        Up to ``n_examples`` rows per pair: ``row``, ``from``, ``to``, ``cause``, the
        votes in a and b (``{lf: vote}`` of the voting LFs) and the LFs whose vote changed.
    note : str
        Why flips are missing, or an empty string.
    model_change : str
        ``"LabelModel (DawidSkene) → LabelModel (ClassBalancedVote)"`` when the runs' label
        models differ in class or in the estimator they selected (so a refit's flips have
        a named cause), else an empty string.

    Examples
    --------
    See :func:`diff`; ``str(changes)`` is the plain-text summary and ``changes.to_dict()`` the
    JSON-ready one:

    >>> import pandas as pd
    >>> from weaklab import MajorityVote, apply_lfs, keyword_lf, record_run
    >>> L = apply_lfs(pd.DataFrame({"text": ["free", "hi"]}), [keyword_lf("free", ["free"], 1)], cardinality=2,
    ...               store="memory://rundiff-doc", progress=False)
    >>> run = record_run(L, model=MajorityVote().fit(L))
    >>> same = diff(run, run)
    >>> same.n_flipped, same.to_dict()["edited"]
    (0, {})
    """

    run_a: str
    run_b: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    edited: dict[str, str]
    lfs: pd.DataFrame = field(repr=False)
    flips: pd.DataFrame | None = field(repr=False)
    examples: pd.DataFrame | None = field(repr=False)
    note: str = ""
    model_change: str = ""

    @property
    def n_flipped(self) -> int:
        """Rows whose label differs between the runs (0 when unknown)."""
        return 0 if self.flips is None else int(self.flips["count"].sum())

    def __str__(self) -> str:
        lines = [f"Runs {self.run_a} → {self.run_b}",
                 f"  LFs added: {list(self.added)}, removed: {list(self.removed)}, edited: {list(self.edited)}"]
        for name, text in self.edited.items():
            lines += [f"  --- {name}", textwrap_indent(text)]
        if self.model_change:
            lines.append(f"  label model: {self.model_change}")
        if self.flips is None:
            lines.append(f"  labels: {self.note}")
        else:
            lines.append(f"  {self.n_flipped} label(s) flipped")
            if len(self.flips):
                lines.append(textwrap_indent(self.flips.to_string(index=False)))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        parts = [f"<p><b>{html.escape(self.run_a)} → {html.escape(self.run_b)}</b>: LFs added "
                 f"{html.escape(str(list(self.added)))}, removed {html.escape(str(list(self.removed)))}, "
                 f"edited {html.escape(str(list(self.edited)))}</p>"]
        parts += [f"<details><summary>{html.escape(n)}</summary><pre>{html.escape(t)}</pre></details>"
                  for n, t in self.edited.items()]
        if self.model_change:
            parts.append(f"<p>label model: {html.escape(self.model_change)}</p>")
        parts.append(self.lfs.to_html(float_format=lambda v: f"{v:.4g}", escape=True))
        if self.flips is None:
            parts.append(f"<p>{html.escape(self.note)}</p>")
        else:
            parts.append(f"<p>{self.n_flipped} label(s) flipped</p>" + self.flips.to_html(index=False, escape=True))
        if self.examples is not None and len(self.examples):
            parts.append(self.examples.to_html(index=False, escape=True))
        return "".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: LF changes, per-LF deltas, flips and examples."""
        def records(frame):
            return None if frame is None else [{k: _plain(v) for k, v in r.items()} for r in frame.to_dict("records")]

        lfs = self.lfs.reset_index()
        return {"run_a": self.run_a, "run_b": self.run_b, "added": list(self.added), "removed": list(self.removed),
                "edited": dict(self.edited), "lfs": records(lfs), "n_flipped": self.n_flipped,
                "flips": records(self.flips), "examples": records(self.examples), "note": self.note,
                "model_change": self.model_change}


def textwrap_indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _plain(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _source_diff(name: str, a: dict, b: dict) -> str:
    if a["source"] is None or b["source"] is None:
        return f"(fingerprint {str(a['fingerprint'])[:12]}… → {str(b['fingerprint'])[:12]}…; source not recorded)"
    lines = difflib.unified_diff(a["source"].splitlines(keepends=True), b["source"].splitlines(keepends=True),
                                 fromfile=f"{name} (a)", tofile=f"{name} (b)")
    return "".join(lines) or "(same source; the fingerprint changed through resources, constants or helpers)"


def _lf_table(a: RunManifest, b: RunManifest) -> pd.DataFrame:
    names = list(dict.fromkeys([*a.lf_names, *b.lf_names]))
    rows = []
    for name in names:
        row: dict[str, Any] = {"lf": name}
        for tag, run in (("a", a), ("b", b)):
            entry = run.metrics.get("lf", {}).get(name, {})
            for key in ("coverage", "disagreement", "learned_accuracy"):
                value = entry.get(key)
                row[f"{key}_{tag}"] = np.nan if value is None else float(value)
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("lf")
    for key in ("coverage", "disagreement", "learned_accuracy"):
        frame[f"{key}_delta"] = frame[f"{key}_b"] - frame[f"{key}_a"]
    return frame


def _same_rows(a: RunManifest, b: RunManifest) -> str:
    if a.data["n_rows"] != b.data["n_rows"]:
        return f"the runs labelled different numbers of rows ({a.data['n_rows']} vs {b.data['n_rows']})"
    pa = [p["fingerprint"] for p in a.data["partitions"]]
    pb = [p["fingerprint"] for p in b.data["partitions"]]
    if pa and pb:
        return "" if pa == pb else "the runs labelled different data (partition fingerprints differ)"
    # A run recorded from a plain matrix has no partitions; its data fingerprint is the matrix's.
    if a.data["fingerprint"] is not None and a.data["fingerprint"] == b.data["fingerprint"]:
        return ""
    return ("flips cannot be counted: a run records no partition fingerprints and the data fingerprints "
            "differ or are unknown, so the runs may have labelled different rows")


def _model_change(a: RunManifest, b: RunManifest) -> str:
    """``"A (selected) → B (selected)"`` when both runs have a label model and they differ."""
    def described(model: dict | None) -> str | None:
        if not model:
            return None
        selected = model.get("selected")
        return f"{model.get('class')} ({selected})" if isinstance(selected, str) else str(model.get("class"))

    da, db = described(a.model), described(b.model)
    return f"{da} → {db}" if da is not None and db is not None and da != db else ""


def _votes_of_row(L: Any, row: int) -> dict[str, int]:
    c = L.csr
    start, stop = c.indptr[row], c.indptr[row + 1]
    return {L.lf_names[j]: int(v) - 1 for j, v in zip(c.indices[start:stop], c.data[start:stop])}


def diff(run_a: Any, run_b: Any, *, store: Any = None, n_examples: int = 5, seed: int = 0) -> RunDiff:
    """Compare two runs: LF changes, per-LF statistics, flipped labels and their causes.

    Parameters
    ----------
    run_a, run_b : RunManifest or str
        The older and the newer run (run ids need ``store``).
    store : str, os.PathLike or BlockStore, optional
        Where the runs' labels and blocks are; defaults to each manifest's store.
    n_examples : int
        Example rows shown per flipped class pair.
    seed : int
        Seed of the example sample.

    Returns
    -------
    RunDiff

    Examples
    --------
    >>> import pandas as pd
    >>> from weaklab import MajorityVote, apply_lfs, keyword_lf, record_run
    >>> rows = pd.DataFrame({"text": ["free gift", "hi there", "free hi", "hello"]})
    >>> def fit_run(lfs):
    ...     L = apply_lfs(rows, lfs, cardinality=2, store="memory://diff-doc", progress=False)
    ...     return record_run(L, lfs, model=MajorityVote().fit(L))
    >>> old = fit_run([keyword_lf("free", ["free"], 1), keyword_lf("hi", ["hi"], 0)])
    >>> new = fit_run([keyword_lf("free", ["free"], 1), keyword_lf("hi", ["hi", "hello"], 0)])
    >>> changes = diff(old, new)
    >>> list(changes.edited), changes.n_flipped
    (['hi'], 1)
    >>> changes.flips[["from", "to", "count", "lf_edit"]].to_dict("records")  # "hello" was uncovered
    [{'from': -1, 'to': 0, 'count': 1, 'lf_edit': 1}]
    """
    if isinstance(n_examples, bool) or not isinstance(n_examples, (int, np.integer)) or n_examples < 0:
        raise ValueError(f"n_examples must be an int >= 0, got {n_examples!r}")
    runs = []
    for name, run in (("run_a", run_a), ("run_b", run_b)):
        if isinstance(run, str):
            if store is None:
                raise ValueError(f"{name} is a run id: pass store= too")
            run = load_run(store, run)
        if not isinstance(run, RunManifest):
            raise TypeError(f"{name} must be a RunManifest or a run id, got {type(run).__name__}")
        runs.append(run)
    a, b = runs
    fa, fb = a.lf_fingerprints, b.lf_fingerprints
    added = tuple(n for n in b.lf_names if n not in fa)
    removed = tuple(n for n in a.lf_names if n not in fb)
    edited = {n: _source_diff(n, a.lfs[a.lf_names.index(n)], b.lfs[b.lf_names.index(n)])
              for n in a.lf_names if n in fb and fa[n] != fb[n]}
    lfs = _lf_table(a, b)
    note = _same_rows(a, b)
    if not note and (a.labels is None or b.labels is None):
        note = "one of the runs has no labels (an apply run); diff two fit or label runs to count flips"
    change = _model_change(a, b)
    if note:
        return RunDiff(a.run_id, b.run_id, added, removed, edited, lfs, None, None, note, change)
    ya = run_labels(store or a.store, a)
    yb = run_labels(store or b.store, b)
    flipped = np.flatnonzero(ya != yb)
    votes_a = votes_b = None
    try:
        k = len(a.drift_counts["class_votes"][0]) if a.drift_counts and a.drift_counts["class_votes"] else None
        if k is None:
            raise ValueError("cardinality unknown")
        votes_a = run_matrix(store or a.store, a, k)
        votes_b = run_matrix(store or b.store, b, k)
    except ValueError as exc:
        note = f"votes could not be read back ({exc}); causes are unknown"
    causes = np.full(flipped.size, "unknown", dtype=object)
    changed_lfs: list[list[str]] = [[] for _ in flipped]
    if votes_a is not None:
        for t, row in enumerate(flipped):
            va, vb = _votes_of_row(votes_a, int(row)), _votes_of_row(votes_b, int(row))
            changed = sorted(n for n in set(va) | set(vb) if va.get(n, -1) != vb.get(n, -1))
            changed_lfs[t] = changed
            causes[t] = "lf_edit" if changed else "refit"
    frame = pd.DataFrame({"row": flipped, "from": ya[flipped], "to": yb[flipped], "cause": causes})
    flips = (frame.assign(n=1).pivot_table(index=["from", "to"], columns="cause", values="n", aggfunc="sum",
                                           fill_value=0)
             if len(frame) else pd.DataFrame(columns=["from", "to"]).set_index(["from", "to"]))
    for cause in ("lf_edit", "refit", "unknown"):
        if cause not in flips.columns:
            flips[cause] = 0
    flips = flips[["lf_edit", "refit", "unknown"]].astype(np.int64)
    flips.insert(0, "count", flips.sum(axis=1))
    flips = flips.reset_index().rename_axis(columns=None)
    rng = np.random.default_rng(seed)
    picks = []
    for _, group in frame.groupby(["from", "to"], sort=True):
        take = np.sort(rng.choice(group.index.to_numpy(), size=min(n_examples, len(group)), replace=False))
        picks.extend(take.tolist())
    examples = frame.loc[picks].copy()
    if votes_a is not None:
        examples["votes_a"] = [_votes_of_row(votes_a, int(r)) for r in examples["row"]]
        examples["votes_b"] = [_votes_of_row(votes_b, int(r)) for r in examples["row"]]
    examples["changed_lfs"] = [changed_lfs[i] for i in picks]
    return RunDiff(a.run_id, b.run_id, added, removed, edited, lfs, flips, examples.reset_index(drop=True), note,
                   change)
