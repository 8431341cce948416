"""Every Numba kernel agrees with its plain-NumPy reference, on random and on real matrices.

The references (``*_reference`` next to each kernel) compute on the dense votes; a kernel
reads only the CSR arrays, in row chunks that may run on several threads.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from weaklab import LabelMatrix
from weaklab.datasets import make_synthetic_label_matrix
from weaklab.kernels import chunks, compile_notice
from weaklab.kernels import counts, em, pairs, posterior, rows, votes
from weaklab.kernels._arrays import dense_votes


def _csr(L: LabelMatrix):
    c = L.csr
    return c.indptr, c.indices, c.data


@pytest.fixture(params=[2, 3, 5])
def votes_k(request):
    """A random matrix with empty rows, unique majorities and ties, for each k."""
    k = request.param
    L = make_synthetic_label_matrix(300, 7, k, coverage=(0.05, 0.6), seed=k).L
    return _csr(L), L.n_lfs, k


@pytest.fixture(params=[0, 1])
def binary(request):
    """k = 2 matrices (the log-odds kernels), one per seed."""
    L = make_synthetic_label_matrix(300, 7, 2, coverage=(0.05, 0.6), seed=10 + request.param).L
    return _csr(L), L.n_lfs


def _tables(m, k, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, k, k)) * scale, rng.normal(size=k)


def test_fixture_holds_empty_rows_unique_majorities_and_ties(votes_k):
    csr, m, k = votes_k
    winner = votes.majority_winner_reference(*csr, k)
    covered = np.diff(csr[0]) > 0
    assert (~covered).any() and (winner >= 0).any() and (covered & (winner < 0)).any()


def test_weighted_vote_counts(votes_k):
    csr, m, k = votes_k
    w = np.linspace(0.5, 2.0, m)
    np.testing.assert_allclose(votes.weighted_vote_counts(*csr, w, k),
                               votes.weighted_vote_counts_reference(*csr, w, k), rtol=1e-14)


def test_vote_share_proba(votes_k):
    csr, m, k = votes_k
    prior = np.random.default_rng(6).dirichlet(np.ones(k))
    for weights in (np.ones(k), np.linspace(0.5, 3.0, k)):
        np.testing.assert_allclose(votes.vote_share_proba(*csr, weights, prior),
                                   votes.vote_share_proba_reference(*csr, weights, prior), rtol=1e-14)


def test_majority_winner(votes_k):
    csr, m, k = votes_k
    np.testing.assert_array_equal(votes.majority_winner(*csr, k), votes.majority_winner_reference(*csr, k))


def test_loglinear_scores_and_proba(votes_k):
    csr, m, k = votes_k
    table, base = _tables(m, k, 4)
    prior = np.random.default_rng(4).dirichlet(np.ones(k))
    np.testing.assert_allclose(posterior.loglinear_scores(*csr, table, base),
                               posterior.loglinear_scores_reference(*csr, table, base), rtol=1e-13)
    np.testing.assert_allclose(posterior.loglinear_proba(*csr, table, base, prior),
                               posterior.loglinear_proba_reference(*csr, table, base, prior), rtol=1e-12)


def test_binary_loglinear_proba(binary):
    csr, m = binary
    table, base = _tables(m, 2, 5, scale=20.0)  # large scores: both logistic branches
    prior = np.array([0.3, 0.7])
    delta = table[:, :, 1] - table[:, :, 0]
    got = posterior.loglinear_proba_binary(*csr, delta, base[1] - base[0], prior)
    expected = posterior.loglinear_proba_reference(*csr, table, base, prior)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)


def test_argmax_vs_majority(votes_k):
    csr, m, k = votes_k
    table, base = _tables(m, k, 5)
    agree, pred_counts = posterior.argmax_vs_majority(*csr, table, base)
    expected_agree, expected_counts = posterior.argmax_vs_majority_reference(*csr, table, base)
    assert agree == expected_agree
    np.testing.assert_array_equal(pred_counts, expected_counts)


def test_binary_argmax_vs_majority(binary):
    csr, m = binary
    table, base = _tables(m, 2, 7)
    agree, pred_counts = posterior.argmax_vs_majority_binary(*csr, table[:, :, 1] - table[:, :, 0], base[1] - base[0])
    expected_agree, expected_counts = posterior.argmax_vs_majority_reference(*csr, table, base)
    assert agree == expected_agree
    np.testing.assert_array_equal(pred_counts, expected_counts)


def test_em_pass(votes_k):
    csr, m, k = votes_k
    table, base = _tables(m, k, 1)
    for got, expected in zip(em.em_pass(*csr, table, base, m), em.em_pass_reference(*csr, table, base, m)):
        np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_binary_em_pass(binary, weighted):
    csr, m = binary
    n = csr[0].size - 1
    weights = np.random.default_rng(8).integers(1, 5, n).astype(np.float64) if weighted else np.empty(0)
    for scale in (1.0, 20.0):  # large scores: both branches of the stable sigmoid
        table, base = _tables(m, 2, 6, scale)
        delta, base_delta = table[:, :, 1] - table[:, :, 0], base[1] - base[0]
        got = em.em_pass_binary(*csr, delta, base_delta, m, weights)
        expected = em.em_pass_binary_reference(*csr, delta, base_delta, m, weights)
        for a, b in zip(got, expected):
            np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_pair_em_pass(votes_k, weighted):
    csr, m, k = votes_k
    indptr, indices, data = csr
    table, base = _tables(m, k, 3)
    n = indptr.size - 1
    w = np.random.default_rng(3).integers(1, 5, n).astype(np.float64) if weighted else np.empty(0)
    pair = indices.astype(np.int64) * k + data - 1  # every (LF, label) its own pair id
    got = em.em_pass_pairs(indptr, pair, table.reshape(m * k, k), base, w)
    counts, sums, ll = em.em_pass_reference(*csr, table, base, m, w)
    np.testing.assert_allclose(got[0], counts.reshape(m * k, k), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got[1], sums, rtol=1e-12)
    np.testing.assert_allclose(got[2], ll, rtol=1e-12)


def test_soft_vote_counts(votes_k):
    csr, m, k = votes_k
    q = np.random.default_rng(2).dirichlet(np.ones(k), size=csr[0].size - 1)
    np.testing.assert_allclose(counts.soft_vote_counts(*csr, q, m),
                               counts.soft_vote_counts_reference(*csr, q, m), rtol=1e-12)


def test_majority_vote_stats(votes_k):
    csr, m, k = votes_k
    got = counts.majority_vote_stats(*csr, m, k)
    expected = counts.majority_vote_stats_reference(*csr, m, k)
    for name, a, b in zip(["counts", "class_sums", "lf_class", "winners", "lf_votes", "lf_agree"], got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-13, err_msg=name)


def test_lf_counts(votes_k):
    csr, m, k = votes_k
    n = csr[0].size - 1
    refs = np.random.default_rng(k).integers(-1, k, size=(2, n))
    got = counts.lf_counts(*csr, m, k, refs)
    expected = counts.lf_counts_reference(*csr, m, k, refs)
    for name, a, b in zip(got._fields, got, expected):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=name)


def test_lf_counts_majority_abstains_on_ties():
    L = LabelMatrix.from_dense(np.array([[0, 1, -1], [0, 1, 1], [2, -1, -1], [-1, -1, -1]]), None, 3)
    out = counts.lf_counts(*_csr(L), 3, 3, np.zeros((0, 4), np.int64))
    assert out.majority.tolist() == [-1, 1, 2, -1]


def test_pair_counts(votes_k):
    csr, m, k = votes_k
    for got, expected in zip(pairs.pair_counts(*csr, m), pairs.pair_counts_reference(*csr, m, k)):
        np.testing.assert_array_equal(got, expected)


def test_overlap_counts(votes_k):
    csr, m, k = votes_k
    np.testing.assert_array_equal(pairs.overlap_counts(*csr, m, k), pairs.overlap_counts_reference(*csr, m, k))


def test_row_hashes_rows_equal_and_other_label(votes_k):
    csr, m, k = votes_k
    n = csr[0].size - 1
    everything = np.arange(n)
    np.testing.assert_array_equal(rows.row_hashes(*csr, everything), rows.row_hashes_reference(*csr, everything))
    dense = dense_votes(*csr, m)
    first = np.unique(dense, axis=0, return_index=True, return_inverse=True)
    rep = first[1][first[2].ravel()]
    assert rows.rows_equal(*csr, rep) and rows.rows_equal_reference(*csr, rep)
    shifted = np.roll(np.arange(n), 1)
    assert rows.rows_equal(*csr, shifted) == rows.rows_equal_reference(*csr, shifted) is False
    indptr, _, data = csr
    values = np.random.default_rng(0).integers(1, k + 1, n).astype(data.dtype)
    np.testing.assert_array_equal(rows.rows_with_other_label(indptr, data, everything, values),
                                  rows.rows_with_other_label_reference(indptr, data, everything, values))


def test_kernels_accept_a_matrix_without_rows():
    empty = (np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int8))
    table, base = np.zeros((3, 2, 2)), np.zeros(2)
    c, sums, ll = em.em_pass(*empty, table, base, 3)
    assert c.shape == (3, 2, 2) and ll == 0.0
    assert em.em_pass_binary(*empty, table[:, :, 1], 0.0, 3, np.empty(0))[0].shape == (3, 2, 2)
    assert votes.weighted_vote_counts(*empty, np.ones(3), 2).shape == (0, 2)
    assert posterior.loglinear_proba(*empty, table, base, np.full(2, 0.5)).shape == (0, 2)
    assert posterior.argmax_vs_majority(*empty, table, base) == (0.0, pytest.approx([0.0, 0.0]))
    agree, pred_counts = posterior.argmax_vs_majority_binary(*empty, table[:, :, 1], 0.0)
    assert agree == 0.0 and pred_counts.tolist() == [0.0, 0.0]
    stats = counts.majority_vote_stats(*empty, 3, 2)
    assert stats[0].shape == (3, 2, 2) and stats[3].sum() == 0.0
    assert counts.lf_counts(*empty, 3, 2, np.zeros((0, 0), np.int64)).n_covered == 0
    assert pairs.pair_counts(*empty, 3)[0].tolist() == np.zeros((3, 3)).tolist()


def test_kernels_give_the_same_bits_on_threads_and_in_one_thread(monkeypatch):
    """A pass large enough for the thread pool sums its chunks in the same order."""
    if chunks.numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("one thread: the pool is never used")
    L = make_synthetic_label_matrix(40_000, 12, 3, coverage=(0.2, 0.5), seed=3).L
    csr, m = _csr(L), L.n_lfs
    assert L.nnz > chunks.PARALLEL_WORK
    table, base = _tables(m, 3, 9)

    def run():
        return (em.em_pass(*csr, table, base, m), counts.majority_vote_stats(*csr, m, 3),
                posterior.loglinear_proba(*csr, table, base, np.full(3, 1 / 3)))

    threaded = run()
    monkeypatch.setattr(chunks, "PARALLEL_WORK", np.iinfo(np.int64).max)
    serial = run()
    for t, s in zip(threaded, serial):
        for a, b in zip(t, s):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(threaded[0][0], em.em_pass_reference(*csr, table, base, m)[0], rtol=1e-10)


def test_chunk_bounds_depend_only_on_the_shape():
    bounds = chunks.chunk_bounds(1000, 10)
    assert bounds[0] == 0 and bounds[-1] == 1000 and len(bounds) == chunks.MAX_CHUNKS + 1
    assert np.all(np.diff(bounds) >= 62)
    assert len(chunks.chunk_bounds(1000, chunks.CHUNK_BUDGET)) == 2  # one chunk: a huge accumulator


def test_first_compilation_logs_one_line_and_the_cache_none(tmp_path):
    """A fresh process compiling a kernel logs the notice once; a warm one logs nothing."""
    pkg = Path(__import__("weaklab").__file__).parent
    script = (
        "import numpy as np\n"
        "from weaklab.kernels import votes\n"
        "a = np.array([0, 1], np.int64), np.array([0], np.int32), np.array([1], np.int8)\n"
        "votes.majority_winner(*a, 2); votes.weighted_vote_counts(*a, np.ones(1), 2)\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(pkg.parent)}
    cold = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600)
    warm = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600)
    assert cold.returncode == 0 and warm.returncode == 0, cold.stderr + warm.stderr
    assert cold.stderr.count(compile_notice.MESSAGE) == 1, cold.stderr
    assert compile_notice.MESSAGE not in warm.stderr, warm.stderr


def test_compile_notice_ignores_other_code(caplog):
    from numba import njit

    @njit
    def not_weaklab(x):
        return x + 1

    with caplog.at_level(logging.WARNING, logger="weaklab"):
        assert not_weaklab(1) == 2
    assert compile_notice.MESSAGE not in caplog.text
