"""``weaklab label``: probabilistic labels of a batch job, one Parquet file per partition."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from . import add_command
from .checks import check_model_fits, check_partition, check_pieces, columns_to_read, fingerprinted_columns
from .errors import UsageError, check_output, staged_folder
from .models import _compute_on
from .. import models as label_models
from ..labeling.batch import stored_matrix
from ..lineage import record_run
from ..lineage.manifest import merge_summaries
from ..matrix.counts import DriftCounts, model_outputs
from ..labeling.sources import DataFileError, find_input_files, plan_pieces, read_inputs, read_schemas


def register(commands) -> None:
    label = add_command(commands, "label", "write a store's probabilistic labels as Parquet, one file per partition")
    label.description = (
        "Write the probabilistic labels of the latest finished run of a store: one Parquet\n"
        "file per partition (part-00000.parquet, ...) with the row id, p_0..p_{k-1} and the\n"
        "most probable class (label; -1 where no LF voted or the top classes tie, as in the\n"
        "run's recorded labels). The row id is the row's position\n"
        "in the job's data (row), or the value of --id-column read from --data, the files\n"
        "the job labelled, each partition checked by its content fingerprint to be the rows the\n"
        "run labelled. The files are written into a temporary folder that replaces --out only\n"
        "once all are written."
    )
    label.add_argument("--store", required=True, help="block store written by 'weaklab apply --store'")
    label.add_argument("--model", required=True, help="fitted model (.npz) written by 'weaklab fit'")
    label.add_argument("--out", required=True, help="output folder (created; must be empty unless --overwrite)")
    label.add_argument("--data", help="the job's input files (needed with --id-column)")
    label.add_argument("--id-column", help="column of --data written next to the labels as the row id")
    label.add_argument("--scheduler", help="Dask scheduler to run on (default: local threads)")
    label.add_argument("--overwrite", action="store_true", help="replace a non-empty --out and all it holds")
    label.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if (args.data is None) != (args.id_column is None):
        raise UsageError("--data and --id-column go together")
    out = check_output(args.out, args.overwrite, folder=True)
    model = label_models.load_model(args.model)
    import dask

    with _compute_on(args.scheduler):
        L = stored_matrix(args.store)
        check_model_fits(model, L, args.model, f"--store {args.store}")
        ids, covered = [(None, None, None, None)] * L.n_blocks, None
        if args.id_column is not None:
            files = find_input_files(args.data)
            schemas = read_schemas(files)
            covered = fingerprinted_columns(L.run)
            for file, columns in schemas.items():
                if args.id_column not in columns:
                    raise DataFileError(f"{file} has no column {args.id_column!r} (--id-column)")
                missing = [c for c in covered or () if c not in columns]
                if missing:
                    raise DataFileError(f"{file} has no column(s) {missing}, which the store's run read: "
                                        "pass the files the job labelled")
            pieces = plan_pieces(files)
            check_pieces(pieces, L.run)
            # The columns 'weaklab apply' read, read as it read them, so the fingerprints are comparable.
            data, _ = read_inputs(files, columns_to_read(covered, [args.id_column]), schemas)
            ids = list(zip(data.to_delayed(), pieces, range(L.n_blocks), L.run.partitions))
        starts = np.concatenate([[0], np.cumsum(L.block_rows)[:-1]])
        write = dask.delayed(_write_partition, pure=False)
        with staged_folder(out) as tmp:
            tasks = [write(block, model, str(tmp / f"part-{i:05d}.parquet"), int(start), args.id_column, covered,
                           *ids[i])
                     for i, (block, start) in enumerate(zip(L.blocks, starts))]
            # The manifest's counts and labels come from the same predictions as the files.
            summary = merge_summaries(dask.compute(*tasks))
            rows = int(summary[1].shape[0])
            manifest = record_run(L, model=model, kind="label", model_path=args.model, summary=summary)
    print(f"probabilistic labels for {rows:,} rows ({L.cardinality} classes) → {out}/ ({L.n_blocks} files)")
    print(f"label run {manifest.run_id} recorded in {args.store}")
    return 0


def _write_partition(block, model, path: str, start: int, id_column, covered, data, piece, i, part):
    """Write one partition's labels; return its drift counts and predictions, for the run's manifest.

    With ``id_column``, ``data`` is the partition's rows, checked (on the ``covered`` columns, None:
    all) to be the ones the run labelled.
    """
    frame = {}
    if id_column is not None:
        check_partition(data, piece, i, part, columns=covered)
        frame[id_column] = data[id_column].to_numpy()
    else:
        frame["row"] = np.arange(start, start + block.n_rows, dtype=np.int64)
    predictions, probs = model_outputs(model, block)
    for c in range(probs.shape[1]):
        frame[f"p_{c}"] = probs[:, c]
    # The model's own prediction (a tie abstains rather than going to the lowest class).
    frame["label"] = np.where(np.asarray(block.csr.getnnz(axis=1)) == 0, -1, predictions).astype(np.int64)
    pd.DataFrame(frame).to_parquet(path, index=False)
    return DriftCounts.from_matrix(block, model, outputs=(predictions, probs)), predictions
