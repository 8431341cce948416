"""``weaklab runs``, ``weaklab explain`` and ``weaklab monitor``: the lineage of labels.

A RUN is a run id in the store given with ``--store``, or the path of a manifest file
(``STORE/manifests/<run id>.json``, whose store it names).

``weaklab runs list STORE``
    Every run in the store: kind, time, parent apply run, rows, LFs, model.
``weaklab runs show RUN``
    One run's manifest (JSON).
``weaklab runs diff A B``
    LFs added / removed / edited (with the source diff), per-LF changes, flipped labels
    by class pair and whether an LF edit or the model's refit flipped them.
``weaklab explain --store STORE --model M --row ID``
    One row's label taken apart; the votes are read back from the run's blocks (the
    latest run with the model's LFs, or ``--run``).
``weaklab monitor --reference RUN --current RUN [--out drift.html] [--json drift.json]``
    LF drift between two runs (from their manifests' counts); exits with code 6 when
    something drifted, so a scheduled job can alert on it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from . import add_command
from .errors import EXIT_DRIFT
from ..analysis.monitor import DriftCounts, monitor
from ..lineage import RunManifest, diff, explain, list_runs, load_run
from ..lineage.manifest import run_matrix
from ..models import load_model

__all__ = ["EXIT_DRIFT", "register"]


def register(commands) -> None:
    """Add the ``runs``, ``explain`` and ``monitor`` sub-commands."""
    runs = add_command(commands, "runs", "list, show and compare labeling runs recorded in a store")
    verbs = runs.add_subparsers(dest="verb", required=True, metavar="VERB")
    ls = verbs.add_parser("list", help="every run in a store")
    ls.add_argument("store", help="the block store (folder or fsspec URL)")
    ls.set_defaults(run=_runs_list)
    show = verbs.add_parser("show", help="one run's manifest as JSON")
    show.add_argument("run_ref", metavar="RUN", help="run id (with --store) or manifest file")
    show.add_argument("--store", help="the block store holding RUN")
    show.set_defaults(run=_runs_show)
    compare = verbs.add_parser("diff", help="what changed between two runs (old A, new B)")
    compare.add_argument("a", metavar="A", help="run id (with --store) or manifest file")
    compare.add_argument("b", metavar="B", help="run id (with --store) or manifest file")
    compare.add_argument("--store", help="the block store holding the runs")
    compare.add_argument("--examples", type=int, default=5, help="example rows per flipped class pair")
    compare.add_argument("--json", help="also write the diff as JSON here")
    compare.set_defaults(run=_runs_diff)

    exp = add_command(commands, "explain", "why the label model gave one row its probabilities")
    exp.add_argument("--store", required=True, help="the block store holding the run's votes")
    exp.add_argument("--model", required=True, help="fitted model (.npz)")
    exp.add_argument("--row", type=int, required=True, help="row position (0-based) in the run")
    exp.add_argument("--run", dest="run_id", help="run id (default: the latest run with the model's LFs)")
    exp.set_defaults(run=_explain)

    mon = add_command(commands, "monitor", f"LF drift of a run against a reference run (exit {EXIT_DRIFT} on drift)")
    mon.add_argument("--reference", required=True, help="reference RUN (e.g. the training run)")
    mon.add_argument("--current", required=True, help="current RUN (e.g. this week's batch)")
    mon.add_argument("--store", help="the block store holding the runs (for run ids)")
    mon.add_argument("--out", help="write the drift report as HTML here")
    mon.add_argument("--json", help="write the drift report as JSON here")
    mon.add_argument("--alpha", type=float, default=0.01, help="adjusted p-value threshold (default 0.01)")
    mon.add_argument("--min-distance", type=float, default=0.03, help="Jensen–Shannon distance threshold (0.03)")
    mon.set_defaults(run=_monitor)


def _manifest(ref: str, store: str | None) -> RunManifest:
    path = Path(ref)
    if ref.endswith(".json") and path.is_file():
        return RunManifest.from_json(path.read_bytes(), where=str(path))
    if store is None:
        raise ValueError(f"{ref!r} is not a manifest file; pass --store to look it up as a run id")
    return load_run(store, ref)


def _runs_list(args: argparse.Namespace) -> int:
    frame = list_runs(args.store)
    print("no runs recorded" if frame.empty else frame.to_string(index=False))
    return 0


def _runs_show(args: argparse.Namespace) -> int:
    print(_manifest(args.run_ref, args.store).to_json())
    return 0


def _runs_diff(args: argparse.Namespace) -> int:
    a, b = _manifest(args.a, args.store), _manifest(args.b, args.store)
    result = diff(a, b, store=args.store, n_examples=args.examples)
    print(result)
    if result.examples is not None and len(result.examples):
        print(result.examples.to_string(index=False))
    if args.json:
        Path(args.json).write_text(json.dumps(result.to_dict(), indent=1), encoding="utf-8")
    return 0


def _explain(args: argparse.Namespace) -> int:
    model = load_model(args.model)
    if args.run_id is not None:
        manifest = load_run(args.store, args.run_id)
    else:
        runs = list_runs(args.store)
        candidates = [load_run(args.store, r) for r in reversed(runs["run_id"].tolist())]
        matching = [m for m in candidates if m.lf_names == tuple(model.lf_names_) and m.data["partitions"]]
        if not matching:
            raise ValueError(f"no run in {args.store} has the model's LFs {list(model.lf_names_)[:5]}...")
        manifest = matching[0]
    L = run_matrix(args.store, manifest, model.cardinality_)
    print(f"run {manifest.run_id}")
    print(explain(model, L, args.row))
    return 0


def _counts(manifest: RunManifest) -> DriftCounts:
    if manifest.drift_counts is None:
        raise ValueError(f"run {manifest.run_id} has no drift counts (no manifest was recorded for it)")
    return DriftCounts.from_dict(manifest.drift_counts)


def _monitor(args: argparse.Namespace) -> int:
    ref = _counts(_manifest(args.reference, args.store))
    cur = _counts(_manifest(args.current, args.store))
    if ref.has_model != cur.has_model:  # compare what both runs counted
        ref, cur = (DriftCounts(*[getattr(c, f) for f in ("lf_names", "cardinality", "n_rows", "n_covered",
                                                          "class_votes", "overlap", "pair_conflicts",
                                                          "overlaps")]) for c in (ref, cur))
    report = monitor(ref, cur, alpha=args.alpha, min_distance=args.min_distance)
    print(report)
    if args.json:
        Path(args.json).write_text(report.to_json(), encoding="utf-8")
    if args.out:
        Path(args.out).write_text(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>weaklab drift</title>"
            f"</head><body>{report.to_html()}</body></html>\n", encoding="utf-8")
    return EXIT_DRIFT if report.any_drift else 0
