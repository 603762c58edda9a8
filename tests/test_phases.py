"""Phases without a count (``drawing figures…``): marked by the library, shown by the CLI."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest

from iei_sim.phases import DRAWING_FIGURES, phase, report_phases_with


@pytest.fixture
def seen():
    """A reporter that records the phases it is shown, installed for one test."""
    messages: list[str] = []

    @contextmanager
    def record(message: str):
        messages.append(f"start {message}")
        yield
        messages.append(f"end {message}")

    report_phases_with(record)
    yield messages
    report_phases_with(None)


def test_without_a_reporter_a_phase_shows_nothing() -> None:
    with phase("anything"):
        pass  # nothing installed: no output, no error


def test_compare_marks_its_figures_as_one_phase(tiny_scenario: Path, write, tmp_path, seen):
    from iei_sim.experiments import compare

    other = write("other.yaml", f"extends: {tiny_scenario.name}\nname: other\n")
    compare([tiny_scenario, other], replicates=2, out=tmp_path / "store")
    assert seen == [f"start {DRAWING_FIGURES}", f"end {DRAWING_FIGURES}"]
    assert (tmp_path / "store" / "differences.png").is_file()


def test_no_figures_no_phase(tiny_scenario: Path, write, tmp_path, seen):
    from iei_sim.experiments import compare

    other = write("other.yaml", f"extends: {tiny_scenario.name}\nname: other\n")
    compare([tiny_scenario, other], replicates=2, out=tmp_path / "store", plots=False)
    assert seen == []


def test_the_command_line_shows_phases_as_a_spinner() -> None:
    from typer.testing import CliRunner

    from iei_sim.cli import app
    from iei_sim.phases import _reporter

    report_phases_with(None)
    CliRunner().invoke(app, ["outcomes"])
    assert _reporter.get() is not None and _reporter.get().__name__ == "_spinner"
    report_phases_with(None)


def test_a_run_folder_marks_its_figures_as_one_phase(tiny_scenario: Path, tmp_path, seen):
    from iei_sim import load_scenario, run_scenario

    result = run_scenario(load_scenario(tiny_scenario), seed=1)
    result.write(tmp_path / "run")
    assert seen == [f"start {DRAWING_FIGURES}", f"end {DRAWING_FIGURES}"]
    result.write(tmp_path / "bare", plots=False)
    assert len(seen) == 2  # no figures: no phase
