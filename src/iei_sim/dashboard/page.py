"""The dashboard page: Mesa's SolaraViz around a DashboardModel, or the reasons it cannot start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import solara
from mesa.visualization import SolaraViz

from iei_sim.dashboard.components import MainView
from iei_sim.dashboard.levers import model_params
from iei_sim.dashboard.model import DashboardModel
from iei_sim.scenario import ScenarioError, load_scenario

PLAY_INTERVAL_MS = 300


@solara.component
def ScenarioProblems(path: str, problems: list[str]) -> None:  # noqa: N802 (a Solara component)
    """Shown instead of the dashboard when the scenario file itself does not load."""
    with solara.Column(style={"padding": "24px"}):
        solara.Text("Cannot start the dashboard", style={"font-size": "1.6em"})
        solara.Text(f"{path} is not a valid scenario:")
        solara.Error(
            label="Fix the file and restart the dashboard.",
            children=[solara.Text(problem) for problem in problems],
        )


@solara.component
def Dashboard(scenario_path: str, params: dict[str, Any], name: str) -> None:  # noqa: N802
    """Mesa's SolaraViz for the controls (sidebar), our own layout for the charts (main area).

    SolaraViz's own component grid (GridDraggable) does not load under the Vue 3 front end of
    the installed Solara, so SolaraViz gets no components and the charts are laid out here;
    both read the same reactive model, which SolaraViz's Reset replaces.
    """
    initial = solara.use_memo(lambda: DashboardModel(scenario_path=scenario_path), [scenario_path])
    model = solara.use_reactive(initial)
    SolaraViz(model, components=[], model_params=params, name=name, play_interval=PLAY_INTERVAL_MS)
    MainView(model.value)


def make_page(scenario_path: str | Path) -> Any:
    """The page for ``scenario_path`` (what ``app.py`` serves).

    Each browser session gets its own model; a scenario file that does not load gives a page
    listing its problems.
    """
    path = str(scenario_path)
    try:
        base = load_scenario(path)
    except ScenarioError as exc:
        return ScenarioProblems(path=path, problems=[str(p) for p in exc.problems])
    return Dashboard(path, model_params(base, path), f"iei-sim dashboard: {base.name}")
