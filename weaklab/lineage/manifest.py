"""Run manifests: what produced a set of labels, kept in the block store as JSON.

:func:`record_run` writes one manifest per labeling run into the store
(``STORE/manifests/<run id>.json``, format ``weaklab-manifest``, version 1): the data
(source and partition fingerprints), each LF (name, fingerprint, source code), the
blocks used, for a fit or a labeling run the label model (class, hyper-parameters,
seed, selected candidate, the file and its SHA-256, the LF fingerprints it was fitted
on) and the dev set's fingerprint, the versions of weaklab and its dependencies, the
time, summary metrics, the drift counts (:class:`~weaklab.analysis.monitor.DriftCounts`,
so :func:`weaklab.monitor` compares two runs from their manifests alone) and, with a
model, the predicted labels (``STORE/labels/<run id>.npy``, checked by SHA-256).

An ``apply_lfs(store=...)`` run also leaves the store's own run record
(``STORE/runs/``); :func:`load_run` reads a run without a manifest from that record
(LFs, partitions and blocks; no sources, versions or metrics). Manifests are validated
completely on load and never unpickled.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import json
import platform
import re
import textwrap
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..analysis.monitor import DriftCounts
from ..labeling.store import BlockStore, join_columns, open_store
from ..matrix import LabelMatrix

__all__ = ["RunManifest", "list_runs", "load_run", "record_run", "run_labels", "run_matrix"]

FORMAT = "weaklab-manifest"
FORMAT_VERSION = 1
KINDS = ("apply", "fit", "label")
DEPENDENCIES = ("numpy", "scipy", "pandas", "numba", "dask", "distributed", "scikit-learn", "pyarrow", "fsspec")
_RUN_ID = re.compile(r"[0-9A-Za-z-]{1,128}")
_FIELDS = ("run_id", "kind", "created", "store", "parent", "data", "lfs", "model", "dev", "versions",
           "metrics", "drift_counts", "labels")


@dataclass(frozen=True)
class RunManifest:
    """The record of one labeling run (see the module notes for what each field holds).

    Attributes
    ----------
    run_id : str
    kind : {"apply", "fit", "label"}
    created : str
        ISO time (UTC).
    store : str or None
        URL of the store holding the run's blocks.
    parent : str or None
        The ``apply_lfs`` run whose votes a fit or labeling run read.
    data : dict
        ``source``, ``n_rows``, ``fingerprint`` and ``partitions``
        (``[{"fingerprint", "n_rows"}]`` in row order; empty when unknown).
    lfs : list of dict
        ``{"name", "fingerprint", "source"}`` per LF in column order (``None`` where
        unknown).
    model, dev : dict or None
    versions : dict
    metrics : dict
        ``n_rows``, ``coverage``, ``overlap`` and, per LF (``lf``: name → dict),
        ``coverage``, ``disagreement`` with the other LFs and, with a model,
        ``learned_accuracy`` and ``model_agreement``; ``class_balance`` of the model's
        labels on covered rows.
    drift_counts : dict or None
    labels : dict or None
        ``{"file", "sha256", "n_rows"}`` of the predicted labels.

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> L = LabelMatrix.from_dense(np.array([[0, 1], [1, -1]]), ["a", "b"])
    >>> m = record_run(L, store="memory://manifest-doc")
    >>> m.kind, [lf["name"] for lf in m.lfs], m.metrics["coverage"]
    ('apply', ['a', 'b'], 1.0)
    >>> load_run("memory://manifest-doc", m.run_id) == m
    True
    """

    run_id: str
    kind: str
    created: str
    store: str | None
    parent: str | None
    data: dict
    lfs: list
    model: dict | None
    dev: dict | None
    versions: dict
    metrics: dict
    drift_counts: dict | None
    labels: dict | None

    @property
    def lf_names(self) -> tuple[str, ...]:
        """Names of the run's LFs, in column order."""
        return tuple(lf["name"] for lf in self.lfs)

    @property
    def lf_fingerprints(self) -> dict[str, str | None]:
        """LF name → fingerprint."""
        return {lf["name"]: lf["fingerprint"] for lf in self.lfs}

    def to_json(self) -> str:
        """The manifest as JSON text (``format`` and ``format_version`` included)."""
        return json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION, **asdict(self)},
                          indent=1, sort_keys=True, allow_nan=False)

    @classmethod
    def from_json(cls, text: str | bytes, where: str = "manifest") -> "RunManifest":
        """Parse and check a manifest written by :meth:`to_json`."""
        try:
            doc = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{where} is not JSON: {exc}") from None
        if not isinstance(doc, dict) or doc.pop("format", None) != FORMAT:
            raise ValueError(f"{where} is not a weaklab run manifest")
        version = doc.pop("format_version", None)
        if version != FORMAT_VERSION:
            raise ValueError(f"{where} has format version {version!r}; this weaklab reads {FORMAT_VERSION}")
        if set(doc) != set(_FIELDS):
            raise ValueError(f"{where} has fields {sorted(doc)}, expected {sorted(_FIELDS)}")
        _check(doc, where)
        return cls(**doc)


def _check(doc: dict, where: str) -> None:
    def bad(msg: str) -> ValueError:
        return ValueError(f"{where}: {msg}")

    if not isinstance(doc["run_id"], str) or not _RUN_ID.fullmatch(doc["run_id"]):
        raise bad("run_id must be 1-128 letters, digits and '-'")
    if doc["kind"] not in KINDS:
        raise bad(f"kind must be one of {KINDS}")
    if not isinstance(doc["created"], str):
        raise bad("created must be an ISO time string")
    for key in ("store", "parent"):
        if doc[key] is not None and not isinstance(doc[key], str):
            raise bad(f"{key} must be a string or null")
    for key in ("data", "versions", "metrics"):
        if not isinstance(doc[key], dict):
            raise bad(f"{key} must be an object")
    for key in ("model", "dev", "drift_counts", "labels"):
        if doc[key] is not None and not isinstance(doc[key], dict):
            raise bad(f"{key} must be an object or null")
    lfs = doc["lfs"]
    if not isinstance(lfs, list) or not all(
        isinstance(lf, dict) and isinstance(lf.get("name"), str)
        and all(isinstance(lf.get(k), (str, type(None))) for k in ("fingerprint", "source"))
        for lf in lfs
    ):
        raise bad("lfs must list {name, fingerprint, source} objects")
    if len({lf["name"] for lf in lfs}) != len(lfs):
        raise bad("LF names must be unique")
    parts = doc["data"].get("partitions", [])
    if not isinstance(parts, list) or not all(
        isinstance(p, dict) and isinstance(p.get("fingerprint"), str) and isinstance(p.get("n_rows"), int)
        and not isinstance(p.get("n_rows"), bool) and p["n_rows"] >= 0 for p in parts
    ):
        raise bad("data.partitions must list {fingerprint, n_rows} objects")
    n_rows = doc["data"].get("n_rows")
    if not isinstance(n_rows, int) or isinstance(n_rows, bool) or n_rows < 0:
        raise bad("data.n_rows must be an int >= 0")
    if parts and sum(p["n_rows"] for p in parts) != n_rows:
        raise bad("data.partitions do not add up to data.n_rows")
    labels = doc["labels"]
    if labels is not None and not (
        isinstance(labels.get("file"), str) and isinstance(labels.get("sha256"), str)
        and labels.get("n_rows") == n_rows
    ):
        raise bad("labels must be {file, sha256, n_rows} with n_rows equal to data.n_rows")
    if doc["drift_counts"] is not None:
        try:
            counts = DriftCounts.from_dict(doc["drift_counts"])
        except ValueError as exc:
            raise bad(str(exc)) from None
        if counts.lf_names != tuple(lf["name"] for lf in lfs) or counts.n_rows != n_rows:
            raise bad("drift_counts do not describe this run's LFs and rows")


# ----------------------------------------------------------------- building
def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:8]


def versions() -> dict[str, str | None]:
    """Versions of Python, weaklab and its dependencies (``None`` where not installed)."""
    from .._version import __version__

    out: dict[str, str | None] = {"python": platform.python_version(), "weaklab": __version__}
    for name in DEPENDENCIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def lf_source(lf: Any) -> str | None:
    """The source code of an LF's function, or None where Python cannot find it."""
    fn = getattr(lf, "f", None)
    try:
        return textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return None


def _matrix_fingerprint(L: LabelMatrix, y: np.ndarray | None = None) -> str:
    h = hashlib.sha256(f"weaklab-matrix {L.shape} {L.cardinality} {list(L.lf_names)}".encode())
    for a in (L.csr.indptr, L.csr.indices, L.csr.data):
        h.update(np.ascontiguousarray(a).tobytes())
    if y is not None:
        h.update(np.asarray(y, np.int64).tobytes())
    return h.hexdigest()


def _json_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_json_value(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if value is None or isinstance(value, (int, str)):
        return value
    return repr(value)


def _metrics(counts: DriftCounts, model: Any) -> dict[str, Any]:
    n = max(counts.n_rows, 1)
    votes = counts.class_votes.sum(axis=1)
    per_lf = {}
    for j, name in enumerate(counts.lf_names):
        pairs = counts.overlap[j].sum() - counts.overlap[j, j]
        entry = {"coverage": float(votes[j] / n),
                 "disagreement": float(counts.pair_conflicts[j].sum() / pairs) if pairs else None}
        if counts.has_model:
            judged = counts.agree[j] + counts.disagree[j]
            entry["model_agreement"] = float(counts.agree[j] / judged) if judged else None
            acc = getattr(model, "accuracies_", None)
            entry["learned_accuracy"] = None if acc is None else float(acc[j])
        per_lf[name] = entry
    out = {"n_rows": counts.n_rows, "coverage": float(counts.n_covered / n),
           "overlap": float(counts.overlaps.sum() / votes.sum()) if votes.sum() else 0.0,
           "lf": per_lf}
    if counts.has_model:
        pred = counts.predicted[:-1]
        out["class_balance"] = (pred / pred.sum()).tolist() if pred.sum() else None
    return out


def _labels(model: Any, L: Any) -> np.ndarray:
    if isinstance(L, LabelMatrix):
        return np.asarray(model.predict(L, tie_break="abstain"), np.int64)
    column = L.map_blocks(lambda b: model.predict(b, tie_break="abstain")[:, None].astype(np.float64), 1)
    return column.compute()[:, 0].astype(np.int64)


def _store_file(store: BlockStore, sub: str, name: str, data: bytes) -> str:
    store._write_atomic(store._join(sub, name), data)
    return f"{sub}/{name}"


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

    Returns
    -------
    RunManifest
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
    names = tuple(L.lf_names)
    if lfs is not None:
        lfs = list(lfs)
        if tuple(getattr(lf, "name", None) for lf in lfs) != names:
            raise ValueError(f"lfs must be the LFs of L in column order: {list(names)[:10]}")
    if run is not None and [lf["name"] for lf in run.lfs] == list(names):
        fps = [lf["fingerprint"] for lf in run.lfs]
    else:
        fps = [getattr(lf, "fingerprint", None) for lf in lfs] if lfs is not None else [None] * len(names)
    lf_entries = [{"name": n, "fingerprint": fp, "source": None if lfs is None else lf_source(lf)}
                  for n, fp, lf in zip(names, fps, lfs or [None] * len(names))]
    counts = DriftCounts.from_matrix(L, model)
    partitions = [dict(p) for p in run.partitions] if run is not None else []
    data = {"source": data_source, "n_rows": counts.n_rows, "partitions": partitions,
            "fingerprint": (hashlib.sha256("".join(p["fingerprint"] for p in partitions).encode()).hexdigest()
                            if partitions else (_matrix_fingerprint(L) if isinstance(L, LabelMatrix) else None))}
    if run is not None and kind == "apply":
        run_id, parent = run.run_id, None
    else:
        run_id, parent = _new_run_id(), (run.run_id if run is not None else None)
    model_doc = dev_doc = labels_doc = None
    if model is not None:
        params = model.get_params() if callable(getattr(model, "get_params", None)) else {}
        model_doc = {
            "class": type(model).__name__, "params": _json_value(params), "seed": _json_value(params.get("seed")),
            "selected": getattr(model, "selected_", None), "lf_names": list(getattr(model, "lf_names_", names)),
            "lf_fingerprints": fps, "class_balance": _json_value(getattr(model, "class_balance_", None)),
            "accuracies": _json_value(getattr(model, "accuracies_", None)),
            "file": None if model_path is None else str(model_path),
            "file_sha256": None if model_path is None else hashlib.sha256(Path(model_path).read_bytes()).hexdigest(),
        }
        labels = _labels(model, L)
        buf = io.BytesIO()
        np.save(buf, labels.astype(np.int16 if L.cardinality > 126 else np.int8), allow_pickle=False)
        raw = buf.getvalue()
        labels_doc = {"file": _store_file(blocks, "labels", run_id + ".npy", raw),
                      "sha256": hashlib.sha256(raw).hexdigest(), "n_rows": int(labels.shape[0])}
    if (L_dev is None) != (Y_dev is None):
        raise ValueError("pass L_dev and Y_dev together")
    if L_dev is not None:
        if not isinstance(L_dev, LabelMatrix):
            raise TypeError(f"L_dev must be a LabelMatrix, got {type(L_dev).__name__}")
        dev_doc = {"fingerprint": _matrix_fingerprint(L_dev, np.asarray(Y_dev)), "n_rows": L_dev.n_rows}
    manifest = RunManifest(
        run_id=run_id, kind=kind, created=_now(), store=blocks.url, parent=parent, data=data, lfs=lf_entries,
        model=model_doc, dev=dev_doc, versions=versions(), metrics=_json_value(_metrics(counts, model)),
        drift_counts=counts.to_dict(), labels=labels_doc,
    )
    _store_file(blocks, "manifests", run_id + ".json", manifest.to_json().encode("utf-8"))
    return manifest


# ------------------------------------------------------------------ reading
def _from_record(record: Any) -> RunManifest:
    """A manifest view of a store run record that has no manifest of its own."""
    parts = [dict(p) for p in record.partitions]
    n_rows = sum(p["n_rows"] for p in parts)
    return RunManifest(
        run_id=record.run_id, kind="apply", created=record.started, store=record.store, parent=None,
        data={"source": None, "n_rows": n_rows, "partitions": parts,
              "fingerprint": hashlib.sha256("".join(p["fingerprint"] for p in parts).encode()).hexdigest()},
        lfs=[{"name": lf["name"], "fingerprint": lf["fingerprint"], "source": None} for lf in record.lfs],
        model=None, dev=None, versions={}, metrics={"n_rows": n_rows}, drift_counts=None, labels=None,
    )


def load_run(store: Any, run_id: str) -> RunManifest:
    """The manifest of run ``run_id`` in ``store`` (or the view of its run record)."""
    blocks = open_store(store)
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id):
        raise ValueError(f"run_id {run_id!r} must be letters, digits and '-'")
    path = blocks._join("manifests", run_id + ".json")
    if blocks._fs.exists(path):
        return RunManifest.from_json(blocks._fs.cat_file(path), where=path)
    for record in blocks.runs():
        if record.run_id == run_id:
            return _from_record(record)
    raise ValueError(f"no run {run_id!r} in store {blocks.url}")


def _manifests(blocks: BlockStore) -> list[RunManifest]:
    import warnings

    out = []
    for path in sorted(blocks._find("manifests")):
        if not path.endswith(".json") or ".tmp-" in path:
            continue
        try:
            out.append(RunManifest.from_json(blocks._fs.cat_file(path), where=path))
        except ValueError as exc:
            warnings.warn(f"skipping manifest {path}: {exc}", stacklevel=3)
    return out


def list_runs(store: Any) -> pd.DataFrame:
    """One row per run in ``store``, oldest first: kind, time, parent, rows, LFs, model, manifest."""
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
    return frame.sort_values("created", kind="stable").reset_index(drop=True)


def run_labels(store: Any, manifest: RunManifest) -> np.ndarray:
    """The predicted labels of a fit / labeling run (``-1`` = tie), checked against the manifest."""
    if manifest.labels is None:
        raise ValueError(f"run {manifest.run_id} has no labels (an apply run)")
    blocks = open_store(store)
    raw = blocks._fs.cat_file(blocks._join(*manifest.labels["file"].split("/")))
    if hashlib.sha256(raw).hexdigest() != manifest.labels["sha256"]:
        raise ValueError(f"labels of run {manifest.run_id} do not match their SHA-256 (altered or truncated)")
    arr = np.load(io.BytesIO(raw), allow_pickle=False)
    if arr.ndim != 1 or arr.shape[0] != manifest.labels["n_rows"] or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"labels of run {manifest.run_id} have shape {arr.shape} / dtype {arr.dtype}")
    return arr.astype(np.int64)


def run_matrix(store: Any, manifest: RunManifest, cardinality: int) -> LabelMatrix:
    """The votes of a run, read back from its blocks (every block must still be stored)."""
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
