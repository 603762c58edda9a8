"""Scenarios: the typed schema and the loader that turns YAML files into it."""

from iei_sim.scenario.loading import (
    Problem,
    ScenarioError,
    load_scenario,
    scenario_hash,
    scenario_to_yaml,
    validate_scenario,
)
from iei_sim.scenario.schema import Scenario

__all__ = [
    "Problem",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "scenario_hash",
    "scenario_to_yaml",
    "validate_scenario",
]
