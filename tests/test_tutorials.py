"""Every tutorial notebook runs top to bottom in a real Jupyter kernel, within its budget."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

REPO = Path(__file__).resolve().parents[1]
TUTORIALS = sorted((REPO / "tutorials").glob("*.ipynb"))
BUDGET_S = 180  # each notebook, on the 2-core CI machine


def _kernel_env(monkeypatch, data: Path | str) -> None:
    # The kernel is a child process: it inherits these, and imports this checkout's weaklab.
    monkeypatch.setenv("WEAKLAB_DATA", str(data))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))


def _run(notebook: nbformat.NotebookNode, cwd: Path, timeout: int) -> None:
    NotebookClient(notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()


@pytest.mark.slow
@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_runs_in_a_kernel_within_its_budget(path, shared_data, tmp_path, monkeypatch):
    _kernel_env(monkeypatch, shared_data)
    notebook = nbformat.read(path, as_version=4)
    started = time.monotonic()
    try:
        _run(notebook, tmp_path, timeout=BUDGET_S)  # a failing cell raises with its traceback
    except CellExecutionError as error:
        pytest.fail(f"{path.name}: a cell failed\n{error}", pytrace=False)
    elapsed = time.monotonic() - started
    assert elapsed <= BUDGET_S, f"{path.name} took {elapsed:.0f} s, over its {BUDGET_S} s budget"


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_is_committed_without_outputs(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for number, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name} cell {number} has outputs: clear them before committing"
            assert cell.get("execution_count") is None, f"{path.name} cell {number} has an execution count"


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_readme_links_the_tutorial(path):
    assert f"tutorials/{path.name}" in (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_stops_at_its_first_cell_with_a_message_when_data_is_absent(path, tmp_path, monkeypatch):
    _kernel_env(monkeypatch, tmp_path / "no-data-here")
    notebook = nbformat.read(path, as_version=4)
    first = next(i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code")
    if not any("locate(" in cell.source for cell in notebook.cells if cell.cell_type == "code"):
        pytest.skip(f"{path.name} reads no data folder (it generates its data)")
    assert "locate(" in notebook.cells[first].source, "a notebook that reads the data folder locates it in its first cell"
    notebook.cells = notebook.cells[: first + 1]
    with pytest.raises(CellExecutionError) as caught:
        _run(notebook, tmp_path, timeout=BUDGET_S)
    assert "DataNotFoundError" in str(caught.value)
    assert "no-data-here" in str(caught.value), "the message must say where the data was expected"
    # The kernel shows the message alone (no traceback frames).
    error_output = next(o for o in notebook.cells[first].outputs if o.output_type == "error")
    assert not any(re.search(r"File .*line \d+", line) for line in error_output.traceback)


def test_there_are_tutorials():
    assert len(TUTORIALS) >= 1, "tutorials/ holds no notebook"
