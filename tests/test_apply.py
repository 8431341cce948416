"""apply_lfs over pandas and Dask: identical matrices, error policies, input checks."""

import numpy as np
import pandas as pd
import pytest

import dask
import dask.dataframe as dd
from weaklab import (
    ABSTAIN,
    LabelingFunction,
    LFApplicationError,
    apply_lfs,
    keyword_lf,
    labeling_function,
    make_demo_corpus,
    preprocessor,
    regex_lf,
)


@preprocessor()
def lowered(row):
    return {"low": row.text.lower()}


@labeling_function(pre=[lowered])
def says_subscribe(row):
    return 1 if "subscribe" in row.low else ABSTAIN


@labeling_function(pre=[lowered])
def has_link(row):
    return 1 if "http" in row.low or "www." in row.low else ABSTAIN


@labeling_function(resources={"limit": 25})
def short_comment(row, limit):
    return 0 if len(row.text) < limit else ABSTAIN


@labeling_function()
def fragile(row):
    if row.text.startswith("i "):
        raise KeyError("boom")
    return 0 if "song" in row.text else ABSTAIN


@labeling_function(batch=True)
def shouting(frame):
    text = frame["text"]
    return np.where(text.str.isupper(), 1, ABSTAIN)


GOOD_LFS = [
    says_subscribe,
    has_link,
    short_comment,
    shouting,
    keyword_lf("promo", ["check out", "free", "$500"], 1),
    regex_lf("love", r"\blove\b", 0),
]


@pytest.fixture(scope="module")
def corpus():
    df = make_demo_corpus(3000, seed=1)
    df.index = pd.Index(np.arange(len(df)) * 10 + 5, name="comment_id")  # not 0..n-1
    return df


# Votes of GOOD_LFS worked out by hand (columns: says_subscribe, has_link, short_comment,
# shouting, promo, love), so this test does not call the LFs the way apply_lfs does.
HAND_ROWS = [
    ("Subscribe to my channel", [1, -1, 0, -1, -1, -1]),  # 23 chars
    ("CHECK OUT WWW.SPAM.COM NOW", [-1, 1, -1, 1, 1, -1]),  # 26 chars, all caps
    ("i love this song so much, really", [-1, -1, -1, -1, -1, 0]),
    ("carefree lovely tune", [-1, -1, 0, -1, -1, -1]),  # no whole-word "free" / "love"
    ("win $500 at http://x.io", [-1, 1, 0, -1, 1, -1]),
    ("", [-1, -1, 0, -1, -1, -1]),
    ("FREE", [-1, -1, 0, 1, 1, -1]),
]


@pytest.mark.parametrize("chunk_rows", [None, 1, 3])
def test_pandas_matches_hand_computed_votes(chunk_rows):
    frame = pd.DataFrame({"text": [t for t, _ in HAND_ROWS]}, index=pd.Index([9, 3, 7, 1, 5, 0, 2], name="id"))
    L = apply_lfs(frame, GOOD_LFS, cardinality=2, progress=False, chunk_rows=chunk_rows)
    assert L.lf_names == ("says_subscribe", "has_link", "short_comment", "shouting", "promo", "love")
    assert L.to_dense().tolist() == [votes for _, votes in HAND_ROWS]


@pytest.mark.slow
def test_dask_on_local_cluster_matches_pandas_row_for_row(corpus, cluster_client):
    expected = apply_lfs(corpus, GOOD_LFS, cardinality=2, progress=False)
    for npartitions in (1, 4, 7):
        ddf = dd.from_pandas(corpus, npartitions=npartitions)
        assert apply_lfs(ddf, GOOD_LFS, cardinality=2, progress=False) == expected
    # A repartitioned frame with uneven partitions, one of them empty.
    uneven = dd.from_pandas(corpus, npartitions=3).repartition(divisions=[5, 6, 15, 20005, 29995])
    assert apply_lfs(uneven, GOOD_LFS, cardinality=2, progress=False) == expected


def test_dask_with_default_scheduler_matches_pandas(corpus):
    expected = apply_lfs(corpus, GOOD_LFS, cardinality=2, progress=False)
    with dask.config.set(scheduler="threads"):
        got = apply_lfs(dd.from_pandas(corpus, npartitions=5), GOOD_LFS, cardinality=2, progress=False)
    assert got == expected


def test_each_preprocessor_runs_once_per_row():
    calls = []

    @preprocessor()
    def counted(row):
        calls.append(1)
        return {"n": len(row.text)}

    lfs = [
        LabelingFunction(f"lf{i}", lambda row: 0 if row.n > 3 else ABSTAIN, pre=[counted]) for i in range(4)
    ]
    apply_lfs(pd.DataFrame({"text": ["a", "abcdef", "xyz"]}), lfs, cardinality=2, progress=False)
    assert len(calls) == 3


def test_lf_exception_names_lf_and_row_index(corpus):
    first_bad = next(i for i, t in zip(corpus.index, corpus.text) if t.startswith("i "))
    with pytest.raises(LFApplicationError, match=rf"'fragile' raised KeyError.*row index {first_bad}\b"):
        apply_lfs(corpus, [short_comment, fragile], cardinality=2, progress=False)


def test_fault_tolerant_records_failures_and_keeps_alignment(corpus):
    L = apply_lfs(corpus, [short_comment, fragile], cardinality=2, fault_tolerant=True, progress=False)
    bad = corpus.text.str.startswith("i ").to_numpy()
    err = L.errors["fragile"]
    assert err.n_failed == bad.sum()
    assert err.first_row == int(np.flatnonzero(bad)[0])
    assert err.first_index == corpus.index[err.first_row]
    assert err.first_error.startswith("KeyError")
    dense = L.to_dense()
    assert np.all(dense[bad, 1] == ABSTAIN)
    good_votes = np.where(corpus.text.str.contains("song").to_numpy(), 0, ABSTAIN)
    assert np.array_equal(dense[~bad, 1], good_votes[~bad])
    assert "short_comment" not in L.errors


@pytest.mark.slow
def test_fault_tolerant_on_dask_matches_pandas(corpus, cluster_client):
    expected = apply_lfs(corpus, [short_comment, fragile], cardinality=2, fault_tolerant=True, progress=False)
    got = apply_lfs(
        dd.from_pandas(corpus, npartitions=6), [short_comment, fragile], cardinality=2,
        fault_tolerant=True, progress=False,
    )
    assert got == expected
    assert got.errors == expected.errors


@pytest.mark.slow
def test_dask_lf_exception_is_reraised_on_client(corpus, cluster_client):
    with pytest.raises(LFApplicationError, match=r"'fragile' raised KeyError.*row index \d+"):
        apply_lfs(dd.from_pandas(corpus, npartitions=4), [fragile], cardinality=2, progress=False)


def test_preprocessor_failure_is_charged_to_its_lfs():
    @preprocessor()
    def breaks(row):
        raise ValueError("bad row")

    lf = LabelingFunction("uses_it", lambda row: 0, pre=[breaks])
    df = pd.DataFrame({"text": ["a", "b"]})
    with pytest.raises(LFApplicationError, match="'uses_it' \\(in its preprocessor 'breaks'\\)"):
        apply_lfs(df, [lf], cardinality=2, progress=False)
    L = apply_lfs(df, [lf], cardinality=2, progress=False, fault_tolerant=True)
    assert L.errors["uses_it"].n_failed == 2


@pytest.mark.parametrize("value", [2, -2, 1.0, "1", None, True, np.float64(0)])
def test_invalid_vote_fails_naming_lf_and_value(value):
    lf = LabelingFunction("odd", lambda row: value)
    with pytest.raises(LFApplicationError, match=rf"'odd' returned {value!r}".replace("(", r"\(").replace(")", r"\)")):
        apply_lfs(pd.DataFrame({"text": ["a"]}), [lf], cardinality=2, progress=False, fault_tolerant=True)


def test_numpy_integer_votes_are_accepted():
    lf = LabelingFunction("np", lambda row: np.int32(1))
    assert apply_lfs(pd.DataFrame({"t": [1]}), [lf], cardinality=2, progress=False).to_dense().tolist() == [[1]]


@pytest.mark.parametrize(
    "output, match",
    [
        (lambda df: np.zeros(len(df) + 1, int), "shape"),
        (lambda df: np.zeros(len(df), float), "dtype float64"),
        (lambda df: np.zeros(len(df), bool), "dtype bool"),
        (lambda df: np.full(len(df), 5), "returned 5"),
        (lambda df: np.zeros((len(df), 1), int), "1-D"),
    ],
)
def test_invalid_batch_output_fails(output, match):
    lf = LabelingFunction("vec", output, batch=True)
    with pytest.raises(LFApplicationError, match=match):
        apply_lfs(pd.DataFrame({"text": ["a", "b"]}), [lf], cardinality=2, progress=False)


def test_batch_lf_that_fails_everywhere_abstains_on_every_row():
    lf = LabelingFunction("vec", lambda df: df["missing"], batch=True)
    df = pd.DataFrame({"text": ["a", "b", "c"]})
    with pytest.raises(LFApplicationError, match="batch LF 'vec' raised KeyError"):
        apply_lfs(df, [lf], cardinality=2, progress=False)
    L = apply_lfs(df, [lf, short_comment], cardinality=2, progress=False, fault_tolerant=True)
    assert L.errors["vec"].n_failed == 3
    assert L.to_dense()[:, 1].tolist() == [0, 0, 0]


@labeling_function(batch=True)
def short_by_length(df):
    # astype(int) raises on a missing text: one NA used to cost the whole partition.
    return np.where(df.text.str.len().astype(int) < 6, 0, ABSTAIN)


def _texts_with_missing(n, missing):
    texts = pd.Series([("x" * (i % 9)) for i in range(n)], dtype=object)
    texts[list(missing)] = None
    return pd.DataFrame({"text": texts.to_numpy()}, index=pd.RangeIndex(100, 100 + n))


def test_fault_tolerant_batch_lf_abstains_only_on_failing_rows():
    missing = [3, 500, 998]
    df = _texts_with_missing(999, missing)
    L = apply_lfs(df, [short_by_length], cardinality=2, progress=False, fault_tolerant=True)
    lengths = np.array([i % 9 for i in range(999)])
    expected = np.where(lengths < 6, 0, -1)
    expected[missing] = -1
    assert L.to_dense()[:, 0].tolist() == expected.tolist()
    err = L.errors["short_by_length"]
    assert (err.n_failed, err.first_row, err.first_index) == (3, 3, 103)
    assert "IntCastingNaNError" in err.first_error or "ValueError" in err.first_error


@pytest.mark.slow
def test_fault_tolerant_batch_lf_on_dask_reports_global_positions(cluster_client):
    missing = [10, 250, 251]
    df = _texts_with_missing(400, missing)
    expected = apply_lfs(df, [short_by_length], cardinality=2, progress=False, fault_tolerant=True)
    got = apply_lfs(dd.from_pandas(df, npartitions=4), [short_by_length], cardinality=2,
                    progress=False, fault_tolerant=True)
    assert got == expected
    assert got.errors["short_by_length"].n_failed == 3
    assert got.errors["short_by_length"].first_row == 10
    assert np.count_nonzero(got.to_dense()[:, 0] == 0) == np.count_nonzero(expected.to_dense()[:, 0] == 0) > 200


def test_duplicate_lf_names_rejected():
    with pytest.raises(ValueError, match="duplicate LF names: \\['short_comment'\\]"):
        apply_lfs(pd.DataFrame({"text": ["a"]}), [short_comment, short_comment], cardinality=2)


def test_empty_data_gives_zero_row_matrix(corpus):
    empty = corpus.iloc[:0]
    L = apply_lfs(empty, GOOD_LFS, cardinality=2, progress=False)
    assert L.shape == (0, len(GOOD_LFS))
    D = apply_lfs(dd.from_pandas(empty, npartitions=1), GOOD_LFS, cardinality=2, progress=False)
    assert D.shape == (0, len(GOOD_LFS))


def test_rejects_non_dataframes_and_bad_arguments():
    with pytest.raises(TypeError, match="pandas or Dask DataFrame"):
        apply_lfs([{"text": "a"}], [short_comment], cardinality=2)
    with pytest.raises(TypeError, match="LabelingFunction"):
        apply_lfs(pd.DataFrame({"text": ["a"]}), [lambda r: 0], cardinality=2)
    with pytest.raises(ValueError, match="cardinality"):
        apply_lfs(pd.DataFrame({"text": ["a"]}), [short_comment], cardinality=1)


@pytest.mark.parametrize("flag", ["False", 0, None])
def test_fault_tolerant_must_be_a_bool(flag):
    # "False" is truthy: taken as True it would turn the LF's exception into an abstain
    broken = LabelingFunction("broken", lambda row: 1 // 0)
    with pytest.raises(TypeError, match="fault_tolerant must be True or False"):
        apply_lfs(pd.DataFrame({"n": [0]}), [broken], cardinality=2, progress=False, fault_tolerant=flag)


@pytest.mark.parametrize("name", ["progress", "collect"])
def test_progress_and_collect_must_be_bools(name):
    # collect="False" would be truthy: the votes collected when the caller asked not to
    with pytest.raises(TypeError, match=f"{name} must be True or False"):
        apply_lfs(pd.DataFrame({"n": [0]}), [LabelingFunction("one", lambda row: 1)], cardinality=2, **{name: "False"})


def test_a_row_attribute_reads_the_column_it_names():
    frame = pd.DataFrame([[1, 0]], columns=["my col", "_0"])
    underscore = LabelingFunction("underscore", lambda row: row._0)
    spaced = LabelingFunction("spaced", lambda row: row["my col"])
    assert apply_lfs(frame, [underscore, spaced], cardinality=2, progress=False).to_dense().tolist() == [[0, 1]]


def test_progress_bar_can_be_silenced(capsys, corpus):
    apply_lfs(corpus, GOOD_LFS, cardinality=2, progress=False)
    assert capsys.readouterr().err == ""
    apply_lfs(corpus, GOOD_LFS, cardinality=2, progress=True)
    assert "applying LFs" in capsys.readouterr().err


def test_chunk_rows_is_checked_and_applies_to_pandas_only(corpus):
    with pytest.raises(ValueError, match="chunk_rows must be an int >= 1"):
        apply_lfs(corpus, [short_comment], cardinality=2, chunk_rows=0)
    with pytest.raises(ValueError, match="chunk_rows only applies to pandas"):
        apply_lfs(dd.from_pandas(corpus, npartitions=2), [short_comment], cardinality=2, chunk_rows=10)


def test_the_run_record_counts_blocks_without_a_store(corpus):
    L = apply_lfs(corpus, GOOD_LFS, cardinality=2, progress=False, chunk_rows=1000)
    assert L.run.store is None and L.run.status == "finished"
    assert (L.run.computed, L.run.reused) == (3 * len(GOOD_LFS), 0)
    assert [lf["name"] for lf in L.run.lfs] == [lf.name for lf in GOOD_LFS]


def test_progress_bar_shows_blocks_computed_and_reused(capsys, corpus, tmp_path):
    apply_lfs(corpus, GOOD_LFS, cardinality=2, store=tmp_path, chunk_rows=1000)
    assert f"computed={3 * len(GOOD_LFS)}, reused=0" in capsys.readouterr().err
    apply_lfs(corpus, GOOD_LFS, cardinality=2, store=tmp_path, chunk_rows=1000)
    assert f"computed=0, reused={3 * len(GOOD_LFS)}" in capsys.readouterr().err
