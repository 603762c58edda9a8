"""Figures of a single run, drawn from its ``timeseries.csv`` table.

Every figure shares the run's time axis (years first … last, integer ticks), keeps its legend
outside the axes, and leaves an outcome blank before the first year it can mean anything (the
registry's ``first_meaningful_year``) when the run's scenario is known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from iei_sim.outcomes import MONEY_YEAR, OUTCOMES
from iei_sim.plots.saving import FigureOptions, new_figure, panel_title, save_figure
from iei_sim.vocabulary import DEPTH_LABELS, Orientation

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from iei_sim.scenario.schema import Scenario

DEPTH_COLOURS = dict(zip(DEPTH_LABELS, ("#c6dbef", "#6baed6", "#08519c"), strict=True))
LEGEND_FONT = 8


@dataclass(frozen=True)
class RunContext:
    """Which run a figure shows: named in its title and file metadata, and the scenario that
    says from which year each outcome means something."""

    scenario: Scenario
    seed: int
    steps: int

    def caption(self) -> str:
        """``"<scenario>, seed <seed>, years 1–<steps>"``."""
        return f"{self.scenario.name}, seed {self.seed}, years 1–{self.steps}"

    def first_year(self, column: str) -> int:
        """The first year ``column`` can reflect the model (1 for anything not an outcome)."""
        outcome = OUTCOMES.get(column)
        return outcome.first_meaningful_year(self.scenario) if outcome else 1


def _label(outcome: str) -> str:
    """The outcome's label from the registry (iei_sim.outcomes), as every table shows it."""
    return OUTCOMES[outcome].label


def _unit(outcome: str) -> str:
    return OUTCOMES[outcome].unit.name


def _series(ts: pd.DataFrame, column: str, run: RunContext | None) -> pd.Series:
    """The column, blank (NaN) before the first year it means something, if the run is known."""
    values = ts[column].astype(float)
    if run is None:
        return values
    return values.where(ts["step"] >= run.first_year(column))


def _line_label(ts: pd.DataFrame, column: str, run: RunContext | None) -> str:
    """The outcome's label, saying from which year it is drawn when earlier years are blank."""
    first = run.first_year(column) if run is not None else 1
    if first > int(ts["step"].min()):
        return f"{_label(column)} (from year {first})"
    return _label(column)


def _frame(fig: Figure, ts: pd.DataFrame, run: RunContext | None, axes: Iterable[Axes]) -> None:
    """The run's shared time axis on every panel, the run in the title, the legend outside."""
    steps = ts["step"]
    for ax in axes:
        ax.set_xlim(float(steps.min()) - 0.5, float(steps.max()) + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("year")
    if run is not None:
        fig.suptitle(run.caption(), fontsize=9, color="#444444")


def _legend_outside(
    fig: Figure, axes: Iterable[Axes], where: str = "outside right upper", columns: int = 1
) -> None:
    """One figure legend of every panel's handles, placed beside the axes by the layout."""
    handles, labels = [], []
    for ax in axes:
        h, lab = ax.get_legend_handles_labels()
        handles += h
        labels += lab
    fig.legend(handles, labels, loc=where, ncols=columns, fontsize=LEGEND_FONT, frameon=False)


def participation_figure(ts: pd.DataFrame, run: RunContext | None = None) -> Figure:
    fig = new_figure(figsize=(8, 3.8))
    ax = fig.add_subplot()
    school = _series(ts, "school_willingness", run)
    firm = _series(ts, "firm_willingness", run)
    ax.plot(ts["step"], school, label=_line_label(ts, "school_willingness", run), color="#d95f02")
    ax.plot(
        ts["step"], firm, label=_line_label(ts, "firm_willingness", run), color="#1b9e77", ls="--"
    )
    ax.plot(
        ts["step"],
        _series(ts, "firm_participation_rate", run),
        label=_line_label(ts, "firm_participation_rate", run),
        color="#1b9e77",
    )
    ax.fill_between(
        ts["step"], firm, school, color="#d95f02", alpha=0.08, label=_label("hot_cold_index")
    )
    ax.set(ylabel=f"{_unit('firm_participation_rate')}", ylim=(0, 1))
    panel_title(ax, "Willingness and participation")
    _frame(fig, ts, run, [ax])
    _legend_outside(fig, [ax])
    return fig


def depth_figure(ts: pd.DataFrame, run: RunContext | None = None) -> Figure:
    fig = new_figure(figsize=(8, 3.8))
    ax = fig.add_subplot()
    names = list(DEPTH_COLOURS)
    shares = [_series(ts, f"{d}_partnership_share", run) for d in names]
    ax.stackplot(
        ts["step"],
        shares,
        labels=[_label(f"{d}_partnership_share") for d in names],
        colors=list(DEPTH_COLOURS.values()),
    )
    ax.set(ylabel=f"share of active partnerships ({_unit('deep_partnership_share')})", ylim=(0, 1))
    panel_title(ax, "Partnership depth over time")
    twin = ax.twinx()
    twin.plot(
        ts["step"],
        _series(ts, "partnerships_active", run),
        color="black",
        lw=1.5,
        label=_label("partnerships_active"),
    )
    twin.set_ylabel(f"{_label('partnerships_active')} ({_unit('partnerships_active')})")
    twin.set_ylim(bottom=0)
    _frame(fig, ts, run, [ax])
    _legend_outside(fig, [ax, twin])
    return fig


def project_mix_figure(ts: pd.DataFrame, run: RunContext | None = None) -> Figure:
    fig = new_figure(figsize=(10, 4.2))
    left, right = fig.subplots(1, 2)
    education = _series(ts, "education_project_share", run)
    left.stackplot(
        ts["step"],
        [education, 1 - education],
        labels=[Orientation.EDUCATION.label, Orientation.RND.label],
        colors=["#66a61e", "#e6ab02"],
    )
    left.set(ylabel=f"share of active projects ({_unit('education_project_share')})", ylim=(0, 1))
    panel_title(left, "Project orientation")
    for column in ("project_gini", "project_top_decile_share"):
        right.plot(ts["step"], _series(ts, column, run), label=_line_label(ts, column, run))
    right.set(ylabel=_unit("project_gini"), ylim=(0, 1))
    panel_title(right, "Concentration of projects")
    _frame(fig, ts, run, [left, right])
    _legend_outside(fig, [left, right], where="outside lower center", columns=2)
    return fig


STUDENT_OUTCOMES = (
    "student_coverage",
    "graduate_employment_rate",
    "intern_retention_rate",
    "skills_mismatch",
    "lagging_region_outflow",
)


def student_figure(ts: pd.DataFrame, run: RunContext | None = None) -> Figure:
    fig = new_figure(figsize=(8, 3.8))
    ax = fig.add_subplot()
    for column in STUDENT_OUTCOMES:
        ax.plot(ts["step"], _series(ts, column, run), label=_line_label(ts, column, run))
    ax.set(ylabel=f"share of graduates ({_unit('student_coverage')})", ylim=(0, 1))
    panel_title(ax, "Student outcomes")
    _frame(fig, ts, run, [ax])
    _legend_outside(fig, [ax])
    return fig


def fiscal_figure(ts: pd.DataFrame, run: RunContext | None = None) -> Figure:
    fig = new_figure(figsize=(8, 3.8))
    ax = fig.add_subplot()
    yearly = _series(ts, "fiscal_cost", run)
    ax.bar(ts["step"], yearly, color="#7570b3", label="yearly")
    ax.set(ylabel=MONEY_YEAR.name)
    ax.set_ylim(bottom=0)
    if not yearly.fillna(0).any():
        ax.text(0.5, 0.5, "no incentive spending in this run", ha="center", transform=ax.transAxes)
    panel_title(ax, "Government cost of IEI incentives")
    twin = ax.twinx()
    twin.plot(ts["step"], yearly.cumsum(), color="black", label="cumulative")
    twin.set_ylabel(f"cumulative ({_unit('fiscal_cost')})")
    twin.set_ylim(bottom=0)
    _frame(fig, ts, run, [ax])
    _legend_outside(fig, [ax, twin])
    return fig


RUN_FIGURES: dict[str, Callable[..., Figure]] = {
    "participation": participation_figure,
    "depth": depth_figure,
    "project_mix": project_mix_figure,
    "student_outcomes": student_figure,
    "fiscal_cost": fiscal_figure,
}


def figure_title(fig: Figure) -> str:
    """What a figure shows, for its file's metadata: the panels' titles and the run's caption."""
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    suptitle = fig.get_suptitle()
    return " / ".join(titles) + (f" ({suptitle})" if suptitle else "")


def write_run_plots(
    timeseries: pd.DataFrame,
    out_dir: str | Path,
    run: RunContext | None = None,
    options: FigureOptions | None = None,
) -> list[Path]:
    """Write every run figure into ``out_dir`` in ``options``' format; return the paths."""
    written = []
    for name, draw in RUN_FIGURES.items():
        fig = draw(timeseries, run)
        written.append(
            save_figure(
                fig,
                out_dir,
                name,
                options,
                title=figure_title(fig),
                description=f"iei-sim run figure '{name}' drawn from timeseries.csv",
            )
        )
    return written
