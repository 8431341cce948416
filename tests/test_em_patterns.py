"""The cheaper E-step: distinct vote patterns with weights, and (LF, label) pair tables.

Both must give the sums of the plain per-row E-step exactly (up to rounding); the
references are NumPy computations on the dense votes or the per-row kernel.
"""

from __future__ import annotations

import numpy as np
import pytest

from weaklab import LabelMatrix, PartitionedLabelMatrix
from weaklab.datasets import make_synthetic_label_matrix
from weaklab import kernels as K
from weaklab.models import DawidSkene, LabelModel
from weaklab.models.fit_source import FitSource

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _sparse_one_sided(k: int, seed: int = 0):
    return make_synthetic_label_matrix(
        3000, 20, k, accuracy=(0.5, 0.9), coverage=(0.02, 0.1), one_sided=True, seed=seed
    ).L


def test_distinct_rows_hold_each_pattern_once_with_its_count():
    L = _sparse_one_sided(3)
    rows, weights = FitSource(L).distinct_rows()
    dense, patterns = L.to_dense(), rows.to_dense()
    uniq, counts = np.unique(dense, axis=0, return_counts=True)
    assert rows.n_rows == uniq.shape[0] < L.n_rows // 2
    order = np.lexsort(patterns.T[::-1])
    np.testing.assert_array_equal(patterns[order], uniq)
    np.testing.assert_array_equal(weights[order], counts)


def test_dense_votes_are_not_merged():
    L = make_synthetic_label_matrix(3000, 30, 2, coverage=(0.4, 0.8), seed=1).L
    assert FitSource(L).distinct_rows() is None


def test_row_hashes_differ_for_different_rows_and_rows_equal_detects_a_mismatch():
    L = LabelMatrix.from_dense(np.array([[0, 1], [1, 0], [0, 1], [-1, 1]]))
    c = L.csr
    h = K.row_hashes(c.indptr, c.indices, c.data, np.arange(4, dtype=np.int64))
    assert h[0] == h[2] and len({int(h[0]), int(h[1]), int(h[3])}) == 3
    assert K.rows_equal(c.indptr, c.indices, c.data, np.array([0, 1, 0, 3], dtype=np.int64))
    assert not K.rows_equal(c.indptr, c.indices, c.data, np.array([0, 0, 0, 3], dtype=np.int64))


@pytest.mark.parametrize("weighted", [False, True])
def test_pair_em_pass_matches_numpy(weighted):
    L = _sparse_one_sided(4, seed=2)
    dense, k, m = L.to_dense(), 4, L.n_lfs
    rng = np.random.default_rng(3)
    table = rng.normal(size=(m, k, k))
    base = rng.normal(size=k)
    w = rng.integers(1, 5, L.n_rows).astype(np.float64) if weighted else np.ones(L.n_rows)
    onehot = (dense[:, :, None] == np.arange(k)).astype(float)
    scores = base + np.einsum("iml,mly->iy", onehot, table)
    lse = np.log(np.exp(scores - scores.max(1, keepdims=True)).sum(1)) + scores.max(1)
    q = np.exp(scores - lse[:, None])
    observed = np.flatnonzero(onehot.sum(0).ravel() > 0)
    lookup = np.full(m * k, -1)
    lookup[observed] = np.arange(observed.size)
    c = L.csr
    pairs = lookup[c.indices.astype(np.int64) * k + c.data - 1]
    lf, label = np.divmod(observed, k)
    counts, sums, ll = K.em_pass_pairs(c.indptr, pairs, np.ascontiguousarray(table[lf, label]), base,
                                       w if weighted else np.empty(0))
    full = np.einsum("iml,iy->mly", onehot, q * w[:, None])
    np.testing.assert_allclose(counts, full[lf, label])
    np.testing.assert_allclose(sums, (q * w[:, None]).sum(0))
    np.testing.assert_allclose(ll, (w * lse).sum())


@pytest.mark.parametrize("k", [2, 5])
def test_fit_on_distinct_patterns_equals_the_fit_on_every_row(k):
    # A partitioned matrix is fitted block by block over every row: the reference.
    L = _sparse_one_sided(k, seed=4)
    assert FitSource(L).distinct_rows() is not None
    merged = DawidSkene(model_abstain="auto").fit(L)
    every_row = DawidSkene(model_abstain="auto").fit(PartitionedLabelMatrix.from_label_matrix(L, n_blocks=3))
    assert merged.n_iter_ == every_row.n_iter_
    np.testing.assert_allclose(merged.confusion_, every_row.confusion_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(merged.class_balance_, every_row.class_balance_, rtol=1e-9)
    np.testing.assert_allclose(LabelModel().fit(L).predict_proba(L),
                               LabelModel().fit(PartitionedLabelMatrix.from_label_matrix(L, 2)).predict_proba(L),
                               rtol=1e-8, atol=1e-10)
