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


# ---------------------------------------------- what else a fingerprint must see
# Each case below is a way the store could hand back votes of a different or older LF.
def test_two_lambdas_on_one_line_are_two_lfs_in_the_store(tmp_path):
    from weaklab import apply_lfs

    lfs = [LabelingFunction("pos", lambda r: 1 if r.x > 0 else -1), LabelingFunction("neg", lambda r: 0 if r.x < 0 else -1)]
    frame = pd.DataFrame({"x": [1, -1, 2, -2, 0]})
    truth = [[1, -1], [-1, 0], [1, -1], [-1, 0], [-1, -1]]  # by hand from the lambdas
    assert lfs[0].fingerprint != lfs[1].fingerprint
    apply_lfs(frame, lfs, cardinality=2, store=tmp_path, progress=False)
    again = apply_lfs(frame, lfs, cardinality=2, store=tmp_path, progress=False)
    assert again.run.reused == 2 and again.to_dense().tolist() == truth


def _threshold(row, t):
    return 1 if row.x > t else -1


def _other(row, t):
    return 0


class _Rules:
    def __init__(self, t):
        self.t = t

    def big(self, row):
        return 1 if row.x > self.t else -1

    def small(self, row):
        return 0 if row.x < self.t else -1


def test_partials_and_bound_methods_are_fingerprinted_by_function_and_arguments():
    import functools

    fp = lambda f: LabelingFunction("lf", f).fingerprint  # noqa: E731
    assert fp(functools.partial(_threshold, t=0)) == fp(functools.partial(_threshold, t=0))
    assert fp(functools.partial(_threshold, t=0)) != fp(functools.partial(_threshold, t=5))
    assert fp(functools.partial(_threshold, t=0)) != fp(functools.partial(_other, t=0))
    assert fp(_Rules(0).big) == fp(_Rules(0).big)
    assert fp(_Rules(0).big) != fp(_Rules(5).big)  # the instance's state
    assert fp(_Rules(0).big) != fp(_Rules(0).small)  # the method


def test_a_callable_instance_is_fingerprinted_by_its_call_code_and_state():
    first = _define("""
        class Rule:
            def __init__(self):
                self.t = 0
            def __call__(self, row):
                return 1 if row.x > self.t else -1
        """, "Rule")
    edited = _define("""
        class Rule:
            def __init__(self):
                self.t = 0
            def __call__(self, row):
                return 0 if row.x > self.t else -1
        """, "Rule")
    assert LabelingFunction("r", first()).fingerprint != LabelingFunction("r", edited()).fingerprint
    moved = first()
    moved.t = 3
    assert LabelingFunction("r", first()).fingerprint != LabelingFunction("r", moved).fingerprint


def test_attributes_read_from_user_modules_classes_and_objects_are_followed():
    import types

    config = types.ModuleType("lf_config")  # a user's module, built in the session
    config.T = 0

    class Limits:
        T = 0

    class Model:  # a repr without an address hides the state from the repr alone
        def __init__(self, w):
            self.w = w

        def __repr__(self):
            return "Model()"

    def lf_of(body, **names):
        namespace = {**names}
        exec(compile(f"def f(row):\n    return {body}\n", "<lf>", "exec"), namespace)
        return LabelingFunction("f", namespace["f"])

    module_lf = lambda: lf_of("1 if row.x > config.T else -1", config=config)  # noqa: E731
    before = module_lf().fingerprint
    config.T = 5
    assert module_lf().fingerprint != before
    class_lf = lambda: lf_of("1 if row.x > Limits.T else -1", Limits=Limits)  # noqa: E731
    before = class_lf().fingerprint
    Limits.T = 5
    assert class_lf().fingerprint != before
    assert (lf_of("1 if row.x * M.w > 0 else -1", M=Model(1)).fingerprint
            != lf_of("1 if row.x * M.w > 0 else -1", M=Model(-1)).fingerprint)


def test_library_modules_count_by_name_and_session_code_is_followed():
    import types

    from weaklab.labeling.lf import _is_user_code

    assert not _is_user_code(np) and not _is_user_code(pd.DataFrame) and not _is_user_code(textwrap)
    assert _is_user_code(types.ModuleType("made_here")) and _is_user_code(_Rules(0))


def test_a_module_edited_but_not_reloaded_cannot_pass_for_its_new_code(tmp_path, monkeypatch):
    import importlib
    import os

    source = tmp_path / "edited_lfs.py"
    source.write_text("def lf(row):\n    return 1 if row.x > 0 else -1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import edited_lfs

    try:
        source.write_text("def lf(row):\n    return 0 if row.x > 0 else -1\n")  # edited, not reloaded
        os.utime(source, (os.path.getmtime(source) + 5,) * 2)
        stale = LabelingFunction("lf", edited_lfs.lf)
        assert stale(pd.Series({"x": 1})) == 1  # the old code runs, while its source reads as the new one
        importlib.reload(edited_lfs)
        fresh = LabelingFunction("lf", edited_lfs.lf)
        assert fresh(pd.Series({"x": 1})) == 0
        assert stale.fingerprint != fresh.fingerprint  # so the old code's votes are not served for the new
    finally:
        sys.modules.pop("edited_lfs", None)


def test_an_lf_named_like_a_column_it_reads_is_fingerprinted():
    # A module-level LF called text that reads row.text: an attribute, not the global
    # LF (which the fingerprint followed into itself, without end).
    text = _define("""
        @labeling_function()
        def text(row):
            return 1 if "free" in row.text else -1
        """, "text")
    assert len(text.fingerprint) == 64
    assert text(pd.Series({"text": "free money"})) == 1


def test_apply_lfs_sees_a_global_list_edited_between_two_runs(tmp_path):
    from weaklab import apply_lfs

    words = ["free"]
    lf = LabelingFunction("spammy", lambda row: 1 if row.text in words else -1)
    frame = pd.DataFrame({"text": ["free", "win", "hello"]})
    assert apply_lfs(frame, [lf], cardinality=2, store=tmp_path, progress=False).to_dense().ravel().tolist() == [1, -1, -1]
    words.append("win")  # the same LF object, its closure's list edited (a notebook's next cell)
    again = apply_lfs(frame, [lf], cardinality=2, store=tmp_path, progress=False)
    assert again.run.computed == 1 and again.to_dense().ravel().tolist() == [1, 1, -1]
