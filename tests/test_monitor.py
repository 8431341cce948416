"""Drift monitoring (weaklab/analysis/monitor.py) as a specification."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import scipy.sparse as sp
from matplotlib.figure import Figure

from weaklab import LabelMatrix, MajorityVote, PartitionedLabelMatrix, make_synthetic_label_matrix
from weaklab.analysis.monitor import OVERALL, DriftCounts, monitor, monitor_batches


def cut_votes(L: LabelMatrix, name: str, fraction: float, rng: np.random.Generator) -> LabelMatrix:
    """``L`` with each vote of LF ``name`` removed with probability ``fraction``."""
    coo = L.csr.tocoo()
    drop = (coo.col == L.col(name)) & (rng.random(coo.nnz) < fraction)
    keep = ~drop
    csr = sp.coo_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=L.shape)
    return LabelMatrix(csr, L.lf_names, L.cardinality)


def two_halves(seed: int, n: int = 5000, n_lfs: int = 10, k: int = 2) -> tuple[LabelMatrix, LabelMatrix]:
    """Two independent samples of the same LF behaviour: the halves of one synthetic matrix."""
    L = make_synthetic_label_matrix(2 * n, n_lfs, k, seed=seed).L
    return L[:n], L[n:]


@pytest.mark.slow
def test_default_thresholds_over_100_seeded_trials():
    """Same distribution: at most 5 trials flag anything. One LF's coverage cut by 30 %: caught in >= 95."""
    false_alarms = caught = only_it = 0
    for seed in range(100):
        ref, cur = two_halves(seed)
        false_alarms += monitor(ref, cur).any_drift
        target = ref.lf_names[seed % ref.n_lfs]
        shifted = monitor(ref, cut_votes(cur, target, 0.3, np.random.default_rng(seed)))
        caught += target in shifted.drifted
        only_it += shifted.drifted == (target,)
    assert false_alarms <= 5
    assert caught >= 95
    assert only_it >= 90  # the other LFs are not blamed for the change


@pytest.mark.slow
def test_trials_with_a_model():
    """With a label model's statistics added (more tests) the error rates still hold."""
    false_alarms = caught = 0
    for seed in range(30):
        ref, cur = two_halves(seed)
        model = MajorityVote().fit(ref)
        false_alarms += monitor(ref, cur, model).any_drift
        target = ref.lf_names[seed % ref.n_lfs]
        caught += target in monitor(ref, cut_votes(cur, target, 0.3, np.random.default_rng(seed)), model).drifted
    assert false_alarms <= 2
    assert caught >= 28


def test_a_silent_lf_is_its_own_finding_and_the_others_are_not_blamed():
    # lf_0 and lf_1 are 90 % accurate, lf_2 votes at random: most of the others' conflicts
    # are with lf_2, so when it goes silent their conflict rates fall with it.
    rng = np.random.default_rng(0)

    def votes(coverage):
        y = rng.integers(0, 2, 5000)
        labels = np.where(rng.random((5000, 3)) < 0.9, y[:, None], 1 - y[:, None])
        labels[:, 2] = rng.integers(0, 2, 5000)
        return LabelMatrix.from_dense(np.where(rng.random((5000, 3)) < coverage, labels, -1))

    ref = votes([0.3, 0.3, 0.3])
    report = monitor(ref, votes([0.3, 0.3, 0.0]))
    assert report.silent == ("lf_2",) and report.drifted == ("lf_2",)
    assert "went silent" in report.findings[0] and "lf_2" in report.findings[0]
    # Losing most but not ~all of its votes is drift, not silence.
    half = monitor(ref, votes([0.3, 0.3, 0.15]))
    assert half.drifted == ("lf_2",) and half.silent == ()
    # A silent LF in real-looking votes too.
    ref, cur = two_halves(3)
    report = monitor(ref, cut_votes(cur, "lf_4", 1.0, np.random.default_rng(0)))
    assert report.silent == ("lf_4",)
    assert not report.statistics.xs("conflict", level="statistic").drop(index="lf_4")["drifted"].any()


def test_statistics_match_a_hand_computation():
    # LF a: reference 2 x class 0, 2 x class 1, 6 abstains; current 1 x class 0, 5 x class 1, 4 abstains.
    ref = np.full((10, 2), -1)
    ref[:2, 0], ref[2:4, 0] = 0, 1
    cur = np.full((10, 2), -1)
    cur[:1, 0], cur[1:6, 0] = 0, 1
    ref[:6, 1], cur[:6, 1] = 1, 1
    report = monitor(LabelMatrix.from_dense(ref, ["a", "b"]), LabelMatrix.from_dense(cur, ["a", "b"]),
                     correction=None)
    row = report.statistics.loc[("a", "votes")]
    assert row["reference_counts"] == [6, 2, 2] and row["current_counts"] == [4, 1, 5]
    assert row["reference"] == pytest.approx(0.4) and row["current"] == pytest.approx(0.6)
    p, q = np.array([0.6, 0.2, 0.2]), np.array([0.4, 0.1, 0.5])
    mid = (p + q) / 2
    js = math.sqrt(0.5 * np.sum(p * np.log2(p / mid)) + 0.5 * np.sum(q * np.log2(q / mid)))
    assert row["distance"] == pytest.approx(js, rel=1e-12)
    assert row["psi"] == pytest.approx(float(np.sum((q - p) * np.log(q / p))), rel=1e-12)
    # Pearson's chi-square on the 2 x 3 table, by hand.
    table = np.array([[6, 2, 2], [4, 1, 5]], float)
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    chi2 = float(((table - expected) ** 2 / expected).sum())
    assert row["chi2"] == pytest.approx(chi2, rel=1e-12) and row["dof"] == 2
    # a conflicts with b on rows 0-1 (a votes 0, b votes 1) in the reference, row 0 in the current.
    conflict = report.statistics.loc[("a", "conflict")]
    assert conflict["reference"] == pytest.approx(2 / 4) and conflict["current"] == pytest.approx(1 / 6)
    coverage = report.statistics.loc[(OVERALL, "coverage")]
    assert coverage["reference_counts"] == [6, 4] and coverage["current_counts"] == [6, 4]
    assert coverage["distance"] == 0 and not coverage["drifted"]


def test_partitioned_counts_equal_in_memory_counts_and_merge():
    ref, cur = two_halves(5, n=3000)
    model = MajorityVote().fit(ref)
    whole = DriftCounts.from_matrix(cur, model)
    parts = DriftCounts.from_matrix(PartitionedLabelMatrix.from_label_matrix(cur, n_blocks=4), model)
    assert whole.to_dict() == parts.to_dict()
    halves = DriftCounts.from_matrix(cur[:1000], model) + DriftCounts.from_matrix(cur[1000:], model)
    assert halves.to_dict() == whole.to_dict()
    a = monitor(ref, cur, model).statistics
    b = monitor(ref, PartitionedLabelMatrix.from_label_matrix(cur, n_blocks=3), model).statistics
    assert a.drop(columns=["categories"]).equals(b.drop(columns=["categories"]))


@pytest.mark.slow
def test_on_a_distributed_cluster():
    distributed = pytest.importorskip("distributed")
    ref, cur = two_halves(6, n=2000)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None):
        parts = PartitionedLabelMatrix.from_label_matrix(cut_votes(cur, "lf_2", 1.0, np.random.default_rng(0)), 4)
        report = monitor(ref, parts)
    assert report.silent == ("lf_2",)


def test_model_statistics_catch_a_shift_in_the_predicted_classes():
    rng = np.random.default_rng(0)

    def votes(p_one: float, n: int = 4000) -> LabelMatrix:
        y = (rng.random(n) < p_one).astype(int)
        dense = np.where(rng.random((n, 4)) < 0.5, np.where(rng.random((n, 4)) < 0.85, y[:, None], 1 - y[:, None]), -1)
        return LabelMatrix.from_dense(dense, ["a", "b", "c", "d"], 2)

    ref = votes(0.5)
    model = MajorityVote().fit(ref)
    same = monitor(ref, votes(0.5), model)
    assert not same.any_drift
    shifted = monitor(ref, votes(0.8), model)
    assert "class_balance" in shifted.overall_drifted
    stat = shifted.statistics.loc[(OVERALL, "class_balance")]
    # share of covered rows predicted class 0 (ties are their own category): 50 % -> 20 % of the classes
    assert stat["reference"] - stat["current"] > 0.2
    assert stat["categories"] == ["0", "1", "tie"]
    assert {"agreement", "confidence"} <= set(shifted.statistics.index.get_level_values("statistic"))


def test_lf_order_may_differ_but_not_the_lfs():
    ref, cur = two_halves(7, n=2000)
    reordered = cur.select(list(reversed(cur.lf_names)))
    a, b = monitor(ref, cur).statistics, monitor(ref, reordered).statistics
    assert a.drop(columns=["categories"]).equals(b.drop(columns=["categories"]))
    with pytest.raises(ValueError, match="lf_3"):
        monitor(ref, cur.drop(["lf_3"]))
    with pytest.raises(ValueError, match="cardinality"):
        monitor(ref, LabelMatrix(cur.csr, cur.lf_names, 3))
    with pytest.raises(TypeError, match="current"):
        monitor(ref, cur.to_dense())


@pytest.mark.parametrize("kwargs", [{"alpha": 0}, {"alpha": 1.5}, {"min_distance": -0.1},
                                    {"silent_fraction": "x"}, {"correction": "holm"}])
def test_thresholds_are_checked(kwargs):
    ref, cur = two_halves(0, n=200)
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        monitor(ref, cur, **kwargs)


@pytest.mark.parametrize("empty", ["reference", "current"])
def test_a_batch_without_rows_is_an_error_not_an_all_clear(empty):
    full = LabelMatrix.from_dense(np.array([[0, 1], [1, -1], [-1, 1]]), ["a", "b"])
    none = LabelMatrix.from_dense(np.zeros((0, 2), dtype=int), ["a", "b"])
    pair = {"reference": full, "current": full, empty: none}
    with pytest.raises(ValueError, match=f"{empty} has no rows"):
        monitor(pair["reference"], pair["current"])
    with pytest.raises(ValueError, match=f"{empty} has no rows"):
        monitor(DriftCounts.from_matrix(pair["reference"]), DriftCounts.from_matrix(pair["current"]))


def test_json_html_and_text():
    ref, cur = two_halves(8, n=2000)
    ref = LabelMatrix(ref.csr, ["<script>x</script>", *ref.lf_names[1:]], 2)
    cur = cut_votes(LabelMatrix(cur.csr, ref.lf_names, 2), "<script>x</script>", 1.0, np.random.default_rng(0))
    report = monitor(ref, cur)
    doc = json.loads(report.to_json())
    assert doc["silent"] == ["<script>x</script>"] and doc["any_drift"] is True
    assert len(doc["statistics"]) == len(report.statistics)
    assert all(isinstance(r["p_adjusted"], (float, type(None))) for r in doc["statistics"])
    html = report._repr_html_()
    assert "<script>x" not in html and "&lt;script&gt;x" in html
    assert "went silent" in str(report)
    by_lf = report.by_lf()
    assert by_lf.loc["<script>x</script>", "silent"] and by_lf["drifted"].sum() == 1
    assert by_lf.loc["<script>x</script>", "coverage_cur"] == 0


def test_counts_round_trip_through_json_and_bad_counts_are_rejected():
    ref, _ = two_halves(9, n=500)
    counts = DriftCounts.from_matrix(ref, MajorityVote().fit(ref))
    doc = json.loads(json.dumps(counts.to_dict()))
    assert DriftCounts.from_dict(doc).to_dict() == counts.to_dict()
    for key, value in [("class_votes", [[1, 2]]), ("n_rows", -1), ("overlaps", [10**9] * ref.n_lfs),
                       ("agree", None), ("version", 99), ("lf_names", ["a"] * ref.n_lfs)]:
        bad = dict(doc, **{key: value})
        with pytest.raises(ValueError):
            DriftCounts.from_dict(bad)


def test_batches_track_coverage_and_plot():
    ref, cur = two_halves(10, n=3000)
    rng = np.random.default_rng(1)
    batches = [cur[:1000], cur[1000:2000], cut_votes(cur[2000:], "lf_1", 1.0, rng)]
    series = monitor_batches(ref, batches, names=["mon", "tue", "wed"])
    assert series.drifted == {"mon": (), "tue": (), "wed": ("lf_1",)}
    cov = series.coverage
    assert list(cov.index) == ["reference", "mon", "tue", "wed"]
    assert cov.loc["wed", "lf_1"] == 0
    expected = cur[:1000].csr.getnnz(axis=0) / 1000
    assert np.allclose(cov.loc["mon"].to_numpy(), expected)
    fig = series.plot_coverage()
    assert isinstance(fig, Figure) and len(fig.axes[0].lines) == 1  # only the drifted LF by default
    assert len(series.plot_coverage(lfs=["lf_0", "lf_1"]).axes[0].lines) == 2
    assert json.loads(series.to_json())["batches"][2]["silent"] == ["lf_1"]
    assert "⚠" in series._repr_html_()
    with pytest.raises(ValueError, match="names"):
        monitor_batches(ref, batches, names=["a", "a", "b"])
    with pytest.raises(TypeError):
        monitor_batches(ref, batches, threshold=0.1)


def test_the_html_report_gets_a_drift_section_when_given_a_reference():
    from weaklab import build_report

    ref, cur = two_halves(11, n=2000)
    silent = cut_votes(cur, "lf_6", 1.0, np.random.default_rng(0))
    model = MajorityVote().fit(ref)
    html = build_report(silent, model=model, path=None, reference=ref).html
    assert "Drift against the reference" in html and "lf_6" in html.split("Drift against the reference")[1]
    assert "went silent" in html
    assert "Drift against" not in build_report(silent, path=None).html
    counts = DriftCounts.from_matrix(ref)  # stored counts without model statistics work too
    assert "went silent" in build_report(silent, model=model, path=None, reference=counts).html
