"""The input files of a batch job: found, checked before any work, read one piece per partition.

``weaklab apply DATA`` accepts a Parquet or CSV file, a folder of them, or a glob, on
local disk or at any fsspec URL. :func:`find_input_files` lists the files,
:func:`read_schemas` reads each one's columns (a Parquet footer, a CSV header: cheap,
and it catches a file that is not Parquet or CSV before the cluster starts),
:func:`check_lf_columns` checks that every column each LF reads is in every file, and
:func:`read_inputs` builds the Dask DataFrame: one partition per Parquet row group or
per CSV file, each with an index counting rows from the start of its file, so an error
on a row names its file and row. The same file always gives the same partitions, so a
store reuses their blocks.
"""

from __future__ import annotations

import csv
import warnings
from dataclasses import dataclass
from typing import Sequence

import fsspec
import pandas as pd

from .columns import columns_read
from .lf import LabelingFunction

__all__ = [
    "DataFileError",
    "InputPiece",
    "check_lf_columns",
    "find_input_files",
    "read_inputs",
    "read_schemas",
]

_PARQUET = (".parquet", ".pq", ".parq")
_CSV = (".csv",)


class DataFileError(ValueError):
    """An input file is missing, unreadable, malformed, or lacks a column an LF reads."""


@dataclass(frozen=True)
class InputPiece:
    """One partition of the input: a Parquet row group or a whole CSV file."""

    file: str
    kind: str  # "parquet" or "csv"
    row_group: int | None
    first_row: int
    n_rows: int | None  # known for Parquet from the footer; None for CSV

    def describe(self) -> str:
        """``file`` or ``file (row group g, rows a..b)`` for messages."""
        if self.kind == "csv":
            return self.file
        return f"{self.file} (row group {self.row_group}, rows {self.first_row}..{self.first_row + self.n_rows - 1})"


def _kind(path: str) -> str | None:
    low = path.lower()
    if low.endswith(_PARQUET):
        return "parquet"
    if low.endswith(_CSV):
        return "csv"
    return None


def find_input_files(data: str) -> list[str]:
    """The Parquet / CSV files named by ``data``: a file, a folder (searched recursively) or a glob.

    Examples
    --------
    >>> import pathlib, tempfile, pandas as pd
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"text": ["a"]}).to_csv(folder / "b.csv", index=False)
    >>> pd.DataFrame({"text": ["b"]}).to_parquet(folder / "a.parquet")
    >>> [pathlib.Path(f).name for f in find_input_files(str(folder))]
    ['a.parquet', 'b.csv']
    """
    if not isinstance(data, str) or not data:
        raise TypeError(f"data must be a path, folder, glob or URL, got {data!r}")
    fs, path = fsspec.core.url_to_fs(data)
    if any(ch in path for ch in "*?["):
        candidates = sorted(fs.glob(path))
        where = f"glob {data}"
    elif fs.isdir(path):
        candidates = sorted(fs.find(path))
        where = f"folder {data}"
    elif fs.exists(path):
        if _kind(path) is None:
            raise DataFileError(f"{data}: not a Parquet (.parquet) or CSV (.csv) file")
        candidates = [path]
        where = data
    else:
        raise DataFileError(f"{data}: no such file or folder")
    files = [p for p in candidates if _kind(p) is not None and not _hidden(p)]
    if not files:
        raise DataFileError(f"{where} holds no .parquet or .csv files")
    local = fs.protocol in ("file", ("file", "local")) or "file" in fs.protocol
    return [p if local else fs.unstrip_protocol(p) for p in files]


def _hidden(path: str) -> bool:
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name.startswith((".", "_"))


def read_schemas(files: Sequence[str]) -> dict[str, list[str]]:
    """Each file's column names, read from its Parquet footer or CSV header.

    Raises
    ------
    DataFileError
        Naming the file that cannot be read, is not Parquet / CSV, or has no columns.
    """
    import pyarrow.parquet as pq

    schemas: dict[str, list[str]] = {}
    for file in files:
        try:
            if _kind(file) == "parquet":
                with fsspec.open(file, "rb") as f:
                    schemas[file] = [n for n in pq.read_schema(f).names if n != "__index_level_0__"]
            else:
                with fsspec.open(file, "rt", encoding="utf-8", newline="") as f:
                    header = next(csv.reader(f), None)
                if not header:
                    raise DataFileError(f"{file}: empty CSV file (no header line)")
                schemas[file] = header
        except DataFileError:
            raise
        except Exception as exc:  # noqa: BLE001 - any reader failure means a bad file
            raise DataFileError(f"{file}: cannot read it as {_kind(file)}: {type(exc).__name__}: {exc}") from exc
        dupes = sorted({c for c in schemas[file] if schemas[file].count(c) > 1})
        if dupes:
            raise DataFileError(f"{file}: duplicate column names {dupes}")
    return schemas


def check_lf_columns(
    lfs: Sequence[LabelingFunction], schemas: dict[str, list[str]], columns: Sequence[str] | None = None
) -> None:
    """Raise :class:`DataFileError` naming the LF, the column and the file when a file lacks a column an LF reads.

    ``columns`` is the projection the job reads (``--columns``), if any.

    Examples
    --------
    >>> from weaklab import keyword_lf
    >>> check_lf_columns([keyword_lf("promo", ["free"], 1, column="body")], {"a.csv": ["text"]})
    Traceback (most recent call last):
    ...
    weaklab.labeling.sources.DataFileError: LF 'promo' reads column 'body', which a.csv does not have (its columns: ['text'])
    """
    for lf in lfs:
        for column in sorted(columns_read(lf)):
            if columns is not None and column not in columns:
                raise DataFileError(
                    f"LF {lf.name!r} reads column {column!r}, which --columns {list(columns)} leaves out"
                )
            for file, names in schemas.items():
                if column not in names:
                    raise DataFileError(
                        f"LF {lf.name!r} reads column {column!r}, which {file} does not have "
                        f"(its columns: {names[:20]}{' ...' if len(names) > 20 else ''})"
                    )


def plan_pieces(files: Sequence[str]) -> list[InputPiece]:
    """One piece per Parquet row group (row counts from the footer) and per CSV file."""
    import pyarrow.parquet as pq

    pieces: list[InputPiece] = []
    for file in files:
        if _kind(file) == "csv":
            pieces.append(InputPiece(file, "csv", None, 0, None))
            continue
        try:
            with fsspec.open(file, "rb") as f:
                meta = pq.ParquetFile(f).metadata
        except Exception as exc:  # noqa: BLE001
            raise DataFileError(f"{file}: cannot read its Parquet footer: {type(exc).__name__}: {exc}") from exc
        first = 0
        for g in range(meta.num_row_groups):
            n = meta.row_group(g).num_rows
            pieces.append(InputPiece(file, "parquet", g, first, n))
            first += n
    return pieces


def read_piece(piece: InputPiece, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read one piece (runs on a worker); the index counts rows from the start of its file."""
    import pyarrow.parquet as pq

    try:
        if piece.kind == "csv":
            with fsspec.open(piece.file, "rb") as f, warnings.catch_warnings():
                # A line with more fields than the header: pandas would take the first
                # column as the index and shift every value one column left, or (with
                # index_col=False) drop the extra field with only this warning.
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(f, usecols=list(columns) if columns else None, index_col=False)
            if columns:
                frame = frame[list(columns)]  # usecols keeps the file's order; Parquet keeps the one asked for
        else:
            with fsspec.open(piece.file, "rb") as f:
                table = pq.ParquetFile(f).read_row_group(piece.row_group, columns=list(columns) if columns else None)
            frame = table.to_pandas(ignore_metadata=True)
            frame = frame.drop(columns=[c for c in frame.columns if c == "__index_level_0__"])
    except Exception as exc:  # noqa: BLE001 - a malformed file, whatever the reader says
        raise DataFileError(f"{piece.describe()}: {type(exc).__name__}: {exc}") from None
    if piece.n_rows is not None and len(frame) != piece.n_rows:
        raise DataFileError(f"{piece.describe()}: read {len(frame)} rows, its footer says {piece.n_rows}")
    frame.index = pd.RangeIndex(piece.first_row, piece.first_row + len(frame))
    return frame


def read_inputs(files: Sequence[str], columns: Sequence[str] | None = None, schemas: dict[str, list[str]] | None = None):
    """A Dask DataFrame over ``files`` (one partition per piece) and the list of pieces.

    Partition ``i`` is ``pieces[i]``; its index counts rows from the start of its file.

    Examples
    --------
    >>> import pathlib, tempfile, pandas as pd
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"text": ["a", "b"]}).to_csv(folder / "one.csv", index=False)
    >>> pd.DataFrame({"text": ["c"]}).to_csv(folder / "two.csv", index=False)
    >>> ddf, pieces = read_inputs(find_input_files(str(folder)))
    >>> ddf.npartitions, ddf.compute(scheduler="sync").index.tolist()
    (2, [0, 1, 0])
    """
    import dask.dataframe as dd

    files = list(files)
    schemas = schemas if schemas is not None else read_schemas(files[:1])
    pieces = plan_pieces(files)
    names = list(columns) if columns else schemas[files[0]]
    meta = pd.DataFrame({name: pd.Series(dtype=object) for name in names})
    ddf = dd.from_map(read_piece, pieces, columns=columns, meta=meta, enforce_metadata=False,
                      label="weaklab-read")
    return ddf, pieces
