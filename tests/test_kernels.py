"""The Numba kernels agree with plain NumPy references on random label matrices."""

from __future__ import annotations

import numpy as np
import pytest

from weaklab.datasets import make_synthetic_label_matrix
from weaklab.kernels import label_models as K


@pytest.fixture(params=[2, 5])
def votes(request):
    k = request.param
    syn = make_synthetic_label_matrix(300, 7, k, coverage=(0.05, 0.6), seed=k)
    c = syn.L.csr
    return (c.indptr, c.indices, c.data), syn.L.to_dense(), k


def _onehot(dense: np.ndarray, k: int) -> np.ndarray:
    """(n, m, k) one-hot votes; abstains are all zero."""
    return (dense[:, :, None] == np.arange(k)).astype(np.float64)


def test_weighted_vote_counts_match_numpy(votes):
    csr, dense, k = votes
    w = np.linspace(0.5, 2.0, dense.shape[1])
    expected = np.einsum("imc,m->ic", _onehot(dense, k), w)
    np.testing.assert_allclose(K.weighted_vote_counts(*csr, w, k), expected)


def test_loglinear_scores_match_numpy(votes):
    csr, dense, k = votes
    rng = np.random.default_rng(0)
    table = rng.normal(size=(dense.shape[1], k, k))
    base = rng.normal(size=k)
    expected = base + np.einsum("iml,mly->iy", _onehot(dense, k), table)
    np.testing.assert_allclose(K.loglinear_scores(*csr, table, base), expected)


def test_em_pass_matches_numpy(votes):
    csr, dense, k = votes
    m = dense.shape[1]
    rng = np.random.default_rng(1)
    table = rng.normal(size=(m, k, k))
    base = rng.normal(size=k)
    scores = base + np.einsum("iml,mly->iy", _onehot(dense, k), table)
    lse = np.log(np.exp(scores - scores.max(1, keepdims=True)).sum(1)) + scores.max(1)
    q = np.exp(scores - lse[:, None])
    counts, sums, ll = K.em_pass(*csr, table, base, m)
    np.testing.assert_allclose(counts, np.einsum("iml,iy->mly", _onehot(dense, k), q))
    np.testing.assert_allclose(sums, q.sum(0))
    np.testing.assert_allclose(ll, lse.sum())


def test_soft_vote_counts_match_numpy(votes):
    csr, dense, k = votes
    q = np.random.default_rng(2).dirichlet(np.ones(k), size=dense.shape[0])
    expected = np.einsum("iml,iy->mly", _onehot(dense, k), q)
    np.testing.assert_allclose(K.soft_vote_counts(*csr, q, dense.shape[1]), expected)


def test_overlap_counts_match_numpy(votes):
    csr, dense, k = votes
    n, m = dense.shape
    flat = _onehot(dense, k).reshape(n, m * k)
    np.testing.assert_allclose(K.overlap_counts(*csr, m, k), flat.T @ flat)


def test_pair_agreement_counts_match_numpy(votes):
    csr, dense, _ = votes
    voted = (dense >= 0).astype(np.float64)
    both, agree = K.pair_agreement_counts(*csr, dense.shape[1])
    same = (dense[:, :, None] == dense[:, None, :]) & (dense[:, :, None] >= 0)
    np.testing.assert_allclose(both, voted.T @ voted)
    np.testing.assert_allclose(agree, same.sum(0))


def test_kernels_accept_a_matrix_without_rows():
    indptr = np.zeros(1, dtype=np.int64)
    empty = (indptr, np.zeros(0, np.int32), np.zeros(0, np.int8))
    counts, sums, ll = K.em_pass(*empty, np.zeros((3, 2, 2)), np.zeros(2), 3)
    assert counts.shape == (3, 2, 2) and ll == 0.0
    assert K.weighted_vote_counts(*empty, np.ones(3), 2).shape == (0, 2)


def _numpy_majority(dense: np.ndarray, k: int) -> np.ndarray:
    """Majority distribution per row (ties split evenly, zero rows without votes)."""
    counts = _onehot(dense, k).sum(axis=1)
    top = counts.max(axis=1, keepdims=True)
    winners = (counts == top) & (top > 0)
    return winners / np.maximum(winners.sum(axis=1, keepdims=True), 1)


def test_majority_vote_stats_match_numpy(votes):
    csr, dense, k = votes
    m = dense.shape[1]
    q = _numpy_majority(dense, k)
    n_top = (q > 0).sum(1)
    assert (n_top == 1).any() and (n_top >= 2).any()  # both the unique and the tied branch
    winner = np.where(n_top == 1, q.argmax(1), -1)
    voted = (dense >= 0) & (winner[:, None] >= 0)
    counts, sums, per_lf, winner_counts, lf_votes, lf_agree = K.majority_vote_stats(*csr, m, k)
    np.testing.assert_allclose(counts, np.einsum("iml,iy->mly", _onehot(dense, k), q))
    np.testing.assert_allclose(sums, q.sum(0))
    np.testing.assert_array_equal(per_lf, _onehot(dense, k).sum(0))
    np.testing.assert_array_equal(winner_counts, np.bincount(winner[winner >= 0], minlength=k))
    np.testing.assert_array_equal(lf_votes, voted.sum(0))
    np.testing.assert_array_equal(lf_agree, (voted & (dense == winner[:, None])).sum(0))


def test_majority_winner_matches_numpy(votes):
    csr, dense, k = votes
    q = _numpy_majority(dense, k)
    expected = np.where((q > 0).sum(1) == 1, q.argmax(1), -1)
    np.testing.assert_array_equal(K.majority_winner(*csr, k), expected)


def _numpy_softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_loglinear_proba_matches_numpy(votes):
    csr, dense, k = votes
    rng = np.random.default_rng(4)
    table = rng.normal(size=(dense.shape[1], k, k))
    base = rng.normal(size=k)
    prior = rng.dirichlet(np.ones(k))
    expected = _numpy_softmax(base + np.einsum("iml,mly->iy", _onehot(dense, k), table))
    empty = (dense < 0).all(axis=1)
    assert empty.any() and not empty.all()  # the fixture exercises both branches
    expected[empty] = prior
    np.testing.assert_allclose(K.loglinear_proba(*csr, table, base, prior), expected, rtol=1e-12)


def test_binary_loglinear_proba_matches_numpy(votes):
    csr, dense, k = votes
    if k != 2:
        pytest.skip("the log-odds kernel is for k = 2")
    rng = np.random.default_rng(5)
    table = rng.normal(size=(dense.shape[1], 2, 2)) * 20  # large scores: both logistic branches
    base = rng.normal(size=2)
    prior = np.array([0.3, 0.7])
    expected = _numpy_softmax(base + np.einsum("iml,mly->iy", _onehot(dense, 2), table))
    expected[(dense < 0).all(axis=1)] = prior
    delta = np.ascontiguousarray(table[:, :, 1] - table[:, :, 0])
    got = K.loglinear_proba_binary(*csr, delta, base[1] - base[0], prior)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)


def test_binary_em_pass_matches_general_em_pass(votes):
    from weaklab.models.dawid_skene import em_totals

    csr, dense, k = votes
    if k != 2:
        pytest.skip("the log-odds EM pass is for k = 2")
    m = dense.shape[1]
    rng = np.random.default_rng(6)
    for scale in (1.0, 20.0):  # large scores: both branches of the stable sigmoid
        table = rng.normal(size=(m, 2, 2)) * scale
        base = rng.normal(size=2)
        general = K.em_pass(*csr, table, base, m)
        delta = np.ascontiguousarray(table[:, :, 1] - table[:, :, 0])
        stats = K.em_pass_binary(*csr, delta, base[1] - base[0], m, np.empty(0))
        lf_class = _onehot(dense, 2).sum(axis=0)
        binary = em_totals(stats, table, base, lf_class, float(dense.shape[0]))
        for a, b in zip(general, binary):
            np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-9)


def test_argmax_vs_majority_matches_numpy(votes):
    csr, dense, k = votes
    m = dense.shape[1]
    rng = np.random.default_rng(5)
    table = rng.normal(size=(m, k, k))
    base = rng.normal(size=k)
    covered = (dense >= 0).any(axis=1)
    pred = _numpy_softmax(base + np.einsum("iml,mly->iy", _onehot(dense, k), table)).argmax(1)
    q = _numpy_majority(dense, k)
    winner = np.where((q > 0).sum(1) == 1, q.argmax(1), -1)
    unique = winner >= 0
    expected_agree = np.count_nonzero(pred[unique] == winner[unique])
    expected_counts = np.bincount(pred[covered], minlength=k)
    agree, pred_counts = K.argmax_vs_majority(*csr, table, base)
    assert agree == expected_agree
    np.testing.assert_array_equal(pred_counts, expected_counts)
    if k == 2:
        delta = np.ascontiguousarray(table[:, :, 1] - table[:, :, 0])
        agree, pred_counts = K.argmax_vs_majority_binary(*csr, delta, base[1] - base[0])
        assert agree == expected_agree
        np.testing.assert_array_equal(pred_counts, expected_counts)


def test_fused_kernels_accept_a_matrix_without_rows():
    indptr = np.zeros(1, dtype=np.int64)
    empty = (indptr, np.zeros(0, np.int32), np.zeros(0, np.int8))
    table, base = np.zeros((3, 2, 2)), np.zeros(2)
    assert K.loglinear_proba(*empty, table, base, np.full(2, 0.5)).shape == (0, 2)
    agree, pred_counts = K.argmax_vs_majority(*empty, table, base)
    assert agree == 0.0 and pred_counts.shape == (2,)
    agree, pred_counts = K.argmax_vs_majority_binary(*empty, table[:, :, 1], 0.0)
    assert agree == 0.0 and pred_counts.tolist() == [0.0, 0.0]
    stats = K.majority_vote_stats(*empty, 3, 2)
    assert stats[0].shape == (3, 2, 2) and stats[3].sum() == 0.0


def test_vote_share_proba_matches_numpy(votes):
    csr, dense, k = votes
    prior = np.random.default_rng(6).dirichlet(np.ones(k))
    counts = _onehot(dense, k).sum(axis=1)
    total = counts.sum(axis=1, keepdims=True)
    expected = np.where(total > 0, counts / np.maximum(total, 1), prior)
    np.testing.assert_allclose(K.vote_share_proba(*csr, np.ones(k), prior), expected, rtol=1e-15)
    weights = np.linspace(0.5, 3.0, k)
    scaled = counts * weights
    expected = np.where(total > 0, scaled / np.maximum(scaled.sum(axis=1, keepdims=True), 1e-300), prior)
    np.testing.assert_allclose(K.vote_share_proba(*csr, weights, prior), expected, rtol=1e-14)
