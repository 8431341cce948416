"""Data sets: synthetic label matrices and the CSV / crowd loaders."""

from __future__ import annotations

import re

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


# ------------------------------------------------------------------ WRENCH files
import json

from weaklab import CorruptFileError, load_wrench


def _wrench(tmp_path, examples, labels=None):
    (tmp_path / "label.json").write_text(json.dumps(labels or {"0": "ham", "1": "spam"}))
    (tmp_path / "train.json").write_text(json.dumps(examples) if not isinstance(examples, str) else examples)
    return tmp_path


def test_wrench_loads_votes_gold_and_data(tmp_path):
    split = load_wrench(_wrench(tmp_path, {
        "0": {"label": 1, "weak_labels": [1, -1], "data": {"text": "buy"}},
        "1": {"label": None, "weak_labels": [-1, 0], "data": {"text": "hi"}},
    }))
    assert split.L.to_dense().tolist() == [[1, -1], [-1, 0]]
    assert split.y.tolist() == [1, -1] and split.data["text"].tolist() == ["buy", "hi"]


@pytest.mark.parametrize(
    "examples, message",
    [
        ({"0": {"label": 0, "weak_labels": [1, 0.5]}}, r"example '0': weak label of LF 1 is 0\.5"),
        ({"0": {"label": 0, "weak_labels": [1, 2]}}, r"example '0': weak label of LF 1 is 2"),
        ({"0": {"label": 0, "weak_labels": [True, 0]}}, r"weak label of LF 0 is True"),
        ({"0": {"label": 0, "weak_labels": [1, 0]}, "7": {"label": 9, "weak_labels": [1, 0]}},
         r"example '7': gold label 9 is not an int in \[0, 1\]"),
        ({"0": {"label": 0.5, "weak_labels": [1, 0]}}, r"gold label 0\.5"),
        ({"0": {"label": 0, "weak_labels": [1, 0]}, "1": {"label": 0, "weak_labels": [1]}},
         r"example '1' has 1 weak labels"),
        ({"0": {"label": 0}}, r"example '0': 'weak_labels' must be a list"),
        ({"0": [1, 0]}, r"example '0' must be a JSON object"),
        ({"0": {"label": 0, "weak_labels": [1, 0], "data": "text"}}, r"'data' must be a JSON object"),
        ([1, 2], "must map example ids"),
        ({}, "holds no examples"),
        ('{"0": {"label": 0, "weak_', "not valid JSON"),
        ('{"0": {"label": NaN, "weak_labels": [1, 0]}}', "not valid JSON"),
    ],
)
def test_wrench_refuses_bad_values_naming_file_and_example(tmp_path, examples, message):
    directory = _wrench(tmp_path, examples)
    with pytest.raises(CorruptFileError, match=message) as info:
        load_wrench(directory)
    assert "train.json" in str(info.value)


@pytest.mark.parametrize(
    "labels, message",
    [({"0": "ham", "2": "spam"}, "class ids must be exactly"), ({"0": "ham"}, "at least 2"),
     ({"0": "ham", "1": 5}, "class 1 has name 5"), (["ham", "spam"], "must map class ids")],
)
def test_wrench_refuses_a_bad_label_json(tmp_path, labels, message):
    (tmp_path / "train.json").write_text(json.dumps({"0": {"label": 0, "weak_labels": [0]}}))
    (tmp_path / "label.json").write_text(json.dumps(labels))
    with pytest.raises(CorruptFileError, match=message) as info:
        load_wrench(tmp_path)
    assert "label.json" in str(info.value)


def test_wrench_refuses_a_repeated_example_id(tmp_path):
    # json.load would keep the second example "0" and drop the first without a word
    directory = _wrench(tmp_path, '{"0": {"label": 1, "weak_labels": [1]}, "0": {"label": 0, "weak_labels": [0]}}')
    with pytest.raises(CorruptFileError, match=r"train\.json: the key '0' appears twice"):
        load_wrench(directory)


def test_wrench_refuses_a_repeated_class_id_in_label_json(tmp_path):
    (tmp_path / "train.json").write_text(json.dumps({"0": {"label": 0, "weak_labels": [0]}}))
    (tmp_path / "label.json").write_text('{"0": "ham", "1": "spam", "1": "eggs"}')
    with pytest.raises(CorruptFileError, match=r"label\.json: the key '1' appears twice"):
        load_wrench(tmp_path)


def test_wrench_refuses_two_classes_with_one_name(tmp_path):
    (tmp_path / "train.json").write_text(json.dumps({"0": {"label": 0, "weak_labels": [0]}}))
    (tmp_path / "label.json").write_text('{"0": "ham", "1": "ham"}')
    with pytest.raises(CorruptFileError, match=r"label\.json: classes 0 and 1 are both named 'ham'"):
        load_wrench(tmp_path)


@pytest.mark.parametrize("answers, where", [
    ("1,a,0\n1,b,0.7\n", r"line 3: answer '0\.7'"),
    ("1,a,0\n\n1,b,x\n", r"line 4: answer 'x'"),  # past a blank line (it said line 3)
])
def test_crowd_answers_must_be_class_ids(tmp_path, answers, where):
    (tmp_path / "answer.csv").write_text("question,worker,answer\n" + answers)
    (tmp_path / "truth.csv").write_text("question,truth\n1,0\n")
    with pytest.raises(CorruptFileError, match=rf"answer\.csv: {where} is not a class id"):
        load_crowd(tmp_path)


def test_crowd_gold_must_be_class_ids(tmp_path):
    (tmp_path / "answer.csv").write_text("question,worker,answer\n1,a,0\n")
    (tmp_path / "truth.csv").write_text("question,truth\n1,-3\n")
    with pytest.raises(CorruptFileError, match=r"truth\.csv: line 2: truth '-3'"):
        load_crowd(tmp_path)


def test_crowd_files_missing_columns_are_named(tmp_path):
    (tmp_path / "answer.csv").write_text("question,who,answer\n1,a,0\n")
    (tmp_path / "truth.csv").write_text("question,truth\n1,0\n")
    with pytest.raises(CorruptFileError, match=r"answer\.csv: lacks the column\(s\) \['worker'\]"):
        load_crowd(tmp_path)


def _crowd_csv(tmp_path, answer, truth):
    (tmp_path / "answer.csv").write_text("question,worker,answer\n" + answer)
    (tmp_path / "truth.csv").write_text("question,truth\n" + truth)
    return tmp_path


def test_crowd_ids_are_text_as_written(tmp_path):
    # pandas read 01, 1 and 1.0 as the number 1 and NA / nan / null as missing
    votes = load_crowd(_crowd_csv(tmp_path, "01,NA,0\n1,nan,1\n1.0,null,1\n", "01,0\n1,1\n"))
    assert votes.items.tolist() == ["1", "01", "1.0"]
    assert votes.L.lf_names == ("worker_NA", "worker_nan", "worker_null")
    assert votes.L.to_dense().tolist() == [[-1, 1, -1], [0, -1, -1], [-1, -1, 1]]
    assert votes.y.tolist() == [1, 0, -1]


def test_crowd_number_ids_and_text_ids_load_together(tmp_path):
    votes = load_crowd(_crowd_csv(tmp_path, "1,w1,0\n2,w1,1\n", "q1,0\n"))
    assert votes.items.tolist() == ["1", "2", "q1"] and votes.y.tolist() == [-1, -1, 0]
    assert votes.L.to_dense().tolist() == [[0], [1], [-1]]


@pytest.mark.parametrize(
    "answer, truth, message",
    [(",w1,0\n", "q1,0\n", r"answer\.csv: line 2: the question is empty"),
     ("q1,w1,0\nq2,,1\n", "q1,0\n", r"answer\.csv: line 3: the worker is empty"),
     ("q1,w1,0\n", "q1,0\n,1\n", r"truth\.csv: line 3: the question is empty")],
)
def test_crowd_empty_ids_are_errors(tmp_path, answer, truth, message):
    with pytest.raises(CorruptFileError, match=message):
        load_crowd(_crowd_csv(tmp_path, answer, truth))


@pytest.mark.parametrize("answer", ["40000", "1e300"])
def test_crowd_answers_beyond_the_largest_class_id_are_named(tmp_path, answer):
    with pytest.raises(CorruptFileError, match=rf"answer\.csv: line 3: answer '{answer}' is not a class id"):
        load_crowd(_crowd_csv(tmp_path, f"q1,w1,0\nq2,w1,{answer}\n", "q1,0\n"))


def test_crowd_worker_with_two_different_answers_is_an_error(tmp_path):
    # drop_duplicates used to keep the first answer and drop the second without a word
    with pytest.raises(CorruptFileError, match=r"answer\.csv: worker 'w1' answers item 'q1' twice .* "
                       r"0 \(line 2\) and 1 \(line 4\)"):
        load_crowd(_crowd_csv(tmp_path, "q1,w1,0\nq2,w1,1\nq1,w1,1\n", "q1,0\n"))


def test_crowd_identical_repeated_answer_is_kept_once(tmp_path):
    votes = load_crowd(_crowd_csv(tmp_path, "q1,w1,1\nq1,w1,1\nq1,w2,0\n", "q1,1\n"))
    assert votes.L.to_dense().tolist() == [[1, 0]] and votes.y.tolist() == [1]


def test_crowd_item_with_two_gold_labels_is_an_error(tmp_path):
    with pytest.raises(CorruptFileError, match=r"truth\.csv: item 'q1' has different gold labels: \[0, 1\]"):
        load_crowd(_crowd_csv(tmp_path, "q1,w1,0\n", "q1,0\nq2,1\nq1,1\n"))


def test_crowd_folder_with_two_tsv_files_is_an_error(tmp_path):
    header = "!amt_annotation_ids\t!amt_worker_ids\torig_id\tresponse\tgold\n"
    (tmp_path / "a.standardized.tsv").write_text(header + "a1\tw1\t7\t0\t0\n")
    (tmp_path / "b.standardized.tsv").write_text(header + "a2\tw2\t8\t1\t1\n")
    # Reading only a.standardized.tsv would leave item 8 and worker w2 out without a word.
    with pytest.raises(ValueError, match=r"holds 2 \*\.standardized\.tsv files \(a\.standardized\.tsv, b\.standardized\.tsv\)"):
        load_crowd(tmp_path)


def test_crowd_tsv_item_with_two_gold_labels_is_an_error(tmp_path):
    (tmp_path / "x.standardized.tsv").write_text(
        "!amt_annotation_ids\t!amt_worker_ids\torig_id\tresponse\tgold\n"
        "a1\tw1\t7\t0\t0\na2\tw2\t7\t1\t\na3\tw3\t7\t1\t1\n"
    )
    with pytest.raises(CorruptFileError, match=r"x\.standardized\.tsv: item '7' has different gold labels"):
        load_crowd(tmp_path)


@pytest.mark.parametrize(
    "labels, gt, message",
    [("w1: {1: true, '1': false}\n", "1: true\n", r"labels\.yaml: worker 'w1': items 1 and '1' are both the id '1'"),
     ("7: {i1: true}\n'7': {i1: false}\n", "i1: true\n", r"labels\.yaml: workers 7 and '7' are both"),
     ("w1: {1: true}\n", "1: true\n'1': false\n", r"gt\.yaml: items 1 and '1' are both")],
)
def test_crowd_yaml_keys_that_read_the_same_are_an_error(tmp_path, labels, gt, message):
    # str(key) made 1 and '1' one id, so one answer silently replaced the other
    (tmp_path / "labels.yaml").write_text(labels)
    (tmp_path / "gt.yaml").write_text(gt)
    with pytest.raises(CorruptFileError, match=message):
        load_crowd(tmp_path)


def test_lf_matrix_csv_names_the_line_of_a_bad_vote(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("0,1,Label\n1,-1,1\n0,0.5,-1\n")
    with pytest.raises(CorruptFileError, match=r"m\.csv: line 3: LF votes \(column '1'\) .* found '0\.5'"):
        load_lf_matrix_csv(path)


@pytest.mark.parametrize("header", ["0,0,Label", "0,Label,Label"])
def test_lf_matrix_csv_refuses_a_repeated_column_name(tmp_path, header):
    # pandas renames a repeated "0" to "0.1", which then silently stopped being an LF
    path = tmp_path / "m.csv"
    path.write_text(header + "\n1,-1,1\n")
    with pytest.raises(CorruptFileError, match=r"m\.csv: the column name\(s\) \['(0|Label)'\] appear more than once"):
        load_lf_matrix_csv(path)


@pytest.mark.parametrize("name", ["-1", " 1", "+2"])
def test_lf_matrix_csv_refuses_an_lf_column_that_is_not_a_plain_number(tmp_path, name):
    # "-1" was read as an LF named lf_-1; a name with a space as one that differs from its neighbour only by it
    path = tmp_path / "m.csv"
    path.write_text(f"0,{name},Label\n1,-1,1\n")
    with pytest.raises(CorruptFileError, match=rf"m\.csv: LF column name\(s\) \['{re.escape(name)}'\] are not LF numbers"):
        load_lf_matrix_csv(path)


def test_lf_matrix_csv_never_reads_the_label_column_as_an_lf(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("0,1,2\n1,0,1\n-1,-1,-1\n")
    votes = load_lf_matrix_csv(path, label_column="2")
    assert votes.L.lf_names == ("lf_0", "lf_1")
    assert votes.L.to_dense().tolist() == [[1, -1], [0, 0]] and votes.y.tolist() == [1, 0]


@pytest.mark.parametrize("cell, line", [("True", 2), ("False", 3)])
def test_lf_matrix_csv_refuses_boolean_votes(tmp_path, cell, line):
    # read as booleans, True passed as +1 and False as 0 (abstain)
    path = tmp_path / "m.csv"
    rows = ["1", "1"]
    rows[line - 2] = cell
    path.write_text("0,Label\n" + "".join(f"{r},1\n" for r in rows))
    with pytest.raises(CorruptFileError, match=rf"m\.csv: line {line}: LF votes \(column '0'\) .* found '{cell}'"):
        load_lf_matrix_csv(path)


def test_crowd_yaml_key_repeated_in_one_mapping_is_an_error(tmp_path):
    # PyYAML keeps the last of repeated keys, so worker w1's first answer vanished
    (tmp_path / "labels.yaml").write_text("w1: {i1: true, i2: true, i1: false}\n")
    (tmp_path / "gt.yaml").write_text("i1: true\n")
    with pytest.raises(CorruptFileError, match=r"(?s)labels\.yaml: not valid YAML \(the key 'i1' appears twice.*line 1"):
        load_crowd(tmp_path)


def test_lf_matrix_csv_counts_lines_past_blank_lines_and_multi_line_cells(tmp_path):
    # data row 1 starts on line 5: row 0's note spans lines 2-3 and line 4 is blank (it said line 3)
    path = tmp_path / "m.csv"
    path.write_text('0,1,Label,note\n1,-1,1,"two\nlines"\n\n0,0.5,-1,x\n')
    with pytest.raises(CorruptFileError, match=r"m\.csv: line 5: LF votes \(column '1'\)"):
        load_lf_matrix_csv(path)
