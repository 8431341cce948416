"""Which data columns an LF reads, found in its code, so a batch job can check its inputs first.

:func:`columns_read` looks at the LF's source (and its preprocessors') for the forms
that name a column of the argument the function receives:

* row-wise LFs and preprocessors: ``row.NAME`` and ``row["NAME"]``;
* batch LFs: ``df.NAME``, ``df["NAME"]`` and ``df[["A", "B"]]``;
* :func:`~weaklab.keyword_lf` / :func:`~weaklab.regex_lf`: their ``column``.

Fields a preprocessor adds (the keys of the dict literals it returns) are not data
columns. The analysis is conservative: it may miss a column (one read through a helper
function, ``row.get(...)``, or after the argument is rebound), never invents one; a
column it misses still fails at run time, naming the LF and the row.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Callable

import pandas as pd

from .lf import LabelingFunction, Row

__all__ = ["columns_read"]

_ROW_ATTRIBUTES = frozenset(dir(Row)) | frozenset(dir(tuple))
_FRAME_ATTRIBUTES = frozenset(dir(pd.DataFrame))


def columns_read(lf: LabelingFunction) -> frozenset[str]:
    """The data columns ``lf`` certainly reads (see the module docstring for the rule).

    Examples
    --------
    >>> from weaklab import labeling_function, keyword_lf
    >>> @labeling_function()
    ... def short(row):
    ...     return 0 if len(row.text) < 5 and row["lang"] == "en" else -1
    >>> sorted(columns_read(short))
    ['lang', 'text']
    >>> sorted(columns_read(keyword_lf("promo", ["subscribe"], 1, column="body")))
    ['body']
    """
    if not isinstance(lf, LabelingFunction):
        raise TypeError(f"expected a LabelingFunction, got {type(lf).__name__}")
    from .lf import _regex_votes

    if lf.f is _regex_votes:
        return frozenset([lf.resources["column"]])
    needed: set[str] = set()
    added: set[str] = set()
    for pre in lf.pre:
        needed |= _reads(pre.f, _ROW_ATTRIBUTES) - added
        fields = _dict_keys_returned(pre.f)
        if fields is None:  # unknown fields added: later reads may be any of them
            return frozenset(needed)
        added |= fields
    needed |= _reads(lf.f, _FRAME_ATTRIBUTES if lf.batch else _ROW_ATTRIBUTES) - added
    return frozenset(needed)


def _function_node(fn: Callable) -> ast.FunctionDef | ast.Lambda | None:
    fn = inspect.unwrap(fn)
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a lambda cut out of a larger expression
        return None
    name = getattr(fn, "__name__", "")
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    lambdas = [node for node in ast.walk(tree) if isinstance(node, ast.Lambda)]
    return lambdas[0] if name == "<lambda>" and len(lambdas) == 1 else None


def _first_argument(node: ast.FunctionDef | ast.Lambda) -> str | None:
    args = node.args.posonlyargs + node.args.args
    return args[0].arg if args else None


def _reads(fn: Callable, attributes: frozenset[str]) -> set[str]:
    node = _function_node(fn)
    if node is None:
        return set()
    arg = _first_argument(node)
    if arg is None:
        return set()
    body = node.body if isinstance(node.body, list) else [node.body]
    for stmt in body:
        for sub in ast.walk(stmt):
            if isinstance(sub, ast.Name) and sub.id == arg and isinstance(sub.ctx, (ast.Store, ast.Del)):
                return set()  # rebound: later reads may be of something else
            if isinstance(sub, (ast.FunctionDef, ast.Lambda)) and arg in {
                a.arg for a in sub.args.posonlyargs + sub.args.args + sub.args.kwonlyargs
            }:
                return set()  # shadowed inside: keep it simple and safe
    found: set[str] = set()
    for stmt in body:
        for sub in ast.walk(stmt):
            if isinstance(sub, ast.Attribute) and _is_name(sub.value, arg) and isinstance(sub.ctx, ast.Load):
                if sub.attr not in attributes:
                    found.add(sub.attr)
            elif isinstance(sub, ast.Subscript) and _is_name(sub.value, arg) and isinstance(sub.ctx, ast.Load):
                key = sub.slice
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    found.add(key.value)
                elif isinstance(key, ast.List) and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str) for e in key.elts
                ):
                    found.update(e.value for e in key.elts)
    return found


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _dict_keys_returned(fn: Callable) -> set[str] | None:
    """Keys of the dict literals every ``return`` of a preprocessor gives; None when unknown."""
    node = _function_node(fn)
    if node is None:
        return None
    values = [node.body] if isinstance(node, ast.Lambda) else [
        r.value for r in ast.walk(node) if isinstance(r, ast.Return)
    ]
    keys: set[str] = set()
    for value in values:
        if not isinstance(value, ast.Dict) or not all(
            isinstance(k, ast.Constant) and isinstance(k.value, str) for k in value.keys
        ):
            return None
        keys.update(k.value for k in value.keys)
    return keys if values else None
