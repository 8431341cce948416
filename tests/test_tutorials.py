"""Every tutorial notebook runs top to bottom on the real data."""

import json
import os
from pathlib import Path

import pytest

TUTORIALS = sorted((Path(__file__).resolve().parents[1] / "tutorials").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("notebook", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_runs(notebook, shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("WEAKLAB_SHARED_DATA", str(shared_data))
    monkeypatch.chdir(tmp_path)  # whatever the notebook writes lands here
    monkeypatch.setenv("MPLBACKEND", "Agg")
    cells = json.loads(notebook.read_text())["cells"]
    namespace: dict = {"__name__": "__main__"}
    for number, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        exec(compile(source, f"{notebook.name} cell {number}", "exec"), namespace)


def test_there_is_a_tutorial():
    assert TUTORIALS, "tutorials/ holds no notebook"
