"""Run manifests: the JSON record of what produced a set of labels, kept in the block store.

A manifest (``STORE/manifests/<run id>.json``, format ``weaklab-manifest``, version 1)
describes one labeling run: the data (source and partition fingerprints), each LF
(name, fingerprint, source code), the blocks it computed and reused, for a fit or a
labeling run the label model (class, hyper-parameters, seed, selected candidate, the
file and its SHA-256, the LF fingerprints it was fitted on) and the dev set's
fingerprint, the versions of weaklab and its dependencies, the time, summary metrics,
the drift counts (:class:`~weaklab.matrix.counts.DriftCounts`, so two runs are compared
from their manifests alone) and, with a model, the predicted labels
(``STORE/labels/<run id>.npy``, checked by SHA-256).

**Who writes it.** ``apply_lfs(store=...)`` writes the manifest of its own run when the
run finishes (:func:`apply_manifest`): everything it needs is in the run record and in
per-partition counts that add up, so a Dask job whose votes never leave the workers
gets the same manifest as an in-memory one. Fit and labeling runs are written by
:func:`weaklab.record_run` (lineage layer: it reads the model), which ``weaklab fit`` /
``weaklab label --store`` call. The schema lives here, in the labeling layer, so both
writers and every reader share one definition; manifests are validated completely on
load and never unpickled.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import platform
import re
import textwrap
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from importlib import metadata
from typing import Any, Sequence

import numpy as np

from ..matrix.counts import DriftCounts
from ..matrix.label_matrix import LFErrors
from ..persistence import StoredFile, loads_json
from .._validation import is_fingerprint
from .store import BlockStore, RunRecord, open_store

__all__ = ["RunManifest", "apply_manifest", "lf_source", "manifest_file", "read_manifest", "run_metrics", "versions", "write_manifest"]

FORMAT = "weaklab-manifest"
FORMAT_VERSION = 1
KINDS = ("apply", "fit", "label")
DEPENDENCIES = ("numpy", "scipy", "pandas", "numba", "dask", "distributed", "scikit-learn", "pyarrow", "fsspec")
RUN_ID = re.compile(r"[0-9A-Za-z-]{1,128}")
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
        ``source``, ``n_rows``, ``fingerprint``, ``partitions``
        (``[{"fingerprint", "n_rows"}]`` in row order; empty when unknown) and, for an
        ``apply_lfs`` run, ``blocks`` (``{"computed", "reused"}``: (partition, LF) pairs).
    lfs : list of dict
        ``{"name", "fingerprint", "source"}`` per LF in column order (``None`` where
        unknown).
    model, dev : dict or None
    versions : dict
    metrics : dict
        ``n_rows``, ``coverage`` (rows with a vote), ``overlap`` (votes on rows where
        another LF votes too), ``conflict`` (co-voting LF pairs that disagree),
        ``vote_balance`` (share of the votes per class) and, per LF (``lf``: name →
        dict), ``coverage``, ``disagreement`` with the other LFs, ``failed_rows``
        (fault-tolerant runs) and, with a model, ``learned_accuracy`` and
        ``model_agreement``; with a model, ``class_balance`` of its labels on covered rows.
    drift_counts : dict or None
    labels : dict or None
        ``{"file", "sha256", "n_rows"}`` of the predicted labels.

    Examples
    --------
    >>> import pandas as pd
    >>> from weaklab import apply_lfs, keyword_lf
    >>> lf = keyword_lf("free", ["free"], 1)
    >>> L = apply_lfs(pd.DataFrame({"text": ["free", "hi"]}), [lf], cardinality=2,
    ...               store="memory://manifest-doc", progress=False)
    >>> m = read_manifest("memory://manifest-doc", L.run.run_id)
    >>> m.kind, m.lf_names, m.metrics["coverage"], m.data["blocks"]
    ('apply', ('free',), 0.5, {'computed': 1, 'reused': 0})
    >>> RunManifest.from_json(m.to_json()) == m
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
        """Parse and check a manifest written by :meth:`to_json`.

        Every field is checked, nested ones included (per-LF metrics, the model's
        description, partitions, fingerprints); a ``ValueError``
        (:class:`~weaklab.persistence.CorruptFileError`) names ``where`` and the field.
        """
        doc = loads_json(text, where)
        if not isinstance(doc, dict) or doc.pop("format", None) != FORMAT:
            raise ValueError(f"{where} is not a weaklab run manifest")
        version = doc.pop("format_version", None)
        if version != FORMAT_VERSION:
            raise ValueError(f"{where} has format version {version!r}; this weaklab reads {FORMAT_VERSION}")
        if set(doc) != set(_FIELDS):
            raise ValueError(f"{where} has fields {sorted(doc)}, expected {sorted(_FIELDS)}")
        _check(doc, where)
        return cls(**doc)


def _is_count(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


_DATA_KEYS = {"source", "n_rows", "partitions", "fingerprint"}  # and "blocks" for an apply run
_METRIC_KEYS = {"coverage", "overlap", "conflict", "vote_balance", "lf", "class_balance"}  # besides n_rows
_LF_METRIC_KEYS = {"coverage", "disagreement", "failed_rows", "model_agreement", "learned_accuracy"}
_MODEL_KEYS = {"class", "params", "seed", "selected", "lf_names", "lf_fingerprints", "class_balance",
               "accuracies", "file", "file_sha256"}


def _check(doc: dict, where: str) -> None:
    f = StoredFile(where, {}, {})
    bad = f.fail

    def optional(value: Any, check: Any, label: str, **kw: Any) -> None:
        if value is not None:
            check(value, label, **kw)

    def hex64(value: Any, label: str) -> None:
        if not is_fingerprint(value):
            raise bad(f"{label} must be 64 lowercase hex characters, got {value!r:.80}")

    def share(value: Any, label: str) -> None:
        f.check_float(value, label, low=0.0, high=1.0)

    def shares(value: Any, label: str) -> None:
        if not isinstance(value, list):
            raise bad(f"{label} must be a list of shares, got {value!r:.80}")
        for i, v in enumerate(value):
            share(v, f"{label}[{i}]")

    def keys(value: Any, label: str, required: set, allowed: set = frozenset()) -> None:
        if not isinstance(value, dict) or not required <= set(value) <= required | allowed:
            got = sorted(value) if isinstance(value, dict) else type(value).__name__
            raise bad(f"{label} must be an object with {sorted(required)}"
                      + (f" (and optionally {sorted(allowed)})" if allowed else "") + f", got {got}")

    if not isinstance(doc["run_id"], str) or not RUN_ID.fullmatch(doc["run_id"]):
        raise bad("run_id must be 1-128 letters, digits and '-'")
    if doc["kind"] not in KINDS:
        raise bad(f"kind must be one of {KINDS}")
    f.check_time(doc["created"], "created")
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
        isinstance(lf, dict) and set(lf) == {"name", "fingerprint", "source"} and isinstance(lf["name"], str)
        and all(isinstance(lf[k], (str, type(None))) for k in ("fingerprint", "source"))
        for lf in lfs
    ):
        raise bad("lfs must list {name, fingerprint, source} objects")
    for i, lf in enumerate(lfs):
        optional(lf["fingerprint"], hex64, f"lfs[{i}].fingerprint")
    names = [lf["name"] for lf in lfs]
    if len(set(names)) != len(lfs):
        raise bad("LF names must be unique")

    data = doc["data"]
    keys(data, "data", _DATA_KEYS, {"blocks"})
    optional(data["source"], f.check_str, "data.source")
    optional(data["fingerprint"], hex64, "data.fingerprint")
    parts = data["partitions"]
    if not isinstance(parts, list) or not all(
        isinstance(p, dict) and set(p) == {"fingerprint", "n_rows"} and _is_count(p["n_rows"]) for p in parts
    ):
        raise bad("data.partitions must list {fingerprint, n_rows} objects")
    for i, p in enumerate(parts):
        hex64(p["fingerprint"], f"data.partitions[{i}].fingerprint")
    n_rows = data["n_rows"]
    if not _is_count(n_rows):
        raise bad("data.n_rows must be an int >= 0")
    if parts and sum(p["n_rows"] for p in parts) != n_rows:
        raise bad("data.partitions do not add up to data.n_rows")
    blocks = data.get("blocks")
    if blocks is not None and not (
        isinstance(blocks, dict) and set(blocks) == {"computed", "reused"} and all(map(_is_count, blocks.values()))
        and blocks["computed"] + blocks["reused"] == len(parts) * len(lfs)
    ):
        raise bad("data.blocks must be {computed, reused} counts adding up to partitions × LFs")

    for name, version in doc["versions"].items():
        optional(version, f.check_str, f"versions.{name}")

    metrics = doc["metrics"]
    keys(metrics, "metrics", {"n_rows"}, _METRIC_KEYS)
    if metrics["n_rows"] != n_rows:
        raise bad(f"metrics.n_rows = {metrics['n_rows']!r:.40} is not data.n_rows = {n_rows}")
    for key in ("coverage", "overlap", "conflict"):
        if key in metrics:
            share(metrics[key], f"metrics.{key}")
    for key in ("vote_balance", "class_balance"):
        optional(metrics.get(key), shares, f"metrics.{key}")
    if "lf" in metrics:
        per_lf = metrics["lf"]
        if not isinstance(per_lf, dict) or sorted(per_lf) != sorted(names):
            got = sorted(per_lf) if isinstance(per_lf, dict) else type(per_lf).__name__
            raise bad(f"metrics.lf must be an object keyed by the run's LFs {names[:10]}, got {got!s:.120}")
        for name, entry in per_lf.items():
            label = f"metrics.lf[{name!r}]"
            keys(entry, label, {"coverage", "disagreement", "failed_rows"}, _LF_METRIC_KEYS)
            share(entry["coverage"], f"{label}.coverage")
            for key in ("disagreement", "model_agreement"):
                optional(entry.get(key), share, f"{label}.{key}")
            optional(entry.get("learned_accuracy"), f.check_float, f"{label}.learned_accuracy")
            f.check_int(entry["failed_rows"], f"{label}.failed_rows", low=0, high=n_rows)

    model = doc["model"]
    if model is not None:
        keys(model, "model", _MODEL_KEYS)
        f.check_str(model["class"], "model.class")
        if not isinstance(model["params"], dict):
            raise bad(f"model.params must be an object, got {model['params']!r:.80}")
        for key in ("lf_names", "lf_fingerprints", "class_balance", "accuracies"):
            if not isinstance(model[key], list) and not (key in ("class_balance", "accuracies") and model[key] is None):
                raise bad(f"model.{key} must be a list, got {model[key]!r:.80}")
        for i, name in enumerate(model["lf_names"]):
            f.check_str(name, f"model.lf_names[{i}]")
        for i, fp in enumerate(model["lf_fingerprints"]):
            optional(fp, hex64, f"model.lf_fingerprints[{i}]")
        for key in ("class_balance", "accuracies"):
            for i, v in enumerate(model[key] or []):
                optional(v, f.check_float, f"model.{key}[{i}]")
        optional(model["file"], f.check_str, "model.file")
        optional(model["file_sha256"], hex64, "model.file_sha256")
    if doc["dev"] is not None:
        keys(doc["dev"], "dev", {"fingerprint", "n_rows"})
        hex64(doc["dev"]["fingerprint"], "dev.fingerprint")
        f.check_int(doc["dev"]["n_rows"], "dev.n_rows", low=0)

    labels = doc["labels"]
    if labels is not None and not (
        set(labels) == {"file", "sha256", "n_rows"} and isinstance(labels["file"], str)
        and isinstance(labels["sha256"], str) and labels["n_rows"] == n_rows
    ):
        raise bad("labels must be {file, sha256, n_rows} with n_rows equal to data.n_rows")
    if labels is not None:
        if labels["file"] != f"labels/{doc['run_id']}.npy":
            raise bad(f"labels.file must be 'labels/{doc['run_id']}.npy' (this run's), got {labels['file']!r:.80}")
        hex64(labels["sha256"], "labels.sha256")
    if doc["drift_counts"] is not None:
        try:
            counts = DriftCounts.from_dict(doc["drift_counts"])
        except ValueError as exc:
            raise bad(str(exc)) from None
        if counts.lf_names != tuple(names) or counts.n_rows != n_rows:
            raise bad("drift_counts do not describe this run's LFs and rows")


# ----------------------------------------------------------------- building
def now() -> str:
    """The current time, ISO 8601 in UTC (microseconds)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def new_run_id() -> str:
    """A new run id: UTC time then 8 random hex digits (sorts by time)."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:8]


def versions() -> dict[str, str | None]:
    """Versions of Python, weaklab and its dependencies (``None`` where not installed).

    Examples
    --------
    >>> import numpy
    >>> versions()["numpy"] == numpy.__version__
    True
    """
    from .._version import __version__

    out: dict[str, str | None] = {"python": platform.python_version(), "weaklab": __version__}
    for name in DEPENDENCIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def lf_source(lf: Any) -> str | None:
    """The source code of an LF's function, or None where Python cannot find it.

    Examples
    --------
    >>> lf_source(42) is None
    True
    """
    fn = getattr(lf, "f", None)
    try:
        return textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return None


def json_value(value: Any) -> Any:
    """``value`` made JSON-safe: NumPy scalars and arrays become Python ones, NaN/inf None,
    anything else its ``repr``."""
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_value(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if value is None or isinstance(value, (int, str)):
        return value
    return repr(value)


def run_metrics(counts: DriftCounts, accuracies: Any = None,
                errors: dict[str, LFErrors] | None = None) -> dict[str, Any]:
    """The summary metrics of a run (see :class:`RunManifest`) from its counts.

    Examples
    --------
    >>> import numpy as np
    >>> from weaklab import LabelMatrix
    >>> L = LabelMatrix.from_dense(np.array([[0, 1], [0, -1], [-1, -1]]), ["a", "b"])
    >>> m = run_metrics(DriftCounts.from_matrix(L))
    >>> round(m["coverage"], 3), m["conflict"], m["vote_balance"], m["lf"]["b"]["coverage"]
    (0.667, 1.0, [0.6666666666666666, 0.3333333333333333], 0.3333333333333333)
    """
    n = max(counts.n_rows, 1)
    votes = counts.class_votes.sum(axis=1)
    errors = errors or {}
    per_lf = {}
    for j, name in enumerate(counts.lf_names):
        pairs = counts.overlap[j].sum() - counts.overlap[j, j]
        entry = {"coverage": float(votes[j] / n),
                 "disagreement": float(counts.pair_conflicts[j].sum() / pairs) if pairs else None,
                 "failed_rows": int(errors[name].n_failed) if name in errors else 0}
        if counts.has_model:
            judged = counts.agree[j] + counts.disagree[j]
            entry["model_agreement"] = float(counts.agree[j] / judged) if judged else None
            entry["learned_accuracy"] = None if accuracies is None else float(accuracies[j])
        per_lf[name] = entry
    total_pairs = (counts.overlap.sum() - np.trace(counts.overlap)) / 2
    class_votes = counts.class_votes.sum(axis=0)
    out = {"n_rows": counts.n_rows, "coverage": float(counts.n_covered / n),
           "overlap": float(counts.overlaps.sum() / votes.sum()) if votes.sum() else 0.0,
           "conflict": float(np.triu(counts.pair_conflicts, 1).sum() / total_pairs) if total_pairs else 0.0,
           "vote_balance": (class_votes / class_votes.sum()).tolist() if class_votes.sum() else None,
           "lf": per_lf}
    if counts.has_model:
        pred = counts.predicted[:-1]
        out["class_balance"] = (pred / pred.sum()).tolist() if pred.sum() else None
    return json_value(out)


def partitions_fingerprint(partitions: Sequence[dict]) -> str:
    """SHA-256 over the partition fingerprints, in row order: the data set's fingerprint."""
    return hashlib.sha256("".join(p["fingerprint"] for p in partitions).encode()).hexdigest()


def apply_manifest(run: RunRecord, lfs: Sequence[Any], counts: DriftCounts,
                   errors: dict[str, LFErrors] | None = None, data_source: str | None = None) -> RunManifest:
    """The manifest of a finished ``apply_lfs`` run from its record and summed counts.

    Parameters
    ----------
    run : RunRecord
        The run (its id, store, LFs, partitions and block counts).
    lfs : sequence of LabelingFunction
        The run's LFs in column order (for their source code).
    counts : DriftCounts
        The counts of the run's votes (no model statistics).
    errors : dict of str to LFErrors, optional
        Failures recorded by a fault-tolerant run.
    data_source : str, optional
        Where the rows came from.
    """
    if [lf.name for lf in lfs] != [lf["name"] for lf in run.lfs] or counts.lf_names != tuple(lf.name for lf in lfs):
        raise ValueError("the LFs, the run record and the counts must name the same LFs in one order")
    parts = [dict(p) for p in run.partitions]
    return RunManifest(
        run_id=run.run_id, kind="apply", created=now(), store=run.store, parent=None,
        data={"source": data_source, "n_rows": counts.n_rows, "partitions": parts,
              "fingerprint": partitions_fingerprint(parts),
              "blocks": {"computed": int(run.computed), "reused": int(run.reused)}},
        lfs=[{"name": lf.name, "fingerprint": lf.fingerprint, "source": lf_source(lf)} for lf in lfs],
        model=None, dev=None, versions=versions(), metrics=run_metrics(counts, errors=errors),
        drift_counts=counts.to_dict(), labels=None,
    )


def write_manifest(store: BlockStore, manifest: RunManifest) -> str:
    """Write ``manifest`` atomically into ``store`` and return its path there."""
    if not isinstance(manifest, RunManifest):
        raise TypeError(f"manifest must be a RunManifest, got {type(manifest).__name__}")
    return store.write_file("manifests", manifest.run_id + ".json", manifest.to_json().encode("utf-8"))


def read_manifest(store: Any, run_id: str) -> RunManifest | None:
    """The manifest of run ``run_id`` in ``store``, or None when it has none (checked completely)."""
    blocks = open_store(store)
    if not isinstance(run_id, str) or not RUN_ID.fullmatch(run_id):
        raise ValueError(f"run_id {run_id!r} must be 1-128 letters, digits and '-'")
    try:
        return manifest_file(blocks, f"manifests/{run_id}.json")
    except FileNotFoundError:
        return None


def manifest_file(store: BlockStore, path: str) -> RunManifest:
    """The manifest at ``path`` (``manifests/<run id>.json``) in ``store``, checked completely.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        The file is not a valid manifest, or its ``run_id`` is not the one its name
        says (a manifest copied or edited to stand for another run), naming the file.
    """
    where = store.url.rstrip("/") + "/" + path
    manifest = RunManifest.from_json(store.read_file(path), where=where)
    expected = path.rsplit("/", 1)[-1].removesuffix(".json")
    if manifest.run_id != expected:
        raise ValueError(f"{where}: run_id {manifest.run_id!r} is not the run its file name says ({expected!r})")
    return manifest
