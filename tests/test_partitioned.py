"""PartitionedLabelMatrix: models fitted from per-partition statistics match in-memory fits."""

from __future__ import annotations

import warnings

import dask
import numpy as np
import pandas as pd
import pytest

from weaklab.datasets import make_synthetic_label_matrix
from weaklab.models import DawidSkene, MajorityVote
from weaklab.matrix import PartitionedLabelMatrix

from test_models_conformance import MODELS


@pytest.fixture(scope="module")
def votes():
    return make_synthetic_label_matrix(600, 6, 3, coverage=(0.2, 0.6), seed=5)


@pytest.mark.parametrize("model_cls", MODELS, ids=lambda c: c.__name__)
def test_partitioned_fit_equals_in_memory_fit(model_cls, votes):
    parts = PartitionedLabelMatrix.from_label_matrix(votes.L, n_blocks=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        memory = model_cls().fit(votes.L)
        partitioned = model_cls().fit(parts)
    np.testing.assert_allclose(partitioned.predict_proba(votes.L), memory.predict_proba(votes.L), atol=1e-8)
    np.testing.assert_allclose(partitioned.accuracies_, memory.accuracies_, atol=1e-8)


def test_predict_proba_runs_per_partition(votes):
    parts = PartitionedLabelMatrix.from_label_matrix(votes.L, n_blocks=3)
    model = MajorityVote().fit(votes.L)
    proba = model.predict_proba(parts)
    assert proba.numblocks == (3, 1)
    np.testing.assert_array_equal(proba.compute(), model.predict_proba(votes.L))


def test_compute_collects_the_original_matrix(votes):
    parts = PartitionedLabelMatrix.from_label_matrix(votes.L, n_blocks=5)
    assert parts.compute() == votes.L
    assert parts.n_rows == votes.L.n_rows and parts.shape == votes.L.shape


def test_block_with_other_lfs_is_rejected(votes):
    other = make_synthetic_label_matrix(50, 4, 3, seed=1).L
    parts = PartitionedLabelMatrix([dask.delayed(votes.L), dask.delayed(other)], votes.L.lf_names, 3)
    with pytest.raises(ValueError, match="partition 1"):
        parts.compute()


def test_constructor_rejects_non_delayed_blocks(votes):
    with pytest.raises(TypeError, match="block 0"):
        PartitionedLabelMatrix([votes.L], votes.L.lf_names, 3)


@pytest.mark.slow
def test_fit_under_a_distributed_client(votes):
    distributed = pytest.importorskip("distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=":0"):
        parts = PartitionedLabelMatrix.from_label_matrix(votes.L, n_blocks=3)
        model = DawidSkene().fit(parts)
        proba = model.predict_proba(parts).compute()
    np.testing.assert_allclose(proba, DawidSkene().fit(votes.L).predict_proba(votes.L), atol=1e-8)


def test_label_model_fits_on_apply_lfs_output_without_collecting():
    dd = pytest.importorskip("dask.dataframe")
    from weaklab import apply_lfs, keyword_lf, make_demo_corpus
    from weaklab.models import LabelModel

    frame = make_demo_corpus(600, seed=3)
    lfs = [
        keyword_lf("subscribe", ["subscribe", "channel"], 1),
        keyword_lf("link", ["http", "www", "click"], 1),
        keyword_lf("love", ["love", "song", "amazing"], 0),
        keyword_lf("voice", ["voice", "beautiful", "memories"], 0),
    ]
    ddf = dd.from_pandas(frame, npartitions=3)
    parts = apply_lfs(ddf, lfs, cardinality=2, progress=False, collect=False)
    assert isinstance(parts, PartitionedLabelMatrix) and parts.n_blocks == 3
    L = apply_lfs(frame, lfs, cardinality=2, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_parts = LabelModel().fit(parts)
        in_memory = LabelModel().fit(L)
    np.testing.assert_allclose(from_parts.predict_proba(parts).compute(), in_memory.predict_proba(L), atol=1e-8)


def test_a_lazy_fault_tolerant_run_reports_its_failures_not_none():
    dd = pytest.importorskip("dask.dataframe")
    from weaklab import LabelingFunction, apply_lfs

    frame = pd.DataFrame({"n": range(40)})
    picky = LabelingFunction("picky", lambda row: 1 // (row.n % 13) if row.n else 0)  # raises at 13, 26, 39
    parts = apply_lfs(dd.from_pandas(frame, npartitions=4), [picky], cardinality=2, progress=False,
                      fault_tolerant=True, collect=False)
    failures = parts.errors["picky"]  # nothing has run when apply_lfs returns: this runs the blocks
    assert (failures.n_failed, failures.first_row, failures.first_index) == (3, 13, 13)
    assert failures.first_error.startswith("ZeroDivisionError")
    by_hand = [-1 if n % 13 == 0 and n else (1 // (n % 13) if n else 0) for n in range(40)]
    assert parts.compute().to_dense().ravel().tolist() == by_hand


def test_take_gathers_only_the_given_rows():
    syn = make_synthetic_label_matrix(50, 4, 3, seed=1)
    parts = PartitionedLabelMatrix.from_label_matrix(syn.L, n_blocks=4)
    rows = np.array([0, 7, 12, 13, 49])
    np.testing.assert_array_equal(parts.take(rows).to_dense(), syn.L.to_dense()[rows])
    assert parts.take(np.array([], dtype=np.int64)).shape == (0, 4)
    for bad in ([3, 3], [5, 2], [-1], [50]):
        with pytest.raises(ValueError, match="strictly increasing"):
            parts.take(bad)
    with pytest.raises(TypeError, match="integers"):
        parts.take([0.5])


def test_label_model_above_the_held_out_sample_size_fits_the_same_partitioned():
    # More rows than LabelModel's held-out-LF sample (5 000): the sampled rows, and so the
    # choice and the labels, must not depend on the partitioning.
    syn = make_synthetic_label_matrix(12_000, 8, 3, coverage=(0.1, 0.4), seed=6)
    parts = PartitionedLabelMatrix.from_label_matrix(syn.L, n_blocks=7)  # blocks of 1714-1715 rows, step 3
    from weaklab.models import LabelModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        memory, partitioned = LabelModel().fit(syn.L), LabelModel().fit(parts)
    assert np.isfinite(memory.holdout_z_)
    assert partitioned.holdout_z_ == pytest.approx(memory.holdout_z_, abs=1e-12)
    assert partitioned.holdout_agreement_ == pytest.approx(memory.holdout_agreement_, abs=1e-12)
    np.testing.assert_allclose(partitioned.predict_proba(syn.L), memory.predict_proba(syn.L), atol=1e-8)


def test_constructor_refuses_a_bare_string_of_lf_names(votes):
    # "ab" would name the LFs 'a' and 'b'
    block = dask.delayed(votes.L)
    with pytest.raises(TypeError, match="lf_names must be a sequence of LF names, not the string 'ab'"):
        PartitionedLabelMatrix([block], "ab", 3)
