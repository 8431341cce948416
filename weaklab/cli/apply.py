"""``weaklab apply``: apply the LFs of a Python file or module to Parquet / CSV files on a Dask cluster."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from . import add_command
from .errors import UsageError, check_distinct, check_output, warn
from ..labeling import LFApplicationError, apply_lfs
from ..labeling.cluster import dask_client
from ..labeling.lf_files import load_lfs
from ..labeling.sources import InputPiece, check_lf_columns, find_input_files, read_inputs, read_schemas
from ..persistence import csv_line_of_row

_LFS_HELP = """a .py file or a module name defining the LFs (its LFS list, else every LF it
defines). A .py file may import helper modules beside it; a module name is imported from
the current folder. Both, and their helpers, are sent to the workers by value."""


def register(commands) -> None:
    apply = add_command(commands, "apply", "apply LFs to Parquet/CSV files on a Dask cluster")
    apply.add_argument("data", help="Parquet/CSV file, folder of them, or glob (local or fsspec URL)")
    apply.add_argument("--lfs", required=True, help=_LFS_HELP)
    apply.add_argument("--cardinality", type=int, required=True, help="number of classes k (at least 2)")
    apply.add_argument("--store", help="block store (folder or fsspec URL every worker reaches): "
                       "workers write each partition's votes there; a rerun computes only what is missing")
    apply.add_argument("--out", help="where to write the label matrix (.npz, written atomically); "
                       "required without --store, an export with it (gathers the votes on the client)")
    apply.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    where = apply.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:port)")
    where.add_argument("--workers", type=int, help="process workers of a local cluster (default 2)")
    apply.add_argument("--columns", nargs="+", help="only read these columns")
    apply.add_argument("--fault-tolerant", action="store_true",
                       help="an LF that raises abstains on the failing rows (recorded) instead of stopping the job")
    apply.add_argument("--no-progress", action="store_true", help="no progress bar")
    apply.set_defaults(run=run)


def check_arguments(args: argparse.Namespace) -> None:
    """Everything about the arguments that can be wrong, checked before any work."""
    if args.cardinality < 2:
        raise UsageError(f"--cardinality must be at least 2 (classes 0..k-1), got {args.cardinality}")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if args.out is None and args.store is None:
        raise UsageError("give --store STORE (a batch job that resumes) or --out L.npz (votes gathered here)")
    if args.out is not None:
        check_output(args.out, args.overwrite)
    if args.store is not None:
        check_store(args.store)


def run(args: argparse.Namespace) -> int:
    check_arguments(args)
    lfs = load_lfs(args.lfs)
    files = find_input_files(args.data)
    schemas = read_schemas(files)
    if args.columns:
        check_distinct(args.columns, "--columns")
        for file, names in schemas.items():
            missing = [c for c in args.columns if c not in names]
            if missing:
                raise UsageError(f"--columns {missing} not in {file} (its columns: {names[:20]})")
    check_lf_columns(lfs, schemas, args.columns)
    with dask_client(args.scheduler, args.workers or 2):
        data, pieces = read_inputs(files, args.columns, schemas)
        try:
            L = apply_lfs(data, lfs, cardinality=args.cardinality, fault_tolerant=args.fault_tolerant,
                          progress=not args.no_progress, store=args.store, collect=args.store is None,
                          data_source=args.data)
        except LFApplicationError as exc:
            raise LFApplicationError(locate(str(exc), pieces)) from exc
        run = L.run
        if args.store is not None:
            rows = sum(p["n_rows"] for p in run.partitions)
            print(f"{rows:,} rows × {len(lfs)} LFs in {len(run.partitions)} partitions: "
                  f"{run.computed} blocks computed, {run.reused} reused → {args.store} (run {run.run_id})")
            if args.out is not None:
                L = L.compute()
        for err in getattr(L, "errors", {}).values():
            warn(locate(str(err), pieces))
    if args.out is not None:
        path = L.save(args.out)
        print(f"{L.n_rows:,} rows × {L.n_lfs} LFs, {L.nnz:,} votes → {path}")
    return 0


def check_store(url: str) -> None:
    """A local store's folder must exist (or its parent, to create it) and be writable."""
    import os

    import fsspec

    fs, path = fsspec.core.url_to_fs(url)
    if "file" not in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)):
        return  # remote: the workers' access is what counts; errors name the URL when it fails
    target = Path(path)
    existing = target if target.exists() else target.parent
    if not existing.is_dir():
        raise UsageError(f"--store {url}: folder {existing} does not exist")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--store {url}: folder {existing} is not writable")


_PARTITION = re.compile(r"in partition (\d+)")
_ROW = re.compile(r"row index (-?\d+)")


def locate(message: str, pieces: list[InputPiece]) -> str:
    """Add the input file (and, for CSV, the line) behind ``in partition N`` to an error message.

    Partition ``N`` is ``pieces[N]``; the row index counts rows from the start of its file.
    """
    match = _PARTITION.search(message)
    if match is None or int(match.group(1)) >= len(pieces):
        return message
    piece = pieces[int(match.group(1))]
    where = f"in {piece.file}"
    row = _ROW.search(message)
    if row is not None:
        where += f", row {row.group(1)} of that file"
        if piece.kind == "csv":
            line = csv_line_of_row(piece.file, int(row.group(1)))
            if line is not None:
                where += f" (line {line})"
    return f"{message} [{where}]"

