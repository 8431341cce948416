"""``weaklab train`` and ``weaklab predict-end``: an end model from a batch job's labels, and its predictions.

``train`` reads the votes of a job (a store's latest finished run, or a saved label
matrix), the label model fitted on them, and the rows the LFs were applied to; the label
model's probabilistic labels of the covered rows train an :class:`~weaklab.EndModel` on
a text column (featurized inside the model) or numeric feature columns, saved as one
``.npz``. ``predict-end`` applies a saved end model to new Parquet / CSV rows and writes
one Parquet file per input piece. Both check every argument, file and column before any
work; a row that cannot be used (missing text, a non-finite feature) is named by file
and row, never dropped.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from . import add_command
from .checks import check_model_fits, check_partition, check_pieces, columns_to_read, fingerprinted_columns
from .errors import UsageError, check_distinct, check_output, staged_folder
from .models import _compute_on
from .. import models as label_models
from ..labeling.batch import stored_matrix
from ..labeling.sources import (DataFileError, InputPiece, find_input_files, plan_pieces, read_inputs, read_piece,
                                read_schemas)
from ..matrix import LabelMatrix

METRICS = ("accuracy", "f1", "f1_macro")


def register(commands) -> None:
    train = add_command(commands, "train", "train an end model on a batch job's probabilistic labels")
    train.description = (
        "Train an end model (weaklab.EndModel at its defaults) on the probabilistic labels a\n"
        "fitted label model gives the rows of a batch job: the latest finished run of --store\n"
        "(or a label matrix written by 'weaklab apply --out'), and --data, the files the job\n"
        "labelled, in the same order. Rows no LF voted on are left out of training. With\n"
        "--store each partition of --data must have the content the run labelled (checked by\n"
        "its fingerprint). With --dev (gold-labelled rows) the model chooses among its\n"
        "documented configurations (EndModel.selected_) and stops early on the dev score."
    )
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--store", help="block store written by 'weaklab apply --store'")
    source.add_argument("--matrix", help="label matrix (.npz) written by 'weaklab apply --out'")
    train.add_argument("--model", required=True, help="fitted label model (.npz) written by 'weaklab fit'")
    train.add_argument("--data", required=True, help="the job's input files (Parquet/CSV file, folder or glob)")
    _add_input_columns(train)
    train.add_argument("--columns", nargs="+", help="the --columns 'weaklab apply' read, for a store written before weaklab "
                       "recorded them in the run (the partition fingerprints cover those columns only)")
    train.add_argument("--dev", help="gold-labelled dev rows (Parquet/CSV) with the same input column(s)")
    train.add_argument("--dev-label-column", help="the gold label column of --dev (classes 0..k-1)")
    train.add_argument("--metric", default="accuracy", choices=METRICS,
                       help="dev score (default accuracy; f1 is class 1's, binary tasks only)")
    train.add_argument("--seed", type=int, default=0, help="seed of the end model (default 0)")
    train.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or cuda:N")
    train.add_argument("--scheduler", help="Dask scheduler to read the store on (default: local threads)")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.add_argument("--out", required=True, help="where to write the end model (.npz, written atomically)")
    train.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    train.set_defaults(run=run_train)

    predict = add_command(commands, "predict-end", "predict classes of new rows with a trained end model")
    predict.description = (
        "Predict new Parquet/CSV rows with an end model written by 'weaklab train': one Parquet\n"
        "file per input piece (part-00000.parquet, ...) with the row id, p_0..p_{k-1} and the\n"
        "most probable class (label). The row id is the row's position in the data (row), or\n"
        "the value of --id-column. The input column(s) default to those the model was trained on.\n"
        "The files are written into a temporary folder that replaces --out only once all are written."
    )
    predict.add_argument("data", help="Parquet/CSV file, folder of them, or glob (local or fsspec URL)")
    predict.add_argument("--model", required=True, help="end model (.npz) written by 'weaklab train'")
    _add_input_columns(predict, required=False)
    predict.add_argument("--id-column", help="column of the data written next to the predictions as the row id")
    predict.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or cuda:N")
    predict.add_argument("--out", required=True, help="output folder (created; must be empty unless --overwrite)")
    predict.add_argument("--overwrite", action="store_true", help="replace a non-empty --out and all it holds")
    predict.set_defaults(run=run_predict)


def _add_input_columns(parser: argparse.ArgumentParser, required: bool = True) -> None:
    group = parser.add_mutually_exclusive_group(required=required)
    group.add_argument("--text-column", help="column of raw text (featurized inside the end model)")
    group.add_argument("--feature-columns", nargs="+", help="numeric feature columns")


# ------------------------------------------------------------------ train
def run_train(args: argparse.Namespace) -> int:
    if (args.dev is None) != (args.dev_label_column is None):
        raise UsageError("--dev and --dev-label-column go together")
    if args.matrix is not None and args.columns is not None:
        raise UsageError("--columns only applies with --store (a saved matrix has no partition fingerprints)")
    out = _npz_output(args.out, args.overwrite)
    columns = _input_columns(args)
    if args.columns is not None:
        check_distinct(args.columns, "--columns")
    lm = label_models.load_model(args.model)
    pieces = _pieces(args.data, columns, "--data")
    dev_pieces = None if args.dev is None else _pieces(args.dev, [*columns, args.dev_label_column], "--dev")

    with _compute_on(args.scheduler):
        if args.store is not None:
            L = stored_matrix(args.store)
            where = f"--store {args.store}"
        else:
            L = LabelMatrix.load(args.matrix)
            where = f"--matrix {args.matrix}"
        check_model_fits(lm, L, args.model, where)
        run = getattr(L, "run", None)
        if args.store is not None:
            frames = _store_rows(pieces, run, args.columns, columns)
            L = L.compute()
        else:
            known = [piece.n_rows for piece in pieces]
            if None not in known and sum(known) != L.n_rows:
                raise DataFileError(f"--data {args.data} has {sum(known):,} rows; {where} has {L.n_rows:,}: "
                                    "pass the files the job labelled")
            frames = [read_piece(piece, columns) for piece in pieces]
            n = sum(len(f) for f in frames)
            if n != L.n_rows:
                raise DataFileError(f"--data {args.data} has {n:,} rows; {where} has {L.n_rows:,}: "
                                    "pass the files the job labelled")
    X = _features(frames, pieces, args)
    probs = lm.predict_proba(L)
    dev = {}
    if dev_pieces is not None:
        dev_frames = [read_piece(piece, [*columns, args.dev_label_column]) for piece in dev_pieces]
        dev = {"X_dev": _features(dev_frames, dev_pieces, args),
               "y_dev": _gold_labels(dev_frames, dev_pieces, args.dev_label_column, L.cardinality)}

    from ..endmodel import EndModel

    model = EndModel(metric=args.metric, seed=args.seed, device=args.device, progress=not args.no_progress)
    model.fit(X, probs, covered=L, **dev)
    path = model.save(out)
    print(f"EndModel ({model.selected_}) trained on {model.n_train_rows_:,} of {L.n_rows:,} rows; "
          f"{model.stop_reason_} → {path}")
    return 0


def _npz_output(out: str, overwrite: bool) -> Path:
    path = check_output(out, overwrite)
    if path.suffix != ".npz":
        raise UsageError(f"--out {out} must end in .npz")
    return path


def _input_columns(args: argparse.Namespace) -> list[str]:
    if args.text_column is not None:
        return [args.text_column]
    columns = list(args.feature_columns)
    check_distinct(columns, "--feature-columns")
    return columns


def _pieces(data: str, columns: Sequence[str], what: str) -> list[InputPiece]:
    """The pieces of ``data`` after checking that every file has ``columns``."""
    files = find_input_files(data)
    for file, names in read_schemas(files).items():
        missing = [c for c in columns if c not in names]
        if missing:
            raise DataFileError(f"{file} ({what}) has no column(s) {missing} (its columns: {names[:20]})")
    return plan_pieces(files)


def _store_rows(pieces: list[InputPiece], run, given: Sequence[str] | None,
                wanted: Sequence[str]) -> list[pd.DataFrame]:
    """Each piece read and matched, by row count and content fingerprint, to the run's partition.

    ``given`` is ``--columns`` (for runs that did not record their columns), ``wanted`` the
    input columns the end model needs.
    """
    check_pieces(pieces, run)
    covered = fingerprinted_columns(run, given)
    import dask

    # Read as 'weaklab apply' read them (the same Dask partitions, dtypes included), so
    # the fingerprints are comparable.
    data, _ = read_inputs(list(dict.fromkeys(piece.file for piece in pieces)), columns_to_read(covered, wanted))
    frames = list(dask.compute(*data.to_delayed(optimize_graph=True)))
    hint = ", with the --columns it read" if run.columns is None else ""
    for i, (piece, part, frame) in enumerate(zip(pieces, run.partitions, frames)):
        check_partition(frame, piece, i, part, hint, columns=covered)
    return frames


def _features(frames: list[pd.DataFrame], pieces: list[InputPiece], args: argparse.Namespace):
    """The text Series or numeric feature DataFrame of all rows, each row checked where it is read."""
    if args.text_column is not None:
        column = args.text_column
        for frame, piece in zip(frames, pieces):
            bad = ~frame[column].map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
            if bad.any():
                row = frame.index[np.flatnonzero(bad)[0]]
                raise DataFileError(f"{piece.file}: row {row} of --text-column {column!r} is "
                                    f"{frame[column].loc[row]!r}, not text")
        texts = pd.concat([frame[column] for frame in frames], ignore_index=True) if frames else pd.Series([], dtype=object)
        return texts.astype(object).rename(column)
    columns = list(args.feature_columns)
    parts = []
    for frame, piece in zip(frames, pieces):
        for column in columns:
            if not pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(frame[column]):
                raise DataFileError(f"{piece.file}: --feature-columns {column!r} is {frame[column].dtype}, not numeric")
        values = frame[columns].to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise DataFileError(f"{piece.file}: row {frame.index[r]} of --feature-columns {columns[c]!r} is "
                                f"{values[r, c]!r}; features must be finite")
        parts.append(frame[columns].astype(np.float32))
    return pd.concat(parts, ignore_index=True)


def _gold_labels(frames: list[pd.DataFrame], pieces: list[InputPiece], column: str, k: int) -> np.ndarray:
    for frame, piece in zip(frames, pieces):
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~(np.isfinite(values) & (np.mod(values, 1) == 0) & (values >= 0) & (values < k))
        if bad.any():
            row = frame.index[np.flatnonzero(bad)[0]]
            raise DataFileError(f"{piece.file}: row {row} of --dev-label-column {column!r} is "
                                f"{frame[column].loc[row]!r}; gold labels must be classes 0..{k - 1}")
    return np.concatenate([frame[column].to_numpy(dtype=np.float64) for frame in frames]).astype(np.int64)


# ------------------------------------------------------------ predict-end
def run_predict(args: argparse.Namespace) -> int:
    out = check_output(args.out, args.overwrite, folder=True)
    from ..endmodel import EndModel

    model = EndModel.load(args.model, device=args.device)
    trained_on = getattr(model, "feature_names_in_", None)
    text_model = model.featurizer_ is not None
    if args.text_column is None and args.feature_columns is None:
        if trained_on is None:
            raise UsageError(f"--model {args.model} does not record its input columns; pass "
                             f"{'--text-column' if text_model else '--feature-columns'}")
        if text_model:
            args.text_column = trained_on[0]
        else:
            args.feature_columns = list(trained_on)
    if text_model and args.text_column is None:
        raise UsageError(f"--model {args.model} was trained on text; pass --text-column, not --feature-columns")
    if not text_model and args.feature_columns is None:
        raise UsageError(f"--model {args.model} was trained on {model.n_features_in_} numeric features; "
                         "pass --feature-columns, not --text-column")
    columns = _input_columns(args)
    if not text_model and trained_on is not None and columns != trained_on:
        raise UsageError(f"--feature-columns {columns} differ from the columns the model was trained on: {trained_on}")
    if not text_model and len(columns) != model.n_features_in_:
        raise UsageError(f"--feature-columns names {len(columns)} columns; the model takes {model.n_features_in_}")
    wanted = columns + ([args.id_column] if args.id_column is not None and args.id_column not in columns else [])
    pieces = _pieces(args.data, wanted, "data")

    start = 0
    with staged_folder(out) as tmp:
        for i, piece in enumerate(pieces):
            frame = read_piece(piece, wanted)
            X = _features([frame], [piece], args)
            probs = model.predict_proba(X) if len(frame) else np.zeros((0, model.n_classes_))
            result = {args.id_column: frame[args.id_column].to_numpy()} if args.id_column is not None else \
                {"row": np.arange(start, start + len(frame), dtype=np.int64)}
            for c in range(probs.shape[1]):
                result[f"p_{c}"] = probs[:, c]
            result["label"] = probs.argmax(axis=1).astype(np.int64)
            pd.DataFrame(result).to_parquet(tmp / f"part-{i:05d}.parquet", index=False)
            start += len(frame)
    print(f"predictions for {start:,} rows ({model.n_classes_} classes) → {out}/ ({len(pieces)} files)")
    return 0
