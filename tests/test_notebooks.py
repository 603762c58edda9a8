"""Every notebook in ``notebooks/`` runs top to bottom, so none can rot, and what its text says
of the results is either written from the numbers or checked here.

Each notebook is executed once per session with nbclient on the ``python3`` kernel, which must
be this virtual environment's interpreter (the one JupyterLab from ``make notebook`` uses). It
runs in a temporary copy of the layout it expects (``notebooks/`` beside ``scenarios/``), with
the kernel's temporary folder (``TMPDIR``, where a notebook's ``OUT`` points) in the test's own
folder, so whatever a notebook writes lands there, never in the repository. Notebooks are
stored without outputs (or small ones); this is checked too, without running them.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "python3"
CELL_TIMEOUT_S = 300  # a notebook is meant to take a few minutes in all
MAX_OUTPUT_BYTES = 100_000  # "stored without outputs or with small ones"
REGIMES_NOTEBOOK = "02_comparing_incentive_regimes.ipynb"
LEVERS_NOTEBOOK = "03_which_levers_matter.ipynb"


@dataclass
class Executed:
    notebook: nbformat.NotebookNode
    work: Path  # the notebook's own folder (notebooks/ in the temporary layout)
    temporary: Path  # the kernel's temporary folder, where OUT points

    def tagged(self, tag: str) -> nbformat.NotebookNode:
        cells = [c for c in self.notebook.cells if tag in c.metadata.get("tags", [])]
        assert len(cells) == 1, f"one cell tagged {tag!r} expected, found {len(cells)}"
        return cells[0]


def outputs_of(cell: nbformat.NotebookNode, mime: str) -> list[str]:
    """The cell's outputs of one MIME type (``stream`` text counts as ``text/plain``)."""
    found = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and mime == "text/plain":
            found.append(output["text"])
        elif mime in output.get("data", {}):
            found.append(output["data"][mime])
    return found


@pytest.fixture(scope="session")
def execute(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Executed]]:
    """Run a notebook (once per session) and hand back its executed cells and folders."""
    done: dict[str, Executed] = {}

    def run(name: str) -> Executed:
        if name not in done:
            root = tmp_path_factory.mktemp(Path(name).stem)
            work, temporary = root / "notebooks", root / "tmp"
            work.mkdir()
            temporary.mkdir()
            (root / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
            notebook = nbformat.read(ROOT / "notebooks" / name, as_version=4)
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("TMPDIR", str(temporary))  # the kernel inherits it
                client = NotebookClient(
                    notebook,
                    timeout=CELL_TIMEOUT_S,
                    kernel_name=KERNEL,
                    resources={"metadata": {"path": str(work)}},  # the kernel's working folder
                )
                client.execute()  # raises CellExecutionError naming the failing cell
            done[name] = Executed(notebook, work, temporary)
        return done[name]

    yield run


# -- fast: without running a notebook --------------------------------------------------------------


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
def test_a_notebook_that_writes_says_where_in_its_first_code_cell(path: Path) -> None:
    """Results go to ``OUT``, set at the top (a temporary folder by default), never to a
    ``results/`` folder beside the notebook, which a read-only install cannot hold."""
    code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    assert not any('Path("results")' in source for source in code)
    if any(re.search(r"\bout=", source) for source in code):
        assert re.search(r"^OUT = ", code[0], flags=re.MULTILINE), code[0]
        assert all(re.findall(r"\bout=(\w+)", s) in ([], ["OUT"]) for s in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_no_notebook_switches_the_matplotlib_backend(path: Path) -> None:
    code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    assert not any("matplotlib.use(" in source for source in code)


def test_the_library_never_switches_the_matplotlib_backend() -> None:
    """Importing iei-sim must leave a notebook's ``%matplotlib inline`` alone."""
    sources = sorted((ROOT / "src").rglob("*.py"))
    assert sources
    assert not [p for p in sources if re.search(r"matplotlib\.use\(|\bmpl\.use\(", p.read_text())]


def test_notebook_01s_sentences_hold_for_the_run_it_makes() -> None:
    """The claims of notebook 01's text (cells tagged ``claims-checked-by-tests``), on the same
    scenario and seed: schools stay keener than firms every year, firms stay lukewarm (below one
    in three every year, the last year no more than 0.05 above the first),
    participation stays low, most offers are refused, fewer than half of the graduates had an
    internship, and almost no firm
    gains from a partnership at any rung, deeper rungs no more than the shallow one."""
    from iei_sim import IEIModel, load_scenario, run_scenario
    from iei_sim.mechanisms.partnerships import expected_private_benefit
    from iei_sim.vocabulary import Depth

    scenario = load_scenario(ROOT / "scenarios" / "small.yaml")
    result = run_scenario(scenario)
    years, summary = result.timeseries, result.summary
    assert (years["school_willingness"] > years["firm_willingness"]).all()
    assert (years["firm_willingness"] < 1 / 3).all()
    assert years["firm_willingness"].iloc[-1] < years["firm_willingness"].iloc[0] + 0.05
    assert summary["firm_participation_rate"] < 0.5
    assert summary["school_offer_refusal_rate"] > 0.5
    assert summary["student_coverage"] < 0.5

    model = IEIModel(scenario)
    for _ in range(scenario.steps):
        model.step()
    gaining = {
        depth: np.mean(
            [expected_private_benefit(model, f, int(depth)) > 0 for f in model.firm_list]
        )
        for depth in Depth
    }
    assert max(gaining.values()) < 0.2, gaining  # "almost every firm" loses
    shallow = gaining[min(Depth)]
    assert all(share <= shallow for share in gaining.values()), gaining  # deeper does not help


# -- executing the notebooks ------------------------------------------------------------------------


# Executing the levers notebook runs a sensitivity analysis (two minutes): `make test-slow` does
# it; the default run executes the other notebooks, checks every notebook's stored form above, and
# tests/test_sensitivity*.py smoke the analysis the notebook calls.
EXECUTED = [
    pytest.param(p, id=p.name, marks=[pytest.mark.slow] if p.name == LEVERS_NOTEBOOK else [])
    for p in NOTEBOOKS
]


@pytest.mark.parametrize("path", EXECUTED)
def test_notebook_runs_and_writes_nothing_beside_itself(path: Path, execute) -> None:
    executed = execute(path.name)
    errors = [
        output
        for cell in executed.notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors
    assert list(executed.work.iterdir()) == []
    printed = [text for cell in executed.notebook.cells for text in outputs_of(cell, "text/plain")]
    assert not any("RunReport(" in text for text in printed)  # sentences, not reprs


def test_notebook_02_draws_what_each_regime_buys(execute) -> None:
    """The cost-effectiveness chart is shown inline (no library import switches the backend)."""
    cell = execute(REGIMES_NOTEBOOK).tagged("what-each-regime-buys")
    assert "What each regime buys" in cell.source
    assert outputs_of(cell, "image/png"), cell.get("outputs")


def test_notebook_02s_reading_names_what_its_own_runs_show(execute) -> None:
    """The "Reading the results" sentences name the regimes the stored runs single out,
    recomputed here from the results store the notebook wrote under its OUT."""
    from iei_sim.experiments import ResultsStore

    executed = execute(REGIMES_NOTEBOOK)
    stores = [p.parent for p in executed.temporary.rglob("manifest.json")]
    assert len(stores) == 1, stores
    means = ResultsStore(stores[0]).runs().groupby("scenario").mean(numeric_only=True)
    gains = means["firm_participation_rate"] - means.at["baseline", "firm_participation_rate"]
    gains = gains.drop("baseline")
    costs = means["fiscal_cost"].drop("baseline")
    text = "\n".join(outputs_of(executed.tagged("reading-the-results"), "text/markdown"))
    assert f"**{gains.idxmax()}** raises firm participation most" in text, text
    assert f"({gains.max():+.3f} against the baseline" in text, text
    assert f"**{costs.idxmax()}** costs the government most" in text, text


@pytest.mark.slow  # executes the levers notebook (see EXECUTED)
def test_notebook_03_says_how_many_levers_sit_below_the_dummy(execute) -> None:
    """At N = 16 most levers may fall below the dummy; the notebook says so in a sentence built
    from the indices, not in fixed text."""
    executed = execute(LEVERS_NOTEBOOK)
    text = "".join(outputs_of(executed.tagged("noise-floor"), "text/plain"))
    match = re.match(r"At N = 16 with 2 replicates, (\d+) of (\d+) lever indices", text)
    assert match, text
    below, total = map(int, match.groups())
    assert 0 <= below <= total == 4 * 3  # 4 levers × 3 outcomes
