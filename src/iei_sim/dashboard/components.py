"""Page components: the run's status in plain words, its charts and the partnership network.

The charts are :mod:`iei_sim.dashboard.charts` (projector-sized, with the kept reference run
in grey); the network is the package's own figure (:func:`iei_sim.plots.partnership_network_figure`).
A chart is drawn only while it is on screen (its tab is open), and only once per simulated
year or change of reference, not on every re-render of the page.
"""

from __future__ import annotations

import io
import threading
from typing import Any

import solara

from iei_sim.dashboard.charts import CHARTS, RunSeries, chart_png, run_series
from iei_sim.dashboard.levers import LEVERS, shown_value
from iei_sim.dashboard.model import DashboardModel
from iei_sim.outcomes import HEADLINES, OUTCOMES

LEVER_BY_PATH = {lever.path: lever for lever in LEVERS}
# The network figure is drawn with pyplot, whose figure registry the server's threads share.
_PYPLOT = threading.Lock()
NETWORK_DPI = 72


def changed_settings(model: DashboardModel) -> list[str]:
    """What the controls changed from the scenario file, in plain words
    ("Tax deduction in force: on (file: off)")."""
    lines = []
    for path, (before, now) in model.changed_fields().items():
        lever = LEVER_BY_PATH.get(path)
        if lever is None:  # the seed
            lines.append(f"Random seed: {now} (file: {before})")
        else:
            lines.append(
                f"{lever.label}: {shown_value(lever, now)} (file: {shown_value(lever, before)})"
            )
    return lines


def kept_run(model: DashboardModel) -> RunSeries:
    """The model's run so far as a reference, labelled by what its levers were."""
    settings = tuple(line.split(" (file:")[0] for line in changed_settings(model))
    label = f"kept run, {'; '.join(settings)}" if settings else "kept run, scenario file's levers"
    if len(label) > 60:
        label = label[:57] + "…"
    return run_series(model.records, model.config, label=label, settings=settings)


def live_series(model: DashboardModel) -> RunSeries | None:
    return run_series(model.records, model.config) if model.records else None


def network_png(model: DashboardModel) -> bytes | None:
    """The network of partnerships active in the model's current year (None before year 1)."""
    if model.steps == 0 or not model.records:
        return None
    from iei_sim.plots import partnership_network_figure
    from iei_sim.run import collect_result

    import matplotlib.pyplot as plt

    tables = collect_result(model, model.config, model.seed)
    finished = model.steps >= model.config.steps
    with _PYPLOT:
        fig = partnership_network_figure(
            tables.partnerships, tables.schools, tables.firms, step=model.steps
        )
        try:
            if not finished:  # the figure's notes are written for a finished run
                for text in fig.texts:
                    text.set_text(text.get_text().replace("end of run", f"year {model.steps}"))
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=NETWORK_DPI, metadata={"Software": None})
            return buffer.getvalue()
        finally:
            plt.close(fig)


def _lines(title: str, lines: list[str], classes: list[str] | None = None) -> None:
    # Plain text, not solara.Markdown: that widget loads a diagram library from Solara's CDN.
    with solara.Column(gap="0px", classes=classes or []):
        solara.Text(title, style={"font-weight": "bold", "margin-top": "6px"})
        for line in lines:
            solara.Text(f"• {line}", style={"padding-left": "8px"})


@solara.component
def Status(model: DashboardModel, year: int, reference: RunSeries | None) -> None:  # noqa: N802
    """Scenario, year, what the controls changed, headline outcomes and any refused values.

    ``year`` is the model's year, passed so the card re-renders when the model steps.
    """
    config = model.config
    with solara.Column(classes=["iei-status"], gap="2px", style={"padding": "4px 8px"}):
        solara.Text(
            f"{config.name} · Year {year} of {config.steps} · random seed {config.seed}",
            classes=["iei-year"],
            style={"font-size": "1.15em", "font-weight": "bold"},
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
        changed = changed_settings(model)
        if changed:
            _lines("Changed from the scenario file:", changed, ["iei-changed"])
        elif not model.problems:
            solara.Text("All levers as in the scenario file.")
        if reference is not None:
            _lines(
                "Grey lines: the kept run",
                list(reference.settings) or ["levers as in the scenario file"],
                ["iei-reference"],
            )
        if year and model.outcomes:
            _lines(
                f"Year {year}:",
                [
                    f"{OUTCOMES[key].label}: {OUTCOMES[key].format(model.outcomes[key])}"
                    for key in HEADLINES
                ],
                ["iei-headlines"],
            )
        elif not model.problems:
            solara.Text("Press Step (or ▶) to simulate the first year.")


@solara.component
def Chart(  # noqa: N802 (Solara components are CamelCase)
    model: DashboardModel, name: str, year: int, reference: RunSeries | None
) -> None:
    """One chart, drawn when it is first shown and again when the year or reference changes."""
    spec = CHARTS[name]
    png = solara.use_memo(
        lambda: chart_png(name, live_series(model), reference),
        dependencies=[model, year, reference],
    )
    _figure(name, spec.title, png, spec.size[0])


@solara.component
def Network(model: DashboardModel, year: int) -> None:  # noqa: N802
    """The partnership network of the current year (the heaviest figure: its own tab)."""
    png = solara.use_memo(lambda: network_png(model), dependencies=[model, year])
    _figure("network", f"Partnership network, year {year} (edges coloured by depth)", png, None)


def _figure(name: str, title: str, png: bytes | None, width: int | None) -> Any:
    # Shown at its own pixel size (capped by the column), so the text stays at TEXT_PX.
    style = {"max-width": "100%"} | ({"width": f"{width}px"} if width else {})
    with solara.Column(classes=["iei-chart", f"iei-chart-{name}"], gap="2px"):
        solara.Text(title, style={"font-weight": "bold", "font-size": "1.1em"})
        if png is None:
            solara.Info("No year simulated yet.", dense=True)
        else:
            solara.Image(png, width=f"{width}px" if width else "100%", classes=["iei-image"])
    return style


# The tabs of the main area: (label, charts). The first opens with the page.
VIEWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Participation", ("participation",)),
    ("Students and cost", ("student_outcomes", "fiscal_cost")),
    ("Partnerships", ("depth", "project_mix")),
    ("Network", ("network",)),
)


@solara.component
def MainView(  # noqa: N802
    model: DashboardModel, year: int, reference: RunSeries | None
) -> None:
    """Tabs of charts; only the open tab's charts are drawn (the others cost nothing)."""
    view = solara.use_reactive(0)
    with solara.Column(classes=["iei-main"], style={"padding": "0 8px"}, gap="0px"):
        with solara.lab.Tabs(value=view, lazy=True):
            for index, (label, names) in enumerate(VIEWS):
                with solara.lab.Tab(label, classes=[f"iei-tab-{index}"]):
                    if index != view.value:
                        continue
                    with solara.Row(gap="12px", style={"flex-wrap": "wrap"}):
                        for name in names:
                            if name == "network":
                                Network(model, year)
                            else:
                                Chart(model, name, year, reference)
                        if index == 0:
                            with solara.Card(margin=0, style={"flex": "1", "min-width": "280px"}):
                                Status(model, year, reference)
