"""Held-out-LF outcomes (weaklab/models/holdout.py), computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from weaklab import LabelMatrix
from weaklab.models import MajorityVote
from weaklab.models.holdout import holdout_outcomes

# LFs a, b vote class 0, c, d class 1
L = LabelMatrix.from_dense(np.array([[0, 0, 1, -1], [0, -1, 1, 1], [-1, 0, -1, 1], [0, 0, -1, -1]]),
                           ["a", "b", "c", "d"])


def test_each_lf_held_out_in_turn_by_hand():
    # Majority vote of the kept LFs on the rows where the held-out LF votes (1 hit, 0 miss,
    # 0.5 tie), in the order the seed-0 permutation deals them: c, a, b, d.
    by_lf = {
        "a": [0.5, 0.0, 1.0],  # rows 0 (b0 c1: tie), 1 (c1 d1), 3 (b0)
        "b": [0.5, 0.0, 1.0],  # rows 0 (a0 c1), 2 (d1), 3 (a0)
        "c": [0.0, 0.5],  # rows 0 (a0 b0), 1 (a0 d1)
        "d": [0.5, 0.0],  # rows 1 (a0 c1), 2 (b0)
    }
    expected = by_lf["c"] + by_lf["a"] + by_lf["b"] + by_lf["d"]
    assert holdout_outcomes(MajorityVote, L, groups=4).tolist() == expected


def test_a_vote_counts_only_when_enough_kept_lfs_vote_its_class():
    # Held out, each LF leaves one other LF of its class: with min_voters=2 nothing counts.
    assert holdout_outcomes(MajorityVote, L, groups=4, min_voters=2).size == 0
    five = LabelMatrix.from_dense(np.column_stack([L.to_dense(), [0, 0, 0, -1]]), ["a", "b", "c", "d", "e"])
    # now class 0 keeps two voters whenever a, b or e is held out: only c's and d's votes drop
    kept = holdout_outcomes(MajorityVote, five, groups=5, min_voters=2)
    assert kept.size == 3 + 3 + 3  # a: rows 0, 1, 3; b: rows 0, 2, 3; e: rows 0, 1, 2


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="groups"):
        holdout_outcomes(MajorityVote, L, groups=0)
    with pytest.raises(ValueError, match="min_voters"):
        holdout_outcomes(MajorityVote, L, min_voters=0)
    with pytest.raises(TypeError, match="LabelMatrix"):
        holdout_outcomes(MajorityVote, L.to_dense())
    assert holdout_outcomes(MajorityVote, L.select(["a"])).size == 0  # one LF: nothing to hold out
