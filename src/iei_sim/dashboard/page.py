"""The dashboard page, laid out for a classroom projector (1280x720), or the reasons it cannot start.

Mesa's :func:`SolaraViz` is not used: it always shows its developer controls (play and render
intervals, threads, a "Time" card), its component grid does not fit a projector, and its
controller leaves Play pressed (and Step disabled) when the model stops at the end of the run.
The page keeps SolaraViz's pattern (one reactive model, rebuilt by Reset from the controls'
values, re-rendered through Mesa's ``update_counter``) and shows only what a class needs: the
levers with their values and units, the run's status in plain words and the charts, with a
finished run kept in grey for before / after.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import solara
from mesa.visualization.utils import force_update, update_counter

from iei_sim.dashboard.components import LeverPanel, MainView, Status, kept_run
from iei_sim.dashboard.levers import model_params
from iei_sim.dashboard.model import DashboardModel, lever_defaults
from iei_sim.scenario import ScenarioError, load_scenario

PLAY_INTERVAL_MS = 300
CONTROLS_WIDTH_PX = 360

# Projector-sized text, a fixed-width control column and no page scrolling at 1280x720.
CSS = f"""
.iei-page {{ font-size: 16px; box-sizing: border-box; max-width: 100vw; padding-right: 12px; }}
.iei-controls {{ width: {CONTROLS_WIDTH_PX}px; min-width: {CONTROLS_WIDTH_PX}px;
                 max-height: calc(100vh - 16px); overflow-y: auto; padding-right: 4px; }}
.iei-title {{ font-size: 20px; font-weight: bold; line-height: 1.2; }}
.iei-group {{ justify-content: flex-start !important; font-size: 16px !important;
              text-transform: none !important; width: 100%; padding: 0 4px !important;
              height: 28px !important; }}
.iei-group-summary {{ font-size: 13px; color: #555; padding-left: 22px; line-height: 1.15; }}
.iei-run-buttons .v-btn {{ height: 32px !important; }}
.iei-lever {{ padding: 0 6px 0 22px; }}
.iei-lever-head {{ font-size: 15px; line-height: 1.15; margin-bottom: -6px; }}
.iei-readout {{ font-weight: bold; white-space: nowrap; }}
.iei-lever .v-input {{ margin-top: 2px !important; padding-top: 0 !important; }}
.iei-lever .v-input__slot {{ margin-bottom: 0 !important; min-height: 24px !important; }}
.iei-lever .v-slider {{ min-height: 24px; margin: 0 4px !important; }}
.iei-lever .v-select .v-input__slot {{ min-height: 26px !important; }}
.iei-lever .v-select {{ padding-top: 0 !important; margin-top: 0 !important; }}
.iei-lever .v-select .v-select__selections {{ padding: 0 !important; min-height: 26px; }}
.iei-lever .v-messages {{ display: none; }}
.iei-lever .v-label {{ font-size: 15px; }}
.iei-main {{ flex: 1; min-width: 0; }}
.iei-status {{ font-size: 15px; line-height: 1.3; padding: 4px 8px; background: #f5f5f5;
               border-radius: 4px; }}
.iei-year {{ font-size: 17px; font-weight: bold; }}
.iei-hint {{ color: #1565c0; }}
.iei-reference {{ color: #616161; }}
.iei-charts {{ flex-wrap: nowrap; align-items: flex-start; }}
.iei-chart-large {{ flex: 3; min-width: 0; }}
.iei-chart-small {{ flex: 2; min-width: 0; }}
.iei-chart-title {{ font-size: 17px; font-weight: bold; }}
.iei-caption {{ font-size: 14px; color: #444; line-height: 1.25; }}
.iei-page .v-tab {{ font-size: 15px; text-transform: none; }}
.iei-page .v-btn {{ font-size: 15px; }}
"""


@solara.component
def ScenarioProblems(path: str, problems: list[str]) -> None:  # noqa: N802 (a Solara component)
    """Shown instead of the dashboard when the scenario file itself does not load."""
    solara.Title("iei-sim dashboard: cannot start")
    with solara.Column(style={"padding": "24px"}):
        solara.Text("Cannot start the dashboard", style={"font-size": "1.6em"})
        solara.Text(f"{path} is not a valid scenario:")
        solara.Error(
            label="Fix the file and restart the dashboard.",
            children=[solara.Text(problem) for problem in problems],
        )


@solara.component
def RunControls(  # noqa: N802
    model: solara.Reactive[DashboardModel], values: solara.Reactive[dict[str, Any]]
) -> None:
    """Reset (rebuild from the controls' values), Play / Pause and Step; Play stops by itself
    when the run reaches its last year."""
    playing = solara.use_reactive(False)

    def play() -> None:
        while playing.value and model.value.running:
            time.sleep(PLAY_INTERVAL_MS / 1000)
            if playing.value:
                model.value.step()
                force_update()
        playing.set(False)

    solara.use_thread(play, dependencies=[playing.value])

    def step() -> None:
        model.value.step()
        force_update()

    def reset() -> None:
        playing.set(False)
        model.set(DashboardModel(**values.value))

    running = model.value.running
    with solara.Row(gap="4px", classes=["iei-run-buttons"]):
        solara.Button("Reset", color="primary", on_click=reset, classes=["iei-reset"])
        solara.Button(
            "❚❚ Pause" if playing.value else "▶ Play",
            color="primary",
            on_click=lambda: playing.set(not playing.value),
            disabled=not running,
            classes=["iei-play"],
        )
        solara.Button(
            "Step",
            color="primary",
            on_click=step,
            disabled=playing.value or not running,
            classes=["iei-step"],
        )


@solara.component
def ReferenceButtons(  # noqa: N802
    model: DashboardModel, reference: solara.Reactive[Any], year: int
) -> None:
    """Keep the run so far as the grey reference (it survives Reset), or drop it."""
    with solara.Row(gap="4px", classes=["iei-run-buttons"]):
        solara.Button(
            "Keep as reference",
            on_click=lambda: reference.set(kept_run(model)),
            disabled=year == 0,
            outlined=True,
            classes=["iei-keep"],
        )
        solara.Button(
            "Clear",
            on_click=lambda: reference.set(None),
            disabled=reference.value is None,
            text=True,
            classes=["iei-clear"],
        )


@solara.component
def Dashboard(scenario_path: str, params: dict[str, Any], name: str) -> None:  # noqa: N802
    """The controls on the left, the status and the charts on the right."""
    initial = solara.use_memo(lambda: DashboardModel(scenario_path=scenario_path), [scenario_path])
    model = solara.use_reactive(initial)
    values = solara.use_reactive({"scenario_path": scenario_path, **lever_defaults(initial.base)})
    reference = solara.use_reactive(None)
    update_counter.get()  # re-render when the model steps
    year = model.value.reported_years
    solara.Title(f"iei-sim: {name}")
    solara.Style(CSS)
    with solara.Row(classes=["iei-page"], gap="12px", style={"align-items": "flex-start"}):
        with solara.Column(classes=["iei-controls"], gap="4px"):
            solara.Text(f"iei-sim: {name}", classes=["iei-title"])
            RunControls(model, values)
            ReferenceButtons(model.value, reference, year)
            LeverPanel(params, values)
        with solara.Column(classes=["iei-main"], gap="4px"):
            Status(model.value, year, reference.value)
            MainView(model.value, year, reference.value)


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
    return Dashboard(path, model_params(base, path), base.name)
