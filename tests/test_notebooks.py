"""Every notebook runs top to bottom (a broken notebook fails CI) and stays thin."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from cxstats.report import execute_notebook

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9]*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no NN-topic.ipynb notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_without_errors(path):
    executed = execute_notebook(path)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_thin_and_quarto_ready(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "raw" and "title:" in nb.cells[0].source  # Quarto front matter
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert not any(line.lstrip().startswith(("def ", "class ")) for src in code for line in src.splitlines())
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit notebooks without outputs"
