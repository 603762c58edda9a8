"""Small scenarios for fast tests, built from the shipped files at the sizes of tests/sizes.py,
and models stepped through them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from tests.sizes import BEHAVIOUR, PLUMBING, SMALL_20_YEARS

from iei_sim.model import IEIModel
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


def tiny(overrides: dict[str, Any] | None = None, steps: int = BEHAVIOUR["steps"]) -> Scenario:
    """The baseline at the :data:`~tests.sizes.BEHAVIOUR` size: 12 schools, 160 firms, ~2,400
    students, ``steps`` years; ``overrides`` on top."""
    return load_scenario(
        SCENARIOS / "baseline.yaml", overrides={**BEHAVIOUR, "steps": steps, **(overrides or {})}
    )


# Partnerships climb a rung per 0.3 of trust, so a few years show every rung in use.
FAST_DEPTH = {"partnerships.deepen_threshold": 0.3}


def stepped(overrides: dict[str, Any] | None = None, steps: int = 6, seed: int = 1) -> IEIModel:
    """A :func:`tiny` model with :data:`FAST_DEPTH` and ``overrides``, stepped ``steps`` years."""
    model = IEIModel(tiny({**FAST_DEPTH, **(overrides or {})}, steps=steps), seed=seed)
    for _ in range(steps):
        model.step()
    return model


def small_regime(name: str, overrides: dict[str, Any] | None = None) -> Scenario:
    """A shipped regime file (``scenarios/<name>.yaml``) at the small scenario's size, 20 years
    (:data:`~tests.sizes.SMALL_20_YEARS`)."""
    return load_scenario(
        SCENARIOS / f"{name}.yaml", overrides={**SMALL_20_YEARS, **(overrides or {})}
    )


def tiny_experiment(name: str, body: str) -> str:
    """Experiment-file text on the small scenario at the :data:`~tests.sizes.PLUMBING` size
    (runs of a few hundredths of a second: 3 schools and 20 firms per region, 2 years),
    followed by ``body`` (levers, method, ...)."""
    overrides = "".join(f"  {key}: {value}\n" for key, value in PLUMBING.items())
    return f"name: {name}\nbase: {SCENARIOS / 'small.yaml'}\noverrides:\n{overrides}" + body


def nested(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted overrides (``regions.east.schools: 3``) as the nested mapping a scenario file
    holds (``regions: {east: {schools: 3}}``)."""
    tree: dict[str, Any] = {}
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split(".")
        node = tree
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return tree


def scenario_text(base: Path, name: str, size: Mapping[str, Any]) -> str:
    """The text of a scenario file that extends ``base`` at ``size`` (a size of tests/sizes.py)."""
    return yaml.safe_dump({"extends": str(base), "name": name, **nested(size)}, sort_keys=False)
