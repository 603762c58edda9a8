"""DashboardModel: the IEIModel that the page's Reset rebuilds from its controls.

Reset calls the model class with one keyword per control (as Mesa's SolaraViz does). This subclass turns those
keywords into scenario overrides, validates them like a scenario file, and never raises on a bad
combination: it records the problems, builds the scenario file's own model instead, and refuses
to step until the values are fixed. The page shows the problems, not a traceback.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from iei_sim.dashboard.levers import LEVERS, OVERRIDES, PAGE, SEED, overrides_for, value_at
from iei_sim.errors import ResourceLimitError
from iei_sim.model import IEIModel
from iei_sim.resources import check_run_fits
from iei_sim.scenario import Problem, Scenario, ScenarioError, load_scenario

PARAMETERS = ("scenario_path", *(lever.name for lever in LEVERS), SEED, OVERRIDES)
# The page is shared with whoever can reach it, and a classroom model should answer at once:
# values that need more memory than this are refused as a problem on the page.
DASHBOARD_MEMORY_LIMIT = 2 * 2**30


class DashboardModel(IEIModel):
    """An IEIModel built from a scenario file plus the dashboard's lever values.

    Attributes beyond IEIModel's: ``scenario_path``; ``problems`` (why the controls' values were
    refused; empty when they are in effect); ``base`` (the scenario file as loaded, to show what
    the controls changed). Stepping stops after the scenario's ``steps`` years.
    """

    def __init__(self, scenario_path: str | Path, **values: Any) -> None:
        unknown = sorted(set(values) - set(PARAMETERS))
        if unknown:
            raise TypeError(f"DashboardModel got unknown parameters: {', '.join(unknown)}")
        self.scenario_path = str(scenario_path)
        self.base = load_scenario(scenario_path)
        overrides, problems = overrides_for(values)
        scenario = self.base
        try:
            checked = load_scenario(scenario_path, overrides=overrides)
            check_run_fits(checked, "these values", limit=DASHBOARD_MEMORY_LIMIT)
        except ScenarioError as exc:
            problems = problems + list(exc.problems)
        except ResourceLimitError as exc:
            problems = [*problems, Problem(PAGE, "size", str(exc))]
        else:
            scenario = scenario if problems else checked
        self.problems: list[Problem] = problems
        super().__init__(scenario)
        self.running = not problems
        # Mesa's Model.__init__ replaced ``step`` by its time-advancing wrapper; guard that, so
        # the model's clock stops with the simulation (and never runs past its student arrays).
        self._mesa_step = self.step
        self.step = self._step_while_running

    def _step_while_running(self) -> None:
        if not self.running:
            return
        self._mesa_step()
        if self.reported_years >= self.config.steps:
            self.running = False

    def changed_fields(self) -> dict[str, tuple[Any, Any]]:
        """Lever fields whose value in effect differs from the scenario file: path → (file, now)."""
        paths = [lever.path for lever in LEVERS] + ["seed"]
        changed = {}
        for path in paths:
            before, now = value_at(self.base, path), value_at(self.config, path)
            if before != now:
                changed[path] = (before, now)
        return changed


def _signature() -> inspect.Signature:
    """The explicit keyword signature Mesa inspects to check and pass the page's parameters."""
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    params.append(inspect.Parameter("scenario_path", inspect.Parameter.KEYWORD_ONLY))
    params += [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None)
        for name in PARAMETERS[1:]
    ]
    return inspect.Signature(params)


# Mesa reads the constructor's signature: with ``**values`` visible it would also pass its own
# ``scenario`` object. Publishing the real parameter list keeps its name checks meaningful.
DashboardModel.__init__.__signature__ = _signature()  # type: ignore[attr-defined]


def build_model(scenario_path: str | Path, **values: Any) -> DashboardModel:
    """A DashboardModel from a file and control values (the factory the page and tests share)."""
    return DashboardModel(scenario_path=scenario_path, **values)


def lever_defaults(scenario: Scenario) -> dict[str, Any]:
    """The controls' starting values for ``scenario`` (what Reset uses before anything moves)."""
    values: dict[str, Any] = {lever.name: value_at(scenario, lever.path) for lever in LEVERS}
    values[SEED] = str(scenario.seed)
    values[OVERRIDES] = ""
    return values
