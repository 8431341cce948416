"""Guardrails that say which LFs are involved and what to do (issue 12).

Each case is built so that the fitted model is wrong in a known way; the expected LF names
and counts come from the construction or from plain NumPy on the dense votes, never from
the guardrail code.
"""

from __future__ import annotations

import numpy as np
import pytest

from weaklab import LabelMatrix
from weaklab.datasets import make_synthetic_label_matrix
from weaklab.models import DawidSkene, LabelModel, MajorityVote

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _copies_matrix(seed: int = 0):
    """8 independent LFs and one 60 %-accurate LF present four times (exact copies)."""
    rng = np.random.default_rng(seed)
    n = 4000
    y = rng.choice(2, n, p=[0.7, 0.3])

    def lf(acc, cov):
        fire = rng.random(n) < cov
        return np.where(fire, np.where(rng.random(n) < acc, y, 1 - y), -1)

    cols = [lf(rng.uniform(0.62, 0.8), rng.uniform(0.2, 0.5)) for _ in range(8)]
    bad = lf(0.6, 0.6)
    names = [f"indep_{j}" for j in range(8)] + [f"copy_{j}" for j in range(4)]
    return LabelMatrix.from_dense(np.stack(cols + [bad] * 4, 1), names, 2), y


def _bound_messages(model):
    return [w for w in model.warnings_ if "sits at the bound" in w]


def test_copied_lf_learned_as_perfect_is_reported_by_name():
    L, y = _copies_matrix()
    dense = L.to_dense()
    copy_acc = np.mean(dense[dense[:, 8] >= 0, 8] == y[dense[:, 8] >= 0])
    assert abs(copy_acc - 0.6) < 0.05  # the truth the model misses
    model = LabelModel().fit(L)
    assert np.all(model.accuracies_[8:] > 0.999)  # the silent failure: copies learned as perfect
    messages = _bound_messages(model)
    assert len(messages) == 1 and "bound 1 (>= 0.999)" in messages[0]
    for j in range(4):
        assert f"'copy_{j}'" in messages[0]
    assert "indep_" not in messages[0]
    assert "lf_summary" in messages[0]


def test_estimates_off_the_bounds_give_no_bound_message():
    L, _ = _copies_matrix()
    assert _bound_messages(MajorityVote().fit(L)) == []
    syn = make_synthetic_label_matrix(3000, 8, 2, accuracy=(0.65, 0.85), coverage=(0.3, 0.6), seed=3)
    assert _bound_messages(DawidSkene().fit(syn.L)) == []


def test_one_coin_accuracy_pinned_at_random_is_reported():
    # One-sided LFs in a one-coin model: the accuracy is not identified and drifts to 1/k.
    syn = make_synthetic_label_matrix(
        4000, 12, 2, class_balance=[0.8, 0.2], accuracy=(0.55, 0.9), coverage=(0.05, 0.3), one_sided=True, seed=1
    )
    model = DawidSkene(one_coin=True, model_abstain="auto").fit(syn.L)
    at_half = np.flatnonzero(np.abs(model.accuracies_ - 0.5) <= 1e-3)
    assert at_half.size  # the construction does pin some LFs at 0.5
    message = next(w for w in _bound_messages(model) if "1/k = 0.500 (random)" in w)
    for j in at_half:
        assert f"'lf_{j}'" in message


def test_disagreement_with_majority_names_the_lfs_overruled_most():
    syn = make_synthetic_label_matrix(
        4000, 30, 2, class_balance=[0.8, 0.2], accuracy=(0.55, 0.9), coverage=(0.01, 0.1), one_sided=True, seed=2
    )
    L = syn.L
    model = LabelModel().fit(L)
    # Independent reference: unique majorities and per-LF overruled votes from the dense votes.
    dense = L.to_dense()
    counts = np.stack([(dense == c).sum(1) for c in range(2)], 1)
    unique = (counts.max(1) > 0) & (counts[:, 0] != counts[:, 1])
    winner = counts.argmax(1)
    pred = model.predict_proba(L).argmax(1)
    disagree = unique & (pred != winner)
    share = disagree.sum() / unique.sum()
    assert share > 0.05
    overruled = ((dense == winner[:, None]) & disagree[:, None]).sum(0)
    top = np.argsort(-overruled, kind="stable")[:3]
    message = next(w for w in model.warnings_ if "disagrees with majority vote" in w)
    assert f"on {share:.0%} of the rows" in message
    named = ", ".join(f"'lf_{j}' ({overruled[j]:,} votes)" for j in top)
    assert named in message


def test_agreeing_model_gives_no_disagreement_message():
    syn = make_synthetic_label_matrix(3000, 8, 2, accuracy=(0.7, 0.9), coverage=(0.4, 0.8), seed=4)
    model = LabelModel().fit(syn.L)
    assert model.agreement_with_majority_ > 0.95
    assert not any("disagrees with majority vote" in w for w in model.warnings_)


def test_prior_pulled_onto_a_rare_class_is_reported():
    rng = np.random.default_rng(5)
    n = 4000
    y = (rng.random(n) < 0.05).astype(int)
    cols = []
    for j in range(6):  # low-precision LFs for the rare class, precise ones for the common class
        cols.append(np.where(rng.random(n) < np.where(y == 1, 0.4, 0.01), 1, -1))
        cols.append(np.where(rng.random(n) < np.where(y == 0, 0.3, 0.01), 0, -1))
    L = LabelMatrix.from_dense(np.stack(cols, 1), None, 2)
    shrunk = LabelModel().fit(L)
    assert shrunk.class_balance_[1] > 2 * 0.05  # the silent failure: the 5 % class inflated
    message = next(w for w in shrunk.warnings_ if "prior_shrink" in w)
    assert "class 1" in message and "class_balance=" in message
    plain = LabelModel(prior_shrink=0.0).fit(L)
    assert abs(plain.class_balance_[1] - 0.05) < 0.03
    assert not any("prior_shrink" in w for w in plain.warnings_)
    assert not any("prior_shrink" in w for w in LabelModel().fit(L, class_balance=[0.95, 0.05]).warnings_)


def test_advice_tells_how_decisive_the_dev_set_was_when_one_chose_the_model():
    L, y = _copies_matrix()
    without = LabelModel().fit(L[200:])
    assert all("a dev set (L_dev, Y_dev) lets LabelModel choose" in w for w in _bound_messages(without))
    model = LabelModel().fit(L[200:], L_dev=L[:200], Y_dev=y[:200])
    messages = _bound_messages(model)
    assert messages  # the copies are still learned as perfect by the dev set's choice
    scores = model.dev_scores_
    runner_up = max((name for name in scores if name != model.selected_), key=scores.get)
    for message in messages:
        # A dev set was given: advising one would be false; say what it chose, by how much.
        assert "lets LabelModel choose" not in message
        assert (f"the dev set chose {model.selected_} (accuracy {scores[model.selected_]:.3f}; "
                f"next {runner_up} {scores[runner_up]:.3f}") in message
        assert "on 200 rows)" in message
