"""Run manifests and run diffs (weaklab/lineage/manifest.py, diff.py) as a specification."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import weaklab
from weaklab import (
    ABSTAIN,
    LabelModel,
    MajorityVote,
    WeightedMajorityVote,
    apply_lfs,
    diff,
    labeling_function,
    list_runs,
    load_run,
    record_run,
)
from weaklab.lineage.manifest import RunManifest, run_labels, run_matrix


@labeling_function()
def low(row):
    return 0 if row.x < 100 else ABSTAIN


@labeling_function()
def high(row):
    return 1 if row.x >= 120 else ABSTAIN


@labeling_function(name="middle")
def middle_v1(row):
    return 1 if 60 <= row.x < 160 else ABSTAIN


@labeling_function(name="middle")
def middle_v2(row):
    return 1 if 80 <= row.x < 160 else ABSTAIN


DATA = pd.DataFrame({"x": np.arange(200)})


def majority_by_hand(x: np.ndarray, middle_from: int) -> np.ndarray:
    """Majority vote of the three rules above, ties -1 (every row has a vote)."""
    zeros = (x < 100).astype(int)
    ones = (x >= 120).astype(int) + ((x >= middle_from) & (x < 160)).astype(int)
    return np.where(zeros > ones, 0, np.where(ones > zeros, 1, -1))


def fit_run(store, lfs, model, tmp_path, tag):
    L = apply_lfs(DATA, lfs, cardinality=2, store=store, progress=False)
    apply_manifest = record_run(L, lfs, data_source="frame x")
    model.fit(L)
    path = model.save(tmp_path / f"{tag}.npz")
    return L, apply_manifest, record_run(L, lfs, model=model, model_path=path, data_source="frame x")


def test_manifest_of_a_python_run_round_trips_and_holds_the_run(tmp_path):
    store = tmp_path / "store"
    lfs = [low, high, middle_v1]
    L, applied, fitted = fit_run(store, lfs, MajorityVote(), tmp_path, "a")
    assert applied.kind == "apply" and applied.run_id == L.run.run_id
    assert fitted.kind == "fit" and fitted.parent == L.run.run_id
    for m in (applied, fitted):
        again = load_run(store, m.run_id)
        assert again == m
        assert RunManifest.from_json(m.to_json()) == m
    assert [lf["name"] for lf in fitted.lfs] == ["low", "high", "middle"]
    assert [lf["fingerprint"] for lf in fitted.lfs] == [lf.fingerprint for lf in lfs]
    assert "60 <= row.x < 160" in fitted.lfs[2]["source"]
    assert fitted.data["source"] == "frame x" and fitted.data["n_rows"] == 200
    assert fitted.data["partitions"] == L.run.partitions
    assert fitted.model["class"] == "MajorityVote" and fitted.model["seed"] == 0
    assert len(fitted.model["file_sha256"]) == 64
    assert fitted.versions["weaklab"] == weaklab.__version__ and fitted.versions["numpy"] == np.__version__
    assert fitted.metrics["lf"]["low"]["coverage"] == pytest.approx(0.5)
    assert fitted.metrics["coverage"] == 1.0
    np.testing.assert_array_equal(run_labels(store, fitted), majority_by_hand(DATA.x.to_numpy(), 60))
    assert run_matrix(store, fitted, 2) == L
    runs = list_runs(store)
    assert set(runs["run_id"]) == {applied.run_id, fitted.run_id}
    assert runs.set_index("run_id").loc[fitted.run_id, "model"] == "MajorityVote"


def test_diff_counts_exactly_the_flips_an_lf_edit_makes(tmp_path):
    store = tmp_path / "store"
    _, _, run_a = fit_run(store, [low, high, middle_v1], MajorityVote(), tmp_path, "a")
    _, _, run_b = fit_run(store, [low, high, middle_v2], MajorityVote(), tmp_path, "b")
    d = diff(run_a.run_id, run_b.run_id, store=store)
    x = DATA.x.to_numpy()
    ya, yb = majority_by_hand(x, 60), majority_by_hand(x, 80)
    moved = ya != yb
    assert d.n_flipped == moved.sum() == 20
    expected = pd.crosstab(ya[moved], yb[moved]).stack()
    got = d.flips.set_index(["from", "to"])["count"]
    assert got[got > 0].to_dict() == {k: v for k, v in expected.to_dict().items() if v}
    assert d.flips["lf_edit"].sum() == 20 and d.flips["refit"].sum() == 0
    assert d.edited.keys() == {"middle"} and d.added == () and d.removed == ()
    assert "-    return 1 if 60 <= row.x < 160 else ABSTAIN" in d.edited["middle"]
    assert "+    return 1 if 80 <= row.x < 160 else ABSTAIN" in d.edited["middle"]
    assert d.lfs.loc["middle", "coverage_delta"] == pytest.approx(-0.1)
    assert d.lfs.loc["low", "coverage_delta"] == 0
    ex = d.examples
    assert len(ex) == 5 and set(ex["row"]) <= set(range(60, 80))
    assert all(e == ["middle"] for e in ex["changed_lfs"])
    assert all(va == {"low": 0, "middle": 1} and vb == {"low": 0} for va, vb in zip(ex["votes_a"], ex["votes_b"]))
    json.dumps(d.to_dict())
    assert "20 label(s) flipped" in str(d)


def test_diff_blames_the_refit_when_the_votes_did_not_change(tmp_path):
    store = tmp_path / "store"
    lfs = [low, high, middle_v2]
    _, _, run_b = fit_run(store, lfs, MajorityVote(), tmp_path, "b")
    _, _, run_c = fit_run(store, lfs, WeightedMajorityVote(weights=[2.0, 1.0, 1.0]), tmp_path, "c")
    d = diff(run_b, run_c)
    # rows 80..99: low (weight 2) against middle (weight 1) was a tie, now class 0.
    assert d.n_flipped == 20
    assert d.flips.to_dict("records") == [{"from": -1, "to": 0, "count": 20, "lf_edit": 0, "refit": 20, "unknown": 0}]
    assert d.edited == {} and d.added == ()
    assert d.model_change == "MajorityVote → WeightedMajorityVote"
    assert "label model: MajorityVote → WeightedMajorityVote" in str(d) and d.to_dict()["model_change"]


def test_diff_names_the_estimator_label_model_chose_in_each_run(tmp_path):
    store = tmp_path / "store"
    lfs = [low, high, middle_v2]
    L = apply_lfs(DATA, lfs, cardinality=2, store=store, progress=False)
    y = (DATA.x.to_numpy() >= 110).astype(int)
    with_dev = LabelModel().fit(L, L_dev=L[:100], Y_dev=y[:100])
    a = record_run(L, lfs, model=with_dev)
    b = record_run(L, lfs, model=MajorityVote().fit(L))
    assert diff(a, b).model_change == f"LabelModel ({with_dev.selected_}) → MajorityVote"
    assert diff(a, a).model_change == "" and "label model:" not in str(diff(a, a))


def test_diff_of_runs_on_different_data_says_so(tmp_path):
    store = tmp_path / "store"
    L = apply_lfs(DATA, [low, high], cardinality=2, store=store, progress=False)
    a = record_run(L, [low, high], model=MajorityVote().fit(L))
    other = apply_lfs(DATA.iloc[:150], [low, high, middle_v1], cardinality=2, store=store, progress=False)
    b = record_run(other, [low, high, middle_v1], model=MajorityVote().fit(other))
    d = diff(a, b)
    assert d.flips is None and "different" in d.note and d.added == ("middle",)


def test_diff_counts_no_flips_between_plain_matrices_of_different_data(tmp_path):
    # recorded from plain matrices: no partitions, only the matrix's fingerprint says what was labelled
    La = weaklab.LabelMatrix.from_dense(np.array([[0, 0], [1, 1], [0, -1]]), ["a", "b"])
    Lb = weaklab.LabelMatrix.from_dense(np.array([[1, 1], [0, 0], [1, -1]]), ["a", "b"])
    a = record_run(La, store=tmp_path, model=MajorityVote().fit(La))
    b = record_run(Lb, store=tmp_path, model=MajorityVote().fit(Lb))
    d = diff(a, b)
    assert d.flips is None and d.n_flipped == 0 and "cannot be counted" in d.note
    again = record_run(La, store=tmp_path, model=MajorityVote().fit(La))  # the same matrix: comparable
    same = diff(a, again)
    assert same.flips is not None and same.n_flipped == 0


def test_bad_manifests_are_rejected(tmp_path):
    store = tmp_path / "store"
    L = apply_lfs(DATA, [low], cardinality=2, store=store, progress=False)
    doc = json.loads(record_run(L, [low]).to_json())
    for key, value in [("kind", "train"), ("run_id", "../x"), ("lfs", [{"name": 3}]), ("format_version", 9),
                       ("data", {"n_rows": -1, "partitions": []})]:
        with pytest.raises(ValueError):
            RunManifest.from_json(json.dumps(dict(doc, **{key: value})))
    with pytest.raises(ValueError, match="not a weaklab run manifest"):
        RunManifest.from_json("{}")
    with pytest.raises(ValueError, match="no run"):
        load_run(store, "nope")
    with pytest.raises(ValueError, match="store"):
        record_run(weaklab.LabelMatrix.from_dense(np.zeros((2, 1), int)))
    with pytest.raises(ValueError, match="lfs must be"):
        record_run(L, [high])


def _pop(key):
    def edit(doc):
        del doc[key]
    return edit


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["metrics"]["lf"]["low"].update(coverage="abc"), r"metrics.lf\['low'\].coverage must be a finite number"),
    (lambda d: d["metrics"]["lf"]["high"].update(failed_rows=-1), r"metrics.lf\['high'\].failed_rows = -1 is outside"),
    (lambda d: d["metrics"]["lf"]["low"].update(extra=1), r"metrics.lf\['low'\] must be an object with"),
    (lambda d: d["metrics"].update(lf=[1]), "metrics.lf must be an object keyed by the run's LFs"),
    (lambda d: d["metrics"].update(coverage=1.5), "metrics.coverage = 1.5 is outside"),
    (lambda d: d["metrics"].update(vote_balance="x"), "metrics.vote_balance must be a list"),
    (lambda d: d["metrics"].update(n_rows=3), "metrics.n_rows = 3 is not data.n_rows"),
    (lambda d: _pop("partitions")(d["data"]), "data must be an object with"),
    (lambda d: d["data"]["partitions"][0].update(fingerprint="zz"), r"data.partitions\[0\].fingerprint must be 64"),
    (lambda d: d["data"].update(fingerprint=5), "data.fingerprint must be 64"),
    (lambda d: _pop("class")(d["model"]), "model must be an object with"),
    (lambda d: d["model"].update(params="x"), "model.params must be an object"),
    (lambda d: d["model"].update(lf_names="low"), "model.lf_names must be a list"),
    (lambda d: d["model"].update(file_sha256="zz"), "model.file_sha256 must be 64"),
    (lambda d: d["labels"].update(file="manifests/other.json"), "labels.file must be 'labels/"),
    (lambda d: d["lfs"][0].update(fingerprint="zz"), r"lfs\[0\].fingerprint must be 64"),
    (lambda d: d.update(created=5), "created must be a string"),
    (lambda d: d.update(created="yesterday"), "created must be an ISO 8601 time"),
    (lambda d: d["versions"].update(numpy=2), "versions.numpy must be a string"),
])
def test_edited_manifests_fail_on_read_naming_the_file_and_field(tmp_path, edit, message):
    L = apply_lfs(DATA, [low, high], cardinality=2, store=tmp_path, progress=False)
    doc = json.loads(record_run(L, [low, high], model=MajorityVote().fit(L)).to_json())
    edit(doc)
    with pytest.raises(ValueError, match=f"^m.json: {message}"):
        RunManifest.from_json(json.dumps(doc), where="m.json")


def test_a_manifest_holding_nan_fails_on_read_naming_the_file(tmp_path):
    L = apply_lfs(DATA, [low, high], cardinality=2, store=tmp_path, progress=False)
    text = record_run(L, [low, high], model=MajorityVote().fit(L)).to_json()
    assert '"coverage": 0.' in text
    with pytest.raises(ValueError, match="^m.json: is not valid JSON .*NaN"):
        RunManifest.from_json(text.replace('"coverage": 0.', '"coverage": NaN, "x": 0.', 1), where="m.json")


def test_altered_labels_are_refused(tmp_path):
    store = tmp_path / "store"
    L = apply_lfs(DATA, [low, high], cardinality=2, store=store, progress=False)
    m = record_run(L, [low, high], model=MajorityVote().fit(L))
    path = store / m.labels["file"]
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="SHA-256"):
        run_labels(store, m)


def test_a_manifest_edited_to_name_another_run_is_refused(tmp_path):
    store = tmp_path / "store"
    L = apply_lfs(DATA, [low, high], cardinality=2, store=store, progress=False)
    a = L.run.run_id  # its manifest, written by apply_lfs, is edited to stand for b
    b = record_run(L, [low, high], model=MajorityVote().fit(L)).run_id
    path = store / "manifests" / f"{a}.json"
    path.write_text(json.dumps(dict(json.loads(path.read_text()), run_id=b)))
    with pytest.raises(ValueError, match=f"{a}.json: run_id '{b}'"):
        load_run(store, a)
    with pytest.raises(ValueError, match=f"{a}.json"):
        diff(a, b, store=store)
    with pytest.warns(UserWarning, match=f"skipping manifest .*{a}.json"):
        runs = list_runs(store)
    assert runs.set_index("run_id")["manifest"].to_dict() == {a: False, b: True}  # a: read from its run record


def test_a_model_fitted_on_one_lf_version_warns_when_an_lf_is_edited(tmp_path):
    import warnings

    from weaklab import LFChangedWarning, load_model

    store = tmp_path / "store"
    L1 = apply_lfs(DATA, [low, high, middle_v1], cardinality=2, store=store, progress=False)
    model = MajorityVote().fit(L1)
    assert model.lf_fingerprints_ == [lf.fingerprint for lf in (low, high, middle_v1)]
    L2 = apply_lfs(DATA, [low, high, middle_v2], cardinality=2, store=store, progress=False)
    loaded = load_model(model.save(tmp_path / "m.npz"))
    for m in (model, loaded):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            m.predict_proba(L1)  # the versions it was fitted on: silent
        with pytest.warns(LFChangedWarning, match=r"\['middle'\]"):
            m.predict(L2)
        with pytest.raises(ValueError, match=r"\['middle'\] changed"):
            m.predict_proba(L2, strict=True)


def test_the_lf_version_check_survives_saving_loading_and_slicing_the_matrix(tmp_path):
    import warnings

    from weaklab import LFChangedWarning, LabelMatrix, load_model

    L1 = apply_lfs(DATA, [low, high, middle_v1], cardinality=2, progress=False)  # no store needed
    model = load_model(MajorityVote().fit(L1[::2]).save(tmp_path / "m.npz"))
    assert model.lf_fingerprints_ == [lf.fingerprint for lf in (low, high, middle_v1)]
    L2 = apply_lfs(DATA, [low, high, middle_v2], cardinality=2, progress=False)
    same = LabelMatrix.load(L1.save(tmp_path / "L1.npz"))
    edited = LabelMatrix.load(L2.save(tmp_path / "L2.npz"))
    for ok in (same, same[10:50], LabelMatrix.vstack([same[:5], same[5:]])):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model.predict_proba(ok)
    for changed in (edited, edited[10:50], edited[np.arange(3)], LabelMatrix.vstack([edited[:5], edited[5:]])):
        with pytest.warns(LFChangedWarning, match=r"\['middle'\]"):
            model.predict(changed)
        with pytest.raises(ValueError, match=r"\['middle'\] changed"):
            model.predict_proba(changed, strict=True)


def test_a_model_whose_fingerprint_count_does_not_match_its_lfs_cannot_pass_the_strict_check():
    from weaklab import LFChangedWarning

    L1 = apply_lfs(DATA, [low, high, middle_v1], cardinality=2, progress=False)
    model = MajorityVote().fit(L1)
    model.lf_fingerprints_ = model.lf_fingerprints_[:1]
    L2 = apply_lfs(DATA, [low, high, middle_v2], cardinality=2, progress=False)
    with pytest.raises(ValueError, match="holds 1 LF fingerprints for its 3 LFs"):
        model.predict_proba(L2, strict=True)
    with pytest.warns(LFChangedWarning, match="holds 1 LF fingerprints for its 3 LFs"):
        model.predict_proba(L2)


class _CountingVote(MajorityVote):
    """Majority vote that counts the rows it is asked to predict."""

    calls: list

    def predict_proba(self, L, *args, **kwargs):
        self.calls.append(L.n_rows)
        return super().predict_proba(L, *args, **kwargs)


def test_record_run_asks_the_model_once_per_block(tmp_path):
    from weaklab import PartitionedLabelMatrix

    L = apply_lfs(DATA, [low, high], cardinality=2, store=tmp_path / "store", progress=False)
    model = _CountingVote().fit(L)
    model.calls = []
    m = record_run(L, [low, high], model=model)
    assert model.calls == [200, 200]  # predict (via predict_proba) and predict_proba, once each
    # rows 100..119 have no vote: the model's prior, class 0 (100 votes against 80)
    expected = np.where(DATA.x >= 120, 1, 0)
    np.testing.assert_array_equal(run_labels(tmp_path / "store", m), expected)
    parts = PartitionedLabelMatrix.from_label_matrix(L, n_blocks=4)
    model.calls = []
    counts, labels = weaklab.lineage.model_summary(parts, model)
    assert sorted(model.calls) == sorted([50] * 8)
    np.testing.assert_array_equal(labels, expected)
    assert counts.n_rows == 200 and counts.n_covered == 180 and counts.predicted.tolist() == [100, 80, 0]


def test_record_run_checks_a_given_summary(tmp_path):
    L = apply_lfs(DATA, [low, high], cardinality=2, store=tmp_path / "store", progress=False)
    model = MajorityVote().fit(L)
    counts, labels = weaklab.lineage.model_summary(L, model)
    m = record_run(L, model=model, summary=(counts, labels))
    np.testing.assert_array_equal(run_labels(tmp_path / "store", m), labels)
    with pytest.raises(ValueError, match="summary goes with a model"):
        record_run(L, summary=(counts, labels))
    with pytest.raises(ValueError, match="summary labels must be 200 integers"):
        record_run(L, model=model, summary=(counts, labels[:-1]))
    with pytest.raises(ValueError, match="outside"):
        record_run(L, model=model, summary=(counts, np.full(200, 2)))
    with pytest.raises(ValueError, match="no model statistics"):
        record_run(L, model=model, summary=(weaklab.DriftCounts.from_matrix(L), labels))
    half = weaklab.lineage.model_summary(L[:100], model)
    with pytest.raises(ValueError, match="summary counts are of 100 rows"):
        record_run(L, model=model, summary=half)
    with pytest.raises(TypeError, match="summary must be"):
        record_run(L, model=model, summary=[counts, labels])


class _BadProba(MajorityVote):
    def __init__(self, make):
        super().__init__()
        self.make = make

    def predict(self, L, tie_break="abstain", seed=None, **kwargs):
        return np.zeros(L.n_rows, np.int64)

    def predict_proba(self, L, *args, **kwargs):
        return self.make(L.n_rows)


@pytest.mark.parametrize("make, message", [
    (lambda n: np.full((n, 3), 1 / 3), r"shape \(200, 3\), expected \(200, 2\)"),
    (lambda n: np.where(np.arange(n)[:, None] == 7, np.nan, 0.5) * np.ones((n, 2)), "row 7 is not a probability"),
    (lambda n: np.tile([0.9, 0.9], (n, 1)), "row 0 is not a probability"),
    (lambda n: np.tile([1.5, -0.5], (n, 1)), "row 0 is not a probability"),
    (lambda n: [["a", "b"]] * n, "no numeric array"),
])
def test_model_outputs_rejects_probabilities_that_are_not_distributions(make, message):
    from weaklab.matrix.counts import model_outputs

    x = DATA.x.to_numpy()
    L = weaklab.LabelMatrix.from_dense(np.stack([np.where(x < 100, 0, -1), np.where(x >= 120, 1, -1)], 1),
                                       ["low", "high"])
    model = _BadProba(make).fit(L)
    with pytest.raises(ValueError, match=message):
        model_outputs(model, L)
