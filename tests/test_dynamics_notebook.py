"""The dynamics notebook executes top to bottom (slow: starts a Jupyter kernel)."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "performative_dynamics.ipynb"


@pytest.mark.slow
def test_performative_dynamics_notebook_runs():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=60,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 4  # knapsack, bistable, decreasing and empirical figures
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "simulated lower" in text and "enters a cycle of period 2" in text
