"""The weaklab command: the demo job and the apply → fit → predict batch pipeline."""

import numpy as np
import pandas as pd
import pytest

from weaklab import LabelMatrix, make_demo_corpus
from weaklab.cli import main

LF_FILE = '''
from weaklab import ABSTAIN, labeling_function, keyword_lf

@labeling_function()
def short(row):
    return 0 if len(row.text) < 30 else ABSTAIN

promo = keyword_lf("promo", ["subscribe", "check out"], 1)
'''


def _expected_accuracy(proba: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    """Expected accuracy of argmax predictions whose ties (equal up to 1e-9 relative) are
    broken uniformly at random, and its standard deviation."""
    tied = np.isclose(proba, proba.max(axis=1, keepdims=True), rtol=1e-9, atol=1e-12)
    p = tied[np.arange(gold.size), gold] / tied.sum(axis=1)
    return p.mean(), np.sqrt((p * (1 - p)).sum()) / gold.size


@pytest.mark.slow
def test_demo_returns_the_numbers_of_the_files_it_writes(tmp_path, capsys):
    from weaklab import EndModel, apply_lfs
    from weaklab.demo import demo_lfs, run_demo
    from weaklab.models import LabelModel

    rows, seed = 3000, 0
    scores = run_demo(rows, 2, 3, tmp_path, seed, progress=False)
    out = capsys.readouterr().out
    saved = LabelModel.load(tmp_path / "label_model.npz")
    assert f"Label model ({saved.choice_}) accuracy {scores['label_model_accuracy']:.3f}" in out
    assert "chosen on the dev set" in saved.choice_  # the demo's 200 hand-labelled rows
    assert f"LF report (open in a browser): {(tmp_path / 'report.html').resolve()}" in out
    assert "mentions_my_channel" in (tmp_path / "report.html").read_text(encoding="utf-8")

    corpus = make_demo_corpus(rows, seed=seed)
    gold = corpus["label"].to_numpy()
    dense = LabelMatrix.load(tmp_path / "label_matrix.npz").to_dense()
    assert dense.shape == (rows, 10)
    assert scores["coverage"] == pytest.approx(np.mean((dense >= 0).any(axis=1)))

    probs = np.load(tmp_path / "probabilistic_labels.npy")
    assert probs.shape == (rows, 2) and np.allclose(probs.sum(axis=1), 1)
    expected, sd = _expected_accuracy(probs, gold)
    assert abs(scores["label_model_accuracy"] - expected) <= 5 * sd + 1e-12

    # Majority vote by hand: vote counts per row; rows without votes get the class with the
    # larger smoothed majority share (summed tie-split majority distributions, plus one).
    counts = np.stack([(dense == c).sum(axis=1) for c in (0, 1)], axis=1).astype(float)
    covered = counts.sum(axis=1) > 0
    top = (counts == counts.max(axis=1, keepdims=True)) & covered[:, None]
    prior = (top / np.maximum(top.sum(axis=1, keepdims=True), 1)).sum(axis=0) + 1
    mv_proba = np.where(covered[:, None], counts, prior / prior.sum())
    expected, sd = _expected_accuracy(mv_proba, gold)
    assert abs(scores["majority_vote_accuracy"] - expected) <= 5 * sd + 1e-12

    test = make_demo_corpus(max(rows // 5, 100), seed=seed + 1)
    end_model = EndModel.load(tmp_path / "end_model.npz")
    assert scores["end_model_test_accuracy"] == pytest.approx(np.mean(end_model.predict(test["text"]) == test["label"]))
    L_test = apply_lfs(test.drop(columns="label"), demo_lfs(), cardinality=2, progress=False)
    model_proba = LabelModel.load(tmp_path / "label_model.npz").predict_proba(L_test)
    expected, sd = _expected_accuracy(model_proba, test["label"].to_numpy())
    assert abs(scores["label_model_test_accuracy"] - expected) <= 5 * sd + 1e-12


@pytest.mark.slow
def test_apply_fit_predict_pipeline(tmp_path):
    data = make_demo_corpus(2000, seed=3)
    data.to_parquet(tmp_path / "data.parquet")
    (tmp_path / "my_lfs.py").write_text(LF_FILE)
    matrix = tmp_path / "L.npz"
    assert main(["apply", str(tmp_path / "data.parquet"), "--lfs", str(tmp_path / "my_lfs.py"),
                 "--cardinality", "2", "--out", str(matrix), "--workers", "1", "--no-progress"]) == 0
    L = LabelMatrix.load(matrix)
    assert L.lf_names == ("short", "promo") and L.n_rows == 2000
    expected_short = np.where(data.text.str.len() < 30, 0, -1)
    assert np.array_equal(L.to_dense()[:, 0], expected_short)
    assert main(["fit", str(matrix), "--model", "MajorityVote", "--out", str(tmp_path / "m.npz")]) == 0
    assert main(["predict", str(matrix), "--model", str(tmp_path / "m.npz"), "--out", str(tmp_path / "p.npy")]) == 0
    assert np.load(tmp_path / "p.npy").shape == (2000, 2)


def test_unknown_model_is_rejected(tmp_path, capsys):
    LabelMatrix.from_dense(np.array([[0, 1]]), ["a", "b"], 2).save(tmp_path / "L.npz")
    assert main(["fit", str(tmp_path / "L.npz"), "--model", "Nope", "--out", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert "unknown label model 'Nope'" in err and "MajorityVote" in err and len(err.splitlines()) == 1


def test_lf_file_without_lfs_is_rejected(tmp_path, capsys):
    (tmp_path / "empty.py").write_text("x = 1\n")
    pd.DataFrame({"text": ["a"]}).to_parquet(tmp_path / "d.parquet")
    assert main(["apply", str(tmp_path / "d.parquet"), "--lfs", str(tmp_path / "empty.py"),
                 "--cardinality", "2", "--out", str(tmp_path / "L.npz")]) == 4
    assert "defines no LabelingFunction" in capsys.readouterr().err


def test_fit_says_which_estimator_label_model_chose(tmp_path, capsys):
    from weaklab.datasets import make_synthetic_label_matrix
    from weaklab.models import load_model

    make_synthetic_label_matrix(800, 6, 2, seed=4).L.save(tmp_path / "L.npz")
    assert main(["fit", str(tmp_path / "L.npz"), "--model", "LabelModel", "--out", str(tmp_path / "m.npz")]) == 0
    model = load_model(tmp_path / "m.npz")
    out = capsys.readouterr().out
    assert f"LabelModel ({model.selected_}, chosen on held-out LFs, z = {model.holdout_z_:.1f}) fitted on 800 rows" in out
    assert main(["fit", str(tmp_path / "L.npz"), "--model", "MajorityVote", "--out", str(tmp_path / "mv.npz")]) == 0
    assert "MajorityVote fitted on 800 rows" in capsys.readouterr().out


def test_fit_prints_each_model_warning_once(tmp_path, capsys):
    import warnings

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    votes = np.stack([np.where(rng.random(2000) < 0.85, y, 1 - y) for _ in range(3)], axis=1)
    votes[:, 2] = 1 - y  # always wrong: learned as worse than random, a guardrail warning
    LabelMatrix.from_dense(votes, ["a", "b", "c"]).save(tmp_path / "L.npz")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["fit", str(tmp_path / "L.npz"), "--model", "DawidSkene", "--out", str(tmp_path / "m.npz")]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert lines and len(lines) == len(set(lines))
    assert not [w for w in caught if w.category.__name__ == "LabelModelWarning"]  # not a second copy
    assert "LabelModelWarning" not in err


def test_fit_with_a_dev_set_chooses_on_it_and_refuses_one_without_labels(tmp_path, capsys):
    from weaklab.models import load_model

    (tmp_path / "my_lfs.py").write_text(LF_FILE)
    data = make_demo_corpus(600, seed=5)
    data.drop(columns="label").to_parquet(tmp_path / "data.parquet")
    data.iloc[:200].to_parquet(tmp_path / "dev.parquet")
    assert main(["apply", str(tmp_path / "data.parquet"), "--lfs", str(tmp_path / "my_lfs.py"), "--cardinality", "2",
                 "--out", str(tmp_path / "L.npz"), "--no-progress"]) == 0
    fit = ["fit", str(tmp_path / "L.npz"), "--lfs", str(tmp_path / "my_lfs.py"), "--dev-label-column", "label"]
    assert main(fit + ["--dev", str(tmp_path / "dev.parquet"), "--out", str(tmp_path / "m.npz")]) == 0
    assert load_model(tmp_path / "m.npz").dev_scores_  # the dev rows ranked the candidates
    assert "chosen on the dev set" in capsys.readouterr().out
    data.iloc[:200].assign(label=-1).to_parquet(tmp_path / "unlabelled.parquet")
    assert main(fit + ["--dev", str(tmp_path / "unlabelled.parquet"), "--out", str(tmp_path / "m2.npz")]) == 3
    err = capsys.readouterr().err
    assert "--dev-label-column 'label': no dev row has a label" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "m2.npz").exists()
