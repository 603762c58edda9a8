"""The dashboard's charts: a few outcomes over the years, sized and lettered for a projector.

Each chart is data (:data:`CHARTS`: title, outcomes, pixel size); labels and units come from
the outcome registry (:mod:`iei_sim.outcomes`), and values before an outcome's first meaningful
year are left out, as every table does. A kept *reference* run is drawn in grey behind the live
lines, so a class sees "before" and "after" on one chart. Figures are made without pyplot
(:func:`iei_sim.plots.saving.new_figure`), so the server's sessions draw in parallel without a
lock, and each is a plain line or bar chart: a redraw is a few tens of milliseconds.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.ticker import MaxNLocator, PercentFormatter

from iei_sim.outcomes import OUTCOMES, SHARE
from iei_sim.plots.saving import new_figure, write_png

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from iei_sim.scenario import Scenario

# Chart text in screen pixels: legible from the back of a classroom (at 1:1 display size).
TEXT_PX = 15
DPI = 100
REFERENCE_COLOUR = "#9e9e9e"
COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d")


@dataclass(frozen=True)
class ChartSpec:
    """One chart: a title, the outcomes it draws (registry names) and its size in pixels.

    ``kind`` is ``"lines"`` (one line per outcome) or ``"spending"`` (yearly bars and the
    running total of one money outcome).
    """

    title: str
    outcomes: tuple[str, ...]
    size: tuple[int, int] = (600, 330)
    kind: str = "lines"


CHARTS: dict[str, ChartSpec] = {
    "participation": ChartSpec(
        "Participation and willingness",
        ("firm_participation_rate", "firm_willingness", "school_willingness"),
        size=(560, 380),
    ),
    "student_outcomes": ChartSpec(
        "Student outcomes",
        (
            "student_coverage",
            "graduate_employment_rate",
            "intern_retention_rate",
            "skills_mismatch",
            "lagging_region_outflow",
        ),
        size=(760, 400),
    ),
    "fiscal_cost": ChartSpec("Fiscal cost", ("fiscal_cost",), size=(380, 380), kind="spending"),
    "depth": ChartSpec(
        "Partnership depth",
        ("shallow_partnership_share", "medium_partnership_share", "deep_partnership_share"),
        size=(470, 400),
    ),
    "project_mix": ChartSpec(
        "Project mix and concentration",
        ("education_project_share", "project_gini", "project_top_decile_share"),
        size=(470, 400),
    ),
}


@dataclass(frozen=True)
class RunSeries:
    """A run's yearly outcomes as arrays (year 1 first), and how many years it was set to run.

    Values before an outcome's first meaningful year are NaN (not drawn).
    """

    values: Mapping[str, np.ndarray]
    years: int
    label: str = ""
    settings: tuple[str, ...] = field(default=())

    @property
    def years_done(self) -> int:
        return len(next(iter(self.values.values()))) if self.values else 0


def run_series(
    records: Sequence[Mapping[str, float]],
    scenario: Scenario,
    label: str = "",
    settings: tuple[str, ...] = (),
) -> RunSeries:
    """The outcomes every chart draws, from a model's yearly records."""
    names = {name for spec in CHARTS.values() for name in spec.outcomes}
    values = {}
    for name in sorted(names):
        column = np.array([record[name] for record in records], dtype=float)
        first = OUTCOMES[name].first_meaningful_year(scenario)
        column[: max(0, first - 1)] = np.nan
        values[name] = column
    return RunSeries(values, scenario.steps, label, settings)


def _font_size() -> float:
    return TEXT_PX * 72 / DPI  # points at DPI: TEXT_PX screen pixels


def _axis_label(outcomes: Sequence[str]) -> str:
    units = set(OUTCOMES[name].unit for name in outcomes)
    if units == {SHARE}:
        return "% of the whole"
    if all(unit.name.endswith("(0-1)") for unit in units):
        return "share or index (0 to 1)"
    return ", ".join(sorted(unit.name for unit in units))


def _years(ax: Axes, years: int) -> None:
    ax.set_xlim(0.5, years + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("year")


def _draw_lines(
    ax: Axes, spec: ChartSpec, live: RunSeries | None, reference: RunSeries | None
) -> None:
    for series, is_reference in ((reference, True), (live, False)):
        if series is None:
            continue
        for index, name in enumerate(spec.outcomes):
            column = series.values[name]
            years = np.arange(1, len(column) + 1)
            style = "-" if index % 2 == 0 else "--"
            if is_reference:
                ax.plot(years, column, color=REFERENCE_COLOUR, ls=style, lw=2, zorder=1)
            else:
                ax.plot(
                    years,
                    column,
                    color=COLOURS[index % len(COLOURS)],
                    ls=style,
                    lw=2.8,
                    marker="o",
                    ms=4,
                    label=OUTCOMES[name].label,
                    zorder=3,
                )
    units = {OUTCOMES[name].unit for name in spec.outcomes}
    if all(unit.name.endswith("(0-1)") for unit in units):
        ax.set_ylim(0, 1)
        if units == {SHARE}:
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel(_axis_label(spec.outcomes))


def _draw_spending(
    ax: Axes, spec: ChartSpec, live: RunSeries | None, reference: RunSeries | None
) -> None:
    (name,) = spec.outcomes
    unit = OUTCOMES[name].unit.name
    top = 0.0
    if reference is not None:
        yearly = np.nan_to_num(reference.values[name])
        years = np.arange(1, len(yearly) + 1)
        ax.bar(years, yearly, width=0.8, fill=False, edgecolor=REFERENCE_COLOUR, lw=1.5, zorder=1)
        ax.plot(years, np.cumsum(yearly), color=REFERENCE_COLOUR, lw=2, zorder=1)
        top = max(top, float(np.cumsum(yearly).max(initial=0.0)))
    if live is not None:
        yearly = np.nan_to_num(live.values[name])
        years = np.arange(1, len(yearly) + 1)
        ax.bar(years, yearly, width=0.6, color=COLOURS[2], label="each year", zorder=2)
        ax.plot(years, np.cumsum(yearly), color="black", lw=2.8, marker="o", ms=4, label="so far")
        top = max(top, float(np.cumsum(yearly).max(initial=0.0)))
    if top <= 0:  # nothing spent: a plain 0-1 axis, not matplotlib's ±0.04 around zero
        ax.set_ylim(0, 1)
        ax.text(0.5, 0.5, "no spending", transform=ax.transAxes, ha="center", color="#555555")
    else:
        ax.set_ylim(0, top * 1.08)
    ax.set_ylabel(unit)


def chart_figure(
    name: str, live: RunSeries | None, reference: RunSeries | None = None
) -> Figure | None:
    """The figure of chart ``name`` (None while neither run has a year to show)."""
    spec = CHARTS[name]
    shown = [s for s in (live, reference) if s is not None and s.years_done]
    if not shown:
        return None
    width, height = spec.size
    fig = new_figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    with _font_context():
        ax = fig.add_subplot()
        if spec.kind == "spending":
            _draw_spending(ax, spec, live, reference)
        else:
            _draw_lines(ax, spec, live, reference)
        _years(ax, max(s.years for s in shown))
        ax.grid(alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        if reference is not None and reference.years_done:
            from matplotlib.lines import Line2D

            handles.append(Line2D([], [], color=REFERENCE_COLOUR, lw=2))
            labels.append("grey: the kept run")  # the status card says what its levers were
        if handles:
            columns = 2 if width >= 500 else 1  # a narrow chart's legend stays inside it
            fig.legend(handles, labels, loc="outside lower center", ncols=columns, frameon=False)
    return fig


def _font_context():
    import matplotlib

    size = _font_size()
    return matplotlib.rc_context(
        {
            "font.size": size,
            "axes.labelsize": size,
            "xtick.labelsize": size,
            "ytick.labelsize": size,
            "legend.fontsize": size,
        }
    )


def figure_png(fig: Figure) -> bytes:
    """PNG bytes of a dashboard figure, at its own size (one pixel per pixel on the page)."""
    buffer = io.BytesIO()
    write_png(fig, buffer, DPI, {"Software": None})
    return buffer.getvalue()


def chart_png(
    name: str, live: RunSeries | None, reference: RunSeries | None = None
) -> bytes | None:
    """PNG of chart ``name``, or None while there is nothing to draw."""
    with _font_context():  # tick labels take their size when drawn, so draw inside it too
        fig = chart_figure(name, live, reference)
        return None if fig is None else figure_png(fig)
