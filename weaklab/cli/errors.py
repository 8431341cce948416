"""Exit codes of the ``weaklab`` command, how an exception becomes one line on stderr, and outputs."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

from ..labeling import LFApplicationError
from ..labeling.lf_files import LFFileError
from ..labeling.sources import DataFileError

__all__ = ["EXIT_CODES_HELP", "EXIT_DRIFT", "UsageError", "check_distinct", "check_output", "exit_code_of",
           "staged_folder", "warn"]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_DATA = 3
EXIT_LF = 4
EXIT_CLUSTER = 5
EXIT_DRIFT = 6
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = f"""exit codes:
  {EXIT_OK}    success
  {EXIT_USAGE}    bad usage: an argument, option or output path is wrong (checked before any work)
  {EXIT_DATA}    bad input data: a file is missing, malformed, or lacks a column an LF reads
  {EXIT_LF}    an LF failed: its file raised on import, or it raised / returned an invalid vote on a row
  {EXIT_CLUSTER}    the Dask cluster failed (scheduler unreachable, workers lost)
  {EXIT_DRIFT}    weaklab monitor: an LF or the label model drifted (for a scheduled job to alert on)
  {EXIT_INTERNAL}    anything else (a bug in weaklab: rerun with --debug and report the traceback)
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C); rerunning the same command finishes what is missing

Errors are one line on stderr; --debug shows the traceback."""


class UsageError(ValueError):
    """A wrong argument, option or output path (exit code 2)."""


def exit_code_of(exc: BaseException) -> int:
    """The exit code for an exception that reached the command line."""
    if isinstance(exc, UsageError):
        return EXIT_USAGE
    if isinstance(exc, (LFApplicationError, LFFileError)):
        return EXIT_LF
    if isinstance(exc, (DataFileError, FileNotFoundError, IsADirectoryError, PermissionError)):
        return EXIT_DATA
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    name = type(exc).__name__
    if name in ("KilledWorker", "CommClosedError") or isinstance(exc, (TimeoutError, ConnectionError)):
        return EXIT_CLUSTER
    if isinstance(exc, (ValueError, TypeError, OSError)):
        return EXIT_DATA  # weaklab raises these on bad input, naming the file or value
    return EXIT_INTERNAL


def warn(message: str) -> None:
    """A warning line on stderr."""
    print(f"warning: {message}", file=sys.stderr)


def check_distinct(names: list[str], option: str) -> None:
    """Refuse an option that names a column more than once."""
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"{option} names a column more than once: {twice}")


def check_output(path: str | Path, overwrite: bool, *, folder: bool = False, what: str = "--out") -> Path:
    """Check, before any work, that ``path`` can be written and holds nothing it would overwrite.

    A file output needs an existing, writable parent folder; a folder output may exist
    only when empty. Either refuses an existing output unless ``overwrite``.
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{what} {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{what} {path}: folder {parent} is not writable")
    if folder:
        if path.exists() and not path.is_dir():
            raise UsageError(f"{what} {path} exists and is not a folder")
        if path.is_dir() and any(path.iterdir()) and not overwrite:
            raise UsageError(f"{what} {path} is not empty; pass --overwrite to replace what it holds")
        return path
    if path.is_dir():
        raise UsageError(f"{what} {path} is a folder, expected a file name")
    if path.exists() and not overwrite:
        raise UsageError(f"{what} {path} exists; pass --overwrite to replace it")
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{what} {path} exists and is not writable")
    return path


@contextmanager
def staged_folder(path: Path):
    """Yield an empty temporary sibling of folder ``path`` to write the whole output into.

    When the block ends without error the temporary folder takes the place of ``path``
    (an existing ``path`` and all it holds are replaced only then); on error it is
    removed, and ``path`` is left as it was. Call :func:`check_output` first.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    tmp.mkdir()
    try:
        yield tmp
        if path.exists():
            old = tmp.with_suffix(".old")
            path.rename(old)
            try:
                tmp.rename(path)
            except BaseException:
                old.rename(path)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
