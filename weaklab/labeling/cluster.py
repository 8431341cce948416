"""The Dask client a job runs on: a given scheduler, or a local cluster of process workers."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

__all__ = ["dask_client", "ship_once"]


@contextlib.contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator[object]:
    """A client on ``scheduler`` (an address), or on a fresh local cluster of process workers.

    The local cluster's scheduler serves its HTTP endpoints (and the dashboard, where bokeh
    is installed) on a free port: ``dashboard_address=None`` does not stop that server, it
    only sends it to port 8787 first, which warns whenever two clusters run at once. One
    thread per worker, so LFs that are not thread-safe stay correct.

    Examples
    --------
    >>> from weaklab.labeling.cluster import dask_client
    >>> with dask_client(None, workers=1) as client:  # doctest: +SKIP
    ...     print(len(client.scheduler_info()["workers"]))
    1
    """
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster, Client(cluster) as client:
        yield client


def ship_once(obj: Any) -> Any:
    """``obj`` as one argument of many tasks, sent to each worker once.

    On a ``distributed`` client the object (the LFs with their resources: a gazetteer,
    a small model) is scattered to every worker up front, straight from the client,
    and tasks refer to it by key: it is neither inside every task nor inside the task
    graph the scheduler holds. Without a client (threads, processes or the synchronous
    scheduler) it becomes a single node of the graph.

    Examples
    --------
    >>> import dask
    >>> node = ship_once([1, 2, 3])
    >>> dask.delayed(sum)(node).compute(scheduler="sync")
    6
    """
    import dask

    try:
        from distributed import default_client

        client = default_client()
    except (ImportError, ValueError):
        return dask.delayed(obj, traverse=False)
    # Wrapped in a list: scatter would otherwise scatter each element of a sequence.
    (future,) = client.scatter([obj], broadcast=True, hash=False)
    return future
