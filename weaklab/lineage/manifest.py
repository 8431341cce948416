"""Run manifests of fits and labeling runs, and reading every run of a store back.

The manifest schema (:class:`RunManifest`, format ``weaklab-manifest``) lives in the
labeling layer (``weaklab/labeling/manifest.py``), where ``apply_lfs(store=...)``
writes the manifest of every run it finishes by itself. This module adds what needs a
label model: :func:`record_run` writes the manifest of a fit or a labeling run (the
model's class, hyper-parameters, seed, selected candidate, file and SHA-256, the LF
fingerprints it was fitted on, the dev set's fingerprint, its metrics and predicted
labels, ``STORE/labels/<run id>.npy``); ``weaklab fit`` / ``weaklab label --store``
call it. :func:`load_run` and :func:`list_runs` read runs back; a run of an older
weaklab without a manifest is read from the store's own run record (LFs, partitions
and blocks; no sources, versions or metrics).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..labeling.manifest import (
    KINDS,
    RunManifest,
    json_value,
    lf_source,
    manifest_file,
    new_run_id,
    now,
    partitions_fingerprint,
    read_manifest,
    run_metrics,
    versions,
    write_manifest,
)
from ..labeling.store import BlockStore, join_columns, open_store
from ..matrix import LabelMatrix
from ..matrix.counts import DriftCounts, model_outputs

__all__ = ["RunManifest", "list_runs", "load_run", "merge_summaries", "model_summary", "record_run", "run_labels", "run_matrix"]


def _matrix_fingerprint(L: LabelMatrix, y: np.ndarray | None = None) -> str:
    h = hashlib.sha256(f"weaklab-matrix {L.shape} {L.cardinality} {list(L.lf_names)}".encode())
    for a in (L.csr.indptr, L.csr.indices, L.csr.data):
        h.update(np.ascontiguousarray(a).tobytes())
    if y is not None:
        h.update(np.asarray(y, np.int64).tobytes())
    return h.hexdigest()


def _block_summary(model: Any, L: LabelMatrix) -> tuple[DriftCounts, np.ndarray]:
    outputs = model_outputs(model, L)
    return DriftCounts.from_matrix(L, model, outputs=outputs), outputs[0]


def merge_summaries(parts: Sequence[tuple[DriftCounts, np.ndarray]]) -> tuple[DriftCounts, np.ndarray]:
    """Per-block ``(counts, labels)`` in row order, as one ``(counts, labels)`` of all rows.

    Examples
    --------
    >>> from weaklab import MajorityVote
    >>> L = LabelMatrix.from_dense(np.array([[0, 0], [1, -1], [-1, -1]]), ["a", "b"])
    >>> model = MajorityVote().fit(L)
    >>> counts, labels = merge_summaries([model_summary(L[:1], model), model_summary(L[1:], model)])
    >>> counts.n_rows, labels.tolist()
    (3, [0, 1, -1])
    """
    parts = list(parts)
    if not parts:
        raise ValueError("no block summaries to merge")
    counts = parts[0][0]
    for block_counts, _ in parts[1:]:
        counts = counts + block_counts
    return counts, np.concatenate([np.asarray(labels) for _, labels in parts])


def model_summary(L: Any, model: Any) -> tuple[DriftCounts, np.ndarray]:
    """A fitted model's drift counts on ``L`` and its predicted labels, asking it once per block.

    What :func:`record_run` records for a fit or labeling run. A caller that predicts
    every block anyway (``weaklab label`` writes the probabilities) merges its blocks'
    ``DriftCounts.from_matrix(block, model, outputs=model_outputs(model, block))`` and
    predictions with :func:`merge_summaries` instead, and passes them as
    ``record_run(summary=...)``.

    Parameters
    ----------
    L : LabelMatrix or PartitionedLabelMatrix
    model : fitted label model
        Fitted on ``L``'s LFs (same names and order).

    Returns
    -------
    counts : DriftCounts
        With the model's statistics.
    labels : numpy.ndarray of int64, shape (n_rows,)
        ``model.predict(L, tie_break="abstain")``, in row order.

    Examples
    --------
    >>> from weaklab import MajorityVote
    >>> L = LabelMatrix.from_dense(np.array([[0, 0], [1, -1], [-1, -1]]), ["a", "b"])
    >>> counts, labels = model_summary(L, MajorityVote().fit(L))
    >>> counts.n_covered, labels.tolist()
    (2, [0, 1, -1])
    """
    if isinstance(L, LabelMatrix):
        return _block_summary(model, L)
    if not hasattr(L, "map_each"):
        raise TypeError(f"L must be a LabelMatrix or PartitionedLabelMatrix, got {type(L).__name__}")
    return merge_summaries(L.map_each(lambda block: _block_summary(model, block)))


def _check_summary(summary: Any, L: Any) -> tuple[DriftCounts, np.ndarray]:
    """``record_run(summary=...)``, checked against the run's matrix."""
    if not (isinstance(summary, tuple) and len(summary) == 2 and isinstance(summary[0], DriftCounts)):
        raise TypeError("summary must be (DriftCounts, labels), as model_summary returns")
    counts, labels = summary
    labels = np.asarray(labels)
    if counts.lf_names != tuple(L.lf_names) or counts.cardinality != L.cardinality or counts.n_rows != L.n_rows:
        raise ValueError(f"summary counts are of {counts.n_rows} rows, {len(counts.lf_names)} LFs, "
                         f"{counts.cardinality} classes; L has {L.n_rows}, {L.n_lfs}, {L.cardinality}")
    if not counts.has_model:
        raise ValueError("summary counts have no model statistics: count them with the model")
    if labels.shape != (L.n_rows,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"summary labels must be {L.n_rows} integers, got shape {labels.shape} ({labels.dtype})")
    if labels.size and (labels.min() < -1 or labels.max() >= L.cardinality):
        raise ValueError(f"summary labels lie outside [-1, {L.cardinality - 1}]")
    return counts, labels.astype(np.int64, copy=False)


def record_run(
    L: Any,
    lfs: Sequence[Any] | None = None,
    *,
    store: Any = None,
    model: Any = None,
    kind: str | None = None,
    data_source: str | None = None,
    model_path: str | Path | None = None,
    L_dev: LabelMatrix | None = None,
    Y_dev: Any = None,
    summary: tuple[DriftCounts, np.ndarray] | None = None,
) -> RunManifest:
    """Write the manifest of a labeling run into its store and return it.

    Parameters
    ----------
    L : LabelMatrix or PartitionedLabelMatrix
        The run's votes; from ``apply_lfs(store=...)`` its run record supplies the run
        id, LF fingerprints and partitions.
    lfs : sequence of LabelingFunction, optional
        The LFs (same names and order as ``L``): their fingerprints and source code.
    store : str, os.PathLike or BlockStore, optional
        Defaults to the store of ``L``'s run.
    model : fitted label model, optional
        Makes it a fit (or, with ``kind="label"``, a labeling) run: the model's
        description and its predicted labels are recorded.
    kind : {"apply", "fit", "label"}, optional
        ``"apply"`` without a model, ``"fit"`` with one by default.
    data_source : str, optional
        Where the rows came from (a path, URL or table name).
    model_path : str or Path, optional
        The saved model file: recorded with its SHA-256.
    L_dev, Y_dev : optional
        The dev set the model was fitted with (recorded by fingerprint).
    summary : (DriftCounts, labels), optional
        The model's counts and predictions on ``L`` when the caller already has them
        (see :func:`model_summary`); checked against ``L`` and recorded without asking
        the model again. Computed with :func:`model_summary` when not given.

    Returns
    -------
    RunManifest

    Examples
    --------
    >>> import pandas as pd
    >>> from weaklab import MajorityVote, apply_lfs, keyword_lf
    >>> lfs = [keyword_lf("free", ["free"], 1), keyword_lf("hi", ["hi"], 0)]
    >>> L = apply_lfs(pd.DataFrame({"text": ["free", "hi", "free hi"]}), lfs, cardinality=2,
    ...               store="memory://record-run-doc", progress=False)
    >>> m = record_run(L, model=MajorityVote().fit(L))
    >>> m.kind, m.parent == L.run.run_id, m.model["class"], m.metrics["class_balance"]
    ('fit', True, 'MajorityVote', [0.5, 0.5])
    """
    if not isinstance(L, LabelMatrix) and not hasattr(L, "map_sum"):
        raise TypeError(f"L must be a LabelMatrix or PartitionedLabelMatrix, got {type(L).__name__}")
    run = getattr(L, "run", None)
    if store is None:
        if run is None or run.store is None:
            raise ValueError("no store given and L does not come from apply_lfs(store=...)")
        store = run.store
    blocks = open_store(store)
    kind = kind if kind is not None else ("apply" if model is None else "fit")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if (model is None) != (kind == "apply"):
        raise ValueError("a fit or label run needs a model; an apply run takes none")
    if data_source is not None and not isinstance(data_source, str):
        raise TypeError(f"data_source must be a string, got {type(data_source).__name__}")
    if (L_dev is None) != (Y_dev is None):
        raise ValueError("pass L_dev and Y_dev together")
    if L_dev is not None and not isinstance(L_dev, LabelMatrix):
        raise TypeError(f"L_dev must be a LabelMatrix, got {type(L_dev).__name__}")
    names = tuple(L.lf_names)
    if lfs is not None:
        lfs = list(lfs)
        if tuple(getattr(lf, "name", None) for lf in lfs) != names:
            raise ValueError(f"lfs must be the LFs of L in column order: {list(names)[:10]}")
    fps = getattr(L, "lf_fingerprints", None)
    if fps is None and lfs is not None:
        fps = [getattr(lf, "fingerprint", None) for lf in lfs]
    fps = list(fps) if fps is not None else [None] * len(names)
    # The apply run behind L wrote its own manifest: inherit what only it knew.
    applied = read_manifest(blocks, run.run_id) if run is not None and run.store is not None else None
    known_source = {} if applied is None else {(lf["name"], lf["fingerprint"]): lf["source"] for lf in applied.lfs}
    lf_entries = [{"name": n, "fingerprint": fp,
                   "source": lf_source(lfs[j]) if lfs is not None else known_source.get((n, fp))}
                  for j, (n, fp) in enumerate(zip(names, fps))]
    if data_source is None and applied is not None:
        data_source = applied.data["source"]
    if summary is not None and model is None:
        raise ValueError("summary goes with a model")
    if model is None:
        counts, labels = DriftCounts.from_matrix(L), None
    else:
        counts, labels = model_summary(L, model) if summary is None else _check_summary(summary, L)
    partitions = [dict(p) for p in run.partitions] if run is not None else []
    data = {"source": data_source, "n_rows": counts.n_rows, "partitions": partitions,
            "fingerprint": (partitions_fingerprint(partitions) if partitions
                            else (_matrix_fingerprint(L) if isinstance(L, LabelMatrix) else None))}
    if run is not None and kind == "apply":
        run_id, parent = run.run_id, None
        if run.store is not None and partitions:
            data["blocks"] = {"computed": int(run.computed), "reused": int(run.reused)}
    else:
        run_id, parent = new_run_id(), (run.run_id if run is not None else None)
    model_doc = dev_doc = labels_doc = None
    if model is not None:
        params = model.get_params() if callable(getattr(model, "get_params", None)) else {}
        fitted_fps = getattr(model, "lf_fingerprints_", None)
        model_doc = {
            "class": type(model).__name__, "params": json_value(params), "seed": json_value(params.get("seed")),
            "selected": json_value(getattr(model, "selected_", None)),
            "lf_names": list(getattr(model, "lf_names_", names)),
            "lf_fingerprints": list(fitted_fps) if fitted_fps is not None else fps,
            "class_balance": json_value(getattr(model, "class_balance_", None)),
            "accuracies": json_value(getattr(model, "accuracies_", None)),
            "file": None if model_path is None else str(model_path),
            "file_sha256": None if model_path is None else hashlib.sha256(Path(model_path).read_bytes()).hexdigest(),
        }
        buf = io.BytesIO()
        np.save(buf, labels.astype(np.int16 if L.cardinality > 126 else np.int8), allow_pickle=False)
        raw = buf.getvalue()
        labels_doc = {"file": blocks.write_file("labels", run_id + ".npy", raw),
                      "sha256": hashlib.sha256(raw).hexdigest(), "n_rows": int(labels.shape[0])}
    if L_dev is not None:
        dev_doc = {"fingerprint": _matrix_fingerprint(L_dev, np.asarray(Y_dev)), "n_rows": L_dev.n_rows}
    errors = getattr(L, "errors", None) or {}
    manifest = RunManifest(
        run_id=run_id, kind=kind, created=now(), store=blocks.url, parent=parent, data=data, lfs=lf_entries,
        model=model_doc, dev=dev_doc, versions=versions(),
        metrics=run_metrics(counts, getattr(model, "accuracies_", None), errors),
        drift_counts=counts.to_dict(), labels=labels_doc,
    )
    write_manifest(blocks, manifest)
    return manifest


# ------------------------------------------------------------------ reading
def _from_record(record: Any) -> RunManifest:
    """A manifest view of a store run record that has no manifest of its own."""
    parts = [dict(p) for p in record.partitions]
    n_rows = sum(p["n_rows"] for p in parts)
    return RunManifest(
        run_id=record.run_id, kind="apply", created=record.started, store=record.store, parent=None,
        data={"source": None, "n_rows": n_rows, "partitions": parts,
              "fingerprint": partitions_fingerprint(parts)},
        lfs=[{"name": lf["name"], "fingerprint": lf["fingerprint"], "source": None} for lf in record.lfs],
        model=None, dev=None, versions={}, metrics={"n_rows": n_rows}, drift_counts=None, labels=None,
    )


def load_run(store: Any, run_id: str) -> RunManifest:
    """The manifest of run ``run_id`` in ``store`` (or the view of its run record).

    Examples
    --------
    >>> import pandas as pd
    >>> from weaklab import apply_lfs, keyword_lf
    >>> L = apply_lfs(pd.DataFrame({"text": ["free", "hi"]}), [keyword_lf("free", ["free"], 1)],
    ...               cardinality=2, store="memory://load-run-doc", progress=False)
    >>> load_run("memory://load-run-doc", L.run.run_id).data["n_rows"]
    2
    """
    blocks = open_store(store)
    manifest = read_manifest(blocks, run_id)
    if manifest is not None:
        return manifest
    for record in blocks.runs():
        if record.run_id == run_id:
            return _from_record(record)
    raise ValueError(f"no run {run_id!r} in store {blocks.url}")


def _manifests(blocks: BlockStore) -> list[RunManifest]:
    out = []
    for path in blocks.list_files("manifests"):
        if not path.endswith(".json"):
            continue
        try:
            out.append(manifest_file(blocks, path))
        except ValueError as exc:
            warnings.warn(f"skipping manifest {blocks.url}/{path}: {exc}", stacklevel=3)
    return out


def list_runs(store: Any) -> pd.DataFrame:
    """One row per run in ``store``, oldest first: kind, time, parent, rows, LFs, model, manifest.

    Examples
    --------
    >>> import pandas as pd
    >>> from weaklab import MajorityVote, apply_lfs, keyword_lf
    >>> L = apply_lfs(pd.DataFrame({"text": ["free", "hi"]}), [keyword_lf("free", ["free"], 1)], cardinality=2,
    ...               store="memory://list-runs-doc", progress=False)
    >>> _ = record_run(L, model=MajorityVote().fit(L))
    >>> list_runs("memory://list-runs-doc")[["kind", "rows", "lfs", "model", "manifest"]]
        kind  rows  lfs         model  manifest
    0  apply     2    1          None      True
    1    fit     2    1  MajorityVote      True
    """
    blocks = open_store(store)
    manifests = {m.run_id: m for m in _manifests(blocks)}
    runs = dict(manifests)
    for record in blocks.runs():
        runs.setdefault(record.run_id, _from_record(record))
    rows = [{"run_id": m.run_id, "kind": m.kind, "created": m.created, "parent": m.parent,
             "rows": m.data["n_rows"], "lfs": len(m.lfs),
             "model": None if m.model is None else m.model["class"], "manifest": m.run_id in manifests}
            for m in runs.values()]
    frame = pd.DataFrame(rows, columns=["run_id", "kind", "created", "parent", "rows", "lfs", "model", "manifest"])
    # pandas 3 infers a string dtype that shows a missing parent / model as NaN; keep None.
    for column in ("parent", "model"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame.sort_values("created", kind="stable").reset_index(drop=True)


def run_labels(store: Any, manifest: RunManifest) -> np.ndarray:
    """The predicted labels of a fit / labeling run (``-1`` = tie), checked against the manifest.

    Examples
    --------
    >>> import pandas as pd
    >>> from weaklab import MajorityVote, apply_lfs, keyword_lf
    >>> lfs = [keyword_lf("free", ["free"], 1), keyword_lf("hi", ["hi"], 0)]
    >>> L = apply_lfs(pd.DataFrame({"text": ["free", "hi", "free hi"]}), lfs, cardinality=2,
    ...               store="memory://run-labels-doc", progress=False)
    >>> fit = record_run(L, model=MajorityVote().fit(L))
    >>> run_labels("memory://run-labels-doc", fit).tolist()  # -1: a tie
    [1, 0, -1]
    """
    if manifest.labels is None:
        raise ValueError(f"run {manifest.run_id} has no labels (an apply run)")
    blocks = open_store(store)
    raw = blocks.read_file(manifest.labels["file"])
    if hashlib.sha256(raw).hexdigest() != manifest.labels["sha256"]:
        raise ValueError(f"labels of run {manifest.run_id} do not match their SHA-256 (altered or truncated)")
    arr = np.load(io.BytesIO(raw), allow_pickle=False)
    if arr.ndim != 1 or arr.shape[0] != manifest.labels["n_rows"] or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"labels of run {manifest.run_id} have shape {arr.shape} / dtype {arr.dtype}")
    return arr.astype(np.int64)


def run_matrix(store: Any, manifest: RunManifest, cardinality: int) -> LabelMatrix:
    """The votes of a run, read back from its blocks (every block must still be stored).

    Examples
    --------
    >>> import pandas as pd
    >>> from weaklab import apply_lfs, keyword_lf
    >>> L = apply_lfs(pd.DataFrame({"text": ["free", "hi"]}), [keyword_lf("free", ["free"], 1)], cardinality=2,
    ...               store="memory://run-matrix-doc", progress=False)
    >>> again = run_matrix("memory://run-matrix-doc", load_run("memory://run-matrix-doc", L.run.run_id), cardinality=2)
    >>> again == L
    True
    """
    blocks = open_store(store)
    if not manifest.data["partitions"]:
        raise ValueError(f"run {manifest.run_id} records no partitions, so its votes cannot be read back")
    if any(lf["fingerprint"] is None for lf in manifest.lfs):
        raise ValueError(f"run {manifest.run_id} records no fingerprint for some LFs")
    parts = []
    for p in manifest.data["partitions"]:
        found = []
        for lf in manifest.lfs:
            block = blocks.read_block(lf["fingerprint"], p["fingerprint"])
            if block is None:
                raise ValueError(f"block of LF {lf['name']!r} on partition {p['fingerprint'][:12]}… is not in "
                                 f"{blocks.url} (pruned?)")
            found.append(block)
        parts.append(join_columns(found, manifest.lf_names, cardinality))
    return LabelMatrix.vstack(parts)
