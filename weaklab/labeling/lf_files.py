"""LFs defined in a user's Python file or module, ready to run on any Dask cluster.

:func:`load_lfs` reads the LFs of a batch job (``weaklab apply --lfs``):

* ``path/to/my_lfs.py``: the file is imported with its own folder first on
  ``sys.path``, so it may ``import helpers`` (or a helper package) sitting beside it;
* ``package.module``: imported with the current folder first on ``sys.path`` (as
  ``python -m`` does), so a package in the current folder works.

The workers of a real cluster have neither the file nor its helpers. Every module that
loading imported from the LF file's folder (or the current folder, for a module name)
is therefore registered with cloudpickle to travel *by value*: functions, classes and
constants of those modules are sent with the LFs, nothing needs installing or
uploading. Modules installed in the environment (numpy, weaklab, ...) travel by
reference as usual and must be installed on the workers.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import sysconfig
from pathlib import Path
from types import ModuleType

import cloudpickle

from .lf import LabelingFunction

__all__ = ["LFFileError", "load_lfs"]


class LFFileError(ValueError):
    """The LF file or module cannot be loaded, or defines no LFs."""


def load_lfs(spec: str) -> list[LabelingFunction]:
    """The LFs of a ``.py`` file or importable module: its ``LFS`` list, else every LF it defines.

    Parameters
    ----------
    spec : str
        A path ending in ``.py``, or a dotted module name importable from the current folder.

    Returns
    -------
    list of LabelingFunction
        In the order of ``LFS``, else in the order the module defines them.

    Raises
    ------
    LFFileError
        The file does not exist, raises on import (the message names the file and
        line), or defines no LFs.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "words.py").write_text("SPAM = ('subscribe', 'free')\\n")
    >>> _ = (folder / "my_lfs.py").write_text(
    ...     "from weaklab import keyword_lf\\nfrom words import SPAM\\n"
    ...     "promo = keyword_lf('promo', list(SPAM), 1)\\n")
    >>> [lf.name for lf in load_lfs(str(folder / "my_lfs.py"))]
    ['promo']
    """
    if not isinstance(spec, str) or not spec:
        raise TypeError(f"the LF spec must be a path or module name, got {spec!r}")
    before = set(sys.modules)
    if spec.endswith(".py"):
        path = Path(spec).resolve()
        if not path.is_file():
            raise LFFileError(f"LF file {spec} does not exist")
        base = path.parent
        name = f"weaklab_user_lfs_{path.stem}"
        with _first_on_path(base):
            module_spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            try:
                module_spec.loader.exec_module(module)
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - user code may raise anything, exit() too
                sys.modules.pop(name, None)
                raise LFFileError(f"LF file {spec} raised on import: {_where(exc, path)}") from exc
    else:
        base = Path.cwd().resolve()
        with _first_on_path(base):
            try:
                module = importlib.import_module(spec)
            except ModuleNotFoundError as exc:
                if exc.name and spec.startswith(exc.name):
                    raise LFFileError(f"no module named {spec!r} in the current folder or the environment") from exc
                raise LFFileError(f"LF module {spec} raised on import: {_where(exc, None)}") from exc
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - exit() in a module is no success either
                raise LFFileError(f"LF module {spec} raised on import: {_where(exc, None)}") from exc
    for mod in _local_modules(set(sys.modules) - before | {module.__name__}, base):
        cloudpickle.register_pickle_by_value(mod)
    found = getattr(module, "LFS", None)
    if found is None:
        found = [v for v in vars(module).values() if isinstance(v, LabelingFunction)]
    try:
        lfs = list(found)
    except TypeError:
        raise LFFileError(f"{spec}: LFS must be a list of LabelingFunction objects") from None
    if not lfs:
        raise LFFileError(f"{spec} defines no LabelingFunction objects")
    for lf in lfs:
        if not isinstance(lf, LabelingFunction):
            raise LFFileError(f"{spec}: LFS holds {lf!r}, not a LabelingFunction (use @labeling_function())")
    return lfs


class _first_on_path:
    """``folder`` first on ``sys.path`` while importing (left there: workers unpickling
    by value do not need it, but lazy imports inside the LF module on the client do)."""

    def __init__(self, folder: Path) -> None:
        self.folder = str(folder)

    def __enter__(self) -> None:
        if self.folder not in sys.path:
            sys.path.insert(0, self.folder)
        importlib.invalidate_caches()

    def __exit__(self, *exc) -> None:
        return None


def _local_modules(names: set[str], base: Path) -> list[ModuleType]:
    """Modules among ``names`` whose file lies under ``base`` and outside installed packages."""
    installed = {Path(p).resolve() for p in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}}
    weaklab_root = Path(__file__).resolve().parents[1]
    out = []
    for name in sorted(names):
        mod = sys.modules.get(name)
        file = getattr(mod, "__file__", None)
        if mod is None or not file:
            continue
        path = Path(file).resolve()
        if not path.is_relative_to(base) or path.is_relative_to(weaklab_root):
            continue
        if any(path.is_relative_to(p) for p in installed):
            continue
        # Only top-level modules or packages: cloudpickle covers submodules of a package.
        if "." in name and name.rsplit(".", 1)[0] in {m.__name__ for m in out}:
            continue
        out.append(mod)
    return out


def _where(exc: BaseException, path: Path | None) -> str:
    """``Type: message (file:line)`` of the innermost frame in user code."""
    tb = exc.__traceback__
    location = ""
    while tb is not None:
        file = tb.tb_frame.f_code.co_filename
        if os.path.exists(file) and (path is None or os.path.samefile(file, path)):
            location = f" ({file}, line {tb.tb_lineno})"
        tb = tb.tb_next
    if isinstance(exc, SyntaxError) and exc.lineno:
        location = f" ({exc.filename}, line {exc.lineno})"
    return f"{type(exc).__name__}: {exc}{location}"
