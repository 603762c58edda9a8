"""Figures of experiments, drawn from the results store's tables (comparisons and sweeps)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from iei_sim.experiments.analysis import step_bands
from iei_sim.outcomes import label_of


def timeseries_bands_figure(steps: pd.DataFrame, runs: pd.DataFrame, outcomes: list[str]) -> Figure:
    """One panel per outcome: each regime's replicate mean over time with its 95% CI band."""
    n = len(outcomes)
    cols = min(2, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 3.4 * rows), squeeze=False)
    colours = plt.get_cmap("tab10")
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        bands = step_bands(steps, runs, outcome)
        for i, (scenario, band) in enumerate(bands.groupby("scenario", sort=False)):
            colour = colours(i % 10)
            ax.plot(band["step"], band["mean"], color=colour, label=scenario)
            ax.fill_between(band["step"], band["ci_low"], band["ci_high"], color=colour, alpha=0.2)
        ax.set_title(label_of(outcome), fontsize=9)
        ax.set_xlabel("year")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7, loc="best")
    fig.suptitle("Regimes over time (replicate mean, 95% CI)")
    fig.tight_layout()
    return fig


def forest_figure(table: pd.DataFrame) -> Figure:
    """Forest plot: each regime's difference from the reference with its paired 95% CI, one
    panel per outcome (outcomes have their own units, so each panel has its own axis)."""
    diffs = table.dropna(subset=["diff"])
    outcomes = list(dict.fromkeys(diffs["outcome"]))
    scenarios = list(dict.fromkeys(diffs["scenario"]))
    reference = table[table["diff"].isna()]["scenario"].iloc[0]
    fig, axes = plt.subplots(
        len(outcomes),
        1,
        figsize=(7.5, 0.45 * len(scenarios) * len(outcomes) + 1.2 * len(outcomes)),
        squeeze=False,
    )
    for ax, outcome in zip(axes[:, 0], outcomes, strict=True):
        rows = diffs[diffs["outcome"] == outcome].set_index("scenario").reindex(scenarios)
        y = np.arange(len(scenarios))[::-1]
        low = (rows["diff"] - rows["diff_ci_low"]).fillna(0).to_numpy()
        high = (rows["diff_ci_high"] - rows["diff"]).fillna(0).to_numpy()
        significant = (rows["p_value"] < 0.05).to_numpy()
        colours = np.where(significant, "#d95f02", "#7f7f7f")
        for k in range(len(scenarios)):
            ax.errorbar(
                rows["diff"].iloc[k],
                y[k],
                xerr=[[low[k]], [high[k]]],
                fmt="o",
                color=colours[k],
                capsize=3,
            )
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, scenarios, fontsize=8)
        ax.set_title(label_of(outcome), fontsize=9, loc="left")
    axes[-1, 0].set_xlabel(
        f"difference from {reference} (paired by replicate, 95% CI; orange: p < 0.05)"
    )
    fig.tight_layout()
    return fig


def sweep_figure(summary: pd.DataFrame, factors: list[str], outcomes: list[str]) -> Figure:
    """Point means against the design's main numeric factor, one line (with 95% CI) per
    combination of the other factors; a scatter per factor when the design is not a grid."""
    varied = [f for f in factors if f in summary and summary[f].nunique() > 1]
    numeric = [
        f
        for f in varied
        if pd.api.types.is_numeric_dtype(summary[f]) and not pd.api.types.is_bool_dtype(summary[f])
    ]
    shown = outcomes[:4]
    x_factor = max(numeric, key=lambda f: summary[f].nunique()) if numeric else None
    others = [f for f in varied if f != x_factor]
    groups = summary.groupby(others, sort=True) if others else [((), summary)]
    n_groups = summary.groupby(others).ngroups if others else 1
    if x_factor is not None and n_groups <= 8:
        fig, axes = plt.subplots(len(shown), 1, figsize=(7, 2.8 * len(shown)), squeeze=False)
        colours = plt.get_cmap("tab10")
        for i, outcome in enumerate(shown):
            ax = axes[i, 0]
            for g, (key, group) in enumerate(groups):
                group = group.sort_values(x_factor)
                key = key if isinstance(key, tuple) else (key,)
                label = ", ".join(
                    f"{f.rsplit('.', 1)[-1]}={v}" for f, v in zip(others, key, strict=True)
                )
                colour = colours(g % 10)
                ax.plot(
                    group[x_factor], group[outcome], marker="o", color=colour, label=label or None
                )
                ax.fill_between(
                    group[x_factor],
                    group[f"{outcome}_ci_low"],
                    group[f"{outcome}_ci_high"],
                    color=colour,
                    alpha=0.15,
                )
            ax.set_ylabel(outcome, fontsize=8)
            if others and i == 0:
                ax.legend(fontsize=7, loc="best")
        axes[-1, 0].set_xlabel(x_factor)
        fig.suptitle("Sweep: replicate means with 95% CI")
        fig.tight_layout()
        return fig
    cols = max(1, len(varied))
    fig, axes = plt.subplots(
        len(shown), cols, figsize=(4.5 * cols, 2.8 * len(shown)), squeeze=False
    )
    for i, outcome in enumerate(shown):
        for j, factor in enumerate(varied):
            ax = axes[i, j]
            ax.scatter(pd.to_numeric(summary[factor], errors="coerce"), summary[outcome], s=12)
            if i == len(shown) - 1:
                ax.set_xlabel(factor, fontsize=8)
            if j == 0:
                ax.set_ylabel(outcome, fontsize=8)
    fig.suptitle("Sweep: point means")
    fig.tight_layout()
    return fig


def save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
