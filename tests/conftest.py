"""Shared fixtures: small scenario files written into a temporary folder, and a stepped model."""

from __future__ import annotations

import os
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.helpers import scenario_text, tiny
from tests.sizes import PLUMBING

from iei_sim.identity import CACHE_ENV
from iei_sim.model import IEIModel

# The model fingerprint's cache (iei_sim.identity): one per test session, shared with the
# processes tests start, never the user's own ~/.cache.
os.environ.setdefault(CACHE_ENV, tempfile.mkdtemp(prefix="iei-sim-test-cache-"))

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"

WriteFile = Callable[[str, str], Path]


@pytest.fixture
def write(tmp_path: Path) -> WriteFile:
    """``write("name.yaml", text)``: dedent ``text`` into ``tmp_path/name.yaml``, return the path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def tiny_scenario(write: WriteFile) -> Path:
    """The shipped baseline at the :data:`~tests.sizes.PLUMBING` size, a run of well under a
    second: 3 schools, 20 firms and 50 students a school per region, 2 years."""
    return write("tiny.yaml", scenario_text(BASELINE, "tiny", PLUMBING))


@pytest.fixture(scope="session")
def stepped_model() -> IEIModel:
    """A :func:`~tests.helpers.tiny` model (seed 11) stepped through 6 years, shared by the tests
    of the model (tests/test_model.py) and of its students (tests/agents/test_students.py,
    tests/mechanisms/test_students.py): only to be read, never changed."""
    scenario = tiny(steps=6)
    model = IEIModel(scenario, seed=11)
    for _ in range(scenario.steps):
        model.step()
    return model
