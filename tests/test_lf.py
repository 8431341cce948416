"""Labeling functions: decorators, rows, helpers and fingerprints."""

import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

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


def test_fingerprint_is_stable_across_processes(tmp_path):
    module = tmp_path / "my_lfs.py"
    module.write_text(
        "from weaklab import labeling_function, keyword_lf, ABSTAIN\n"
        "WORDS = ('a', 'b')\n"
        "@labeling_function(resources={'n': 3})\n"
        "def lf(row, n):\n"
        "    return 1 if row.text.count('x') > n and row.text in WORDS else ABSTAIN\n"
        "kw = keyword_lf('kw', ['free'], 1)\n"
    )
    code = "import my_lfs; print(my_lfs.lf.fingerprint, my_lfs.kw.fingerprint)"
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1
    assert len(runs.pop().split()) == 2


def test_lf_without_source_still_has_fingerprint():
    lf = _define(FIRST, "lf")  # exec'd code: no source file
    assert len(lf.fingerprint) == 64
