"""Every notebook in ``notebooks/`` runs top to bottom (at its small size), so none rots."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_without_error(path: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("HMLSIM_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("HMLSIM_NOTEBOOK_WORK", str(tmp_path / "work"))
    scratch = tmp_path / "tmp"  # the kernel's system temporary folder
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    # torch's compile cache: made (and put into os.environ) when torch._dynamo is first
    # imported, by torch's optimisers too; not hmlsim's to clean. Fixed here so that the
    # check below does not depend on whether an earlier test imported it in this process.
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "torch-cache"))
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    assert sorted(p.name for p in scratch.iterdir()) == []  # nothing left in the temp folder
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert code_cells and all(c.get("execution_count") for c in code_cells)


def test_there_are_notebooks() -> None:
    names = {path.stem for path in NOTEBOOKS}
    assert {"performative_dynamics", "knapsack_study"} <= names
