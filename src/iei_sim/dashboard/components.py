"""Page components: the run's status, its live charts and the partnership network.

Every chart is one of the package's own figures (``iei_sim.plots``) drawn from the live model's
tables, so the dashboard shows exactly what a run folder's plots show. Charts are redrawn once
per simulated year, not on every re-render of the page.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from mesa.visualization.utils import update_counter

from iei_sim.dashboard.model import DashboardModel
from iei_sim.outcomes import HEADLINES, OUTCOMES
from iei_sim.plots import RUN_FIGURES, partnership_network_figure
from iei_sim.run import RunResult, collect_result

CHART_TITLES = {
    "participation": "Participation and willingness",
    "depth": "Partnership depth",
    "project_mix": "Project mix and concentration",
    "student_outcomes": "Student outcomes",
    "fiscal_cost": "Fiscal cost",
}
DPI = 72

# The package's figures use pyplot, whose figure registry is shared by the server's threads.
_PYPLOT = threading.Lock()


def figure_png(draw: Callable[[], Figure], years: int | None = None, dpi: int = DPI) -> bytes:
    """Draw a figure, render it to PNG bytes and close it (pyplot would otherwise keep it).

    With ``years``, time axes span the whole run (years 1 … ``years``).
    No ``bbox_inches="tight"``: it draws every figure twice, and the page redraws six per year.
    """
    with _PYPLOT:
        fig = draw()
        try:
            for ax in fig.axes:
                if years and ax.get_xlabel() == "year":  # a fixed time axis: the run grows along it
                    ax.set_xlim(0.5, years + 0.5)
                    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
            return buffer.getvalue()
        finally:
            plt.close(fig)


def run_tables(model: DashboardModel) -> RunResult | None:
    """The run's tables so far (None before the first year: there is nothing to plot)."""
    if model.reported_years == 0 or not model.records:
        return None
    return collect_result(model, model.config, model.seed)


def chart_png(model: DashboardModel, name: str) -> bytes | None:
    """PNG of one run figure (``RUN_FIGURES[name]``) or of the network (``"network"``)."""
    tables = run_tables(model)
    if tables is None:
        return None
    if name == "network":
        return figure_png(
            lambda: partnership_network_figure(
                tables.partnerships, tables.schools, tables.firms, step=model.reported_years
            )
        )
    return figure_png(lambda: RUN_FIGURES[name](tables.timeseries), years=model.config.steps)


def _format(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _lines(title: str, lines: list[str]) -> None:
    # Plain text, not solara.Markdown: that widget loads a diagram library from Solara's CDN.
    solara.Text(title, style={"font-weight": "bold", "margin-top": "8px"})
    for line in lines:
        solara.Text(f"• {line}", style={"padding-left": "8px"})


@solara.component
def Status(model: DashboardModel) -> None:  # noqa: N802 (Solara components are CamelCase)
    """Scenario, year, what the controls changed, headline outcomes and any refused values."""
    update_counter.get()
    config = model.config
    with solara.Column(classes=["iei-status"], gap="2px", style={"padding": "8px"}):
        solara.Text(config.name, style={"font-size": "1.4em"})
        solara.Text(model.scenario_path, style={"font-family": "monospace", "font-size": "0.85em"})
        solara.Text(
            f"Year {model.reported_years} of {config.steps} · seed {config.seed}",
            classes=["iei-year"],
        )
        if model.problems:
            lines = [f"• {problem.field}: {problem.message}" for problem in model.problems]
            solara.Error(
                classes=["iei-problems"],
                children=[
                    solara.Column(
                        gap="4px",
                        children=[
                            solara.Text(
                                "These values were refused (the scenario file's values are shown "
                                "meanwhile). Fix them and press Reset.",
                                style={"font-weight": "bold"},
                            ),
                            *[solara.Text(line) for line in lines],
                        ],
                    )
                ],
            )
        changed = model.changed_fields()
        if changed:
            _lines(
                "Changed from the scenario file:",
                [f"{path} = {_format(now)}" for path, (_, now) in changed.items()],
            )
        elif not model.problems:
            solara.Text("All levers as in the scenario file.")
        if model.reported_years and model.outcomes:
            _lines(
                f"Year {model.reported_years}:",
                [
                    f"{OUTCOMES[key].label}: {OUTCOMES[key].format(model.outcomes[key])}"
                    for key in HEADLINES
                ],
            )
        elif not model.problems:
            solara.Text("Press Step (or ▶) to simulate the first year.")


@solara.component
def Chart(model: DashboardModel, name: str, title: str) -> None:  # noqa: N802
    """One chart, redrawn when the model steps or is rebuilt."""
    update_counter.get()
    png = solara.use_memo(lambda: chart_png(model, name), dependencies=[model, model.steps])
    with solara.Column(classes=["iei-chart", f"iei-chart-{name}"], style={"padding": "4px"}):
        solara.Text(title, style={"font-weight": "bold"})
        if png is None:
            solara.Info("No year simulated yet.", dense=True)
        else:
            solara.Image(png, width="100%")


@solara.component
def MainView(model: DashboardModel) -> None:  # noqa: N802
    """The main area: status and network, then the run figures two by two."""
    with solara.Column(classes=["iei-main"], style={"padding": "8px"}):
        with solara.Columns([1, 2]):
            with solara.Card(margin=0):
                Status(model)
            with solara.Card(margin=0):
                Chart(model, "network", "Partnership network (edges coloured by depth)")
        names = list(CHART_TITLES)
        for left in range(0, len(names), 2):
            pair = names[left : left + 2]
            with solara.Columns([1, 1]):
                for name in pair:
                    with solara.Card(margin=0):
                        Chart(model, name, CHART_TITLES[name])
                if len(pair) == 1:
                    solara.Column()  # keeps a last odd chart at half width
