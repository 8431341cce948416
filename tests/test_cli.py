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


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path, capsys):
    assert main(["demo", "--rows", "3000", "--partitions", "3", "--out", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "coverage" in out and "Label model accuracy" in out and "End model" in out
    assert (tmp_path / "report.html").is_file() and (tmp_path / "end_model.npz").is_file()
    L = LabelMatrix.load(tmp_path / "label_matrix.npz")
    assert L.shape == (3000, 10)
    probs = np.load(tmp_path / "probabilistic_labels.npy")
    assert probs.shape == (3000, 2) and np.allclose(probs.sum(1), 1)
    assert f"LF report (open in a browser): {(tmp_path / 'report.html').resolve()}" in out
    assert "mentions_my_channel" in (tmp_path / "report.html").read_text(encoding="utf-8")


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
