"""Figures of a single run, drawn from its ``timeseries.csv`` table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from iei_sim.outcomes import OUTCOMES
from iei_sim.vocabulary import DEPTH_LABELS, Orientation

DEPTH_COLOURS = dict(zip(DEPTH_LABELS, ("#c6dbef", "#6baed6", "#08519c"), strict=True))


def _label(outcome: str) -> str:
    """The outcome's label from the registry (iei_sim.outcomes), as every table shows it."""
    return OUTCOMES[outcome].label


def participation_figure(ts: pd.DataFrame) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(
        ts["step"], ts["school_willingness"], label=_label("school_willingness"), color="#d95f02"
    )
    ax.plot(
        ts["step"],
        ts["firm_willingness"],
        label=_label("firm_willingness"),
        color="#1b9e77",
        ls="--",
    )
    ax.plot(
        ts["step"],
        ts["firm_participation_rate"],
        label=_label("firm_participation_rate"),
        color="#1b9e77",
    )
    ax.fill_between(
        ts["step"],
        ts["firm_willingness"],
        ts["school_willingness"],
        color="#d95f02",
        alpha=0.08,
        label=_label("hot_cold_index"),
    )
    ax.set(xlabel="year", ylabel="share", ylim=(0, 1), title="Willingness and participation")
    ax.legend(loc="best", fontsize=8)
    return fig


def depth_figure(ts: pd.DataFrame) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 4))
    shares = [ts[f"{d}_partnership_share"] for d in DEPTH_COLOURS]
    ax.stackplot(
        ts["step"], shares, labels=list(DEPTH_COLOURS), colors=list(DEPTH_COLOURS.values())
    )
    ax.set(
        xlabel="year",
        ylabel="share of active partnerships",
        ylim=(0, 1),
        title="Partnership depth over time",
    )
    twin = ax.twinx()
    twin.plot(
        ts["step"],
        ts["partnerships_active"],
        color="black",
        lw=1.5,
        label=_label("partnerships_active"),
    )
    twin.set_ylabel(_label("partnerships_active"))
    handles, labels = ax.get_legend_handles_labels()
    h2, l2 = twin.get_legend_handles_labels()
    ax.legend(handles + h2, labels + l2, loc="upper left", fontsize=8)
    return fig


def project_mix_figure(ts: pd.DataFrame) -> Figure:
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    education = ts["education_project_share"]
    left.stackplot(
        ts["step"],
        [education, 1 - education],
        labels=[Orientation.EDUCATION.label, Orientation.RND.label],
        colors=["#66a61e", "#e6ab02"],
    )
    left.set(
        xlabel="year", ylabel="share of active projects", ylim=(0, 1), title="Project orientation"
    )
    left.legend(loc="lower left", fontsize=8)
    right.plot(ts["step"], ts["project_gini"], label=_label("project_gini"))
    right.plot(ts["step"], ts["project_top_decile_share"], label=_label("project_top_decile_share"))
    right.set(xlabel="year", ylim=(0, 1), title="Concentration of projects")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def student_figure(ts: pd.DataFrame) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 4))
    for column in (
        "student_coverage",
        "graduate_employment_rate",
        "intern_retention_rate",
        "skills_mismatch",
        "lagging_region_outflow",
    ):
        ax.plot(ts["step"], ts[column], label=_label(column))
    ax.set(xlabel="year", ylabel="share of graduates", ylim=(0, 1), title="Student outcomes")
    ax.legend(fontsize=8)
    return fig


def fiscal_figure(ts: pd.DataFrame) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(ts["step"], ts["fiscal_cost"], color="#7570b3", label="yearly")
    ax.set(xlabel="year", ylabel="10k CNY per year", title="Government cost of IEI incentives")
    twin = ax.twinx()
    twin.plot(ts["step"], ts["fiscal_cost"].cumsum(), color="black", label="cumulative")
    twin.set_ylabel("cumulative (10k CNY)")
    handles, labels = ax.get_legend_handles_labels()
    h2, l2 = twin.get_legend_handles_labels()
    ax.legend(handles + h2, labels + l2, loc="upper left", fontsize=8)
    return fig


RUN_FIGURES: dict[str, Callable[[pd.DataFrame], Figure]] = {
    "participation": participation_figure,
    "depth": depth_figure,
    "project_mix": project_mix_figure,
    "student_outcomes": student_figure,
    "fiscal_cost": fiscal_figure,
}


def _integer_years(fig: Figure) -> None:
    for ax in fig.axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def write_run_plots(timeseries: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Write every run figure as a PNG into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in RUN_FIGURES.items():
        fig = draw(timeseries)
        _integer_years(fig)
        path = out_dir / f"{name}.png"
        fig.savefig(path, dpi=120, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        written.append(path)
    return written
