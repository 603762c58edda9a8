"""Figures of experiments, drawn from the results store's tables (comparisons and sweeps).

Every figure is a pyplot-free :func:`~iei_sim.plots.saving.new_figure`, written with
:func:`~iei_sim.plots.saving.save_figure` in the format a user asked for; the caveats a figure's
numbers need (:mod:`iei_sim.caveats`) are printed under it.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.ticker import MaxNLocator

from iei_sim.experiments.analysis import step_bands
from iei_sim.outcomes import label_of
from iei_sim.plots.saving import new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from iei_sim.caveats import Caveat

COLOURS = colormaps["tab10"]
SIGNIFICANT, NOT_SIGNIFICANT = "#d95f02", "#7f7f7f"
NOTE_WIDTH = 110  # characters a note line holds at the figures' widths


def add_notes(fig: Figure, notes: Sequence[str], width: int = NOTE_WIDTH) -> None:
    """Print ``notes`` (caveats, what a marker means) under the figure, laid out with it."""
    if not notes:
        return
    lines = [textwrap.fill(note, width) for note in notes]
    fig.supxlabel("\n".join(lines), fontsize=7, ha="left", x=0.01, color="#444444")


def caveat_texts(caveats: Sequence[Caveat]) -> list[str]:
    return [f"Note: {c.text}" for c in caveats]


def year_axis(ax: Axes, first: int, last: int) -> None:
    """Whole years on the axis, the same span on every panel."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(first - 0.5 if first == last else first, last + 0.5 if first == last else last)
    ax.set_xlabel("year")


def timeseries_bands_figure(
    steps: pd.DataFrame,
    runs: pd.DataFrame,
    outcomes: list[str],
    first_years: Mapping[str, int] | None = None,
    caveats: Sequence[Caveat] = (),
) -> Figure:
    """One panel per outcome: each regime's replicate mean over time with its 95% CI band;
    years before the outcome's first meaningful year (``first_years``) are left blank."""
    n = len(outcomes)
    cols = min(2, n)
    rows = math.ceil(n / cols)
    fig = new_figure(figsize=(6.5 * cols, 2.9 * rows + 0.9))
    axes = fig.subplots(rows, cols, squeeze=False)
    first, last = int(steps["step"].min()), int(steps["step"].max())
    handles: dict[str, object] = {}
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        bands = step_bands(steps, runs, outcome)
        start = (first_years or {}).get(outcome, 1)
        early = bands["step"] < start
        bands.loc[early, ["mean", "ci_low", "ci_high"]] = np.nan
        for i, (scenario, band) in enumerate(bands.groupby("scenario", sort=False)):
            colour = COLOURS(i % 10)
            (line,) = ax.plot(band["step"], band["mean"], color=colour, label=scenario)
            ax.fill_between(band["step"], band["ci_low"], band["ci_high"], color=colour, alpha=0.2)
            handles.setdefault(str(scenario), line)
        if start > first:
            ax.axvspan(first, min(start, last), color="#eeeeee", zorder=0)
            ax.text(
                first,
                1.0,
                f" from year {start}",
                transform=ax.get_xaxis_transform(),
                fontsize=7,
                va="top",
                color="#666666",
            )
        ax.set_title(label_of(outcome), fontsize=9)
        year_axis(ax, first, last)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.legend(
        list(handles.values()),
        list(handles),
        loc="outside right upper",
        fontsize=8,
        frameon=False,
    )
    fig.suptitle("Regimes over time (replicate mean, 95% CI)")
    add_notes(fig, caveat_texts(caveats))
    return fig


def forest_figure(table: pd.DataFrame, caveats: Sequence[Caveat] = ()) -> Figure:
    """Forest plot: each regime's difference from the reference with its paired 95% CI, one
    panel per outcome (outcomes have their own units, so each panel has its own axis)."""
    diffs = table.dropna(subset=["diff"])
    outcomes = list(dict.fromkeys(diffs["outcome"]))
    scenarios = list(dict.fromkeys(diffs["scenario"]))
    reference = table[table["diff"].isna()]["scenario"].iloc[0]
    fig = new_figure(
        figsize=(7.5, 0.45 * len(scenarios) * len(outcomes) + 1.0 * len(outcomes) + 1.2)
    )
    axes = fig.subplots(max(len(outcomes), 1), 1, squeeze=False)
    for ax, outcome in zip(axes[:, 0], outcomes, strict=True):
        rows = diffs[diffs["outcome"] == outcome].set_index("scenario").reindex(scenarios)
        y = np.arange(len(scenarios))[::-1]
        low = (rows["diff"] - rows["diff_ci_low"]).fillna(0).to_numpy()
        high = (rows["diff_ci_high"] - rows["diff"]).fillna(0).to_numpy()
        significant = (rows["p_value"] < 0.05).to_numpy()
        for k in range(len(scenarios)):
            ax.errorbar(
                rows["diff"].iloc[k],
                y[k],
                xerr=[[low[k]], [high[k]]],
                fmt="o",
                color=SIGNIFICANT if significant[k] else NOT_SIGNIFICANT,
                capsize=3,
            )
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, scenarios, fontsize=8)
        ax.set_title(label_of(outcome), fontsize=9, loc="left")
    axes[-1, 0].set_xlabel(
        f"difference from {reference} (paired by replicate, 95% CI; orange: p < 0.05)"
    )
    add_notes(fig, caveat_texts(caveats), width=95)
    return fig


def cost_effectiveness_figure(table: pd.DataFrame, caveats: Sequence[Caveat] = ()) -> Figure:
    """Left: each regime's fiscal cost by instrument (mean over replicates, clawbacks below 0).
    Right: each effect per unit of extra fiscal cost against the reference, with its 95% CI;
    a regime whose ratio is empty says why."""
    from iei_sim.experiments.cost_effectiveness import (
        EFFECTS,
        INSTRUMENTS,
        SHOWN_PER,
        SHOWN_PER_TEXT,
        instrument_column,
    )

    fig = new_figure(figsize=(12, 1.2 + 0.9 * max(len(table), 2) * 1.6))
    grid = fig.add_gridspec(len(EFFECTS), 2, width_ratios=(1.1, 1))
    split = fig.add_subplot(grid[:, 0])
    scenarios = table["scenario"].astype(str).tolist()
    y = np.arange(len(scenarios))[::-1]
    positive = np.zeros(len(scenarios))
    negative = np.zeros(len(scenarios))
    for i, (instrument, label) in enumerate(INSTRUMENTS.items()):
        values = table[instrument_column(instrument)].fillna(0.0).to_numpy(float)
        if not np.any(values):
            continue
        base = np.where(values >= 0, positive, negative)
        split.barh(y, values, left=base, color=COLOURS(i % 10), label=label)
        positive += np.where(values >= 0, values, 0.0)
        negative += np.where(values < 0, values, 0.0)
    split.axvline(0, color="black", lw=0.8)
    split.set_yticks(y, scenarios, fontsize=8)
    split.set_xlabel(label_of("fiscal_cost"))
    split.set_title("Fiscal cost by instrument (replicate mean)", fontsize=9, loc="left")
    if split.get_legend_handles_labels()[0]:
        split.legend(
            fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.12), ncols=3, frameon=False
        )
    others = table[table["note"] != "reference"]
    reference = table["reference"].iloc[0]
    oy = np.arange(len(others))[::-1]
    for row, effect in enumerate(EFFECTS):
        ax = fig.add_subplot(grid[row, 1])
        ratio = others[f"{effect.name}_per_cost"].to_numpy(float) * SHOWN_PER
        low = others[f"{effect.name}_per_cost_low"].to_numpy(float) * SHOWN_PER
        high = others[f"{effect.name}_per_cost_high"].to_numpy(float) * SHOWN_PER
        for k in range(len(others)):
            if np.isnan(ratio[k]):
                ax.text(
                    0,
                    oy[k],
                    f"  n/a: {others['note'].iloc[k]}",
                    fontsize=7,
                    va="center",
                    color="#666666",
                )
                continue
            ax.errorbar(
                ratio[k],
                oy[k],
                xerr=[[ratio[k] - low[k]], [high[k] - ratio[k]]],
                fmt="o",
                color=SIGNIFICANT,
                capsize=3,
            )
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(oy, others["scenario"].astype(str).tolist(), fontsize=8)
        ax.set_ylim(-0.7, len(others) - 0.3)
        ax.set_title(
            f"Extra {effect.label.lower()} {SHOWN_PER_TEXT} of extra fiscal cost",
            fontsize=9,
            loc="left",
        )
    fig.suptitle(f"What each regime buys against {reference} (95% CI: paired bootstrap)")
    add_notes(fig, caveat_texts(caveats))
    return fig


def sweep_figure(summary: pd.DataFrame, factors: list[str], outcomes: list[str]) -> Figure:
    """Point means of every outcome given (a grid of panels) against the design's main numeric
    factor, one line (with 95% CI) per combination of the other factors; a scatter per factor
    when the design is not a grid."""
    varied = [f for f in factors if f in summary and summary[f].nunique() > 1]
    numeric = [
        f
        for f in varied
        if pd.api.types.is_numeric_dtype(summary[f]) and not pd.api.types.is_bool_dtype(summary[f])
    ]
    shown = [o for o in outcomes if o in summary]
    x_factor = max(numeric, key=lambda f: summary[f].nunique()) if numeric else None
    others = [f for f in varied if f != x_factor]
    n_groups = summary.groupby(others).ngroups if others else 1
    if x_factor is not None and n_groups <= 8:
        cols = min(3, len(shown))
        rows = math.ceil(len(shown) / cols)
        fig = new_figure(figsize=(4.6 * cols, 2.8 * rows + 0.8))
        axes = fig.subplots(rows, cols, squeeze=False)
        groups = list(summary.groupby(others, sort=True)) if others else [((), summary)]
        handles: dict[str, object] = {}
        for ax, outcome in zip(axes.flat, shown, strict=False):
            for g, (key, group) in enumerate(groups):
                group = group.sort_values(x_factor)
                key = key if isinstance(key, tuple) else (key,)
                label = ", ".join(
                    f"{f.rsplit('.', 1)[-1]}={v}" for f, v in zip(others, key, strict=True)
                )
                colour = COLOURS(g % 10)
                (line,) = ax.plot(group[x_factor], group[outcome], marker="o", color=colour)
                ax.fill_between(
                    group[x_factor],
                    group[f"{outcome}_ci_low"],
                    group[f"{outcome}_ci_high"],
                    color=colour,
                    alpha=0.15,
                )
                if label:
                    handles.setdefault(label, line)
            ax.set_title(label_of(outcome), fontsize=8)
            ax.set_xlabel(x_factor, fontsize=8)
        for ax in list(axes.flat)[len(shown) :]:
            ax.set_visible(False)
        if handles:
            fig.legend(
                list(handles.values()),
                list(handles),
                loc="outside right upper",
                fontsize=8,
                frameon=False,
            )
        fig.suptitle(f"Sweep: replicate means with 95% CI ({len(shown)} outcomes)")
        return fig
    cols = max(1, len(varied))
    fig = new_figure(figsize=(4.5 * cols, 2.8 * len(shown) + 0.6))
    axes = fig.subplots(len(shown), cols, squeeze=False)
    for i, outcome in enumerate(shown):
        for j, factor in enumerate(varied):
            ax = axes[i, j]
            ax.scatter(pd.to_numeric(summary[factor], errors="coerce"), summary[outcome], s=12)
            if i == len(shown) - 1:
                ax.set_xlabel(factor, fontsize=8)
            if j == 0:
                ax.set_ylabel(label_of(outcome), fontsize=7)
    fig.suptitle(f"Sweep: point means ({len(shown)} outcomes)")
    return fig


def ablation_figure(table: pd.DataFrame, title: str = "") -> Figure:
    """Heat map of an ablation: one row per knocked-out mechanism, one column per cooperation
    outcome. The colour is the paired difference (knocked out − reference) as a share of the
    largest absolute difference in its column (outcomes have their own units); each cell prints
    the difference, and a cell whose 95% interval includes 0 is pale and unmarked, one that
    excludes it bold with a ``*``."""
    from iei_sim.outcomes import COOPERATION

    outcomes = [o for o in COOPERATION if o in set(table["outcome"])]
    mechanisms = list(dict.fromkeys(table["mechanism"]))
    cells = table[table["outcome"].isin(outcomes)]
    diff = cells.pivot(index="mechanism", columns="outcome", values="diff")
    diff = diff.reindex(index=mechanisms, columns=outcomes)
    found = (cells["diff_ci_low"] > 0) | (cells["diff_ci_high"] < 0)
    detected = (
        cells.assign(found=found)
        .pivot(index="mechanism", columns="outcome", values="found")
        .reindex(index=mechanisms, columns=outcomes)
        .fillna(False)
        .astype(bool)
    )
    scale = diff.abs().max().replace(0, 1.0).fillna(1.0)
    shade = (diff / scale).fillna(0.0)
    shade = shade.where(detected, shade * 0.25)  # undetected differences stay pale
    fig = new_figure(figsize=(1.25 * len(outcomes) + 3.6, 0.32 * len(mechanisms) + 1.8))
    ax = fig.subplots()
    image = ax.imshow(shade.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    for i, mechanism in enumerate(mechanisms):
        for j, outcome in enumerate(outcomes):
            value = diff.loc[mechanism, outcome]
            if value != value:
                continue
            mark = detected.loc[mechanism, outcome]
            ax.text(
                j,
                i,
                f"{value:+.3f}" + ("*" if mark else ""),
                ha="center",
                va="center",
                fontsize=6.5,
                fontweight="bold" if mark else "normal",
                color="white"
                if abs(shade.loc[mechanism, outcome]) > 0.6
                else ("black" if mark else "#555555"),
            )
    ax.set_xticks(
        range(len(outcomes)), [label_of(o) for o in outcomes], rotation=30, ha="right", fontsize=7.5
    )
    ax.set_yticks(range(len(mechanisms)), mechanisms, fontsize=7.5)
    bar = fig.colorbar(image, ax=ax, shrink=0.6)
    bar.set_label("difference / largest |difference| of its outcome", fontsize=7.5)
    ax.set_title(title or "Ablation", fontsize=9, loc="left")
    add_notes(
        fig,
        ["cell: knocked out − reference, paired by replicate; * and bold: its 95% CI excludes 0"],
        width=95,
    )
    return fig
