"""The pattern check as a figure: each pattern's replicate mean and confidence interval against
the band the source studies give, one row per pattern (each on its own scale)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from iei_sim.plots.saving import new_figure

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

HOLDS, FAILS, BAND = "#1b9e77", "#d95f02", "#d9d9d9"


def figure_beside(table: Path, name: str) -> Path:
    """Where ``patterns --out TABLE`` puts its figure: ``name`` in the table's folder, refused
    (before any run) if it is the table itself, or if it exists and no earlier pattern table is
    beside it (then it is someone else's file, never overwritten)."""
    from iei_sim.output_folders import OutputFolderError

    figure = table.with_name(name)
    if figure == table:
        raise OutputFolderError(
            f"{table}: the figure would overwrite the table; give the table a .csv name"
        )
    if figure.exists() and not table.exists():
        raise OutputFolderError(
            f"{figure}: exists and was not written by this command; it is not overwritten: "
            "give --out another file name, or --no-plots"
        )
    return figure


def patterns_figure(table: pd.DataFrame, name: str, replicates: int) -> Figure:
    """One panel per row of ``evaluate_patterns``' table: the band (grey), the mean (dot) and
    its confidence interval (whisker), green if the whole interval lies inside the band."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig = new_figure(figsize=(8, 0.62 * len(table) + 1.3))
    axes = fig.subplots(len(table), 1, squeeze=False)[:, 0]
    for ax, row in zip(axes, table.itertuples(), strict=True):
        colour = HOLDS if row.holds else FAILS
        ax.axvspan(row.band_low, row.band_high, color=BAND, zorder=1)
        ax.errorbar(
            [row.mean],
            [0],
            xerr=[[row.mean - row.ci_low], [row.ci_high - row.mean]],
            fmt="o",
            color=colour,
            capsize=3,
            zorder=3,
        )
        values = [row.band_low, row.band_high, row.ci_low, row.ci_high]
        low, high = min(values), max(values)
        pad = 0.08 * (high - low or 1.0)
        ax.set_xlim(low - pad, high + pad)
        ax.set_ylim(-1, 1)
        ax.set_yticks([])
        ax.tick_params(axis="x", labelsize=7)
        ax.set_title(f"{row.name}: {row.statistic}", fontsize=8, loc="left")
    fig.suptitle(f"{name}: patterns over {replicates} replicates (95% CI)", fontsize=10)
    fig.legend(
        handles=[
            Patch(color=BAND, label="band from the source studies"),
            Line2D([], [], marker="o", ls="", color=HOLDS, label="holds: CI inside the band"),
            Line2D([], [], marker="o", ls="", color=FAILS, label="does not hold"),
        ],
        loc="outside lower center",
        ncols=3,
        fontsize=8,
        frameon=False,
    )
    return fig
