"""Shared fixtures: where the real benchmark data lives (../shared/data beside the repo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """``$WEAKLAB_SHARED_DATA`` or ``../shared/data`` beside the repository."""
    return Path(os.environ.get("WEAKLAB_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ../shared/data; skips the test where it is absent (a user's clone)."""
    path = shared_data_dir()
    if not (path / "README.md").is_file():
        pytest.skip(f"real benchmark data not found at {path} (set WEAKLAB_SHARED_DATA); CI always has it")
    return path


@pytest.fixture(scope="module")
def cluster_client():
    """A ``distributed`` client on a local cluster of two single-thread process workers."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster, distributed.Client(cluster) as client:
        yield client
