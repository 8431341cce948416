"""apply_lfs with hostile LFs and data: misaligned Series, unpicklable errors and resources,
SystemExit / KeyboardInterrupt inside an LF, repeated column names — on pandas and on a
real ``distributed.LocalCluster`` alike."""

import sys
import threading

import numpy as np
import pandas as pd
import pytest

import dask.dataframe as dd
from weaklab import LFApplicationError, apply_lfs, labeling_function


@pytest.fixture()
def frame():
    # index labels are not positions, so a positional mix-up cannot pass by luck
    return pd.DataFrame({"x": np.arange(-20, 20)}, index=pd.Index(np.arange(40) * 3 + 100, name="id"))


def _expected(frame):
    return np.where(frame["x"].to_numpy() > 0, 1, 0)


@labeling_function(batch=True)
def sorted_series(frame):
    votes = pd.Series(np.where(frame["x"] > 0, 1, 0), index=frame.index)
    return votes.sort_values(kind="stable")


@labeling_function(batch=True)
def reversed_series(frame):
    return pd.Series(np.where(frame["x"] > 0, 1, 0), index=frame.index)[::-1]


@labeling_function(batch=True)
def foreign_index(frame):
    return pd.Series(np.where(frame["x"] > 0, 1, 0))  # 0..n-1, not the frame's labels


@pytest.mark.parametrize("lf", [sorted_series, reversed_series], ids=lambda lf: lf.name)
def test_a_reordered_series_is_aligned_on_the_index_on_pandas(frame, lf):
    got = apply_lfs(frame, [lf], cardinality=2, progress=False).to_dense()[:, 0]
    np.testing.assert_array_equal(got, _expected(frame))


@pytest.mark.parametrize("lf", [sorted_series, reversed_series], ids=lambda lf: lf.name)
def test_a_reordered_series_is_aligned_on_the_index_on_dask(frame, lf):
    got = apply_lfs(dd.from_pandas(frame, npartitions=3), [lf], cardinality=2, progress=False)
    np.testing.assert_array_equal(got.to_dense()[:, 0], _expected(frame))


def test_a_series_on_other_labels_is_refused_naming_the_lf(frame):
    with pytest.raises(LFApplicationError, match="batch LF 'foreign_index' returned a Series whose index"):
        apply_lfs(frame, [foreign_index], cardinality=2, progress=False)


def test_a_reordered_series_on_a_non_unique_index_is_refused(frame):
    frame = frame.set_axis(np.repeat(np.arange(20), 2))
    with pytest.raises(LFApplicationError, match="'reversed_series' returned a Series whose index"):
        apply_lfs(frame, [reversed_series], cardinality=2, progress=False)


class _Unpicklable(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.lock = threading.Lock()


@labeling_function()
def raises_unpicklable(row):
    raise _Unpicklable("cannot travel")


@labeling_function(resources={"lock": threading.Lock()})
def holds_a_lock(row, lock):
    return 0


@labeling_function()
def exits(row):
    if row.x == 3:
        sys.exit(3)
    return 0


@labeling_function()
def interrupted(row):
    if row.x == 3:
        raise KeyboardInterrupt
    return 0


@labeling_function(batch=True)
def batch_exits(frame):
    raise SystemExit(1)


def test_system_exit_in_an_lf_is_an_lf_failure_on_pandas(frame):
    with pytest.raises(LFApplicationError, match="LF 'exits' raised SystemExit.*row index 169"):
        apply_lfs(frame, [exits], cardinality=2, progress=False)
    L = apply_lfs(frame, [exits, batch_exits], cardinality=2, fault_tolerant=True, progress=False)
    assert L.errors["exits"].n_failed == 1 and L.errors["exits"].first_index == 169
    assert L.errors["batch_exits"].n_failed == 40
    assert (L.to_dense()[:, 0] == 0).sum() == 39


def test_keyboard_interrupt_in_process_still_interrupts(frame):
    with pytest.raises(KeyboardInterrupt):
        apply_lfs(frame, [interrupted], cardinality=2, fault_tolerant=True, progress=False)


def test_repeated_column_names_are_refused_naming_them():
    data = pd.DataFrame([[1, 2, 3]], columns=["a", "b", "a"])
    with pytest.raises(ValueError, match=r"duplicate column names \['a'\]"):
        apply_lfs(data, [exits], cardinality=2, progress=False)
    with pytest.raises(ValueError, match=r"duplicate column names \['a'\]"):
        apply_lfs(dd.from_pandas(data, npartitions=1), [exits], cardinality=2, progress=False)


def test_column_names_that_repeat_as_strings_are_refused():
    # a row names columns by str(name): row["1"] would read only one of them
    data = pd.DataFrame([[1, 0]], columns=[1, "1"])
    with pytest.raises(ValueError, match=r"duplicate column names \['1'\]"):
        apply_lfs(data, [exits], cardinality=2, progress=False)


@pytest.mark.slow
def test_an_unpicklable_exception_arrives_as_lf_application_error(frame, cluster_client):
    with pytest.raises(LFApplicationError, match="LF 'raises_unpicklable' raised _Unpicklable: cannot travel"):
        apply_lfs(dd.from_pandas(frame, npartitions=2), [raises_unpicklable], cardinality=2, progress=False)


@pytest.mark.slow
def test_an_unpicklable_resource_is_named_before_the_job_starts(frame, cluster_client):
    with pytest.raises(TypeError, match="LF 'holds_a_lock' cannot be sent to the Dask workers"):
        apply_lfs(dd.from_pandas(frame, npartitions=2), [holds_a_lock], cardinality=2, progress=False)


@pytest.mark.slow
def test_system_exit_on_a_worker_is_recorded_and_the_worker_lives(frame, cluster_client):
    ddf = dd.from_pandas(frame, npartitions=2)
    workers_before = set(cluster_client.scheduler_info()["workers"])
    L = apply_lfs(ddf, [exits, batch_exits], cardinality=2, fault_tolerant=True, progress=False)
    assert L.errors["exits"].n_failed == 1 and L.errors["exits"].first_index == 169
    assert L.errors["batch_exits"].n_failed == 40
    with pytest.raises(LFApplicationError, match="LF 'exits' raised SystemExit"):
        apply_lfs(ddf, [exits], cardinality=2, progress=False)
    assert set(cluster_client.scheduler_info()["workers"]) == workers_before  # nobody restarted


@pytest.mark.slow
def test_keyboard_interrupt_on_a_worker_fails_naming_the_lf_even_fault_tolerant(frame, cluster_client):
    with pytest.raises(LFApplicationError, match="LF 'interrupted' raised KeyboardInterrupt"):
        apply_lfs(dd.from_pandas(frame, npartitions=2), [interrupted], cardinality=2,
                  fault_tolerant=True, progress=False)


@pytest.mark.slow
def test_reordered_series_on_a_cluster_is_aligned(frame, cluster_client):
    got = apply_lfs(dd.from_pandas(frame, npartitions=3), [reversed_series, sorted_series], cardinality=2,
                    progress=False).to_dense()
    np.testing.assert_array_equal(got, np.column_stack([_expected(frame)] * 2))
