"""Small scenarios for fast tests, built from the shipped baseline with overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iei_sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]

# The tables every run folder holds (plots/ and partnerships.csv come on top).
RUN_FILES = (
    "timeseries.csv",
    "outcomes.csv",
    "summary.json",
    "scenario.resolved.yaml",
    "ledger.csv",
    "firms.csv",
    "schools.csv",
)
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


# The shipped small scenario's structure, applied to any regime file, over the baseline's 20 years.
SMALL_20_YEARS: dict[str, Any] = {
    "steps": 20,
    "regions.east.schools": 10,
    "regions.east.firms": 110,
    "regions.east.students_per_school": 250,
    "regions.east.government_budget": 400,
    "regions.west.schools": 10,
    "regions.west.firms": 90,
    "regions.west.students_per_school": 250,
    "regions.west.government_budget": 200,
    "firms.hires_per_year_sme": 3.0,
    "firms.hires_per_year_large": 25.0,
}


def small_regime(name: str, overrides: dict[str, Any] | None = None) -> Scenario:
    """A shipped regime file (``scenarios/<name>.yaml``) at the small scenario's size, 20 years."""
    return load_scenario(
        SCENARIOS / f"{name}.yaml", overrides={**SMALL_20_YEARS, **(overrides or {})}
    )


def tiny_experiment(name: str, body: str) -> str:
    """Experiment-file text on the small scenario shrunk to runs of a few hundredths of a second
    (3 schools and 20 firms per region, 2 years), followed by ``body`` (levers, method, ...)."""
    return (
        f"name: {name}\n"
        f"base: {SCENARIOS / 'small.yaml'}\n"
        "overrides:\n"
        "  steps: 2\n"
        "  regions.east.schools: 3\n"
        "  regions.east.firms: 20\n"
        "  regions.east.students_per_school: 50\n"
        "  regions.west.schools: 3\n"
        "  regions.west.firms: 20\n"
        "  regions.west.students_per_school: 50\n"
    ) + body
