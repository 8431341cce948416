"""Labeling functions: decorators, rows, helpers and fingerprints."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import weaklab
from weaklab import ABSTAIN, LabelingFunction, keyword_lf, labeling_function, preprocessor, regex_lf
from weaklab.labeling.lf import row_type


def _define(source: str, name: str):
    namespace: dict = {"labeling_function": labeling_function, "ABSTAIN": ABSTAIN}
    exec(compile(textwrap.dedent(source), f"<lf {name}>", "exec"), namespace)
    return namespace[name]


def test_decorator_defaults_name_and_passes_resources():
    @labeling_function(resources={"word": "spam"})
    def has_word(row, word):
        return 1 if word in row.text else ABSTAIN

    assert has_word.name == "has_word"
    assert has_word(pd.Series({"text": "spam here"})) == 1
    assert has_word({"text": "ham"}) == ABSTAIN


def test_row_reads_by_attribute_and_by_column_name():
    make = row_type(["text", "my col", "count"])
    row = make(("hello", 3, 7))
    assert row.text == "hello" and row["my col"] == 3 and row["count"] == 7
    assert row.get("missing", -5) == -5
    with pytest.raises(KeyError, match="missing"):
        row["missing"]


def test_a_column_called_like_a_renamed_field_reads_its_own_column():
    # namedtuple renames "my col" to "_0", and the column "_0" to "_1"
    row = row_type(["my col", "_0"])(("spaced", "real"))
    assert row._0 == "real" and row["_0"] == "real" and row["my col"] == "spaced"
    assert row_type(["_1", "x"])(("one", "ex"))._1 == "one"


def test_row_refuses_column_names_that_repeat_as_strings():
    with pytest.raises(ValueError, match=r"column names \['1'\] repeat"):
        row_type([1, "1"])


def test_preprocessor_enriches_row():
    @preprocessor()
    def lower(row):
        return {"low": row.text.lower()}

    @labeling_function(pre=[lower])
    def shouts(row):
        return 1 if row.low != row.text else ABSTAIN

    assert shouts({"text": "HEY"}) == 1
    assert shouts({"text": "hey"}) == ABSTAIN


def test_batch_lf_rejects_preprocessors():
    @preprocessor()
    def p(row):
        return {}

    with pytest.raises(ValueError, match="batch LFs take no preprocessors"):
        LabelingFunction("b", lambda df: np.zeros(len(df), int), pre=[p], batch=True)


def test_keyword_lf_matches_whole_words_case_insensitively():
    lf = keyword_lf("kw", ["free", "check out", "$$$"], 1)
    df = pd.DataFrame({"text": ["FREE stuff", "carefree", "Check  out", "check out now", "win $$$!", None]})
    assert lf(df).tolist() == [1, -1, -1, 1, 1, -1]


def test_keyword_lf_case_sensitive():
    lf = keyword_lf("kw", "Free", 0, case_sensitive=True)
    assert lf(pd.DataFrame({"text": ["Free", "free"]})).tolist() == [0, -1]


def test_regex_lf():
    lf = regex_lf("digits", r"\d{3,}", 1)
    assert lf(pd.DataFrame({"text": ["call 5551234", "no"]})).tolist() == [1, -1]
    with pytest.raises(ValueError, match="invalid regular expression"):
        regex_lf("bad", "(", 1)


def test_helpers_validate_label():
    with pytest.raises(ValueError, match="label"):
        keyword_lf("kw", ["x"], -1)


FIRST = """
@labeling_function()
def lf(row):
    return 1 if len(row.text) > 10 else ABSTAIN
"""


def test_fingerprint_equal_for_same_lf_defined_twice():
    assert _define(FIRST, "lf").fingerprint == _define(FIRST, "lf").fingerprint


def test_fingerprint_changes_with_one_character_of_code():
    changed = FIRST.replace("> 10", "> 11")
    assert _define(FIRST, "lf").fingerprint != _define(changed, "lf").fingerprint


def test_fingerprint_ignores_name_but_not_resources():
    def f(row, limit):
        return 1 if len(row.text) > limit else ABSTAIN

    a = LabelingFunction("a", f, resources={"limit": 3})
    b = LabelingFunction("b", f, resources={"limit": 3})
    c = LabelingFunction("a", f, resources={"limit": 4})
    assert a.fingerprint == b.fingerprint
    assert a.fingerprint != c.fingerprint


def test_fingerprint_follows_preprocessors_and_globals():
    @preprocessor()
    def p1(row):
        return {"x": 1}

    @preprocessor()
    def p2(row):
        return {"x": 2}

    def f(row):
        return ABSTAIN

    assert LabelingFunction("a", f, pre=[p1]).fingerprint != LabelingFunction("a", f, pre=[p2]).fingerprint
    src = "THRESHOLD = {t}\n" + FIRST.replace("10", "THRESHOLD")
    assert _define(src.format(t=3), "lf").fingerprint != _define(src.format(t=4), "lf").fingerprint


def test_keyword_lf_fingerprint_depends_on_keywords():
    assert keyword_lf("a", ["x"], 1).fingerprint == keyword_lf("b", ["x"], 1).fingerprint
    assert keyword_lf("a", ["x"], 1).fingerprint != keyword_lf("a", ["y"], 1).fingerprint
    assert keyword_lf("a", ["x"], 1).fingerprint != keyword_lf("a", ["x"], 0).fingerprint


_LF_MODULE = (
    "from weaklab import LabelingFunction, keyword_lf, ABSTAIN\n"
    "WORDS = {words}\n"
    "def f(row, n):\n"
    "    return 1 if row.text.count('{char}') > n and row.text in WORDS else ABSTAIN\n"
    "lf = LabelingFunction('lf', f, resources={{'n': {n}}})  # the resource is not in f's source\n"
    "kw = keyword_lf('kw', ['free'], 1)\n"
)
_VARIANTS = {
    "original": dict(words="('a', 'b')", n=3, char="x"),
    "resource": dict(words="('a', 'b')", n=4, char="x"),
    "global": dict(words="('a', 'c')", n=3, char="x"),
    "code": dict(words="('a', 'b')", n=3, char="y"),
}
# Also an LF defined by exec (no source file): fingerprinted from its code object.
_PRINT_FINGERPRINTS = (
    "import importlib, json, textwrap\n"
    "from weaklab import labeling_function, ABSTAIN\n"
    "out = {{v: [importlib.import_module('lfs_' + v).lf.fingerprint, importlib.import_module('lfs_' + v).kw.fingerprint]"
    " for v in {variants!r}}}\n"
    "ns = {{'labeling_function': labeling_function, 'ABSTAIN': ABSTAIN}}\n"
    "exec(compile(textwrap.dedent({first!r}), '<lf lf>', 'exec'), ns)\n"
    "out['exec'] = [ns['lf'].fingerprint]\n"
    "print(json.dumps(out))\n"
)


def _fingerprints_in_new_processes(folder) -> list[dict]:
    """The fingerprints of every variant, printed by two fresh interpreters (str hashing
    is salted per process: different ``PYTHONHASHSEED``)."""
    import json

    for name, fields in _VARIANTS.items():
        (folder / f"lfs_{name}.py").write_text(_LF_MODULE.format(**fields))
    code = _PRINT_FINGERPRINTS.format(variants=list(_VARIANTS), first=FIRST)
    env = {"PATH": "", "PYTHONPATH": str(Path(weaklab.__file__).parents[1])}
    return [
        json.loads(subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True,
                                  check=True, env={**env, "PYTHONHASHSEED": seed}).stdout)
        for seed in ("1", "2")
    ]


def test_fingerprint_is_stable_across_processes_and_follows_resources_globals_and_code(tmp_path, monkeypatch):
    first, second = _fingerprints_in_new_processes(tmp_path)
    assert first == second
    monkeypatch.syspath_prepend(str(tmp_path))
    import lfs_original  # the same file in this process gives the same fingerprints

    try:
        assert [lfs_original.lf.fingerprint, lfs_original.kw.fingerprint] == first["original"]
    finally:
        sys.modules.pop("lfs_original", None)
    assert first["exec"] == [_define(FIRST, "lf").fingerprint]
    lf, kw = first["original"]
    for change in ("resource", "global", "code"):
        assert first[change][0] != lf, change  # the LF whose resource, global or code changed
        assert first[change][1] == kw, change  # the untouched LF in the same file


def test_fingerprint_follows_closure_variables():
    def make(limit):
        @labeling_function(name="long")
        def lf(row):
            return 1 if len(row.text) > limit else ABSTAIN

        return lf

    assert make(3).fingerprint == make(3).fingerprint
    assert make(3).fingerprint != make(4).fingerprint


def test_lf_without_source_is_fingerprinted_from_its_code():
    assert _define(FIRST.replace("10", "12"), "lf").fingerprint != _define(FIRST, "lf").fingerprint
