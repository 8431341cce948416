"""``weaklab report``: the HTML LF report of a batch job."""

from __future__ import annotations

import argparse

import pandas as pd

from . import add_command
from .errors import UsageError, check_output
from .models import _compute_on
from .. import models as label_models
from ..labeling.batch import stored_matrix
from ..labeling.sources import DataFileError, find_input_files, plan_pieces, read_piece, read_schemas


def register(commands) -> None:
    report = add_command(commands, "report", "write the HTML LF report of a store's latest finished run")
    report.description = (
        "Write the HTML LF report of the latest finished run of a store. The report's\n"
        "statistics need every vote, so the run's sparse votes are gathered here (a few\n"
        "bytes per vote); --data (the job's input files) adds example rows, and is read\n"
        "whole."
    )
    report.add_argument("--store", required=True, help="block store written by 'weaklab apply --store'")
    report.add_argument("--model", help="fitted model (.npz): learned accuracies and guardrail warnings")
    report.add_argument("--data", help="the job's input files, for example rows")
    report.add_argument("--label-column", help="gold label column of --data (-1 unknown), for accuracies")
    report.add_argument("--out", required=True, help="the HTML file to write")
    report.add_argument("--scheduler", help="Dask scheduler to read the store on (default: local threads)")
    report.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    report.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.label_column is not None and args.data is None:
        raise UsageError("--label-column needs --data")
    out = check_output(args.out, args.overwrite)
    model = None if args.model is None else label_models.load_model(args.model)
    data = y = None
    if args.data is not None:
        files = find_input_files(args.data)
        schemas = read_schemas(files)
        if args.label_column is not None:
            for file, columns in schemas.items():
                if args.label_column not in columns:
                    raise DataFileError(f"{file} has no column {args.label_column!r} (--label-column)")
        data = pd.concat([read_piece(p) for p in plan_pieces(files)], ignore_index=True)
        if args.label_column is not None:
            y = data.pop(args.label_column).to_numpy()
    with _compute_on(args.scheduler):
        L = stored_matrix(args.store).compute()
    if data is not None and len(data) != L.n_rows:
        raise DataFileError(f"--data {args.data} has {len(data):,} rows; the store's run has {L.n_rows:,}")
    from ..analysis.report import build_report

    report = build_report(L, data=data, y=y, model=model, path=None)
    from ..persistence import atomic_path

    with atomic_path(out) as tmp:
        tmp.write_text(report.html, encoding="utf-8")
    print(f"LF report of {L.n_rows:,} rows × {L.n_lfs} LFs → {out}")
    return 0
