"""Labeling functions, preprocessors, rows, and their fingerprints.

A labeling function (LF) votes a class ``0..k-1`` for a row or abstains with
:data:`ABSTAIN` (``-1``). Two kinds exist:

* row-wise: ``f(row, **resources) -> int`` called once per row; the row is a
  :class:`Row` (a named tuple of the DataFrame's columns, readable as ``row.text``
  or ``row["text"]``);
* batch (``batch=True``): ``f(frame, **resources) -> 1-D int array`` called once per
  pandas partition, the fast path for vectorised heuristics.

Every LF has a :attr:`~LabelingFunction.fingerprint`, a SHA-256 over what determines
its output: its code (the source text and the compiled bytecode, so an edited file whose
module was not reloaded, or two lambdas on one line, cannot pass for each other), the
values it reads from globals, closures, defaults and resources, the code of the user
functions, methods and classes it calls, and its preprocessors. Its name is not part of
it. What is followed:

* ``functools.partial`` objects (function, arguments), bound methods (function and the
  instance's attributes) and callable instances (``__call__`` and the attributes);
* attributes it reads (``cfg.T``, ``Cfg.T``, ``model.w``) of user modules, user classes
  and their instances; a library module or class (NumPy, the standard library, any
  installed package) counts by name only, so upgrading a library does not change a
  fingerprint;
* objects without a stable text form count by their type and attributes.

The fingerprint is read afresh at the start of every :func:`~weaklab.labeling.apply.apply_lfs`
call, so a global list edited in a notebook between two runs is seen. A new Python version
compiles different bytecode: every LF gets a new fingerprint once (its votes are recomputed,
never reused wrongly). What it cannot see: state behind a library object's attributes (an
open file, a database), and randomness; an LF that reads those should be given its data
as a resource.
"""

from __future__ import annotations

import builtins
import collections
import dis
import functools
import hashlib
import inspect
import operator
import re
import sys
import sysconfig
import textwrap
import types
import warnings
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..matrix import ABSTAIN

__all__ = [
    "ABSTAIN",
    "LabelingFunction",
    "Preprocessor",
    "Row",
    "keyword_lf",
    "labeling_function",
    "preprocessor",
    "regex_lf",
]


# ----------------------------------------------------------------------- rows
class Row(tuple):
    """One data row as LFs see it: a named tuple of the frame's columns.

    Fields read as attributes (``row.text``) or by column name (``row["text"]``),
    which also works for column names that are not Python identifiers. Rows are
    immutable; a :class:`Preprocessor` adds fields with :meth:`with_fields`.

    Examples
    --------
    >>> from weaklab.labeling.lf import row_type
    >>> row = row_type(["text", "my col"])(["Hi there", 3])
    >>> row.text, row["my col"], row.get("missing", "-")
    ('Hi there', 3, '-')
    >>> row.with_fields(n_words=2).n_words
    2
    """

    __slots__ = ()
    _columns: tuple[str, ...] = ()
    _pos: dict[str, int] = {}

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._pos[key])
            except KeyError:
                raise KeyError(f"row has no column {key!r}; columns: {list(self._columns)}") from None
        return tuple.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        """The value of column ``key``, or ``default`` when there is no such column."""
        pos = self._pos.get(key)
        return default if pos is None else tuple.__getitem__(self, pos)

    def keys(self) -> tuple[str, ...]:
        """Column names, in order."""
        return self._columns

    def to_dict(self) -> dict[str, Any]:
        """The row as a ``{column: value}`` dict."""
        return dict(zip(self._columns, self))

    def with_fields(self, **fields: Any) -> "Row":
        """A new row with ``fields`` added (or replaced)."""
        values = self.to_dict()
        values.update(fields)
        return row_type(tuple(values))(values.values())

    def __repr__(self) -> str:
        inner = ", ".join(f"{c}={v!r}" for c, v in zip(self._columns, self))
        return f"Row({inner})"

    def __reduce__(self):
        return (_rebuild_row, (self._columns, tuple(self)))


_ROW_TYPES: dict[tuple[str, ...], type] = {}


def row_type(columns: Sequence[str]) -> Callable[[Iterable[Any]], Row]:
    """A constructor of :class:`Row` objects with the given columns (cached per columns)."""
    columns = tuple(str(c) for c in columns)
    cls = _ROW_TYPES.get(columns)
    if cls is None:
        pos = {c: i for i, c in enumerate(columns)}
        if len(pos) < len(columns):
            repeated = sorted({c for c in columns if columns.count(c) > 1})
            raise ValueError(f"column names {repeated} repeat once written as strings; a row names each "
                             "column once, so rename them")
        # Columns that cannot be attributes (or would hide Row's methods) stay readable
        # as row["name"]; namedtuple's rename turns them into positional "_i" fields.
        fields = [c if c not in vars(Row) else "_" for c in columns]
        base = collections.namedtuple("_RowBase", fields, rename=True)
        # rename also renames a column called "_j" (at another position): row._j must
        # read that column, not the one renamed "_j".
        own = {c: property(operator.itemgetter(i)) for i, c in enumerate(columns)
               if re.fullmatch(r"_\d+", c) and base._fields[i] != c}
        cls = type("Row", (Row, base), {"__slots__": (), "_columns": columns, "_pos": pos, **own})
        _ROW_TYPES[columns] = cls
    new = tuple.__new__
    return lambda values: new(cls, values)


def _rebuild_row(columns: tuple[str, ...], values: tuple) -> Row:
    return row_type(columns)(values)


def iter_rows(frame: pd.DataFrame) -> Iterable[Row]:
    """Iterate over a DataFrame's rows as :class:`Row` objects (values as Python scalars)."""
    make = row_type(frame.columns)
    return map(make, zip(*(frame[c].tolist() for c in frame.columns))) if len(frame.columns) else (
        make(()) for _ in range(len(frame))
    )


# ---------------------------------------------------------------- fingerprint
_PLAIN = (type(None), bool, int, float, complex, str)


def _canonical(obj: Any, seen: set[int]) -> str:
    """A text that is equal for equal values, across processes and machines."""
    if isinstance(obj, _PLAIN):
        return f"{type(obj).__name__}:{obj!r}"
    if isinstance(obj, bytes):
        return "bytes:" + hashlib.sha256(obj).hexdigest()
    if isinstance(obj, (list, tuple)):
        return f"{type(obj).__name__}[" + ",".join(_canonical(x, seen) for x in obj) + "]"
    if isinstance(obj, (set, frozenset)):
        return "set{" + ",".join(sorted(_canonical(x, seen) for x in obj)) + "}"
    if isinstance(obj, Mapping):
        items = sorted((_canonical(k, seen), _canonical(v, seen)) for k, v in obj.items())
        return "dict{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    if isinstance(obj, np.generic):
        return f"np.{obj.dtype}:{obj.item()!r}"
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            return f"ndarray[{obj.shape}](" + _canonical(obj.tolist(), seen) + ")"
        data = np.ascontiguousarray(obj)
        return f"ndarray[{obj.dtype.str},{obj.shape}]:" + hashlib.sha256(data.tobytes()).hexdigest()
    if isinstance(obj, (pd.DataFrame, pd.Series, pd.Index)):
        hashed = pd.util.hash_pandas_object(obj, index=not isinstance(obj, pd.Index)).to_numpy()
        return f"{type(obj).__name__}:" + hashlib.sha256(hashed.tobytes()).hexdigest() + _canonical(
            list(map(str, getattr(obj, "columns", []))), seen
        )
    if isinstance(obj, re.Pattern):
        return f"re:{obj.pattern!r}/{obj.flags}"
    if isinstance(obj, (LabelingFunction, Preprocessor)):
        if id(obj) in _BEING_FINGERPRINTED:  # an LF whose code names itself
            return f"{type(obj).__name__}:self"
        return f"{type(obj).__name__}:{obj.fingerprint}"
    if isinstance(obj, (types.FunctionType, types.MethodType, functools.partial)):
        return _code_identity(obj, seen)
    if isinstance(obj, types.ModuleType):
        return f"module:{obj.__name__}"
    if isinstance(obj, type):
        return f"class:{obj.__module__}.{obj.__qualname__}"
    name = f"{type(obj).__module__}.{type(obj).__qualname__}"
    if id(obj) in seen:
        return f"recursive:{name}"
    try:
        text = repr(obj)
    except Exception:  # noqa: BLE001 - a user's broken __repr__ must not stop the run
        text = None
    # Reprs that carry a memory address differ between processes: the type and the
    # attributes count then (a repr without one may still hide state: add the attributes).
    stable = text is not None and not re.search(r" at 0x[0-9a-fA-F]+", text)
    head = f"repr:{name}:{text}" if stable else f"object:{name}"
    state = getattr(obj, "__dict__", None)
    if isinstance(state, dict) and state:
        head += ":attrs=" + _canonical(state, seen | {id(obj)})
    return head


_GLOBAL_OPS = frozenset({"LOAD_GLOBAL", "LOAD_NAME"})
_ATTR_OPS = frozenset({"LOAD_ATTR", "LOAD_METHOD", "LOAD_SUPER_ATTR"})


def _referenced_names(code: types.CodeType) -> tuple[set[str], set[str]]:
    """``(globals, attributes)`` the code (and the code nested in it) reads.

    ``co_names`` mixes both: an LF reading ``row.text`` does not read a global ``text``.
    """
    globals_, attrs = set(), set()
    for ins in dis.get_instructions(code):
        if ins.opname in _GLOBAL_OPS:
            globals_.add(ins.argval)
        elif ins.opname in _ATTR_OPS:
            attrs.add(ins.argval)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            inner_globals, inner_attrs = _referenced_names(const)
            globals_ |= inner_globals
            attrs |= inner_attrs
    return globals_, attrs


_LIBRARY_DIRS = tuple({str(Path(p).resolve()) for key in ("stdlib", "platstdlib", "purelib", "platlib")
                       if (p := sysconfig.get_paths().get(key))})


def _is_user_code(obj: Any) -> bool:
    """Whether ``obj`` (a module, a class or an instance) comes from the user's code rather
    than from the standard library or an installed package, whose attributes are not followed."""
    if not isinstance(obj, (types.ModuleType, type)):
        obj = type(obj)
    module = obj if isinstance(obj, types.ModuleType) else sys.modules.get(obj.__module__)
    if module is None or module.__name__ in sys.builtin_module_names or module.__name__ == "builtins":
        return False
    file = getattr(module, "__file__", None)
    if file is None:
        return True  # built in a session (types.ModuleType, exec): the user's
    path = str(Path(file).resolve())
    return not any(path.startswith(d + "/") or path.startswith(d + "\\") for d in _LIBRARY_DIRS)


def _attributes_read(value: Any, attrs: set[str], seen: set[int]) -> list[str]:
    """``.name=...`` of the attributes in ``attrs`` that ``value`` (user code only) has."""
    if isinstance(value, (LabelingFunction, Preprocessor)) or not _is_user_code(value):
        return []
    out = []
    for attr in sorted(attrs):
        try:
            member = inspect.getattr_static(value, attr)
        except AttributeError:
            continue
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        elif isinstance(member, property):
            member = member.fget
        if isinstance(member, types.ModuleType) or member is None:
            continue
        out.append(f".{attr}=" + _canonical(member, seen))
    return out


def _code_text(code: types.CodeType) -> str:
    parts = [code.co_code.hex(), repr(code.co_names), repr(code.co_varnames)]
    for const in code.co_consts:
        parts.append(_code_text(const) if isinstance(const, types.CodeType) else repr(const))
    return "|".join(parts)


def _code_identity(fn: Callable, seen: set[int]) -> str:
    """Source of ``fn`` plus plain values and user functions it reads from globals/closure."""
    fn = inspect.unwrap(fn)
    if id(fn) in seen:
        return f"recursive:{getattr(fn, '__qualname__', '?')}"
    seen = seen | {id(fn)}
    if isinstance(fn, functools.partial):
        return ("partial{" + _code_identity(fn.func, seen) + ";args=" + _canonical(fn.args, seen)
                + ";keywords=" + _canonical(fn.keywords, seen) + "}")
    if isinstance(fn, types.MethodType):
        return "method{" + _code_identity(fn.__func__, seen) + ";self=" + _canonical(fn.__self__, seen) + "}"
    if not isinstance(fn, types.FunctionType):
        kind = f"{type(fn).__module__}.{type(fn).__qualname__}"
        call = getattr(type(fn), "__call__", None)
        if not isinstance(fn, type) and isinstance(call, types.FunctionType):  # a callable instance
            return f"callable:{kind}:" + _code_identity(call, seen) + ":" + _canonical(getattr(fn, "__dict__", {}), seen)
        return f"callable:{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        source = "(no source)"  # code built with exec: the bytecode below identifies it
    # The bytecode too: the source is read from the file now, the code is what runs (a
    # module edited but not reloaded), and lambdas on one line share their source line.
    parts = [source, "code=" + _code_text(fn.__code__)]
    if fn.__defaults__:
        parts.append("defaults=" + _canonical(fn.__defaults__, seen))
    if fn.__kwdefaults__:
        parts.append("kwdefaults=" + _canonical(fn.__kwdefaults__, seen))
    if fn.__closure__:
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__):
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            parts.append(f"closure {name}=" + _canonical(value, seen))
    global_names, attrs = _referenced_names(fn.__code__)
    for name in sorted(global_names):
        if name not in fn.__globals__ or name in builtins.__dict__ and fn.__globals__[name] is builtins.__dict__[name]:
            continue
        value = fn.__globals__[name]
        parts.append(f"global {name}=" + _canonical(value, seen) + "".join(_attributes_read(value, attrs, seen)))
    if fn.__closure__:
        for cell in fn.__closure__:
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            parts.extend(_attributes_read(value, attrs, seen))
    return "function{" + "\n".join(parts) + "}"


_BEING_FINGERPRINTED: set[int] = set()


def _fingerprint(kind: str, fn: Callable, resources: Mapping[str, Any], pre: Sequence["Preprocessor"]) -> str:
    text = "\n".join(
        [
            f"weaklab-fingerprint-v2 {kind}",
            _code_identity(fn, set()),
            "resources=" + _canonical(dict(resources), set()),
            "pre=" + ",".join(p.fingerprint for p in pre),
        ]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def refresh_fingerprints(lfs: Iterable["LabelingFunction"]) -> None:
    """Compute the fingerprints of ``lfs`` and their preprocessors afresh, here.

    A fingerprint is kept once computed, but what it covers can change in a running
    session (a global keyword list appended to in a notebook): :func:`apply_lfs` calls this
    first, so the store never serves votes of the LF as it was, and so they are computed
    where the LFs' source can be read, before the LFs are shipped to workers.

    Examples
    --------
    >>> WORDS = ["free"]
    >>> lf = LabelingFunction("spammy", lambda row: 1 if row["text"] in WORDS else -1)
    >>> before = lf.fingerprint
    >>> WORDS.append("win")
    >>> lf.fingerprint == before  # kept
    True
    >>> refresh_fingerprints([lf]); lf.fingerprint == before
    False
    """
    for lf in lfs:
        for p in lf.pre:
            vars(p).pop("fingerprint", None)
        vars(lf).pop("fingerprint", None)
        lf.fingerprint  # noqa: B018 - computed and kept now


# -------------------------------------------------------------- preprocessors
class Preprocessor:
    """Enriches a row before LFs see it.

    ``f(row, **resources)`` returns a mapping of fields to add to (or replace in) the
    row, or a whole new :class:`Row`. During one application a preprocessor runs
    once per row, however many LFs use it.

    Parameters
    ----------
    name : str
    f : callable
    resources : mapping, optional
        Extra keyword arguments passed to ``f``.

    Examples
    --------
    >>> from weaklab import LabelingFunction, Preprocessor
    >>> lower = Preprocessor("lower", lambda row: {"low": row.text.lower()})
    >>> shouts = LabelingFunction("shouts", lambda row: 1 if row.text != row.low else -1, pre=[lower])
    >>> shouts({"text": "BUY NOW"}), shouts({"text": "nice song"})
    (1, -1)
    """

    def __init__(self, name: str, f: Callable, resources: Mapping[str, Any] | None = None) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"preprocessor name must be a non-empty string, got {name!r}")
        if not callable(f):
            raise TypeError(f"preprocessor {name!r}: f must be callable, got {type(f).__name__}")
        self.name = name
        self.f = f
        self.resources = dict(resources or {})

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the preprocessor's code and resources."""
        _BEING_FINGERPRINTED.add(id(self))
        try:
            return _fingerprint("preprocessor", self.f, self.resources, ())
        finally:
            _BEING_FINGERPRINTED.discard(id(self))

    def __call__(self, row: Row) -> Row:
        out = self.f(row, **self.resources)
        if isinstance(out, Row):
            return out
        if isinstance(out, Mapping):
            return row.with_fields(**out)
        raise TypeError(
            f"preprocessor {self.name!r} must return a mapping of new fields or a Row, "
            f"got {type(out).__name__}"
        )

    def __repr__(self) -> str:
        return f"Preprocessor({self.name!r})"


def preprocessor(name: str | None = None, *, resources: Mapping[str, Any] | None = None) -> Callable[[Callable], Preprocessor]:
    """Decorator that turns ``f(row, **resources) -> dict of new fields`` into a :class:`Preprocessor`.

    Examples
    --------
    >>> @preprocessor()
    ... def lower(row):
    ...     return {"text_lower": row.text.lower()}
    """
    if callable(name):
        return Preprocessor(name.__name__, name)  # used bare: @preprocessor

    def wrap(f: Callable) -> Preprocessor:
        return Preprocessor(name or f.__name__, f, resources)

    return wrap


# ---------------------------------------------------------- labeling functions
class LabelingFunction:
    """A heuristic that votes a class ``0..k-1`` or abstains (``-1``).

    Parameters
    ----------
    name : str
        Unique name (the column name in the label matrix).
    f : callable
        ``f(row, **resources) -> int`` or, with ``batch=True``,
        ``f(frame, **resources) -> 1-D int array`` of the frame's length.
    resources : mapping, optional
        Extra keyword arguments passed to ``f``; part of the fingerprint.
    pre : sequence of Preprocessor, optional
        Run in order on each row before ``f`` (row-wise LFs only).
    batch : bool
        Whether ``f`` labels a whole pandas partition at once.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from weaklab import LabelingFunction
    >>> short = LabelingFunction("short", lambda row, limit: 0 if len(row.text) < limit else -1, resources={"limit": 5})
    >>> short({"text": "ok"}), short({"text": "a long comment"})
    (0, -1)
    >>> links = LabelingFunction("links", lambda frame: np.where(frame.text.str.contains("http"), 1, -1), batch=True)
    >>> links(pd.DataFrame({"text": ["see http://x.co", "lovely"]})).tolist()
    [1, -1]
    >>> len(short.fingerprint)  # SHA-256 of code, resources and preprocessors
    64
    """

    def __init__(
        self,
        name: str,
        f: Callable,
        *,
        resources: Mapping[str, Any] | None = None,
        pre: Sequence[Preprocessor] | None = None,
        batch: bool = False,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"LF name must be a non-empty string, got {name!r}")
        if not callable(f):
            raise TypeError(f"LF {name!r}: f must be callable, got {type(f).__name__}")
        if resources is not None and not isinstance(resources, Mapping):
            raise TypeError(f"LF {name!r}: resources must be a mapping, got {type(resources).__name__}")
        pre = tuple(pre or ())
        for p in pre:
            if not isinstance(p, Preprocessor):
                raise TypeError(
                    f"LF {name!r}: pre must hold Preprocessor objects (use @preprocessor()), got {p!r}"
                )
        if batch and pre:
            raise ValueError(
                f"LF {name!r}: batch LFs take no preprocessors; transform the frame inside the LF"
            )
        self.name = name
        self.f = f
        self.resources = dict(resources or {})
        self.pre = pre
        self.batch = bool(batch)

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of what determines the LF's output: code, resources, preprocessors.

        Computed once and kept; :func:`~weaklab.labeling.apply.apply_lfs` reads it afresh
        (:func:`refresh_fingerprints`) at the start of each call.
        """
        _BEING_FINGERPRINTED.add(id(self))
        try:
            return _fingerprint("batch" if self.batch else "row", self.f, self.resources, self.pre)
        finally:
            _BEING_FINGERPRINTED.discard(id(self))

    def __call__(self, x: Any) -> Any:
        """Vote on one row (row-wise LF) or one frame (batch LF); preprocessors run first."""
        if self.batch:
            return self.f(x, **self.resources)
        if not isinstance(x, Row):
            x = _as_row(x)
        for p in self.pre:
            x = p(x)
        return self.f(x, **self.resources)

    def __repr__(self) -> str:
        kind = "batch" if self.batch else "row-wise"
        return f"LabelingFunction({self.name!r}, {kind})"


def _as_row(x: Any) -> Row:
    if isinstance(x, pd.Series):
        return row_type(x.index)(x.tolist())
    if isinstance(x, Mapping):
        return row_type(tuple(x))(tuple(x.values()))
    raise TypeError(f"expected a Row, pandas Series or mapping, got {type(x).__name__}")


def labeling_function(
    name: str | None = None,
    *,
    resources: Mapping[str, Any] | None = None,
    pre: Sequence[Preprocessor] | None = None,
    batch: bool = False,
) -> Callable[[Callable], LabelingFunction]:
    """Decorator that makes a :class:`LabelingFunction`; the name defaults to the function's.

    Examples
    --------
    >>> @labeling_function()
    ... def mentions_subscribe(row):
    ...     return 1 if "subscribe" in row.text.lower() else ABSTAIN
    >>> mentions_subscribe.name
    'mentions_subscribe'
    """
    if callable(name):
        return LabelingFunction(name.__name__, name)  # used bare: @labeling_function

    def wrap(f: Callable) -> LabelingFunction:
        return LabelingFunction(name or f.__name__, f, resources=resources, pre=pre, batch=batch)

    return wrap


# ------------------------------------------------------------ vectorised LFs
def _regex_votes(frame: pd.DataFrame, *, column: str, pattern: str, flags: int, label: int) -> np.ndarray:
    """Vote ``label`` where ``pattern`` matches ``frame[column]``, else abstain."""
    if column not in frame.columns:
        raise KeyError(f"no column {column!r}; columns: {list(frame.columns)}")
    text = frame[column]
    if not (pd.api.types.is_string_dtype(text.dtype) or text.dtype == object):
        text = text.astype("str")
    # Passing IGNORECASE as case=False (not as a flag) keeps pandas on pyarrow's fast
    # RE2 path for Arrow-backed strings; other flags force Python's re.
    case = not flags & re.IGNORECASE
    flags &= ~re.IGNORECASE
    with warnings.catch_warnings():
        # pandas warns about capture groups in a contains() pattern; they are harmless here.
        warnings.filterwarnings("ignore", "This pattern is interpreted as a regular expression")
        hit = text.str.contains(pattern, case=case, flags=flags, regex=True, na=False).to_numpy(dtype=bool)
    return np.where(hit, label, ABSTAIN).astype(np.int64)


def _check_label_arg(name: str, label: object) -> int:
    if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, np.integer)) or label < 0:
        raise ValueError(f"LF {name!r}: label must be a class index >= 0, got {label!r}")
    return int(label)


def regex_lf(
    name: str, pattern: str | re.Pattern, label: int, *, column: str = "text", flags: int = re.IGNORECASE
) -> LabelingFunction:
    r"""A batch LF that votes ``label`` where ``pattern`` matches (``re.search``) in ``column``.

    Parameters
    ----------
    name : str
    pattern : str or compiled pattern
    label : int
        The class voted on a match; other rows abstain.
    column : str
        Text column to search.
    flags : int
        ``re`` flags; case-insensitive by default (ignored for a compiled pattern,
        whose own flags are used).

    Notes
    -----
    Matching runs through ``Series.str.contains``. On Arrow-backed string columns
    (pandas' default ``str`` dtype) pandas evaluates patterns that RE2 supports with
    RE2, where ``\b``, ``\w`` and ``\d`` are ASCII-only; other patterns and object
    columns use Python's ``re``.

    Examples
    --------
    >>> import pandas as pd
    >>> lf = regex_lf("link", r"https?://", 1)
    >>> lf(pd.DataFrame({"text": ["Visit HTTP://spam.biz", "great song"]})).tolist()
    [1, -1]
    """
    label = _check_label_arg(name, label)
    if isinstance(pattern, re.Pattern):
        pattern, flags = pattern.pattern, pattern.flags & ~re.UNICODE
    if not isinstance(pattern, str):
        raise TypeError(f"LF {name!r}: pattern must be a string, got {type(pattern).__name__}")
    try:
        re.compile(pattern, flags)
    except re.error as e:
        raise ValueError(f"LF {name!r}: invalid regular expression {pattern!r}: {e}") from None
    return LabelingFunction(
        name,
        _regex_votes,
        resources={"column": column, "pattern": pattern, "flags": int(flags), "label": label},
        batch=True,
    )


def keyword_lf(
    name: str,
    keywords: str | Sequence[str],
    label: int,
    *,
    column: str = "text",
    case_sensitive: bool = False,
) -> LabelingFunction:
    """A batch LF that votes ``label`` when any keyword or phrase occurs as whole words.

    Word boundaries apply at both ends of each keyword, so ``"free"`` matches
    "Free gift" but not "carefree". Case-insensitive unless ``case_sensitive``.

    Examples
    --------
    >>> import pandas as pd
    >>> lf = keyword_lf("free", ["free", "gift card"], 1)
    >>> lf(pd.DataFrame({"text": ["Free Gift Card!", "a carefree song", "free"]})).tolist()
    [1, -1, 1]
    """
    if isinstance(keywords, str):
        keywords = [keywords]
    keywords = list(keywords)
    if not keywords or not all(isinstance(k, str) and k for k in keywords):
        raise ValueError(f"LF {name!r}: keywords must be non-empty strings, got {keywords!r}")
    alternatives = []
    for kw in keywords:
        escaped = re.escape(kw)
        # \b only works next to word characters; around other characters use look-arounds.
        start = r"\b" if re.match(r"\w", kw[0]) else r"(?<!\w)"
        end = r"\b" if re.match(r"\w", kw[-1]) else r"(?!\w)"
        alternatives.append(start + escaped + end)
    pattern = "(?:" + "|".join(alternatives) + ")"
    return regex_lf(name, pattern, label, column=column, flags=0 if case_sensitive else re.IGNORECASE)
