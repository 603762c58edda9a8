"""Figures and the text summary of a sensitivity analysis, drawn from its tables."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox

from iei_sim.experiments.spec import Method
from iei_sim.outcomes import OUTCOMES, label_of
from iei_sim.plots.saving import new_figure
from iei_sim.sensitivity.analyze import MAIN_INDEX
from iei_sim.sensitivity.problem import DUMMY

KIND_COLOURS = {"lever": "#1f77b4", "uncertainty": "#ff7f0e", "dummy": "#7f7f7f"}
METHOD_TITLES = {
    "sobol": "Sobol' indices",
    "morris": "Morris elementary effects",
    "delta": "Borgonovo δ",
    "pawn": "PAWN (median KS)",
}


def short(path: str) -> str:
    """A factor's label in figures: the dotted path without the leading ``policy.``."""
    return path.removeprefix("policy.")


def _title(outcome: str) -> str:
    return f"{outcome}\n{label_of(outcome)}" if outcome in OUTCOMES else outcome


def _grid(n: int, width: float, height: float) -> tuple[Figure, list[Any]]:
    cols = min(2, n)
    rows = int(np.ceil(n / cols))
    fig = new_figure(figsize=(width * cols, height * rows))
    flat = list(fig.subplots(rows, cols, squeeze=False).flat)
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _order(indices: pd.DataFrame, outcome: str, index: str) -> list[str]:
    main = indices[(indices["outcome"] == outcome) & (indices["index"] == index)]
    return list(main.sort_values("value", ascending=True)["factor"])


def indices_figure(indices: pd.DataFrame, method: Method, kinds: dict[str, str]) -> Figure:
    """Bar chart per outcome of the method's indices with their 95% intervals; the dummy's
    value (grey) is the noise floor."""
    outcomes = list(dict.fromkeys(indices["outcome"]))
    d = len(kinds)
    fig, axes = _grid(len(outcomes), 6.2, 0.32 * d + 1.4)
    main = MAIN_INDEX[method.name]
    shown = ["S1", "ST"] if method.name == "sobol" else [main]
    for ax, outcome in zip(axes, outcomes, strict=True):
        order = _order(indices, outcome, main)
        y = np.arange(len(order))
        height = 0.8 / len(shown)
        for k, index in enumerate(shown):
            rows = indices[(indices["outcome"] == outcome) & (indices["index"] == index)]
            rows = rows.set_index("factor").reindex(order)
            colours = [KIND_COLOURS[kinds.get(f, "lever")] for f in order]
            offset = (k - (len(shown) - 1) / 2) * height
            ax.barh(
                y + offset,
                rows["value"],
                height=height,
                xerr=rows["conf"].fillna(0).to_numpy(),
                color=colours,
                alpha=0.45 if (index == "S1" and len(shown) > 1) else 0.9,
                hatch="//" if (index == "S1" and len(shown) > 1) else None,
                edgecolor="white",
                error_kw={"elinewidth": 0.8, "capsize": 2},
            )
        if DUMMY in order:
            floor = indices[
                (indices["outcome"] == outcome)
                & (indices["index"] == main)
                & (indices["factor"] == DUMMY)
            ]
            value = float(floor["value"].iloc[0])
            ax.axvline(value, color=KIND_COLOURS["dummy"], linestyle=":", linewidth=1)
        ax.set_yticks(y, [short(f) for f in order], fontsize=7)
        ax.set_title(_title(outcome), fontsize=8)
        ax.axvline(0, color="black", linewidth=0.5)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel(" / ".join(shown) + " (95% CI)", fontsize=7)
    handles = [Rectangle((0, 0), 1, 1, color=c) for c in KIND_COLOURS.values()]
    labels = ["lever", "uncertainty", "dummy: random numbers only (dotted line)"]
    if method.name == "sobol":
        handles.append(Rectangle((0, 0), 1, 1, facecolor="white", edgecolor="k", hatch="//"))
        labels.append("hatched: S1; solid: ST")
    fig.legend(
        handles, labels, loc="outside lower center", ncol=len(labels), fontsize=7, frameon=False
    )
    fig.suptitle(METHOD_TITLES[method.name], fontsize=10)
    return fig


def heatmap_figure(indices: pd.DataFrame, method: Method, kinds: dict[str, str]) -> Figure:
    """Factors × outcomes of the main index (ST; Morris: μ* over each outcome's largest μ*)."""
    main = MAIN_INDEX[method.name]
    table = indices[indices["index"] == main].pivot(
        index="factor", columns="outcome", values="value"
    )
    outcomes = list(dict.fromkeys(indices["outcome"]))
    table = table.reindex(index=[f for f in kinds if f in table.index], columns=outcomes)
    title = f"{main} by factor and outcome"
    if method.name == "morris":
        table = table / table.max(axis=0).replace(0, np.nan)
        title = "μ* / largest μ* of the outcome"
    fig = new_figure(figsize=(1.0 * table.shape[1] + 3.5, 0.36 * table.shape[0] + 2.2))
    ax = fig.add_subplot()
    image = ax.imshow(table.to_numpy(dtype=float), cmap="viridis", vmin=0, aspect="auto")
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            value = table.iat[i, j]
            if np.isfinite(value):
                colour = "black" if value > 0.6 * np.nanmax(table.to_numpy(dtype=float)) else "w"
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=6, color=colour)
    ax.set_yticks(range(table.shape[0]), [short(f) for f in table.index], fontsize=7)
    ax.set_xticks(range(table.shape[1]), table.columns, rotation=35, ha="right", fontsize=7)
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_title(title, fontsize=9)
    return fig


def convergence_figure(table: pd.DataFrame, method: Method) -> Figure:
    """The main index against the sample size, one line per factor, with its 95% band."""
    main = MAIN_INDEX[method.name]
    rows = table[table["index"] == main]
    outcomes = list(dict.fromkeys(rows["outcome"]))
    fig, axes = _grid(len(outcomes), 5.6, 3.4)
    colours = colormaps["tab20"]
    factors = list(dict.fromkeys(rows["factor"]))
    for ax, outcome in zip(axes, outcomes, strict=True):
        for i, factor in enumerate(factors):
            line = rows[(rows["outcome"] == outcome) & (rows["factor"] == factor)]
            line = line.sort_values("samples")
            dummy = factor == DUMMY
            colour = "black" if dummy else colours(i % 20)
            ax.plot(
                line["samples"],
                line["value"],
                marker="o",
                markersize=3,
                color=colour,
                linestyle="--" if dummy else "-",
                linewidth=1,
                label=short(factor),
            )
            conf = line["conf"].fillna(0)
            ax.fill_between(
                line["samples"],
                line["value"] - conf,
                line["value"] + conf,
                color=colour,
                alpha=0.08,
            )
        ax.set_xscale("log", base=2)
        ax.set_title(_title(outcome), fontsize=8)
        ax.set_xlabel(_size_label(method), fontsize=7)
        ax.set_ylabel(main, fontsize=7)
        ax.tick_params(labelsize=7)
    fig.legend(
        *axes[0].get_legend_handles_labels(),
        loc="outside right upper",
        fontsize=6,
        frameon=False,
    )
    fig.suptitle(f"Convergence of {main} (95% bands; dashed: dummy)", fontsize=10)
    return fig


def _size_label(method: Method) -> str:
    return {
        "sobol": "base sample N",
        "morris": "trajectories",
    }.get(method.name, "sample points")


def morris_figure(indices: pd.DataFrame, kinds: dict[str, str]) -> Figure:
    """μ* against σ per outcome: right = influential, up = interactions or non-linearity."""
    outcomes = list(dict.fromkeys(indices["outcome"]))
    fig, axes = _grid(len(outcomes), 5.2, 4.0)
    labels: list[tuple[Any, list[tuple[float, float, str]]]] = []
    for ax, outcome in zip(axes, outcomes, strict=True):
        own = indices[indices["outcome"] == outcome]
        mu = own[own["index"] == "mu_star"].set_index("factor")
        sigma = own[own["index"] == "sigma"].set_index("factor")["value"].reindex(mu.index)
        for factor in mu.index:
            colour = KIND_COLOURS[kinds.get(factor, "lever")]
            ax.errorbar(
                mu.at[factor, "value"],
                sigma[factor],
                xerr=np.nan_to_num(mu.at[factor, "conf"]),
                fmt="o",
                color=colour,
                markersize=4,
                elinewidth=0.7,
                capsize=2,
            )
        order = mu["value"].sort_values(ascending=False, kind="stable").index
        labels.append((ax, [(mu.at[f, "value"], sigma[f], short(f)) for f in order]))
        top = float(np.nanmax([mu["value"].max(), sigma.max(), 1e-12])) * 1.05
        ax.plot([0, top], [0, top], color="grey", linestyle="--", linewidth=0.7)
        ax.text(top, top, "σ = μ*", fontsize=6, color="grey", ha="right", va="bottom")
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.set_xlabel("μ* (95% CI)", fontsize=7)
        ax.set_ylabel("σ", fontsize=7)
        ax.set_title(_title(outcome), fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle("Morris screening: μ* (influence) vs σ (interactions / non-linearity)")
    FigureCanvasAgg(fig).draw()  # fixes the layout, so labels are placed where they will be
    for ax, points in labels:
        place_labels(ax, points, fontsize=5.5)
    return fig


# Where a point's label may go, in points from the marker, tried in this order: beside it to the
# upper right first (the usual reading), then the other corners, straight above and below, then
# stacked ever further above and below on either side (a cluster's labels form two columns).
LABEL_OFFSETS = [(4, 2), (4, -2), (-4, 2), (-4, -2), (0, 5), (0, -5)] + [
    (dx, dy * 7 * step) for step in range(1, 9) for dx in (4, -4) for dy in (1, -1)
]


def place_labels(ax, points: list[tuple[float, float, str]], fontsize: float) -> list:
    """Annotate each ``(x, y, text)`` at the first offset (:data:`LABEL_OFFSETS`) where it
    overlaps no label placed before and no marker, measured on the drawn figure; a label that
    fits nowhere takes the offset where it overlaps least. Earlier points choose first, so the
    caller lists the most important first. Deterministic: no random jitter, no iteration."""
    renderer = ax.figure.canvas.get_renderer()  # a drawn Agg canvas (see morris_figure)
    marker = 3.0 * ax.figure.dpi / 72  # the markers' half-size, in pixels
    taken = []
    for x, y in ((x, y) for x, y, _ in points if np.isfinite(x) and np.isfinite(y)):
        cx, cy = ax.transData.transform((x, y))
        taken.append(Bbox.from_extents(cx - marker, cy - marker, cx + marker, cy + marker))
    inside = ax.get_window_extent(renderer)
    placed = []
    for x, y, text in points:
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        best = None
        for dx, dy in LABEL_OFFSETS:
            label = ax.annotate(
                text,
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                fontsize=fontsize,
                ha="left" if dx > 0 else "right" if dx < 0 else "center",
                va="bottom" if dy > 0 else "top" if dy < 0 else "center",
                annotation_clip=False,
            )
            label.set_in_layout(False)
            box = label.get_window_extent(renderer)
            clash = sum(_overlap(box, other) for other in taken) + (
                0.0 if _contains(inside, box) else box.width * box.height
            )
            if best is None or clash < best[0]:
                if best is not None:
                    best[1].remove()
                best = (clash, label, box)
            else:
                label.remove()
            if clash == 0:
                break
        assert best is not None
        taken.append(best[2])
        placed.append(best[1])
    return placed


def _overlap(a: Bbox, b: Bbox) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width * height if width > 0 and height > 0 else 0.0


def _contains(outer: Bbox, inner: Bbox) -> bool:
    return (
        outer.x0 <= inner.x0
        and inner.x1 <= outer.x1
        and outer.y0 <= inner.y0
        and inner.y1 <= outer.y1
    )


def summary_text(
    *,
    name: str,
    method: Method,
    kinds: dict[str, str],
    rows: int,
    replicates: int,
    runs: int,
    indices: pd.DataFrame,
    noise: pd.DataFrame,
    verdict: dict[str, Any],
    constant: list[str],
) -> str:
    """A short plain-text report: per outcome, the levers ranked by the main index, then the
    uncertainties, with the dummy's value and the replicate noise."""
    main = MAIN_INDEX[method.name]
    n_factors = sum(1 for k in kinds.values() if k != "dummy")
    dummy = DUMMY in kinds
    lines = [
        f"{METHOD_TITLES[method.name]} for experiment '{name}'",
        f"{n_factors} factors{' + dummy' if dummy else ''}; {method.name} samples = "
        f"{method.samples} → {rows} sample rows × {replicates} replicates = {runs} runs "
        "(common random numbers).",
        f"Indices on replicate means; ± is the 95% bootstrap half-width ({method.resamples} "
        "resamples). Ranked by "
        + (f"{main} (total effect)." if method.name == "sobol" else f"{main}."),
    ]
    if dummy:
        lines.append(
            "The dummy is ignored by the model but draws its own random numbers: its index is "
            "what a change of seeds alone produces (the noise floor). A factor marked '< dummy' "
            "moves the outcome less than the random numbers do."
        )
    lines.append("")
    noise = noise.set_index("outcome")
    for outcome in dict.fromkeys(indices["outcome"]):
        own = indices[(indices["outcome"] == outcome) & (indices["index"] == main)]
        own = own.sort_values("value", ascending=False)
        floor = own[own["factor"] == DUMMY]
        floor_value = float(floor["value"].iloc[0]) if len(floor) else None
        share = noise.at[outcome, "noise_share"] if outcome in noise.index else np.nan
        mean_share = noise.at[outcome, "mean_noise_share"] if outcome in noise.index else np.nan
        if replicates > 1:
            head = f"{outcome}: replicate noise {_pct(share)} of a single run's variance, "
            head += f"{_pct(mean_share)} of the replicate means'"
        else:
            head = f"{outcome}: 1 replicate, replicate noise not measured"
        if len(floor):
            head += f"; dummy {main} {float(floor['value'].iloc[0]):.3f}"
        lines.append(head)
        extra = _extra(indices, outcome, method)
        for kind, label in (("lever", "levers"), ("uncertainty", "uncertainties")):
            ranked = own[own["factor"].map(kinds) == kind]
            if ranked.empty:
                continue
            lines.append(f"  {label}:")
            for rank, row in enumerate(ranked.itertuples(), start=1):
                below = floor_value is not None and row.value < floor_value
                note = "  (< dummy)" if below else ""
                lines.append(
                    f"    {rank:2d}. {row.factor:<45s} {main} {row.value:7.3f} ± "
                    f"{np.nan_to_num(row.conf):.3f}{extra.get(row.factor, '')}{note}"
                )
        lines.append("")
    for outcome in constant:
        lines.append(f"{outcome}: did not vary over the sample; no indices.")
    lines += convergence_lines(verdict, method)
    return "\n".join(lines).rstrip() + "\n"


def convergence_lines(verdict: dict[str, Any], method: Method) -> list[str]:
    """The convergence verdict in words, one line per outcome."""
    sizes = verdict.get("sizes") or []
    table = verdict.get("outcomes")
    if len(sizes) < 2 or table is None or table.empty:
        return ["Convergence: one sample size only; nothing to compare."]
    index = verdict["index"]
    relative = " / largest" if method.name == "morris" else ""
    lines = [
        f"Convergence of {index} from {sizes[-2]} to {sizes[-1]} samples (dummy excluded): "
        f"values settled if no {index}{relative} moved more than {verdict['tolerance']}; ranking "
        f"settled if the top-down correlation of the two rankings is ≥ "
        f"{verdict['ranking_tolerance']}.",
    ]
    for row in table.itertuples():
        lines.append(
            f"  {row.outcome:<28s} largest change {row.max_change:6.3f} ({row.factor}) "
            f"{'settled' if row.converged else 'NOT settled'}; ranking {row.ranking:5.3f} "
            f"{'settled' if row.ranking_converged else 'NOT settled'}"
        )
    values = int(table["converged"].sum())
    ranks = int(table["ranking_converged"].sum())
    n = len(table)
    lines.append(
        f"Values settled for {values} of {n} outcomes, rankings for {ranks} of {n}"
        + ("." if values == n else "; raise `samples` for settled values.")
    )
    return lines


def _extra(indices: pd.DataFrame, outcome: str, method: Method) -> dict[str, str]:
    """Second column of the ranking: S1 for Sobol', σ for Morris."""
    other = {"sobol": "S1", "morris": "sigma"}.get(method.name)
    if other is None:
        return {}
    rows = indices[(indices["outcome"] == outcome) & (indices["index"] == other)]
    out = {}
    for row in rows.itertuples():
        conf = f" ± {row.conf:.3f}" if np.isfinite(row.conf) else ""
        out[row.factor] = f"   {other} {row.value:7.3f}{conf}"
    return out


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%" if np.isfinite(value) else "n/a"
