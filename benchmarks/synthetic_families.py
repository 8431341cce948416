"""Synthetic label-matrix families the public benchmark sets lack (issue 12).

Each generator returns ``(L, y, metric)`` for one seed. The families are the cases where a
label model tuned on the public sets was seen to fail on data nobody tuned for:

* ``corr-copies``: a mediocre LF repeated (exact copies), beside independent LFs;
* ``corr-pairs``: one-sided keyword-style LFs that come in correlated pairs (two keyword
  lists hitting the same phrases, like the demo's praise / music word LFs);
* ``rare``: a 5 % positive class with low-precision one-sided LFs for it (F1 of class 1);
* ``k10-lowcov`` / ``k20-lowcov``: 10 or 20 classes, one-sided LFs at 1-8 % coverage,
  one dominant class (a relation-extraction shape: 26 LFs for 10 relations);
* ``crowd-rare``: binary crowd matrix, 200 workers, 3 answers per item, 10 % positives,
  workers with class-dependent errors (many say "no" too often), F1 of class 1;
* ``crowd-k4``: 4 classes, 27 workers, 4 answers per item, confusions between
  neighbouring classes.

The generators use only NumPy, so the votes never depend on weaklab's code.
"""

from __future__ import annotations

import numpy as np

from weaklab import LabelMatrix

FAMILIES = ("corr-copies", "corr-pairs", "rare", "k10-lowcov", "k20-lowcov", "crowd-rare", "crowd-k4")
#: Families fitted and scored on all items (no splits), like the public crowd sets.
CROWD = ("crowd-rare", "crowd-k4")


def _any_class_votes(rng, y, k, acc, cov):
    """Votes of one LF that votes any class: right with ``acc``, wrong uniformly."""
    n = y.shape[0]
    fire = rng.random(n) < cov
    right = rng.random(n) < acc
    wrong = (y + rng.integers(1, k, n)) % k
    return np.where(fire, np.where(right, y, wrong), -1)


def _one_sided_votes(rng, y, prior, target, acc, cov):
    """Votes of one LF that votes ``target`` or abstains, with precision ``acc``, coverage ``cov``."""
    p_t = min(1.0, acc * cov / prior[target])
    p_o = min(1.0, (1 - acc) * cov / (1 - prior[target]))
    fire = rng.random(y.shape[0]) < np.where(y == target, p_t, p_o)
    return np.where(fire, target, -1)


def _matrix(votes: np.ndarray, k: int) -> LabelMatrix:
    return LabelMatrix.from_dense(votes, [f"lf_{j}" for j in range(votes.shape[1])], k)


def corr_copies(n: int, seed: int):
    """8 independent LFs (accuracy 0.62-0.8) and one 0.6-accurate LF present 4 times."""
    rng = np.random.default_rng(seed)
    prior = np.array([0.7, 0.3])
    y = rng.choice(2, n, p=prior)
    cols = [_any_class_votes(rng, y, 2, rng.uniform(0.62, 0.8), rng.uniform(0.2, 0.5)) for _ in range(8)]
    bad = _any_class_votes(rng, y, 2, 0.6, 0.6)
    cols += [bad] * 4
    return _matrix(np.stack(cols, 1), 2), y, "acc"


def corr_pairs(n: int, seed: int):
    """Keyword-style one-sided LFs in correlated pairs, plus independent ones (70/30 classes).

    Each pair shares a latent "phrase" that occurs with a class-dependent rate; both LFs
    of the pair fire on it (each misses it 10 % of the time), so their votes are
    strongly dependent given the class.
    """
    rng = np.random.default_rng(seed)
    prior = np.array([0.7, 0.3])
    y = rng.choice(2, n, p=prior)
    cols = []
    for p in range(5):
        target = p % 2
        acc, cov = rng.uniform(0.7, 0.9), rng.uniform(0.1, 0.3)
        phrase = _one_sided_votes(rng, y, prior, target, acc, cov) >= 0
        for _ in range(2):
            hit = phrase & (rng.random(n) < 0.9)
            cols.append(np.where(hit, target, -1))
    for j in range(4):
        target = j % 2
        cols.append(_one_sided_votes(rng, y, prior, target, rng.uniform(0.65, 0.85), rng.uniform(0.05, 0.2)))
    return _matrix(np.stack(cols, 1), 2), y, "acc"


def rare(n: int, seed: int):
    """A 5 % positive class: 8 one-sided LFs for it (precision 0.25-0.7), 5 for class 0."""
    rng = np.random.default_rng(seed)
    prior = np.array([0.95, 0.05])
    y = rng.choice(2, n, p=prior)
    cols = [_one_sided_votes(rng, y, prior, 1, rng.uniform(0.25, 0.7), rng.uniform(0.01, 0.05)) for _ in range(8)]
    cols += [_one_sided_votes(rng, y, prior, 0, rng.uniform(0.96, 0.995), rng.uniform(0.1, 0.4)) for _ in range(5)]
    return _matrix(np.stack(cols, 1), 2), y, "f1"


def many_classes(n: int, seed: int, k: int, m: int):
    """``k`` classes (class 0 holds 40 %), ``m`` one-sided LFs at 1-8 % coverage."""
    rng = np.random.default_rng(seed)
    prior = np.full(k, 0.6 / (k - 1))
    prior[0] = 0.4
    y = rng.choice(k, n, p=prior)
    cols = []
    for j in range(m):
        target = j % k
        low = max(prior[target] + 0.1, 0.35)
        cols.append(_one_sided_votes(rng, y, prior, target, rng.uniform(low, 0.9), rng.uniform(0.01, 0.08)))
    return _matrix(np.stack(cols, 1), k), y, "acc"


def _crowd(rng, y, k, n_workers, per_item, confusions):
    """Each item gets ``per_item`` answers from distinct workers drawn by Zipf-like activity."""
    n = y.shape[0]
    activity = 1.0 / np.arange(1, n_workers + 1) ** 0.8
    activity /= activity.sum()
    votes = np.full((n, n_workers), -1, dtype=np.int64)
    for i in range(n):
        workers = rng.choice(n_workers, per_item, replace=False, p=activity)
        for w in workers:
            votes[i, w] = rng.choice(k, p=confusions[w, y[i]])
    keep = (votes >= 0).any(axis=0)
    return votes[:, keep]


def crowd_rare(n: int, seed: int):
    """Binary crowd set: 200 workers, 3 answers per item, 10 % positives, F1 of class 1."""
    rng = np.random.default_rng(seed)
    y = rng.choice(2, n, p=[0.9, 0.1])
    w = 200
    conf = np.empty((w, 2, 2))
    kind = rng.choice(3, w, p=[0.6, 0.3, 0.1])  # good, says "no" too often, random
    sens = np.where(kind == 0, rng.uniform(0.7, 0.95, w), np.where(kind == 1, rng.uniform(0.25, 0.55, w), 0.5))
    spec = np.where(kind == 2, 0.5, rng.uniform(0.9, 0.99, w))
    conf[:, 0, 0], conf[:, 0, 1] = spec, 1 - spec
    conf[:, 1, 1], conf[:, 1, 0] = sens, 1 - sens
    return _matrix(_crowd(rng, y, 2, w, 3, conf), 2), y, "f1"


def crowd_k4(n: int, seed: int):
    """4 classes, 27 workers, 4 answers per item; errors go to neighbouring classes."""
    rng = np.random.default_rng(seed)
    k = 4
    y = rng.choice(k, n, p=[0.35, 0.3, 0.2, 0.15])
    w = 27
    conf = np.empty((w, k, k))
    for j in range(w):
        acc = rng.uniform(0.45, 0.9)
        for c in range(k):
            row = np.full(k, 0.05)
            row[(c + 1) % k] += 1.0
            row[(c - 1) % k] += rng.uniform(0.2, 1.0)
            row[c] = 0.0
            row = row / row.sum() * (1 - acc)
            row[c] = acc
            conf[j, c] = row
    return _matrix(_crowd(rng, y, k, w, 4, conf), k), y, "acc"


GENERATORS = {
    "corr-copies": corr_copies,
    "corr-pairs": corr_pairs,
    "rare": rare,
    "k10-lowcov": lambda n, seed: many_classes(n, seed, 10, 26),
    "k20-lowcov": lambda n, seed: many_classes(n, seed, 20, 40),
    "crowd-rare": crowd_rare,
    "crowd-k4": crowd_k4,
}


def generate(family: str, seed: int = 0):
    """``(L, y, metric)`` of one family: 6000 rows (train 4000 / valid 1000 / test 1000), crowd 2000 items."""
    if family not in GENERATORS:
        raise ValueError(f"unknown family {family!r}; choose from {FAMILIES}")
    return GENERATORS[family](2000 if family in CROWD else 6000, seed)
