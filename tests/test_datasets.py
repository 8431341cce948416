"""Data sets: synthetic label matrices and the CSV / crowd loaders."""

from __future__ import annotations

import numpy as np
import pytest

from weaklab.datasets import load_crowd, load_lf_matrix_csv, make_synthetic_label_matrix


def test_synthetic_matrix_matches_its_parameters():
    syn = make_synthetic_label_matrix(20000, 4, 3, accuracy=0.8, coverage=0.5, seed=0)
    dense = syn.L.to_dense()
    voted = dense >= 0
    np.testing.assert_allclose(voted.mean(axis=0), 0.5, atol=0.02)
    np.testing.assert_allclose(((dense == syn.y[:, None]) & voted).sum(0) / voted.sum(0), 0.8, atol=0.02)


def test_one_sided_lfs_vote_only_their_target_class():
    syn = make_synthetic_label_matrix(5000, 6, 2, class_balance=[0.8, 0.2], one_sided=True, seed=1)
    dense = syn.L.to_dense()
    for j in range(6):
        assert set(np.unique(dense[:, j])) <= {-1, int(syn.targets[j])}
    assert abs(np.mean(syn.y == 0) - 0.8) < 0.02


def test_synthetic_generator_is_seeded():
    a = make_synthetic_label_matrix(100, 3, 2, seed=4)
    b = make_synthetic_label_matrix(100, 3, 2, seed=4)
    assert a.L == b.L and np.array_equal(a.y, b.y)


def test_synthetic_generator_checks_its_arguments():
    with pytest.raises(ValueError, match="class_balance"):
        make_synthetic_label_matrix(10, 2, 2, class_balance=[0.3, 0.3])
    with pytest.raises(ValueError, match="accuracy"):
        make_synthetic_label_matrix(10, 2, 2, accuracy=(0.9, 0.1))


def test_lf_matrix_csv_maps_plus_minus_one_and_zero(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("0,1,Label,Snorkel\n1,0,1,1\n-1,-1,-1,-1\n0,0,1,0\n")
    votes = load_lf_matrix_csv(path)
    assert votes.L.to_dense().tolist() == [[1, -1], [0, 0], [-1, -1]]
    assert votes.y.tolist() == [1, 0, 1]


def test_lf_matrix_csv_rejects_other_values(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("0,Label\n2,1\n")
    with pytest.raises(ValueError, match="-1, 0"):
        load_lf_matrix_csv(path)


def test_shared_lf_matrix_csv_loads(shared_data):
    votes = load_lf_matrix_csv(shared_data / "regularized_data_programming/RNA/rna_lf_matrix_train.csv")
    assert votes.L.shape == (1656, 3) and set(np.unique(votes.y)) == {0, 1}


@pytest.mark.parametrize(
    "rel, shape, k",
    [("welinder_cubam/bluebirds", (108, 39), 2), ("snow2008/rte", (800, 164), 2), ("crowd_truth_infer/dog", (807, 109), 4)],
)
def test_shared_crowd_sets_load(shared_data, rel, shape, k):
    votes = load_crowd(shared_data / rel)
    assert votes.L.shape == shape and votes.L.cardinality == k
    assert np.all(votes.y >= 0)


def test_crowd_loader_reads_answer_and_truth_csv(tmp_path):
    (tmp_path / "answer.csv").write_text("question,worker,answer\n1,a,0\n1,b,1\n2,a,2\n")
    (tmp_path / "truth.csv").write_text("question,truth\n2,2\n")
    votes = load_crowd(tmp_path)
    assert votes.L.to_dense().tolist() == [[0, 1], [2, -1]]
    assert votes.y.tolist() == [-1, 2] and votes.L.lf_names == ("worker_a", "worker_b")


def test_crowd_loader_names_the_missing_layout(tmp_path):
    with pytest.raises(FileNotFoundError, match="crowd layout"):
        load_crowd(tmp_path)
