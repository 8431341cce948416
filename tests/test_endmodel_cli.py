"""`weaklab train` and `weaklab predict-end` on real files: the job's store, its label model, its rows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from weaklab import EndModel, apply_lfs
from weaklab.cli import main
from weaklab.labeling.lf_files import load_lfs
from weaklab.labeling.sources import find_input_files, read_inputs

REPO = Path(__file__).resolve().parents[1]

LF_FILE = '''
from weaklab import keyword_lf
LFS = [keyword_lf("spam_words", ["subscribe", "channel"], 1),
       keyword_lf("ham_words", ["song", "lovely"], 0),
       keyword_lf("free", ["free"], 1)]
'''
SPAM = ["subscribe to my channel", "free stuff on my channel", "subscribe for free", "visit my channel now"]
HAM = ["what a lovely song", "this song is great", "lovely voice in this song", "best song of the year"]


def corpus(n: int, seed: int) -> pd.DataFrame:
    """Rows whose class is what the text says (gold ``y``), with two numeric features."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    text = [(SPAM if c else HAM)[i] + f" #{j}" for j, (c, i) in enumerate(zip(y, rng.integers(0, 4, n)))]
    return pd.DataFrame({"text": text, "f1": y * 2.0 + rng.normal(0, 0.3, n), "f2": rng.normal(0, 1, n),
                         "id": [f"r{seed}-{j}" for j in range(n)], "y": y})


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """A finished batch job: data (Parquet with 2 row groups + CSV), store, label model; new rows to predict."""
    folder = tmp_path_factory.mktemp("job")
    (folder / "lfs.py").write_text(LF_FILE)
    data = folder / "data"
    data.mkdir()
    rows = corpus(300, seed=0)
    rows.iloc[:200].to_parquet(data / "a.parquet", row_group_size=100)
    rows.iloc[200:].to_csv(data / "b.csv", index=False)
    ddf, _ = read_inputs(find_input_files(str(data)))
    apply_lfs(ddf, load_lfs(str(folder / "lfs.py")), cardinality=2, store=str(folder / "store"), collect=False,
              progress=False)
    assert main(["fit", "--store", str(folder / "store"), "--out", str(folder / "lm.npz")]) == 0
    corpus(80, seed=1).to_parquet(folder / "dev.parquet")
    corpus(120, seed=2).to_csv(folder / "new.csv", index=False)
    return folder


def train_args(job: Path, out: Path, *extra: str) -> list[str]:
    return ["train", "--store", str(job / "store"), "--model", str(job / "lm.npz"), "--data", str(job / "data"),
            "--out", str(out), "--no-progress", *extra]


def one_line_error(capsys, *fragments: str) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, err
    return err


# ------------------------------------------------------------------ round trips
def test_train_on_text_then_predict_new_rows(job, tmp_path):
    out = tmp_path / "end.npz"
    assert main(train_args(job, out, "--text-column", "text")) == 0
    model = EndModel.load(out)
    assert model.featurizer_ is not None and model.feature_names_in_ == ["text"]
    assert model.selected_ == "logreg+balanced" and model.dev_scores_ == {}
    # Only covered rows train: every row here has a keyword, less the held-out tenth.
    assert model.n_train_rows_ == 270

    preds = tmp_path / "preds"
    assert main(["predict-end", str(job / "new.csv"), "--model", str(out), "--out", str(preds)]) == 0
    written = sorted(p.name for p in preds.iterdir())
    assert written == ["part-00000.parquet"]
    frame = pd.read_parquet(preds / "part-00000.parquet")
    gold = pd.read_csv(job / "new.csv")
    assert list(frame.columns) == ["row", "p_0", "p_1", "label"]
    assert frame["row"].tolist() == list(range(120))
    np.testing.assert_allclose(frame[["p_0", "p_1"]].sum(axis=1), 1.0, atol=1e-9)
    assert (frame["label"] == frame[["p_0", "p_1"]].to_numpy().argmax(axis=1)).all()
    assert (frame["label"] == gold["y"]).mean() > 0.95


def test_train_with_a_dev_set_lets_the_model_choose_and_ids_label_the_output(job, tmp_path):
    out = tmp_path / "end.npz"
    assert main(train_args(job, out, "--text-column", "text", "--dev", str(job / "dev.parquet"),
                           "--dev-label-column", "y")) == 0
    model = EndModel.load(out)
    from weaklab.endmodel.model import CANDIDATES

    assert set(model.dev_scores_) == set(CANDIDATES) and model.selected_ in CANDIDATES
    assert model.dev_metric_ == "accuracy"
    preds = tmp_path / "preds"
    assert main(["predict-end", str(job / "data"), "--model", str(out), "--out", str(preds), "--id-column", "id"]) == 0
    files = sorted(preds.iterdir())
    assert [p.name for p in files] == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    frame = pd.concat([pd.read_parquet(p) for p in files], ignore_index=True)
    rows = pd.concat([pd.read_parquet(job / "data" / "a.parquet"), pd.read_csv(job / "data" / "b.csv")])
    assert frame["id"].tolist() == rows["id"].tolist()
    assert (frame["label"].to_numpy() == rows["y"].to_numpy()).mean() > 0.95


def test_train_on_feature_columns_and_predict_reads_them_by_name(job, tmp_path):
    out = tmp_path / "end.npz"
    assert main(train_args(job, out, "--feature-columns", "f1", "f2")) == 0
    model = EndModel.load(out)
    assert model.featurizer_ is None and model.feature_names_in_ == ["f1", "f2"]
    new = pd.read_csv(job / "new.csv")
    shuffled = tmp_path / "new.parquet"
    new[["f2", "id", "f1"]].to_parquet(shuffled)  # other column order: read by name
    preds = tmp_path / "preds"
    assert main(["predict-end", str(shuffled), "--model", str(out), "--out", str(preds)]) == 0
    frame = pd.read_parquet(preds)
    expected = model.predict_proba(new[["f1", "f2"]].astype(np.float32))
    np.testing.assert_allclose(frame[["p_0", "p_1"]].to_numpy(), expected, rtol=1e-6)
    assert (frame["label"] == new["y"]).mean() > 0.9


def test_train_from_a_saved_label_matrix(job, tmp_path):
    ddf, _ = read_inputs(find_input_files(str(job / "data")))
    matrix = apply_lfs(ddf, load_lfs(str(job / "lfs.py")), cardinality=2, progress=False).save(tmp_path / "L.npz")
    out = tmp_path / "end.npz"
    argv = ["train", "--matrix", str(matrix), "--model", str(job / "lm.npz"), "--data", str(job / "data"),
            "--text-column", "text", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    assert EndModel.load(out).n_train_rows_ == 270


# ------------------------------------------------------- checks before any work
def test_existing_out_is_never_overwritten_silently(job, tmp_path, capsys):
    out = tmp_path / "end.npz"
    out.write_bytes(b"keep me")
    assert main(train_args(job, out, "--text-column", "text")) == 2
    one_line_error(capsys, "exists", "--overwrite")
    assert out.read_bytes() == b"keep me"
    assert main(train_args(job, tmp_path / "end.model", "--text-column", "text")) == 2
    one_line_error(capsys, "must end in .npz")


def test_missing_text_column_names_the_file_and_column(job, tmp_path, capsys):
    assert main(train_args(job, tmp_path / "end.npz", "--text-column", "body")) == 3
    one_line_error(capsys, "a.parquet", "'body'")
    assert not (tmp_path / "end.npz").exists()


def test_data_that_the_job_did_not_label_is_refused(job, tmp_path, capsys):
    fewer = tmp_path / "fewer"
    fewer.mkdir()
    (fewer / "a.parquet").write_bytes((job / "data" / "a.parquet").read_bytes())
    assert main(train_args(job, tmp_path / "end.npz", "--text-column", "text", "--data", str(fewer))) == 3
    one_line_error(capsys, "2 partitions", "has 3")

    edited = tmp_path / "edited"
    edited.mkdir()
    (edited / "a.parquet").write_bytes((job / "data" / "a.parquet").read_bytes())
    rows = pd.read_csv(job / "data" / "b.csv")
    rows.loc[5, "text"] = "something else entirely"  # same row count, other content
    rows.to_csv(edited / "b.csv", index=False)
    assert main(train_args(job, tmp_path / "end.npz", "--text-column", "text", "--data", str(edited))) == 3
    one_line_error(capsys, "b.csv", "differs from partition 2", "fingerprint")

    shorter = tmp_path / "shorter"
    shorter.mkdir()
    (shorter / "a.parquet").write_bytes((job / "data" / "a.parquet").read_bytes())
    rows.iloc[:-1].to_csv(shorter / "b.csv", index=False)
    assert main(train_args(job, tmp_path / "end.npz", "--text-column", "text", "--data", str(shorter))) == 3
    one_line_error(capsys, "b.csv", "99 rows", "partition 2", "100")
    assert not (tmp_path / "end.npz").exists()


def test_saved_matrix_with_other_row_count_is_refused(job, tmp_path, capsys):
    ddf, _ = read_inputs([str(job / "data" / "a.parquet")])
    matrix = apply_lfs(ddf, load_lfs(str(job / "lfs.py")), cardinality=2, progress=False).save(tmp_path / "L.npz")
    argv = ["train", "--matrix", str(matrix), "--model", str(job / "lm.npz"), "--data", str(job / "data"),
            "--text-column", "text", "--out", str(tmp_path / "end.npz")]
    assert main(argv) == 3
    one_line_error(capsys, "300 rows", "200")


def test_label_model_of_other_lfs_is_bad_usage(job, tmp_path, capsys):
    from weaklab import LabelMatrix
    from weaklab.models import MajorityVote

    other = MajorityVote().fit(LabelMatrix.from_dense(np.array([[0, 1], [1, 1], [0, 0]]))).save(tmp_path / "mv.npz")
    argv = train_args(job, tmp_path / "end.npz", "--text-column", "text")
    argv[argv.index("--model") + 1] = str(other)
    assert main(argv) == 2
    one_line_error(capsys, "2 LFs", "3 LFs")


def test_dev_labels_are_checked_row_by_row(job, tmp_path, capsys):
    dev = corpus(20, seed=3)
    dev.loc[7, "y"] = 2  # a binary job has classes 0 and 1
    dev.to_csv(tmp_path / "dev.csv", index=False)
    argv = train_args(job, tmp_path / "end.npz", "--text-column", "text", "--dev", str(tmp_path / "dev.csv"),
                      "--dev-label-column", "y")
    assert main(argv) == 3
    one_line_error(capsys, "dev.csv", "row 7", "'y'", "0..1")
    assert main(train_args(job, tmp_path / "end.npz", "--text-column", "text", "--dev", str(tmp_path / "dev.csv"))) == 2
    one_line_error(capsys, "--dev and --dev-label-column go together")


def test_predict_end_checks_inputs_and_output(job, tmp_path, capsys):
    out = tmp_path / "end.npz"
    assert main(train_args(job, out, "--text-column", "text")) == 0
    capsys.readouterr()
    new = pd.read_csv(job / "new.csv")
    new.loc[4, "text"] = None  # an empty cell: no text to predict from
    new.to_csv(tmp_path / "holes.csv", index=False)
    preds = tmp_path / "preds"
    assert main(["predict-end", str(tmp_path / "holes.csv"), "--model", str(out), "--out", str(preds)]) == 3
    one_line_error(capsys, "holes.csv", "row 4", "not text")

    assert main(["predict-end", str(job / "new.csv"), "--model", str(out), "--out", str(preds),
                 "--feature-columns", "f1", "f2"]) == 2
    one_line_error(capsys, "trained on text")

    preds.mkdir()
    (preds / "keep.txt").write_text("mine")
    assert main(["predict-end", str(job / "new.csv"), "--model", str(out), "--out", str(preds)]) == 2
    one_line_error(capsys, "not empty", "--overwrite")
    assert [p.name for p in preds.iterdir()] == ["keep.txt"]

    (tmp_path / "bad.npz").write_bytes(b"not a model")
    assert main(["predict-end", str(job / "new.csv"), "--model", str(tmp_path / "bad.npz"),
                 "--out", str(tmp_path / "p2")]) == 3
    one_line_error(capsys, "bad.npz")


def test_predict_end_on_feature_columns_names_a_non_finite_cell(job, tmp_path, capsys):
    out = tmp_path / "end.npz"
    assert main(train_args(job, out, "--feature-columns", "f1", "f2")) == 0
    capsys.readouterr()
    new = pd.read_csv(job / "new.csv")
    new.loc[9, "f2"] = np.inf
    new.to_parquet(tmp_path / "inf.parquet")
    assert main(["predict-end", str(tmp_path / "inf.parquet"), "--model", str(out), "--out", str(tmp_path / "p")]) == 3
    one_line_error(capsys, "inf.parquet", "row 9", "'f2'", "finite")
    assert main(["predict-end", str(job / "new.csv"), "--model", str(out), "--out", str(tmp_path / "p"),
                 "--feature-columns", "f2", "f1"]) == 2
    one_line_error(capsys, "differ from the columns the model was trained on")


def test_the_installed_command_exits_with_a_one_line_error(job, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "weaklab", *train_args(job, tmp_path / "end.npz", "--text-column", "missing")],
        capture_output=True, text=True, cwd=REPO, env={"PYTHONPATH": str(REPO), "PATH": ""}, timeout=300,
    )
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.strip().startswith("weaklab train: error:") and len(proc.stderr.strip().splitlines()) == 1
    assert "'missing'" in proc.stderr


# ------------------------------------------------ weaklab label / output folders
def label_args(store: Path, model: Path, out: Path, *extra: str) -> list[str]:
    return ["label", "--store", str(store), "--model", str(model), "--out", str(out), *extra]


@pytest.fixture
def store(job, tmp_path):
    """A copy of the job's store (weaklab label records a run in it)."""
    import shutil

    return Path(shutil.copytree(job / "store", tmp_path / "store"))


def only_output(folder: Path) -> list[str]:
    """What ``folder``'s parent holds next to it: the output (if any) and nothing left over."""
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}") or p == folder)


def test_label_refuses_data_whose_content_differs_from_the_run(job, store, tmp_path, capsys):
    edited = tmp_path / "edited"
    edited.mkdir()
    (edited / "a.parquet").write_bytes((job / "data" / "a.parquet").read_bytes())
    rows = pd.read_csv(job / "data" / "b.csv")
    rows["id"] = rows["id"].iloc[::-1].to_numpy()  # same rows and text, other rows' ids
    rows.to_csv(edited / "b.csv", index=False)
    out = tmp_path / "labels"
    assert main(label_args(store, job / "lm.npz", out, "--data", str(edited), "--id-column", "id")) == 3
    one_line_error(capsys, "b.csv", "differs from partition 2", "fingerprint")
    assert only_output(out) == []  # partitions 0 and 1 were written, then removed with the temporary folder


def test_label_checks_parquet_row_groups_before_any_work(job, store, tmp_path, capsys, monkeypatch):
    import weaklab.cli.label as label_cli

    regrouped = tmp_path / "regrouped"
    regrouped.mkdir()
    pd.read_parquet(job / "data" / "a.parquet").to_parquet(regrouped / "a.parquet", row_group_size=120)
    (regrouped / "b.csv").write_bytes((job / "data" / "b.csv").read_bytes())
    monkeypatch.setattr(label_cli, "_write_partition", lambda *a: pytest.fail("work started"))
    out = tmp_path / "labels"
    assert main(label_args(store, job / "lm.npz", out, "--data", str(regrouped), "--id-column", "id")) == 3
    one_line_error(capsys, "a.parquet (row group 0, rows 0..119) has 120 rows", "partition 0", "has 100")
    assert only_output(out) == []


def test_label_refuses_a_model_fitted_on_other_versions_of_the_lfs(job, store, tmp_path, capsys):
    swapped = tmp_path / "lfs2.py"  # the same LF names, the classes swapped
    swapped.write_text(LF_FILE.replace("], 1)", "], 9)").replace("], 0)", "], 1)").replace("], 9)", "], 0)"))
    ddf, _ = read_inputs(find_input_files(str(job / "data")))
    apply_lfs(ddf, load_lfs(str(swapped)), cardinality=2, store=str(tmp_path / "store2"), collect=False,
              progress=False)
    assert main(["fit", "--store", str(tmp_path / "store2"), "--out", str(tmp_path / "lm2.npz")]) == 0
    capsys.readouterr()
    out = tmp_path / "labels"
    assert main(label_args(store, tmp_path / "lm2.npz", out)) == 2
    one_line_error(capsys, "lm2.npz", "fitted on other LFs than the store's run applied")
    assert only_output(out) == []


def test_overwrite_replaces_the_whole_output_folder(job, store, tmp_path):
    out = tmp_path / "labels"
    out.mkdir()
    for name in ("part-00000.parquet", "part-00007.parquet", "notes.txt"):  # an older, longer run
        (out / name).write_bytes(b"old")
    assert main(label_args(store, job / "lm.npz", out, "--overwrite")) == 0
    assert sorted(p.name for p in out.iterdir()) == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert len(pd.read_parquet(out)) == 300 and only_output(out) == ["labels"]

    end = tmp_path / "end.npz"
    assert main(train_args(job, end, "--text-column", "text")) == 0
    preds = tmp_path / "preds"
    preds.mkdir()
    (preds / "part-00003.parquet").write_bytes(b"old")
    assert main(["predict-end", str(job / "data"), "--model", str(end), "--out", str(preds), "--overwrite"]) == 0
    assert sorted(p.name for p in preds.iterdir()) == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert len(pd.read_parquet(preds)) == 300 and only_output(preds) == ["preds"]


def test_a_failure_part_way_keeps_the_old_output_and_leaves_no_partial_one(job, tmp_path, capsys):
    end = tmp_path / "end.npz"
    assert main(train_args(job, end, "--text-column", "text")) == 0
    data = tmp_path / "new"
    data.mkdir()
    new = pd.read_csv(job / "new.csv")
    new.iloc[:60].to_csv(data / "a.csv", index=False)
    new.loc[100, "text"] = None  # the second file fails after the first is written
    new.iloc[60:].to_csv(data / "b.csv", index=False)
    preds = tmp_path / "preds"
    capsys.readouterr()
    assert main(["predict-end", str(data), "--model", str(end), "--out", str(preds)]) == 3
    one_line_error(capsys, "b.csv", "row 40", "not text")
    assert only_output(preds) == []

    preds.mkdir()
    (preds / "part-00000.parquet").write_bytes(b"old")
    assert main(["predict-end", str(data), "--model", str(end), "--out", str(preds), "--overwrite"]) == 3
    assert only_output(preds) == ["preds"] and [p.name for p in preds.iterdir()] == ["part-00000.parquet"]
    assert (preds / "part-00000.parquet").read_bytes() == b"old"


# ------------------------------------------------------------------ apply --columns
@pytest.fixture(scope="module")
def columns_job(job, tmp_path_factory):
    """The job's data applied with ``weaklab apply --columns y text`` (not the files' order), and its model."""
    folder = tmp_path_factory.mktemp("columns_job")
    assert main(["apply", str(job / "data"), "--lfs", str(job / "lfs.py"), "--cardinality", "2",
                 "--store", str(folder / "store"), "--columns", "y", "text", "--workers", "1", "--no-progress"]) == 0
    assert main(["fit", "--store", str(folder / "store"), "--out", str(folder / "lm.npz")]) == 0
    return folder


def test_a_run_records_the_columns_apply_read(columns_job):
    from weaklab.labeling.batch import stored_matrix

    assert stored_matrix(str(columns_job / "store")).run.columns == ["y", "text"]


def test_label_and_train_read_back_a_store_made_with_columns(job, columns_job, tmp_path):
    # The id column and f1 were not read by apply: they are read beside the recorded columns.
    out = tmp_path / "labels"
    assert main(label_args(columns_job / "store", columns_job / "lm.npz", out, "--data", str(job / "data"),
                           "--id-column", "id")) == 0
    labels = pd.read_parquet(out)
    rows = pd.concat([pd.read_parquet(job / "data" / "a.parquet"), pd.read_csv(job / "data" / "b.csv")])
    assert labels["id"].tolist() == rows["id"].tolist()
    end = tmp_path / "end.npz"
    assert main(["train", "--store", str(columns_job / "store"), "--model", str(columns_job / "lm.npz"),
                 "--data", str(job / "data"), "--out", str(end), "--no-progress", "--feature-columns", "f1"]) == 0
    assert EndModel.load(end).feature_names_in_ == ["f1"]


def test_a_store_made_with_columns_still_refuses_other_rows(job, columns_job, tmp_path, capsys):
    edited = tmp_path / "edited"
    edited.mkdir()
    (edited / "a.parquet").write_bytes((job / "data" / "a.parquet").read_bytes())
    rows = pd.read_csv(job / "data" / "b.csv")
    rows.loc[5, "text"] = "an edited comment"
    rows.to_csv(edited / "b.csv", index=False)
    assert main(label_args(columns_job / "store", columns_job / "lm.npz", tmp_path / "labels", "--data", str(edited),
                           "--id-column", "id")) == 3
    one_line_error(capsys, "b.csv", "differs from partition 2", "fingerprint")


def test_train_refuses_columns_other_than_the_run_recorded(job, columns_job, tmp_path, capsys):
    assert main(["train", "--store", str(columns_job / "store"), "--model", str(columns_job / "lm.npz"),
                 "--data", str(job / "data"), "--out", str(tmp_path / "end.npz"), "--no-progress",
                 "--text-column", "text", "--columns", "text", "y"]) == 2
    one_line_error(capsys, "--columns ['text', 'y']", "read columns ['y', 'text']")


def test_a_run_recorded_before_columns_were_kept_needs_them_given(job, columns_job, tmp_path, capsys):
    """A version 1 record (no 'columns'): train reads all columns unless --columns names the ones apply read."""
    import json
    import shutil

    store = Path(shutil.copytree(columns_job / "store", tmp_path / "store"))
    for path in (store / "runs").glob("*.json"):
        record = json.loads(path.read_text())
        del record["columns"]
        record["format_version"] = 1
        path.write_text(json.dumps(record))
    args = ["train", "--store", str(store), "--model", str(columns_job / "lm.npz"), "--data", str(job / "data"),
            "--out", str(tmp_path / "end.npz"), "--no-progress", "--text-column", "text"]
    assert main(args) == 3
    one_line_error(capsys, "differs from partition 0", "with the --columns it read")
    assert main([*args, "--columns", "y", "text"]) == 0


def test_apply_refuses_a_column_named_twice(job, tmp_path, capsys):
    assert main(["apply", str(job / "data"), "--lfs", str(job / "lfs.py"), "--cardinality", "2",
                 "--out", str(tmp_path / "L.npz"), "--columns", "text", "text", "--workers", "1"]) == 2
    one_line_error(capsys, "--columns names a column more than once")
