"""Every notebook in ``notebooks/`` runs top to bottom, so none can rot.

Each notebook is executed with nbclient on the ``python3`` kernel, which must be this virtual
environment's interpreter (the one JupyterLab from ``make notebook`` uses). It runs in a
temporary copy of the layout it expects (``notebooks/`` beside ``scenarios/``), so whatever a
notebook writes lands in the temporary folder, never in the repository. Notebooks are stored
without outputs (or small ones); this is checked too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "python3"
CELL_TIMEOUT_S = 300  # a notebook is meant to take a few minutes in all
MAX_OUTPUT_BYTES = 100_000  # "stored without outputs or with small ones"


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "no notebooks found in notebooks/"


def test_kernel_is_this_environment() -> None:
    """``python3`` resolves to the interpreter running the tests (the project's .venv)."""
    KernelSpecManager().get_kernel_spec(KERNEL)  # raises if ipykernel's spec is missing
    command = KernelManager(kernel_name=KERNEL).format_kernel_cmd()
    assert Path(command[0]).resolve() == Path(sys.executable).resolve(), command


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_stored_small(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    size = len(json.dumps(outputs))
    assert size < MAX_OUTPUT_BYTES, f"{path.name} stores {size:,} bytes of outputs; clear them"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path) -> None:
    work = tmp_path / "notebooks"
    work.mkdir()
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(work)}},  # the kernel's working folder
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    errors = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors
