"""Tests for weaklab.analysis: hand-computed values, kernel/reference agreement, Snorkel parity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weaklab import LabelMatrix, load_wrench
from weaklab.analysis.statistics import (
    confusion_table,
    label_stats,
    lf_class_metrics,
    lf_pairwise,
    lf_statistics,
    lf_summary,
    prediction_confusion,
)

# Snorkel's own docstring example, so the hand-computed values are easy to check.
DENSE = np.array(
    [
        [-1, 0, 0],
        [-1, -1, -1],
        [1, 0, -1],
        [-1, 0, -1],
        [0, 0, 0],
    ]
)
GOLD = np.array([0, 1, 1, 0, 1])
PRED = np.array([0, -1, 1, 1, 0])


class FakeModel:
    """Obeys the label-model contract with fixed outputs."""

    def __init__(self, pred, accuracies, lf_names, class_balance=(0.5, 0.5), warnings=()):
        self.pred = np.asarray(pred)
        self.accuracies_ = np.asarray(accuracies, dtype=float)
        self.lf_names_ = tuple(lf_names)
        self.class_balance_ = np.asarray(class_balance, dtype=float)
        self.warnings_ = list(warnings)
        self.calls = []

    def predict(self, L, tie_break="abstain"):
        self.calls.append(tie_break)
        return self.pred.copy()

    def predict_proba(self, L):
        proba = np.full((L.n_rows, L.cardinality), 1.0 / L.cardinality)
        known = self.pred >= 0
        proba[known] = np.eye(L.cardinality)[self.pred[known]]
        return proba


@pytest.fixture
def L():
    return LabelMatrix.from_dense(DENSE, ["a", "b", "c"], 2)


@pytest.fixture
def model():
    return FakeModel(PRED, [0.9, 0.7, 0.8], ["a", "b", "c"], warnings=["LF 'b' looks weak"])


def random_matrix(seed, n=300, m=7, k=3, density=0.3):
    rng = np.random.default_rng(seed)
    dense = rng.integers(0, k, size=(n, m))
    dense[rng.random((n, m)) > density] = -1
    dense[: n // 10] = -1  # some empty rows
    return LabelMatrix.from_dense(dense, [f"lf{j}" for j in range(m)], k), dense


# ------------------------------------------------------------- lf_summary
def test_summary_snorkel_columns_match_hand_computed_values(L):
    s = lf_summary(L)
    assert list(s.index) == ["a", "b", "c"]
    assert s["polarity"].tolist() == [[0, 1], [0], [0]]
    np.testing.assert_allclose(s["coverage"], [0.4, 0.8, 0.4])
    np.testing.assert_allclose(s["overlaps"], [0.4, 0.6, 0.4])
    np.testing.assert_allclose(s["conflicts"], [0.2, 0.2, 0.0])
    assert s["j"].tolist() == [0, 1, 2]


def test_summary_counts_votes_per_class(L):
    s = lf_summary(L)
    assert s["votes_0"].tolist() == [1, 4, 2]
    assert s["votes_1"].tolist() == [1, 0, 0]


def test_summary_with_gold_counts_correct_and_incorrect(L):
    s = lf_summary(L, y=GOLD)
    assert s["correct"].tolist() == [1, 2, 1]
    assert s["incorrect"].tolist() == [1, 2, 1]
    np.testing.assert_allclose(s["emp_accuracy"], [0.5, 0.5, 0.5])


def test_summary_leaves_rows_with_unknown_gold_out_of_accuracy(L):
    s = lf_summary(L, y=np.array([0, 1, -1, 0, -1]))
    assert s["correct"].tolist() == [0, 2, 1]
    assert s["incorrect"].tolist() == [0, 0, 0]
    assert np.isnan(s.loc["a", "emp_accuracy"])
    np.testing.assert_allclose(s["emp_accuracy"].iloc[1:], [1.0, 1.0])


def test_summary_with_model_adds_learned_accuracy_and_agreement(L, model):
    s = lf_summary(L, model=model)
    np.testing.assert_allclose(s["learned_accuracy"], [0.9, 0.7, 0.8])
    np.testing.assert_allclose(s["model_agreement"], [1.0, 0.5, 1.0])
    assert model.calls == ["abstain"]


def test_summary_without_gold_or_model_has_no_such_columns(L):
    s = lf_summary(L)
    for col in ("correct", "incorrect", "emp_accuracy", "learned_accuracy", "model_agreement"):
        assert col not in s.columns


def test_summary_of_lf_that_never_votes(L):
    L2 = LabelMatrix.from_dense(np.c_[DENSE, np.full(5, -1)], ["a", "b", "c", "silent"], 2)
    s = lf_summary(L2, y=GOLD)
    assert s.loc["silent", "polarity"] == []
    assert s.loc["silent", "coverage"] == 0.0
    assert np.isnan(s.loc["silent", "emp_accuracy"])


def test_summary_of_empty_matrix_has_zero_coverage():
    L0 = LabelMatrix.from_dense(np.zeros((0, 2), dtype=int), ["a", "b"], 2)
    s = lf_summary(L0)
    assert s["coverage"].tolist() == [0.0, 0.0]


def test_summary_rejects_gold_of_wrong_length(L):
    with pytest.raises(ValueError, match="y has 4 labels but L has 5 rows"):
        lf_summary(L, y=[0, 1, 0, 1])


def test_summary_rejects_gold_outside_classes(L):
    with pytest.raises(ValueError, match=r"y\[2\] = 5"):
        lf_summary(L, y=[0, 1, 5, 0, 1])


def test_summary_rejects_non_matrix():
    with pytest.raises(TypeError, match="LabelMatrix"):
        lf_summary(DENSE)


def test_summary_rejects_model_fitted_on_other_lfs(L):
    other = FakeModel(PRED, [0.9, 0.7, 0.8], ["x", "y", "z"])
    with pytest.raises(ValueError, match="fitted on LFs"):
        lf_summary(L, model=other)


def test_summary_rejects_model_with_wrong_accuracy_shape(L):
    bad = FakeModel(PRED, [0.9, 0.7], ["a", "b", "c"])
    with pytest.raises(ValueError, match="accuracies_"):
        lf_summary(L, model=bad)


def test_summary_rejects_object_without_predict(L):
    with pytest.raises(TypeError, match="predict"):
        lf_summary(L, model=object())


# ------------------------------------------------------------ label_stats
def test_label_stats_match_hand_computed_values(L):
    s = label_stats(L, y=GOLD)
    assert (s.n_rows, s.n_lfs, s.cardinality, s.n_votes) == (5, 3, 2, 8)
    assert s.coverage == pytest.approx(0.8)
    assert s.overlap == pytest.approx(0.6)
    assert s.conflict == pytest.approx(0.2)
    assert s.density == pytest.approx(8 / 15)
    np.testing.assert_allclose(s.majority_balance, [1.0, 0.0])
    assert s.majority_abstain == pytest.approx(0.4)
    assert s.majority_accuracy == pytest.approx(2 / 3)
    assert s.prediction_balance is None and s.warnings == ()


def test_label_stats_compare_model_with_majority_vote(L, model):
    s = label_stats(L, y=GOLD, model=model)
    assert s.majority_disagreement == pytest.approx(1 / 3)
    np.testing.assert_allclose(s.prediction_balance, [0.5, 0.5])
    assert s.prediction_abstain == pytest.approx(0.2)
    assert s.model_accuracy == pytest.approx(0.5)
    np.testing.assert_allclose(s.learned_class_balance, [0.5, 0.5])
    assert s.warnings == ("LF 'b' looks weak",)
    assert s.to_dict()["prediction_balance"] == [0.5, 0.5]


# --------------------------------------------------------------- pairwise
def test_pairwise_counts_match_hand_computed_values(L):
    p = lf_pairwise(L)
    assert p.overlap.to_numpy().tolist() == [[2, 2, 1], [2, 4, 2], [1, 2, 2]]
    assert p.conflict.to_numpy().tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 0]]
    assert p.agreement.to_numpy().tolist() == [[2, 1, 1], [1, 4, 2], [1, 2, 2]]
    assert list(p.overlap.index) == ["a", "b", "c"]


def test_pairwise_normalize_gives_fractions_of_rows(L):
    p = lf_pairwise(L, normalize=True)
    assert p.overlap.loc["a", "b"] == pytest.approx(0.4)


def test_pairwise_correlation_is_one_hot_pearson(L):
    corr = lf_pairwise(L).correlation
    assert corr.loc["a", "b"] == pytest.approx(2 / np.sqrt(384))
    np.testing.assert_allclose(np.diag(corr), 1.0)
    # same formula as numpy's Pearson on the explicit one-hot vectors
    onehot = [np.eye(3)[DENSE[:, j] + 1][:, 1:].ravel() for j in range(3)]
    np.testing.assert_allclose(corr.to_numpy(), np.corrcoef(onehot))


def test_pairwise_correlation_flags_copied_lf():
    L, dense = random_matrix(3, m=4)
    copied = LabelMatrix.from_dense(np.c_[dense, dense[:, 0]], [*L.lf_names, "copy"], 3)
    corr = lf_pairwise(copied).correlation
    assert corr.loc["lf0", "copy"] == pytest.approx(1.0)
    assert abs(corr.loc["lf1", "copy"]) < 0.5


# --------------------------------------------------------------- with gold
def test_class_metrics_match_hand_computed_values(L):
    m = lf_class_metrics(L, GOLD)
    assert m.loc[("a", 0)].tolist() == [1, 2, 0, 0.0, 0.0, 0.0]
    assert m.loc[("a", 1), ["votes", "support", "correct", "precision", "f1"]].tolist() == [1, 3, 1, 1.0, 0.5]
    assert m.loc[("a", 1), "recall"] == pytest.approx(1 / 3)
    assert m.loc[("b", 0), "f1"] == pytest.approx(4 / 6)
    assert np.isnan(m.loc[("b", 1), "precision"]) and m.loc[("b", 1), "recall"] == 0.0


def test_class_metrics_agree_with_sklearn(shared_data):
    from sklearn.metrics import precision_recall_fscore_support

    split = load_wrench(shared_data / "nhbess_weak_supervision_tutorial" / "youtube", "train")
    m = lf_class_metrics(split.L, split.y)
    dense = split.L.to_dense()
    for j, name in enumerate(split.L.lf_names):
        p, r, f, s = precision_recall_fscore_support(
            split.y, dense[:, j], labels=[0, 1], zero_division=np.nan
        )
        np.testing.assert_allclose(m.loc[name, "precision"], p)
        np.testing.assert_allclose(m.loc[name, "recall"], r)
        np.testing.assert_allclose(m.loc[name, "f1"].to_numpy(), np.nan_to_num(f))
        assert m.loc[name, "support"].tolist() == s.tolist()


def test_prediction_confusion_counts_abstains(L, model):
    table = prediction_confusion(L, GOLD, model)
    assert table.to_numpy().tolist() == [[1, 1, 0], [1, 1, 1]]
    assert list(table.columns) == [0, 1, "abstain"]


def test_confusion_table_leaves_unknown_gold_out():
    table = confusion_table([0, -1, 1], [0, 1, -1], 2)
    assert table.to_numpy().tolist() == [[1, 0, 0], [0, 0, 1]]


def test_confusion_table_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        confusion_table([0, 1], [0], 2)


# --------------------------------------------------------- Snorkel parity
def _snorkel_parity(directory):
    analysis = pytest.importorskip("snorkel.labeling.analysis")
    split = load_wrench(directory, "train")
    assert (split.y >= 0).all()
    dense = split.L.to_dense()
    theirs = analysis.LFAnalysis(dense).lf_summary(split.y)
    ours = lf_summary(split.L, y=split.y)
    assert ours["polarity"].tolist() == [list(map(int, p)) for p in theirs["Polarity"]]
    for mine, snorkel in [
        ("coverage", "Coverage"),
        ("overlaps", "Overlaps"),
        ("conflicts", "Conflicts"),
        ("correct", "Correct"),
        ("incorrect", "Incorrect"),
    ]:
        np.testing.assert_allclose(ours[mine].to_numpy(float), theirs[snorkel].to_numpy(float), err_msg=mine)
    # Snorkel reports 0 where an LF never votes; weaklab reports NaN.
    np.testing.assert_allclose(ours["emp_accuracy"].fillna(0).to_numpy(), theirs["Emp. Acc."].to_numpy())
    ana = analysis.LFAnalysis(dense)
    stats = label_stats(split.L)
    assert stats.coverage == pytest.approx(ana.label_coverage())
    assert stats.overlap == pytest.approx(ana.label_overlap())
    assert stats.conflict == pytest.approx(ana.label_conflict())


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_summary_matches_snorkel_on_youtube(shared_data):
    _snorkel_parity(shared_data / "nhbess_weak_supervision_tutorial" / "youtube")


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_summary_matches_snorkel_on_trec(shared_data):
    _snorkel_parity(shared_data / "dygen_wrench" / "trec")


def test_model_accuracy_ignores_rows_without_votes(L):
    # row 1 has no vote: a right or wrong guess there says nothing about the LFs
    wrong_on_empty = FakeModel(np.array([0, 0, 1, 0, 1]), [0.9, 0.7, 0.8], ["a", "b", "c"])
    right_on_empty = FakeModel(np.array([0, 1, 1, 0, 1]), [0.9, 0.7, 0.8], ["a", "b", "c"])
    a = label_stats(L, y=GOLD, model=wrong_on_empty).model_accuracy
    b = label_stats(L, y=GOLD, model=right_on_empty).model_accuracy
    assert a == b == pytest.approx(1.0)


def test_report_reads_only_public_names_of_analysis():
    """The report is built from analysis's public results, never from its private helpers."""
    import ast
    from pathlib import Path

    import weaklab.analysis.report.build as build

    tree = ast.parse(Path(build.__file__).read_text())
    private = [
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level >= 2
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.endswith("__")
    ]
    assert private == []


def test_lf_statistics_is_the_pass_behind_summary_and_label_stats(L, model):
    s = lf_statistics(L, GOLD, model)
    pd.testing.assert_frame_equal(s.summary(), lf_summary(L, GOLD, model))
    assert s.label_stats().to_dict() == label_stats(L, GOLD, model).to_dict()
    # hand-computed on DENSE / GOLD: 'a' votes 1 on row 2 (gold 1) and 0 on row 4 (gold 1)
    assert s.correct.tolist() == [1, 2, 1] and s.incorrect.tolist() == [1, 2, 1]
    assert s.majority.tolist() == [0, -1, -1, 0, 0] and s.n_conflicted == 1
    # PRED = [0, -1, 1, 1, 0]: 'a' agrees on rows 2 and 4, 'b' on rows 0 and 4 of 0, 2, 3, 4
    assert s.model_agreement.tolist() == [1.0, 0.5, 1.0]
