"""LabelModel: the recommended default."""

from __future__ import annotations

import warnings

import numpy as np

from weaklab.datasets import make_synthetic_label_matrix
from weaklab import LabelMatrix
from weaklab.datasets import load_lf_matrix_csv
from weaklab.models import ClassBalancedVote, DawidSkene, LabelModel, MajorityVote, MatrixCompletion, load_model


def test_without_dev_set_it_is_abstain_aware_dawid_skene():
    syn = make_synthetic_label_matrix(4000, 12, 2, class_balance=[0.8, 0.2], one_sided=True,
                                      accuracy=(0.82, 0.95), seed=1)
    model = LabelModel().fit(syn.L)
    assert model.selected_ == "DawidSkene" and model.dev_scores_ == {}
    mv = MajorityVote().fit(syn.L).score(syn.L, syn.y, tie_break="random")
    assert model.score(syn.L, syn.y, tie_break="random") > mv


def test_dev_set_selects_the_most_accurate_candidate():
    syn = make_synthetic_label_matrix(3000, 6, 3, seed=2)
    model = LabelModel().fit(syn.L[500:], L_dev=syn.L[:500], Y_dev=syn.y[:500])
    assert set(model.dev_scores_) == {
        "DawidSkene", "DawidSkene-1coin", "MajorityVote", "MatrixCompletion",
        "ClassBalancedVote", "DawidSkene+uniform", "DawidSkene-1coin+uniform", "DawidSkene+unshrunk",
    }
    assert model.dev_scores_[model.selected_] == max(model.dev_scores_.values())


def test_selected_candidate_survives_save_and_load(tmp_path):
    syn = make_synthetic_label_matrix(1000, 5, 2, seed=3)
    model = LabelModel().fit(syn.L[200:], L_dev=syn.L[:200], Y_dev=syn.y[:200])
    loaded = load_model(model.save(tmp_path / "lm.npz"))
    assert loaded.selected_ == model.selected_
    np.testing.assert_allclose(loaded.predict_proba(syn.L), model.predict_proba(syn.L))


def test_prior_fallback_is_recorded_and_off_for_a_given_class_balance():
    syn = make_synthetic_label_matrix(1000, 6, 2, seed=4)
    model = LabelModel().fit(syn.L, class_balance=[0.5, 0.5])
    assert model.prior_fallback_ is False
    np.testing.assert_allclose(model.class_balance_, [0.5, 0.5])


def test_class_balanced_vote_lets_a_rare_class_win_a_conflict():
    # class 0 holds 6 of 8 votes: share 7/10 vs 3/10 after add-one smoothing
    L = LabelMatrix.from_dense(np.array([[0, 0, 1], [0, 0, -1], [0, -1, -1], [0, -1, 1]]))
    model = ClassBalancedVote().fit(L)
    np.testing.assert_allclose(model.vote_share_, [0.7, 0.3])
    np.testing.assert_allclose(model.predict_proba(L)[0], np.array([2 / 0.7, 1 / 0.3]) / (2 / 0.7 + 1 / 0.3))
    assert model.predict(L).tolist() == [1, 0, 0, 1]


def test_class_balanced_vote_agrees_with_majority_vote_on_unanimous_rows():
    syn = make_synthetic_label_matrix(500, 6, 3, coverage=(0.1, 0.3), seed=5)
    dense = syn.L.to_dense()
    unanimous = np.array([len(set(r[r >= 0])) == 1 for r in dense])
    cbv = ClassBalancedVote().fit(syn.L).predict(syn.L)
    mv = MajorityVote().fit(syn.L).predict(syn.L)
    assert unanimous.any()
    np.testing.assert_array_equal(cbv[unanimous], mv[unanimous])


def test_class_balanced_vote_scores_a_class_never_voted_in_training():
    train = LabelMatrix.from_dense(np.array([[0, 0], [0, -1]]), cardinality=3)
    test = LabelMatrix.from_dense(np.array([[2, 0]]), cardinality=3)
    proba = ClassBalancedVote().fit(train).predict_proba(test)
    assert np.isfinite(proba).all() and proba[0].argmax() == 2


def test_dev_set_choice_follows_the_rule_on_real_lfs(shared_data, tmp_path):
    # The rule, not an outcome: candidates are fitted on the training votes alone, scored
    # on the dev set (random tie-breaking, the model's seed), and the best one is kept.
    base = shared_data / "regularized_data_programming" / "TubeSpam" / "TubeSpam_lf_matrix_"
    train, valid = load_lf_matrix_csv(f"{base}train.csv"), load_lf_matrix_csv(f"{base}val.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LabelModel(seed=4).fit(train.L, L_dev=valid.L, Y_dev=valid.y)
        uniform = np.full(2, 0.5)
        standalone = {
            "MajorityVote": MajorityVote(seed=4).fit(train.L),
            "ClassBalancedVote": ClassBalancedVote(seed=4).fit(train.L),
            "MatrixCompletion": MatrixCompletion(model_abstain=True, seed=4).fit(train.L),
            "DawidSkene-1coin+uniform": DawidSkene(one_coin=True, model_abstain="auto", seed=4).fit(
                train.L, class_balance=uniform
            ),
            "DawidSkene+unshrunk": DawidSkene(model_abstain="auto", better_than_random=True, prior_shrink=0.0, seed=4).fit(
                train.L
            ),
        }
    for name, candidate in standalone.items():
        assert model.dev_scores_[name] == candidate.score(valid.L, valid.y, tie_break="random", seed=4), name
    order = list(model.dev_scores_)
    assert order[:5] == ["DawidSkene", "DawidSkene-1coin", "MajorityVote", "MatrixCompletion", "ClassBalancedVote"]
    best = max(model.dev_scores_.values())
    assert model.selected_ == next(name for name in order if model.dev_scores_[name] == best)
    loaded = load_model(model.save(tmp_path / "lm.npz"))
    assert loaded.selected_ == model.selected_
    np.testing.assert_allclose(loaded.predict_proba(train.L), model.predict_proba(train.L))


def test_a_tie_on_the_dev_set_goes_to_the_first_candidate():
    syn = make_synthetic_label_matrix(1000, 6, 2, seed=6)
    # Dev rows on which every LF that votes agrees with the gold label: every candidate
    # labels them all correctly, so all dev scores tie at 1.
    dev = np.tile([[0, 0, -1, 0, -1, -1], [1, -1, 1, 1, 1, -1]], (20, 1))
    y_dev = np.tile([0, 1], 20)
    model = LabelModel().fit(syn.L, L_dev=LabelMatrix.from_dense(dev), Y_dev=y_dev)
    assert len(model.dev_scores_) == 8 and set(model.dev_scores_.values()) == {1.0}
    assert model.selected_ == "DawidSkene"


def _rare_class_votes(seed: int, n: int = 5000):
    """A 5 % positive class: 8 low-precision one-sided LFs for it, 5 precise ones for class 0."""
    rng = np.random.default_rng(seed)
    prior = np.array([0.95, 0.05])
    y = rng.choice(2, n, p=prior)
    specs = [(1, a, c) for a, c in zip(np.linspace(0.25, 0.7, 8), np.linspace(0.01, 0.05, 8))]
    specs += [(0, a, c) for a, c in zip(np.linspace(0.96, 0.995, 5), np.linspace(0.1, 0.4, 5))]
    cols = []
    for target, precision, coverage in specs:
        p_target = min(1.0, precision * coverage / prior[target])
        p_other = min(1.0, (1 - precision) * coverage / (1 - prior[target]))
        cols.append(np.where(rng.random(n) < np.where(y == target, p_target, p_other), target, -1))
    return LabelMatrix.from_dense(np.stack(cols, 1), cardinality=2), y


def _f1_of_class_1(pred: np.ndarray, y: np.ndarray) -> float:
    tp = np.sum((pred == 1) & (y == 1))
    return 2 * tp / (np.sum(pred == 1) + np.sum(y == 1))


def test_dev_set_can_choose_the_unshrunk_prior_for_a_rare_class(tmp_path):
    # prior_shrink pulls a 5 % class toward 50 %, and the shrunk fit hands it rows it does
    # not own; with a dev set the unshrunk fit is a candidate and wins on F1.
    L, y = _rare_class_votes(seed=0)
    train, dev, test = L[:3000], L[3000:4000], L[4000:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LabelModel(dev_metric="f1").fit(train, L_dev=dev, Y_dev=y[3000:4000])
        unshrunk = DawidSkene(model_abstain="auto", better_than_random=True, prior_shrink=0.0).fit(train)
        shrunk = DawidSkene(model_abstain="auto", better_than_random=True, prior_shrink=0.25).fit(train)
    assert list(model.dev_scores_)[-1] == "DawidSkene+unshrunk"
    assert model.selected_ == "DawidSkene+unshrunk"
    np.testing.assert_allclose(model.class_balance_, unshrunk.class_balance_)
    pred = model.predict(test, tie_break="random")
    assert _f1_of_class_1(pred, y[4000:]) > _f1_of_class_1(shrunk.predict(test, tie_break="random"), y[4000:]) + 0.2
    loaded = load_model(model.save(tmp_path / "lm.npz"))
    assert loaded.selected_ == "DawidSkene+unshrunk"
    np.testing.assert_allclose(loaded.predict_proba(test), model.predict_proba(test))


def test_no_unshrunk_candidate_without_shrinkage_or_with_a_given_prior():
    L, y = _rare_class_votes(seed=1, n=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = LabelModel(prior_shrink=0.0).fit(L[:1500], L_dev=L[1500:], Y_dev=y[1500:])
        given = LabelModel().fit(L[:1500], L_dev=L[1500:], Y_dev=y[1500:], class_balance=[0.95, 0.05])
    assert "DawidSkene+unshrunk" not in plain.dev_scores_ and len(plain.dev_scores_) == 7
    assert "DawidSkene+unshrunk" not in given.dev_scores_ and len(given.dev_scores_) == 5


# ---------------------------------------------------------------- no dev set: DS or CBV
def _demo_votes():
    from weaklab import apply_lfs, make_demo_corpus
    from weaklab.demo import demo_lfs

    corpus = make_demo_corpus(8000, seed=0)
    L = apply_lfs(corpus.drop(columns="label"), demo_lfs(), cardinality=2, progress=False)
    return L, corpus["label"].to_numpy()


def _accuracy(model, L, y) -> float:
    return float(np.mean(model.predict(L, tie_break="random") == y))


def test_without_dev_set_correlated_keyword_lfs_get_class_balanced_vote(tmp_path):
    # The demo's praise / music word LFs fire together on ham (issue 12): refitted without
    # each group of LFs, ClassBalancedVote predicts the held-out votes clearly better.
    L, y = _demo_votes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LabelModel().fit(L)
        ds = DawidSkene(model_abstain="auto", better_than_random=True, prior_shrink=0.25).fit(L)
        cbv = ClassBalancedVote().fit(L)
    assert model.selected_ == "ClassBalancedVote" and model.dev_scores_ == {}
    assert model.holdout_z_ > 2.0
    assert model.holdout_agreement_["ClassBalancedVote"] > model.holdout_agreement_["DawidSkene"]
    np.testing.assert_allclose(model.predict_proba(L), cbv.predict_proba(L))
    assert _accuracy(model, L, y) > _accuracy(ds, L, y) + 0.01
    loaded = load_model(model.save(tmp_path / "lm.npz"))
    assert loaded.selected_ == "ClassBalancedVote" and loaded.holdout_z_ == model.holdout_z_
    assert loaded.holdout_agreement_ == model.holdout_agreement_
    np.testing.assert_allclose(loaded.predict_proba(L), model.predict_proba(L))


def test_without_dev_set_independent_workers_keep_dawid_skene():
    syn = make_synthetic_label_matrix(2000, 15, 3, coverage=(0.1, 0.5), seed=7)
    model = LabelModel().fit(syn.L)
    assert model.selected_ == "DawidSkene"
    assert np.isfinite(model.holdout_z_) and model.holdout_z_ < 2.0
    assert set(model.holdout_agreement_) == {"DawidSkene", "ClassBalancedVote"}


def test_no_held_out_comparison_with_a_dev_set_or_many_classes():
    syn = make_synthetic_label_matrix(1500, 8, 3, seed=8)
    with_dev = LabelModel().fit(syn.L[300:], L_dev=syn.L[:300], Y_dev=syn.y[:300])
    assert with_dev.holdout_agreement_ == {} and np.isnan(with_dev.holdout_z_)
    many = make_synthetic_label_matrix(1500, 30, 25, coverage=(0.2, 0.6), seed=9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LabelModel().fit(many.L)
    assert model.selected_ == "DawidSkene" and model.holdout_agreement_ == {} and np.isnan(model.holdout_z_)


def test_trec_without_dev_set_gets_class_balanced_vote(shared_data):
    from weaklab.datasets import load_wrench

    base = shared_data / "dygen_wrench" / "trec"
    train, test = load_wrench(base, "train"), load_wrench(base, "test")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LabelModel().fit(train.L)
        ds = DawidSkene(model_abstain="auto", better_than_random=True, prior_shrink=0.25).fit(train.L)
    assert model.selected_ == "ClassBalancedVote"
    assert model.prior_fallback_ is True  # its Dawid-Skene fit is the guardrail's unshrunk refit
    covered = np.diff(test.L.csr.indptr) > 0
    acc = lambda m: np.mean(m.predict(test.L, tie_break="random")[covered] == test.y[covered])  # noqa: E731
    assert acc(model) > acc(ds) + 0.1  # 16 points in benchmarks/README.md
