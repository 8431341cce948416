"""Checks shared by the commands that read a store's run back with its label model and data."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..labeling.fingerprint import partition_fingerprint
from ..labeling.sources import DataFileError, InputPiece
from .errors import UsageError

__all__ = ["check_model_fits", "check_partition", "check_pieces", "columns_to_read", "fingerprinted_columns"]


def check_model_fits(model, L, model_path: str, where: str) -> None:
    """Refuse a label model fitted on other LFs (count, classes or, with a store, fingerprints) than ``L``."""
    n_lfs = getattr(model, "n_lfs_", L.n_lfs)
    k = getattr(model, "cardinality_", L.cardinality)
    if n_lfs != L.n_lfs or k != L.cardinality:
        raise UsageError(f"--model {model_path} was fitted on {n_lfs} LFs and {k} classes; "
                         f"{where} has {L.n_lfs} LFs and {L.cardinality} classes")
    recorded = getattr(model, "lf_fingerprints_", None)
    run = getattr(L, "run", None)
    if recorded is not None and run is not None and list(recorded) != [lf["fingerprint"] for lf in run.lfs]:
        raise UsageError(f"--model {model_path} was fitted on other LFs than the store's run applied; "
                         "refit it with 'weaklab fit --store'")


def check_pieces(pieces: list[InputPiece], run) -> None:
    """Before any work: one piece per partition of ``run``, with its row count where known (Parquet footers)."""
    parts = run.partitions
    if len(pieces) != len(parts):
        raise DataFileError(f"--data has {len(pieces)} partitions (Parquet row groups / CSV files); the store's run "
                            f"{run.run_id} has {len(parts)}: pass the files the job labelled")
    for i, (piece, part) in enumerate(zip(pieces, parts)):
        if piece.n_rows is not None:
            _check_rows(piece, i, part, piece.n_rows)


def fingerprinted_columns(run, given: Sequence[str] | None = None) -> list[str] | None:
    """The columns the run's partition fingerprints cover: those it recorded, else ``given``, else all (None).

    ``given`` is the ``--columns`` a user passes for a run written before weaklab recorded them;
    a run that recorded its columns refuses other ones.
    """
    if run.columns is None:
        return None if given is None else list(given)
    if given is not None and list(given) != run.columns:
        raise UsageError(f"--columns {list(given)}: the store's run {run.run_id} read columns {run.columns} "
                         "(recorded; --columns is not needed)")
    return list(run.columns)


def columns_to_read(fingerprinted: list[str] | None, wanted: Sequence[str]) -> list[str] | None:
    """The fingerprinted columns followed by the other ``wanted`` ones (None: every column)."""
    return None if fingerprinted is None else list(dict.fromkeys([*fingerprinted, *wanted]))


def check_partition(frame: pd.DataFrame, piece: InputPiece, i: int, part: dict, hint: str = "",
                    columns: list[str] | None = None) -> None:
    """``frame``, read from ``piece`` as 'weaklab apply' read it, is partition ``i`` (``part``) of the run.

    With ``columns``, only those columns of ``frame`` (in that order) are compared.
    """
    _check_rows(piece, i, part, len(frame))
    if partition_fingerprint(frame if columns is None else frame[columns]) != part["fingerprint"]:
        raise DataFileError(f"{piece.describe()} differs from partition {i} the store's run labelled (content "
                            f"fingerprint): pass the files the job labelled{hint}")


def _check_rows(piece: InputPiece, i: int, part: dict, n_rows: int) -> None:
    if n_rows != part["n_rows"]:
        raise DataFileError(f"{piece.describe()} has {n_rows:,} rows; partition {i} of the store's run "
                            f"has {part['n_rows']:,}: pass the files the job labelled")
