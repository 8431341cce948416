"""explain(model, L, row) as a specification (weaklab/lineage/explain.py)."""

from __future__ import annotations

import numpy as np
import pytest

from weaklab import (
    ClassBalancedVote,
    DawidSkene,
    LabelMatrix,
    LabelModel,
    MajorityVote,
    MatrixCompletion,
    MMSR,
    PartitionedLabelMatrix,
    TripletModel,
    WeightedMajorityVote,
    explain,
    load_model,
    load_wrench,
)

MODELS = [
    MajorityVote,
    WeightedMajorityVote,
    ClassBalancedVote,
    DawidSkene,
    lambda: DawidSkene(one_coin=True),
    lambda: DawidSkene(model_abstain=False),
    lambda: DawidSkene(model_abstain="auto"),
    MatrixCompletion,
    lambda: MatrixCompletion(model_abstain=True),
    TripletModel,
    MMSR,
    LabelModel,
]


def random_matrix(seed: int, n: int = 150, m: int = 6, k: int = 2) -> LabelMatrix:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    right = rng.random((n, m)) < 0.75
    wrong = (y[:, None] + rng.integers(1, k, (n, m))) % k
    dense = np.where(rng.random((n, m)) < 0.45, np.where(right, y[:, None], wrong), -1)
    return LabelMatrix.from_dense(dense, cardinality=k)


def assert_explains_every_row(model, L: LabelMatrix) -> None:
    proba = model.predict_proba(L)
    for row in range(L.n_rows):
        e = explain(model, L, row)
        np.testing.assert_allclose(e.probabilities, proba[row], rtol=0, atol=1e-9)
        # The parts add up to the scores, which give the probabilities.
        voted = e.lfs[e.lfs["vote"] >= 0]
        contrib = voted[[f"contribution {c}" for c in range(L.cardinality)]].to_numpy().sum(axis=0)
        np.testing.assert_allclose(e.base + contrib, e.scores, rtol=0, atol=1e-12)
        assert list(voted["vote"]) == [v for v in L[row].to_dense()[0] if v >= 0]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("make", MODELS, ids=lambda f: getattr(f, "__name__", "variant"))
@pytest.mark.parametrize("k", [2, 3])
def test_explanation_equals_predict_proba_on_random_matrices(make, k):
    L = random_matrix(k, k=k)
    model = make().fit(L)
    assert_explains_every_row(model, L)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("dataset", ["nhbess_weak_supervision_tutorial/youtube", "dygen_wrench/trec",
                                     "nhbess_weak_supervision_tutorial/yoruba"])
def test_explanation_equals_predict_proba_on_real_data(shared_data, dataset):
    train = load_wrench(shared_data / dataset, "train")
    valid = load_wrench(shared_data / dataset, "valid")
    L = train.L[:400]
    selected = set()
    for make in MODELS:
        assert_explains_every_row(make().fit(train.L), L)
    dev = LabelModel().fit(train.L, L_dev=valid.L, Y_dev=valid.y)
    selected.add(dev.selected_)
    assert_explains_every_row(dev, L)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_label_model_loaded_from_disk_explains_the_same(tmp_path):
    L = random_matrix(4, k=3)
    model = LabelModel().fit(L)
    loaded = load_model(model.save(tmp_path / "m.npz"))
    for row in (0, 7, 42):
        a, b = explain(model, L, row), explain(loaded, L, row)
        np.testing.assert_allclose(a.probabilities, b.probabilities, rtol=0, atol=1e-12)
        assert a.lfs.equals(b.lfs)


def test_a_row_without_votes_gets_the_prior_and_the_parts_are_readable():
    L = LabelMatrix.from_dense(np.array([[0, 1, -1], [-1, -1, -1], [1, 1, 1], [0, 0, -1]]), ["a", "b", "c"])
    model = DawidSkene().fit(L)
    empty = explain(model, L, 1)
    assert empty.form == "prior" and (empty.lfs["vote"] == -1).all()
    np.testing.assert_allclose(empty.probabilities, model.class_balance_ / model.class_balance_.sum())
    e = explain(model, L, 0)
    assert e.form == "log-linear" and list(e.lfs.index[:2]) == ["a", "b"]
    # a votes 0: its contribution to class y is the model's log P(vote 0 | y) plus coverage terms.
    assert e.lfs.loc["a", "P(vote|y=0)"] == pytest.approx(model.confusion_[0, 0, 0])
    assert e.lfs.loc["a", "accuracy"] == pytest.approx(model.accuracies_[0])
    text = str(e)
    assert "Row 0: DawidSkene" in text and "(probability)" in text and "1 abstained" in text
    html = e._repr_html_()
    assert "<table" in html and "(base)" in html


def test_vote_share_contributions_are_the_class_weights():
    L = LabelMatrix.from_dense(np.array([[0, 0, 1], [0, 0, -1], [0, -1, -1], [0, -1, 1]]))
    model = ClassBalancedVote().fit(L)
    e = explain(model, L, 0)
    assert e.form == "vote share"
    w = 1.0 / model.vote_share_
    assert e.lfs.loc["lf_0", "contribution 0"] == pytest.approx(w[0])
    assert e.lfs.loc["lf_2", "contribution 1"] == pytest.approx(w[1])
    np.testing.assert_allclose(e.scores, [2 * w[0], w[1]])
    assert e.label == 1


def test_partitioned_matrix_rows_are_found_in_their_block():
    L = random_matrix(9, n=90)
    model = MajorityVote().fit(L)
    parts = PartitionedLabelMatrix.from_label_matrix(L, n_blocks=4)
    for row in (0, 22, 23, 89):
        np.testing.assert_allclose(explain(model, parts, row).probabilities, explain(model, L, row).probabilities)


def test_bad_arguments_are_named():
    L = random_matrix(1, n=20)
    model = MajorityVote().fit(L)
    with pytest.raises(ValueError, match="row=20"):
        explain(model, L, 20)
    with pytest.raises(TypeError, match="row"):
        explain(model, L, 1.0)
    with pytest.raises(ValueError, match="LFs"):
        explain(model, L.drop(["lf_0"]), 0)
    with pytest.raises(TypeError, match="model"):
        explain(object(), L, 0)
    with pytest.raises(TypeError, match="L must"):
        explain(model, L.to_dense(), 0)


def test_a_tied_row_is_labelled_minus_one_not_the_lowest_class():
    # One vote for each class: majority vote's probabilities are exactly (1/2, 1/2).
    L = LabelMatrix.from_dense(np.array([[0, 1], [1, 1], [0, 0]]))
    model = MajorityVote().fit(L)
    tied = explain(model, L, 0)
    np.testing.assert_allclose(tied.probabilities, [0.5, 0.5])
    assert tied.label == -1 and "label -1 (a tie)" in str(tied)
    assert explain(model, L, 1).label == 1 and explain(model, L, 2).label == 0
