"""Specification of weaklab.endmodel: EndModel and TextFeaturizer."""

from __future__ import annotations

import re
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.exceptions import NotFittedError
from torch import nn

from weaklab import EndModel, LabelMatrix, TextFeaturizer, make_demo_corpus
from weaklab.persistence import CorruptFileError
from weaklab.endmodel.model import _confidence
from weaklab.endmodel.networks import DevicePlan

FAST = dict(n_epochs=15, lr=0.05, progress=False)


def blobs(n: int = 600, k: int = 3, d: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Linearly separable Gaussian blobs: features (n, d) float32 and labels (n,)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(k, d))
    y = rng.integers(0, k, n)
    return (centres[y] + rng.normal(size=(n, d))).astype(np.float32), y


def noisy_soft_labels(y: np.ndarray, k: int, flip: float = 0.3, seed: int = 1) -> np.ndarray:
    """Soft labels that put 0.7 on a label that is wrong for ``flip`` of the rows."""
    rng = np.random.default_rng(seed)
    noisy = np.where(rng.random(len(y)) < flip, rng.integers(0, k, len(y)), y)
    probs = np.full((len(y), k), 0.3 / (k - 1))
    probs[np.arange(len(y)), noisy] = 0.7
    return probs


@pytest.fixture(scope="module")
def problem() -> dict[str, np.ndarray]:
    X, y = blobs(900)
    return {"X": X[:600], "probs": noisy_soft_labels(y[:600], 3), "X_test": X[600:], "y_test": y[600:]}


class TinyNet(nn.Module):
    """A user network: two linear layers."""

    def __init__(self, d: int = 8, k: int = 3) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d, 16), nn.Tanh(), nn.Linear(16, k))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


# ------------------------------------------------------------------ learning
@pytest.mark.parametrize("model", ["logreg", "mlp"])
def test_learns_separable_problem_from_noisy_soft_labels(problem, model):
    m = EndModel(model, **FAST).fit(problem["X"], problem["probs"])
    assert m.score(problem["X_test"], problem["y_test"]) > 0.95


def test_user_module_is_trained_as_a_copy(problem):
    net = TinyNet()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    m = EndModel(net, **FAST).fit(problem["X"], problem["probs"])
    assert m.score(problem["X_test"], problem["y_test"]) > 0.95
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_user_module_with_wrong_output_width_is_rejected(problem):
    with pytest.raises(ValueError, match="logits of shape"):
        EndModel(TinyNet(k=2), **FAST).fit(problem["X"], problem["probs"])


def test_torch_tensor_input_gives_same_model_as_numpy(problem):
    a = EndModel(**FAST).fit(problem["X"], problem["probs"])
    b = EndModel(**FAST).fit(torch.from_numpy(problem["X"]), torch.from_numpy(problem["probs"]))
    np.testing.assert_allclose(a.predict_proba(problem["X_test"]), b.predict_proba(torch.from_numpy(problem["X_test"])), atol=1e-6)


def test_predict_proba_rows_sum_to_one_and_predict_is_argmax(problem):
    m = EndModel(**FAST).fit(problem["X"], problem["probs"])
    proba = m.predict_proba(problem["X_test"])
    assert proba.shape == (300, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(m.predict(problem["X_test"]), proba.argmax(axis=1))


def test_raw_text_goes_through_the_tfidf_featurizer():
    df = make_demo_corpus(1200, seed=3)
    probs = noisy_soft_labels(df["label"].to_numpy(), 2, flip=0.1)
    m = EndModel(**FAST).fit(df["text"][:900], probs[:900])
    assert isinstance(m.featurizer_, TextFeaturizer)
    # 71% of the comments are ham; a TF-IDF logistic regression on gold labels scores 0.86
    assert m.score(df["text"][900:], df["label"][900:]) > 0.8
    with pytest.raises(TypeError, match="trained on text"):
        m.predict(np.zeros((2, m.n_features_in_)))


def test_numeric_model_rejects_raw_text(problem):
    m = EndModel(**FAST).fit(problem["X"], problem["probs"])
    with pytest.raises(TypeError, match="numeric features"):
        m.predict(["some text", "more text"])


# ------------------------------------------------------------ sparse inputs
def wide_sparse(n: int, d: int, seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray]:
    """A CSR matrix whose class shows in one of two column ranges, and soft labels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    cols = rng.integers(0, d // 2, (n, 3)) + (y[:, None] * (d // 2))
    X = sp.csr_matrix((np.ones(3 * n, np.float32), (np.repeat(np.arange(n), 3), cols.ravel())), shape=(n, d))
    return X, noisy_soft_labels(y, 2, flip=0.1)


@pytest.fixture
def densified(monkeypatch) -> list[tuple[int, int]]:
    """The shapes of every CSR block densified while the test runs."""
    shapes: list[tuple[int, int]] = []
    original = sp.csr_matrix.toarray

    def spy(self, *args, **kwargs):
        shapes.append(self.shape)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sp.csr_matrix, "toarray", spy)
    return shapes


@pytest.mark.parametrize("model", ["logreg", "mlp"])
def test_builtin_networks_never_densify_sparse_input(densified, model):
    X, probs = wide_sparse(600, 5000)
    m = EndModel(model, n_epochs=2, progress=False).fit(X, probs)
    m.predict_proba(X)
    assert densified == []


def test_user_module_gets_sparse_input_densified_one_batch_at_a_time(densified):
    X, probs = wide_sparse(600, 50)
    m = EndModel(TinyNet(d=50, k=2), batch_size=100, n_epochs=2, progress=False).fit(X, probs)
    m.predict_proba(X)
    assert densified and max(rows for rows, _ in densified) <= 100


@pytest.mark.parametrize("model", ["logreg", "mlp"])
def test_sparse_gradients_equal_dense_gradients(model):
    # The built-in networks multiply CSR rows with a hand-written backward pass: it must
    # give the gradients autograd gives on the same rows densified.
    from weaklab.endmodel.networks import SparseBatch, build_network, forward

    X, probs = wide_sparse(64, 40)
    torch.manual_seed(0)
    net = build_network(model, 40, 2, (8,), 0.0)
    grads = []
    for x in (SparseBatch(X), torch.from_numpy(X.toarray())):
        net.zero_grad()
        (forward(net, x) * torch.arange(2.0)).sum().backward()
        grads.append([p.grad.clone() for p in net.parameters()])
    for sparse_grad, dense_grad in zip(*grads):
        torch.testing.assert_close(sparse_grad, dense_grad, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_wide_sparse_input_trains_without_allocating_the_dense_matrix():
    X, probs = wide_sparse(8000, 100_000)  # dense float32 would take 3.2 GB
    tracemalloc.start()
    try:
        m = EndModel("mlp", n_epochs=1, patience=None, progress=False).fit(X, probs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 300 * 2**20
    assert m.n_features_in_ == 100_000


def test_sparse_input_learns_like_dense_input():
    X, probs = wide_sparse(1500, 400)
    y = probs.argmax(axis=1)
    m = EndModel(**FAST).fit(X, probs)
    assert m.score(X, y) > 0.85
    np.testing.assert_allclose(m.predict_proba(X), m.predict_proba(X.toarray()), atol=1e-5)


# --------------------------------------------------- covered rows, weighting
def test_filter_unlabeled_drops_rows_no_lf_covered(problem):
    votes = np.where(np.arange(600)[:, None] % 3 == 0, -1, problem["probs"].argmax(axis=1)[:, None])
    L = LabelMatrix.from_dense(votes, ["lf"], 3)
    X_dev, y_dev = problem["X_test"], problem["y_test"]
    kept = EndModel(**FAST).fit(problem["X"], problem["probs"], X_dev, y_dev, covered=L)
    assert kept.n_train_rows_ == 400
    everything = EndModel(filter_unlabeled=False, **FAST).fit(problem["X"], problem["probs"], X_dev, y_dev, covered=L)
    assert everything.n_train_rows_ == 600


def test_without_covered_uniform_rows_count_as_uncovered(problem):
    probs = problem["probs"].copy()
    probs[:100] = 1 / 3
    m = EndModel(**FAST).fit(problem["X"], probs, problem["X_test"], problem["y_test"])
    assert m.n_train_rows_ == 500


def test_covered_mask_must_match_rows(problem):
    with pytest.raises(ValueError, match="covered"):
        EndModel(**FAST).fit(problem["X"], problem["probs"], covered=np.ones(10, bool))


def test_confidence_is_one_for_one_hot_and_zero_for_uniform_rows():
    w = _confidence(torch.tensor([[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0.0]]))
    np.testing.assert_allclose(w.numpy(), [1.0, 0.0, 1 - np.log(2) / np.log(3)], atol=1e-6)


def test_confidence_weighting_trains(problem):
    m = EndModel(confidence_weighting=True, **FAST).fit(problem["X"], problem["probs"])
    assert m.score(problem["X_test"], problem["y_test"]) > 0.95


@pytest.fixture(scope="module")
def skewed() -> dict[str, np.ndarray]:
    """Overlapping classes whose labels call half of the class-1 rows class 0 (LF-style skew)."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 1200)
    X = (np.where(y[:, None] == 1, 1.0, -1.0) + rng.normal(size=(1200, 4))).astype(np.float32)
    noisy = np.where((y == 1) & (rng.random(1200) < 0.5), 0, y)
    probs = np.eye(2)[noisy] * 0.8 + 0.1
    return {"X": X[:800], "probs": probs[:800], "X_test": X[800:], "y_test": y[800:]}


def test_balanced_class_weight_is_inverse_target_mass(skewed):
    m = EndModel(class_weight="balanced", **FAST).fit(skewed["X"], skewed["probs"], skewed["X_test"], skewed["y_test"])
    mass = skewed["probs"].sum(axis=0)
    np.testing.assert_allclose(m.class_weight_, mass.sum() / (2 * mass), rtol=1e-5)


def test_balanced_class_weight_undoes_label_skew(skewed):
    fit = dict(FAST, patience=None)
    plain = EndModel(class_weight=None, **fit).fit(skewed["X"], skewed["probs"])
    balanced = EndModel(class_weight="balanced", **fit).fit(skewed["X"], skewed["probs"])
    recall = [np.mean(m.predict(skewed["X_test"])[skewed["y_test"] == 1] == 1) for m in (plain, balanced)]
    assert recall[0] < 0.7 and recall[1] > 0.85


def test_early_stopping_without_dev_set_scores_the_class_weighted_loss(skewed, monkeypatch):
    # The held-out slice must be scored with the loss being trained: with class weights
    # (1, 3) a row's loss weight is r_i = p_i0 + 3 p_i1 and its target a_c p_ic / r_i.
    from weaklab.endmodel import training as module

    scored = []
    original = module.noise_aware_loss

    def spy(logits, target, weights):
        if not logits.requires_grad:  # the held-out evaluation, not a training batch
            scored.append((target.clone(), weights.clone()))
        return original(logits, target, weights)

    monkeypatch.setattr(module, "noise_aware_loss", spy)
    EndModel(class_weight=[1.0, 3.0], **FAST).fit(skewed["X"], skewed["probs"])
    target, weights = scored[0]
    assert len(scored) >= 2
    # p_i is (.9, .1) or (.1, .9): r_i is 1.2 or 2.8
    np.testing.assert_allclose(np.unique(weights.numpy().round(4)), [1.2, 2.8], rtol=1e-5)
    np.testing.assert_allclose(np.unique(target[:, 1].numpy().round(4)), [0.3 / 1.2, 2.7 / 2.8], atol=1e-4)


def test_class_weights_that_leave_no_loss_are_rejected():
    X, y = blobs(300, k=2)
    probs = np.zeros((300, 3))
    probs[np.arange(300), y] = 1.0
    with pytest.raises(ValueError, match="loss weight 0"):
        EndModel(class_weight=[0.0, 0.0, 1.0], **FAST).fit(X, probs)


def test_unit_class_weights_change_nothing(problem):
    plain = EndModel(class_weight=None, **FAST).fit(problem["X"], problem["probs"])
    ones = EndModel(class_weight=[1.0, 1.0, 1.0], **FAST).fit(problem["X"], problem["probs"])
    np.testing.assert_array_equal(ones.predict_proba(problem["X_test"]), plain.predict_proba(problem["X_test"]))


def test_balanced_equals_the_same_weights_given_explicitly(skewed):
    balanced = EndModel(class_weight="balanced", **FAST).fit(skewed["X"], skewed["probs"])
    explicit = EndModel(class_weight=balanced.class_weight_, **FAST).fit(skewed["X"], skewed["probs"])
    np.testing.assert_allclose(explicit.predict_proba(skewed["X_test"]), balanced.predict_proba(skewed["X_test"]), atol=1e-5)


def test_class_without_target_mass_gets_weight_zero():
    X, y = blobs(300, k=2)
    probs = np.zeros((300, 3))
    probs[np.arange(300), y] = 1.0
    m = EndModel(class_weight="balanced", **FAST).fit(X, probs)
    assert m.class_weight_[2] == 0.0 and np.all(m.class_weight_[:2] > 0)


@pytest.mark.parametrize(
    ("class_weight", "error", "match"),
    [
        ("auto", ValueError, "class_weight must be None, 'balanced'"),
        ({"a": 1}, TypeError, "class_weight must be None, 'balanced'"),
        ([1.0, 2.0], ValueError, "one weight per class \\(3\\)"),
        ([1.0, -1.0, 1.0], ValueError, "class 1 has"),
        ([0.0, 0.0, 0.0], ValueError, "not be all zero"),
    ],
)
def test_bad_class_weight_is_named(problem, class_weight, error, match):
    with pytest.raises(error, match=match):
        EndModel(class_weight=class_weight, **FAST).fit(problem["X"], problem["probs"])


def test_save_load_keeps_class_weights(skewed, tmp_path):
    m = EndModel(class_weight=np.array([1.0, 2.0]), **FAST).fit(skewed["X"], skewed["probs"])
    loaded = EndModel.load(m.save(tmp_path / "em"))
    np.testing.assert_array_equal(loaded.class_weight_, [1.0, 2.0])
    assert loaded.class_weight == [1.0, 2.0]
    np.testing.assert_array_equal(loaded.predict_proba(skewed["X_test"]), m.predict_proba(skewed["X_test"]))


# ------------------------------------------------- early stopping, history
def test_history_records_loss_dev_score_and_seconds_per_epoch(problem):
    m = EndModel(solver="adam", n_epochs=4, patience=None, progress=False).fit(problem["X"], problem["probs"])
    assert set(m.history_) == {"train_loss", "dev_score", "seconds"}
    assert all(len(v) == 4 for v in m.history_.values())
    assert m.dev_metric_ == "neg_heldout_loss" and m.best_epoch_ == 3


def test_early_stopping_keeps_the_best_dev_epoch(problem):
    m = EndModel(n_epochs=40, patience=2, lr=0.05, progress=False).fit(
        problem["X"], problem["probs"], problem["X_test"], problem["y_test"]
    )
    scores = m.history_["dev_score"]
    assert m.dev_metric_ == "accuracy"
    assert m.best_epoch_ == int(np.argmax(scores))
    assert m.score(problem["X_test"], problem["y_test"]) == pytest.approx(max(scores))


def test_progress_false_prints_nothing(problem, capsys):
    EndModel(**FAST).fit(problem["X"], problem["probs"])
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_bar_names_the_held_out_loss_and_why_it_stopped(problem, capsys):
    EndModel(solver="adam", n_epochs=2).fit(problem["X"], problem["probs"])
    err = capsys.readouterr().err
    assert "loss " in err and "held-out loss " in err and "ran all 2 epochs; kept epoch" in err


def test_progress_bar_names_the_dev_metric_and_the_early_stop(problem, capsys):
    m = EndModel("logreg", solver="adam", lr=0.05, n_epochs=60, patience=1).fit(
        problem["X"], problem["probs"], problem["X_test"], problem["y_test"]
    )
    err = capsys.readouterr().err
    assert "dev accuracy " in err
    assert m.stop_reason_.startswith("stopped early at epoch") and len(m.history_["seconds"]) < 60
    assert m.stop_reason_ in err and "no better dev accuracy for 1 epochs" in m.stop_reason_


def test_lbfgs_reports_convergence(problem):
    m = EndModel("logreg", n_epochs=200, patience=None, progress=False).fit(problem["X"], problem["probs"])
    assert m.solver_ == "lbfgs" and m.stop_reason_.startswith("converged at epoch")


def test_lbfgs_finds_the_regularised_logistic_regression_optimum():
    # With one-hot labels, L-BFGS minimises scikit-learn's multinomial logistic loss with
    # C = 1 / (weight_decay * n): both must land on the same probabilities.
    from sklearn.linear_model import LogisticRegression

    X, y = blobs(400, k=3, d=5, seed=3)
    X = X + np.random.default_rng(0).normal(scale=3.0, size=X.shape).astype(np.float32)  # overlapping classes
    probs = np.eye(3)[y]
    wd = 1e-2
    m = EndModel("logreg", class_weight=None, weight_decay=wd, n_epochs=300, patience=None, progress=False).fit(X, probs, X, y)
    reference = LogisticRegression(C=1.0 / (wd * len(y)), tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(m.predict_proba(X), reference.predict_proba(X), atol=2e-3)


def test_huge_learning_rate_is_detected_as_divergence(problem):
    with pytest.raises(ValueError, match="diverged.*lr"):
        EndModel("mlp", lr=1e10, n_epochs=3, progress=False).fit(problem["X"], problem["probs"])


# ------------------------------------------------------ dev-set selection
def test_dev_set_chooses_among_the_documented_candidates(problem):
    from weaklab.endmodel.model import CANDIDATES

    fit = dict(n_epochs=15, progress=False)
    m = EndModel(**fit).fit(problem["X"], problem["probs"], problem["X_test"], problem["y_test"])
    assert set(m.dev_scores_) == set(CANDIDATES)
    best = max(m.dev_scores_.values())
    assert m.selected_ == next(name for name, score in m.dev_scores_.items() if score == best)  # ties: first
    # The kept model is that candidate, fitted on its own with the same data.
    alone = EndModel(**CANDIDATES[m.selected_], **fit).fit(problem["X"], problem["probs"], problem["X_test"], problem["y_test"])
    np.testing.assert_array_equal(m.predict_proba(problem["X_test"]), alone.predict_proba(problem["X_test"]))
    assert m.dev_scores_[m.selected_] == max(alone.history_["dev_score"])


def test_an_explicit_model_is_not_replaced_by_the_dev_set_choice(problem):
    m = EndModel("mlp", class_weight="balanced", **FAST).fit(problem["X"], problem["probs"], problem["X_test"], problem["y_test"])
    assert m.selected_ == "mlp+balanced" and list(m.dev_scores_) == ["mlp+balanced"]


def test_without_dev_set_auto_is_the_linear_model(problem):
    m = EndModel(**FAST).fit(problem["X"], problem["probs"])
    assert m.selected_ == "logreg+balanced" and m.dev_scores_ == {} and isinstance(m.network_, nn.Linear)


# ------------------------------------------------------------ determinism
def test_same_seed_gives_same_predictions(problem):
    a = EndModel("mlp", seed=7, **FAST).fit(problem["X"], problem["probs"]).predict_proba(problem["X_test"])
    b = EndModel("mlp", seed=7, **FAST).fit(problem["X"], problem["probs"]).predict_proba(problem["X_test"])
    np.testing.assert_array_equal(a, b)


def test_different_seed_gives_different_model(problem):
    a = EndModel("mlp", seed=1, **FAST).fit(problem["X"], problem["probs"]).predict_proba(problem["X_test"])
    b = EndModel("mlp", seed=2, **FAST).fit(problem["X"], problem["probs"]).predict_proba(problem["X_test"])
    assert not np.allclose(a, b)


def test_fit_leaves_the_global_torch_rng_alone(problem):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    EndModel(**FAST).fit(problem["X"], problem["probs"])
    assert torch.equal(torch.rand(3), expected)


# ------------------------------------------------------------ persistence
def test_save_load_round_trip_gives_same_predictions(problem, tmp_path):
    m = EndModel("mlp", hidden_dims=(32, 16), **FAST).fit(problem["X"], problem["probs"])
    loaded = EndModel.load(m.save(tmp_path / "em"))
    np.testing.assert_array_equal(loaded.predict_proba(problem["X_test"]), m.predict_proba(problem["X_test"]))
    assert loaded.hidden_dims == (32, 16) and loaded.history_ == m.history_


def test_save_load_round_trip_keeps_the_text_featurizer(tmp_path):
    df = make_demo_corpus(300, seed=4)
    probs = noisy_soft_labels(df["label"].to_numpy(), 2, flip=0.1)
    m = EndModel(featurizer=TextFeaturizer(ngram_range=(1, 1)), **FAST).fit(df["text"], probs)
    loaded = EndModel.load(m.save(tmp_path / "em"))
    np.testing.assert_array_equal(loaded.predict_proba(df["text"]), m.predict_proba(df["text"]))
    assert loaded.featurizer_.ngram_range == (1, 1) and loaded.featurizer.ngram_range == (1, 1)


def test_dataframe_columns_are_recorded_checked_and_saved(problem, tmp_path):
    import pandas as pd

    names = [f"x{i}" for i in range(problem["X"].shape[1])]
    frame = pd.DataFrame(problem["X"], columns=names)
    m = EndModel(**FAST).fit(frame, problem["probs"])
    assert m.feature_names_in_ == names
    test = pd.DataFrame(problem["X_test"], columns=names)
    with pytest.raises(ValueError, match=r"X has columns \['x1', 'x0'.*fitted on \['x0', 'x1'"):
        m.predict_proba(test[[names[1], names[0], *names[2:]]])
    loaded = EndModel.load(m.save(tmp_path / "em"))
    assert loaded.feature_names_in_ == names
    # the same frame both times: a DataFrame and an ndarray can reach BLAS in different layouts (float32 sums differ by 1e-7)
    np.testing.assert_array_equal(loaded.predict_proba(test), m.predict_proba(test))
    # A plain array records no names; refitting on one forgets the old ones.
    assert not hasattr(EndModel(**FAST).fit(problem["X"], problem["probs"]), "feature_names_in_")
    assert not hasattr(m.fit(problem["X"], problem["probs"]), "feature_names_in_")
    assert not hasattr(EndModel.load(m.save(tmp_path / "plain")), "feature_names_in_")


def test_named_text_series_records_its_column(tmp_path):
    df = make_demo_corpus(200, seed=5)
    probs = noisy_soft_labels(df["label"].to_numpy(), 2, flip=0.1)
    m = EndModel(featurizer=TextFeaturizer(ngram_range=(1, 1)), **FAST).fit(df["text"], probs)
    assert m.feature_names_in_ == ["text"]
    assert EndModel.load(m.save(tmp_path / "em")).feature_names_in_ == ["text"]


@pytest.mark.parametrize("text", [False, True])
def test_saved_file_is_one_npz_of_plain_arrays_without_pickle(problem, tmp_path, text):
    import zipfile

    if text:
        df = make_demo_corpus(200, seed=4)
        m = EndModel(**FAST).fit(df["text"], noisy_soft_labels(df["label"].to_numpy(), 2, flip=0.1))
    else:
        m = EndModel(**FAST).fit(problem["X"], problem["probs"])
    path = m.save(tmp_path / "em")
    assert path == tmp_path / "em.npz" and sorted(p.name for p in tmp_path.iterdir()) == ["em.npz"]
    with zipfile.ZipFile(path) as archive:  # torch.save writes a zip too, holding data.pkl
        assert all(name.endswith(".npy") for name in archive.namelist())
    with np.load(path, allow_pickle=False) as saved:  # raises on any object (pickled) array
        arrays = {name: saved[name] for name in saved.files}
    assert {"weight:weight", "weight:bias"} <= set(arrays) and all(a.dtype != object for a in arrays.values())
    assert ("featurizer_idf" in arrays) == text


def test_a_tampered_weight_file_is_rejected_naming_the_file(problem, tmp_path):
    from weaklab.persistence import load_npz_json, save_npz_json

    path = EndModel(**FAST).fit(problem["X"], problem["probs"]).save(tmp_path / "em")
    arrays, meta = load_npz_json(path)
    arrays["weight:weight"] = np.full_like(arrays["weight:weight"], np.nan)
    bad = save_npz_json(tmp_path / "nan.npz", arrays, meta)
    with pytest.raises(CorruptFileError, match="nan.npz.*finite"):
        EndModel.load(bad)
    arrays["weight:weight"] = np.zeros_like(arrays["weight:weight"][:1])  # finite, the wrong shape
    short = save_npz_json(tmp_path / "short.npz", arrays, meta)
    with pytest.raises(CorruptFileError, match="short.npz: the saved weights do not fit"):
        EndModel.load(short)


@pytest.mark.parametrize("edit, message", [
    (lambda meta: meta.update(estimator="LabelModel"), "is not a saved EndModel"),
    (lambda meta: meta.pop("params"), "incomplete EndModel header"),
    (lambda meta: meta["params"].update(lr=-1.0), "header field 'params'"),
    (lambda meta: meta["fitted"].update(n_classes_="two"), "invalid EndModel fitted metadata"),
    (lambda meta: meta["fitted"].update(n_classes_=7), "inconsistent EndModel metadata"),
])
def test_every_malformed_part_of_a_model_file_is_a_corrupt_file_error(problem, tmp_path, edit, message):
    from weaklab.persistence import load_npz_json, save_npz_json

    arrays, meta = load_npz_json(EndModel(**FAST).fit(problem["X"], problem["probs"]).save(tmp_path / "em"))
    edit(meta)
    with pytest.raises(CorruptFileError, match=f"bad.npz: .*{message}"):
        EndModel.load(save_npz_json(tmp_path / "bad.npz", arrays, meta))


def _set_idf(value):
    def edit(arrays, state):
        arrays["featurizer_idf"] = np.full_like(arrays["featurizer_idf"], value)
    return edit


def _set_param(key, value):
    def edit(arrays, state):
        state["params"][key] = value
    return edit


def _edit_word_vocabulary(edit_terms):
    def edit(arrays, state):
        state["vocabularies"][0] = edit_terms(state["vocabularies"][0])
    return edit


def _with_index(vocab, index):
    first = next(iter(vocab))
    return {**vocab, first: index}


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (_set_idf(0.0), "idf must be finite and > 0, got 0.0"),
        (_set_idf(-5.0), "idf must be finite and > 0, got -5.0"),
        (_set_idf(np.nan), "idf must be finite and > 0, got nan"),
        (_set_idf(np.inf), "idf must be finite and > 0, got inf"),
        (lambda arrays, state: arrays.update(featurizer_idf=arrays["featurizer_idf"][:-1]), "idf must be"),
        (_set_param("ngram_range", [3, 1]), "'ngram_range' must be \\[lo, hi\\] with integers 1 <= lo <= hi"),
        (_set_param("char_ngram_range", [0, 2]), "'char_ngram_range' must be"),
        (_set_param("sublinear_tf", "yes"), "'sublinear_tf' must be true or false, got 'yes'"),
        (_set_param("analyzer", "bpe"), "'analyzer' must be one of"),
        (_set_param("foo", 1), "unknown entries \\['foo'\\]"),
        (_edit_word_vocabulary(lambda v: _with_index(v, 3.7)), "maps .* to 3.7; terms are str and indices integers"),
        (_edit_word_vocabulary(lambda v: _with_index(v, 1)), "word block must use the indices 0\\.\\.3 once each"),
        (_edit_word_vocabulary(list), "word block must map terms to indices, got a list"),
    ],
)
def test_an_invalid_saved_featurizer_is_a_corrupt_file_naming_the_field(tmp_path, edit, match):
    from weaklab.persistence import CorruptFileError, load_npz_json, save_npz_json

    texts = ["good film", "bad plot", "good plot", "bad film"] * 5  # word block: 4 terms
    m = EndModel(featurizer=TextFeaturizer(ngram_range=(1, 1)), **FAST).fit(texts, np.tile([[0.9, 0.1], [0.2, 0.8]], (10, 1)))
    arrays, meta = load_npz_json(m.save(tmp_path / "em"))
    assert len(meta["featurizer"]["vocabularies"][0]) == 4
    edit(arrays, meta["featurizer"])
    bad = save_npz_json(tmp_path / "bad.npz", arrays, meta)
    with pytest.raises(CorruptFileError, match=f"bad.npz: featurizer state .*{match}"):
        EndModel.load(bad)


def test_an_invalid_featurizer_hyper_parameter_is_a_corrupt_file(problem, tmp_path):
    from weaklab.persistence import CorruptFileError, load_npz_json, save_npz_json

    texts = ["good film", "bad plot"] * 10
    m = EndModel(featurizer=TextFeaturizer(), **FAST).fit(texts, np.tile([[0.9, 0.1], [0.2, 0.8]], (10, 1)))
    arrays, meta = load_npz_json(m.save(tmp_path / "em"))
    meta["params"]["featurizer"]["foo"] = 1
    with pytest.raises(CorruptFileError, match=r"bad.npz: header field 'params.featurizer': params has unknown entries \['foo'\]"):
        EndModel.load(save_npz_json(tmp_path / "bad.npz", arrays, meta))


def test_user_module_must_be_passed_at_load_time(problem, tmp_path):
    m = EndModel(TinyNet(), **FAST).fit(problem["X"], problem["probs"])
    folder = m.save(tmp_path / "em")
    with pytest.raises(ValueError, match="pass an instance of it"):
        EndModel.load(folder)
    loaded = EndModel.load(folder, module=TinyNet())
    np.testing.assert_array_equal(loaded.predict_proba(problem["X_test"]), m.predict_proba(problem["X_test"]))
    with pytest.raises(ValueError, match="do not fit"):
        EndModel.load(folder, module=TinyNet(d=8, k=4))


def test_builtin_model_refuses_a_module_at_load_time(problem, tmp_path):
    folder = EndModel(**FAST).fit(problem["X"], problem["probs"]).save(tmp_path / "em")
    with pytest.raises(ValueError, match="do not pass module"):
        EndModel.load(folder, module=TinyNet())


@pytest.mark.parametrize("analyzer", ["word+char", "word", "char_wb"])
def test_text_featurizer_state_round_trip(analyzer):
    texts = ["free money now", "see you at lunch", "money for lunch"]
    f = TextFeaturizer(analyzer=analyzer).fit(texts)
    g = TextFeaturizer.from_state(*f.to_state())
    assert (f.transform(texts) != g.transform(texts)).nnz == 0


def test_text_featurizer_joins_word_and_char_blocks_with_unit_rows():
    texts = ["free money now", "see you at lunch"]
    both = TextFeaturizer().fit(texts)
    words = TextFeaturizer(analyzer="word").fit(texts)
    chars = TextFeaturizer(analyzer="char_wb").fit(texts)
    X = both.transform(texts)
    assert X.shape[1] == words.n_features_ + chars.n_features_
    np.testing.assert_allclose(sp.linalg.norm(X, axis=1), 1.0, rtol=1e-5)


def test_text_featurizer_leaves_out_a_block_without_terms(tmp_path):
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["a b", "b c", "c a"]  # one-character words only: the word block has no terms
    f = TextFeaturizer().fit(texts)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True).fit(texts)
    assert [v.analyzer for v in f.vectorizers_] == ["char_wb"] and f.n_features_ == len(chars.vocabulary_)
    np.testing.assert_allclose(f.transform(["a c"]).toarray(), chars.transform(["a c"]).toarray(), rtol=1e-6)
    m = EndModel(**FAST).fit(texts * 10, np.tile([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]], (10, 1)))
    loaded = EndModel.load(m.save(tmp_path / "em"))
    assert [v.analyzer for v in loaded.featurizer_.vectorizers_] == ["char_wb"]
    np.testing.assert_array_equal(loaded.predict_proba(["a b", "c"]), m.predict_proba(["a b", "c"]))


@pytest.mark.parametrize(("analyzer", "texts"), [("word+char", ["", ""]), ("word", ["a b", "c"])])
def test_text_featurizer_without_any_terms_is_named(analyzer, texts):
    with pytest.raises(ValueError, match=re.escape(f"TextFeaturizer(analyzer={analyzer!r}) found no terms in texts")):
        TextFeaturizer(analyzer=analyzer).fit(texts)


@pytest.mark.parametrize(("params", "match"), [({"ngram_range": (3, 1)}, "'ngram_range' must be"),
                                               ({"char_ngram_range": (0, 2)}, "'char_ngram_range' must be"),
                                               ({"sublinear_tf": "yes"}, "'sublinear_tf' must be true or false")])
def test_text_featurizer_arguments_are_checked_before_fitting(params, match):
    with pytest.raises(ValueError, match=match):
        TextFeaturizer(**params).fit(["free money now", "see you at lunch"])


def test_text_featurizer_rejects_unknown_analyzer():
    with pytest.raises(ValueError, match="analyzer must be one of"):
        TextFeaturizer(analyzer="bpe").fit(["a text"])


# ------------------------------------------------------------------ device
@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA error")
def test_cuda_without_cuda_raises_a_clear_error(problem):
    with pytest.raises(ValueError, match="CUDA is not available"):
        EndModel(device="cuda", **FAST).fit(problem["X"], problem["probs"])


def test_auto_device_uses_cuda_when_present_else_cpu(problem):
    m = EndModel(device="auto", **FAST).fit(problem["X"], problem["probs"])
    assert m.device_.type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_unknown_device_is_rejected(problem):
    with pytest.raises(ValueError, match="device"):
        EndModel(device="tpu", **FAST).fit(problem["X"], problem["probs"])


def test_batch_size_grows_on_gpu_and_shrinks_for_wide_rows():
    cpu = DevicePlan(torch.device("cpu"), pin_memory=False, amp_dtype=None)
    gpu = DevicePlan(torch.device("cuda"), pin_memory=True, amp_dtype=torch.bfloat16)
    assert gpu.batch_size(None, 100) > cpu.batch_size(None, 100)
    assert gpu.batch_size(None, 1_000_000) * 1_000_000 * 4 <= 64 * 2**20
    assert cpu.batch_size(50, 1_000_000) == 50


@pytest.fixture
def two_torch_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _threads_seen_by_the_loss(monkeypatch) -> list[int]:
    import weaklab.endmodel.training as training

    seen, loss = [], training.noise_aware_loss

    def recording(*args):
        seen.append(torch.get_num_threads())
        return loss(*args)

    monkeypatch.setattr(training, "noise_aware_loss", recording)
    return seen


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_linear_model_trains_on_one_cpu_thread_and_restores_the_count(problem, monkeypatch, two_torch_threads, solver):
    seen = _threads_seen_by_the_loss(monkeypatch)
    EndModel("logreg", solver=solver, device="cpu", **FAST).fit(sp.csr_matrix(problem["X"]), problem["probs"])
    assert seen and set(seen) == {1}
    assert torch.get_num_threads() == 2


def test_mlp_keeps_the_torch_threads(problem, monkeypatch, two_torch_threads):
    seen = _threads_seen_by_the_loss(monkeypatch)
    EndModel("mlp", device="cpu", **FAST).fit(problem["X"], problem["probs"])
    assert seen and set(seen) == {2}


def test_thread_count_is_restored_when_training_fails(problem, monkeypatch, two_torch_threads):
    import weaklab.endmodel.training as training

    def failing(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(training, "noise_aware_loss", failing)
    with pytest.raises(RuntimeError, match="boom"):
        EndModel("logreg", device="cpu", **FAST).fit(problem["X"], problem["probs"])
    assert torch.get_num_threads() == 2


# -------------------------------------------------------------- bad inputs
def test_probs_with_wrong_row_count_names_probs(problem):
    with pytest.raises(ValueError, match="probs has 599 rows but X has 600"):
        EndModel(**FAST).fit(problem["X"], problem["probs"][:-1])


def test_probs_not_summing_to_one_names_the_row(problem):
    probs = problem["probs"].copy()
    probs[5] *= 2
    with pytest.raises(ValueError, match="probs rows must sum to 1; row 5"):
        EndModel(**FAST).fit(problem["X"], probs)


def test_nan_in_probs_names_the_row(problem):
    probs = problem["probs"].copy()
    probs[9, 0] = np.nan
    with pytest.raises(ValueError, match="probs contains NaN.*row 9"):
        EndModel(**FAST).fit(problem["X"], probs)


@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_nan_in_features_names_x_and_the_row(problem, kind):
    X = problem["X"].copy()
    X[7, 2] = np.nan
    with pytest.raises(ValueError, match="X contains NaN.*row 7"):
        EndModel(**FAST).fit(sp.csr_matrix(X) if kind == "sparse" else X, problem["probs"])


@pytest.mark.parametrize("kind", ["dense", "sparse", "tensor"])
def test_complex_features_are_refused_not_cut_to_their_real_part(problem, kind):
    X = problem["X"].astype(np.complex64)
    X[3, 1] += 2j
    X = {"dense": X, "sparse": sp.csr_matrix(X), "tensor": torch.from_numpy(X)}[kind]
    with pytest.raises(TypeError, match=r"X is complex \(.*complex64\)"):
        EndModel(**FAST).fit(X, problem["probs"])


def test_complex_probs_are_refused(problem):
    with pytest.raises(TypeError, match="probs is complex"):
        EndModel(**FAST).fit(problem["X"], problem["probs"].astype(np.complex128) + 0.5j)


def test_a_finite_value_beyond_float32_is_not_called_nan(problem):
    X = problem["X"].astype(np.float64)
    X[11, 0] = 1e39  # finite in float64, infinite as float32
    with pytest.raises(ValueError, match="beyond float32's range.*row 11"):
        EndModel(**FAST).fit(X, problem["probs"])


def test_one_dimensional_features_are_rejected(problem):
    with pytest.raises(ValueError, match="X must be 2-D"):
        EndModel(**FAST).fit(problem["X"][:, 0], problem["probs"])


def test_dev_features_must_match_training_width(problem):
    with pytest.raises(ValueError, match="X_dev has 7 features"):
        EndModel(**FAST).fit(problem["X"], problem["probs"], problem["X_test"][:, :7], problem["y_test"])


def test_x_dev_without_y_dev_is_rejected(problem):
    with pytest.raises(ValueError, match="X_dev and y_dev"):
        EndModel(**FAST).fit(problem["X"], problem["probs"], problem["X_test"])


def test_y_dev_out_of_range_names_the_row(problem):
    y = problem["y_test"].copy()
    y[4] = 3
    with pytest.raises(ValueError, match=r"y_dev\[4\] = 3"):
        EndModel(**FAST).fit(problem["X"], problem["probs"], problem["X_test"], y)


def test_text_with_a_missing_row_names_the_row():
    with pytest.raises(TypeError, match=r"X\[1\] is None"):
        EndModel(**FAST).fit(["a text", None, "another"], np.full((3, 2), 0.5))
    # A missing first row too: the input is still text, not "a number that failed to parse".
    with pytest.raises(TypeError, match=r"X\[0\] is None"):
        EndModel(**FAST).fit([None, "a text", "another"], np.full((3, 2), 0.5))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"model": "svm"}, "model must be one of"),
        ({"lr": 0}, "lr == 0, must be > 0"),
        ({"lr": float("inf")}, "lr must be finite"),
        ({"lr": float("nan")}, "lr must be finite"),
        ({"weight_decay": float("inf")}, "weight_decay must be finite"),
        ({"weight_decay": -1.0}, "weight_decay == -1.0, must be >= 0"),
        ({"dropout": 1.0}, "dropout == 1.0, must be < 1"),
        ({"solver": "sgd"}, "solver must be one of"),
        ({"n_epochs": 0}, "n_epochs == 0, must be >= 1"),
        ({"batch_size": 0}, "batch_size == 0, must be >= 1"),
        ({"dev_fraction": 1.0}, "dev_fraction"),
        ({"metric": "auc"}, "metric must be one of"),
        ({"metric": "f1"}, "binary task"),
        ({"hidden_dims": (0,)}, "hidden_dims"),
    ],
)
def test_bad_hyper_parameters_are_named(problem, params, match):
    with pytest.raises(ValueError, match=match):
        EndModel(**{**FAST, **params}).fit(problem["X"], problem["probs"])


@pytest.mark.parametrize(("params", "match"), [({"lr": "0.1"}, "lr must be an instance of float"), ({"weight_decay": True}, "weight_decay"),
                                               ({"progress": "yes"}, "progress must be True or False")])
def test_hyper_parameters_of_the_wrong_type_are_named(problem, params, match):
    with pytest.raises(TypeError, match=match):
        EndModel(**{**FAST, **params}).fit(problem["X"], problem["probs"])


def test_a_non_integer_count_is_a_type_error_naming_it(problem):
    with pytest.raises(TypeError, match="batch_size must be an instance of int"):
        EndModel(**{**FAST, "batch_size": 2.5}).fit(problem["X"], problem["probs"])
    with pytest.raises(TypeError, match="n_epochs must be an int"):
        EndModel(**{**FAST, "n_epochs": True}).fit(problem["X"], problem["probs"])


def test_predict_before_fit_raises_not_fitted(problem):
    with pytest.raises(NotFittedError, match="not fitted"):
        EndModel().predict(problem["X"])


def test_predict_on_no_rows_gives_an_empty_k_column_result(problem):
    m = EndModel(**FAST).fit(problem["X"], problem["probs"])
    assert m.predict_proba(problem["X_test"][:0]).shape == (0, 3)
    assert m.predict(problem["X_test"][:0]).shape == (0,)


def test_text_model_predicts_no_texts_as_an_empty_k_column_result():
    import pandas as pd

    texts = ["good film", "bad plot", "good plot", "bad film"] * 5
    m = EndModel(**FAST).fit(texts, np.tile([[0.9, 0.1], [0.2, 0.8]], (10, 1)))
    for empty in ([], (), np.array([], dtype=str), pd.Series([], dtype=object)):
        assert m.predict_proba(empty).shape == (0, 2)
        assert m.predict(empty).shape == (0,)
    with pytest.raises(TypeError, match="must be raw text"):
        m.predict_proba(np.zeros((0, 5)))


def test_a_negative_seed_is_named(problem):
    with pytest.raises(ValueError, match="seed == -1, must be >= 0"):
        EndModel(**{**FAST, "seed": -1}).fit(problem["X"], problem["probs"])


def test_predict_with_wrong_width_is_rejected(problem):
    m = EndModel(**FAST).fit(problem["X"], problem["probs"])
    with pytest.raises(ValueError, match="X has 5 features"):
        m.predict(problem["X_test"][:, :5])
