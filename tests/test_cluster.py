"""The Dask client helper and how LFs travel to the workers."""

import os

import numpy as np
import pandas as pd
import pytest

import dask.dataframe as dd
from weaklab import LabelingFunction, apply_lfs
from weaklab.labeling.cluster import dask_client

def _unpickled(payload, log):
    with open(log, "a") as f:
        f.write(f"{os.getpid()}\n")
    return BigResource(payload, log)


class BigResource:
    """A resource that records, in a file, every process that unpickles it."""

    def __init__(self, payload: bytes, log: str) -> None:
        self.payload, self.log = payload, log

    def __reduce__(self):
        return (_unpickled, (self.payload, self.log))


def _sevens(df, table):
    return np.where(df.x.to_numpy() % 7 == 0, 0, -1)


@pytest.mark.slow
def test_large_resource_reaches_each_worker_once(tmp_path):
    log = str(tmp_path / "unpickled.txt")
    open(log, "w").close()
    lf = LabelingFunction("big", _sevens, resources={"table": BigResource(os.urandom(5_000_000), log)},
                          batch=True)
    data = dd.from_pandas(pd.DataFrame({"x": np.arange(20_000)}), npartitions=12)
    with dask_client(None, workers=2) as client:
        L = apply_lfs(data, [lf], cardinality=2, progress=False)
        n_workers = len(client.run(os.getpid))
    loaded = open(log).read().split()
    # Once per worker, not once per task (12 tasks); a worker that receives it from both
    # the broadcast and a peer under heavy load may unpickle it a second time.
    assert len(set(loaded)) <= n_workers and len(loaded) <= 2 * n_workers < 12
    assert str(os.getpid()) not in loaded, "the client never unpickles them"
    assert L.nnz == len(range(0, 20_000, 7))
