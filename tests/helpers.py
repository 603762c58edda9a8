"""Small scenarios for fast tests, built from the shipped baseline with overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iei_sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def tiny(overrides: dict[str, Any] | None = None, steps: int = 8) -> Scenario:
    """Baseline structure at a small size: 12 schools, 160 firms, ~2,400 students."""
    base = {
        "steps": steps,
        "regions.east.schools": 6,
        "regions.east.firms": 90,
        "regions.east.students_per_school": 200,
        "regions.west.schools": 6,
        "regions.west.firms": 70,
        "regions.west.students_per_school": 200,
    }
    base.update(overrides or {})
    return load_scenario(SCENARIOS / "baseline.yaml", overrides=base)
