"""How ``compare``, ``sweep`` and ``results`` show their tables: on a terminal (any width from
80 columns, no label cut) and, for ``compare``, as Markdown, CSV or JSON.

Labels and units come from the outcome registry; shares are shown as percentages and their
differences in percentage points, other values with their unit's fixed-point format. The
tables written to files keep the raw units; only what is printed is converted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from iei_sim.caveats import Caveat
from iei_sim.outcomes import OUTCOMES, SHARE, Outcome

if TYPE_CHECKING:
    import pandas as pd

SIGNIFICANCE = 0.05
MARKER = "*"
EARLY_MARKER = "†"


class TableFormat(StrEnum):
    """How the printed tables look: a terminal table, or text for another program."""

    TERMINAL = "terminal"
    MD = "md"
    CSV = "csv"
    JSON = "json"


def is_share(outcome: Outcome | None) -> bool:
    return outcome is not None and outcome.unit == SHARE


def unit_shown(name: str, differences: bool = True) -> str:
    outcome = OUTCOMES.get(name)
    if outcome is None:
        return ""
    if is_share(outcome):
        return "%; differences in pp" if differences else "%"
    return outcome.unit.shown_as


def heading(name: str, differences: bool = True) -> str:
    """``Label (unit)``, from the registry (the name itself for an unknown column); a share's
    unit says its differences are in percentage points where a table shows differences."""
    outcome = OUTCOMES.get(name)
    if outcome is None:
        return name
    return f"{outcome.label} ({unit_shown(name, differences)})"


def number(name: str, value: float, signed: bool = False) -> str:
    """One value as shown: a share in % (a difference in pp), else the unit's format."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    outcome = OUTCOMES.get(name)
    if is_share(outcome):
        percent = round(value * 100, 1) + 0.0  # (+ 0.0: no "-0.0")
        return f"{percent:+.1f}" if signed else f"{percent:.1f}"
    pattern = outcome.unit.format if outcome else "{:,.3f}"
    if signed and "+" not in pattern:
        pattern = pattern.replace("{:", "{:+", 1)
    return pattern.format(value)


def interval(name: str, low: float | None, high: float | None) -> str:
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (low, high)):
        return ""
    return f"[{number(name, low)}, {number(name, high)}]"


def p_text(p: float) -> str:
    if isinstance(p, float) and math.isnan(p):
        return ""
    shown = "<0.001" if p < 0.001 else f"{p:.3f}"
    return shown + (f" {MARKER}" if p < SIGNIFICANCE else "")


def comparison_notes(
    reference: str,
    caveats: Sequence[Caveat],
    has_shares: bool,
    early: Mapping[str, int] | None = None,
) -> list[str]:
    """The footnotes under a comparison: what the markers mean, units, then the caveats."""
    notes = [
        f"{MARKER} paired p < {SIGNIFICANCE:g} vs reference ({reference}); differences and "
        "their 95% CIs pair replicates that share a seed (common random numbers)"
    ]
    if early:
        years = sorted(set(early.values()))
        notes.append(
            f"{EARLY_MARKER} averages years before it means anything (year "
            f"{', '.join(map(str, years))}: no cohort that could meet a partnership had "
            "graduated); run more years (--steps)"
        )
    if has_shares:
        notes.append("Shares are in %, their differences in percentage points (pp).")
    notes += [f"Note: {c.text}" for c in caveats]
    return notes


@dataclass
class Block:
    """A titled block of rows of a grouped table."""

    title: str
    rows: list[list[tuple[str, str]]]  # cells of (value, interval)


def grouped(
    headers: Sequence[str], blocks: Sequence[Block], width: int, notes: Sequence[str]
) -> RenderableType:
    """A table of titled blocks whose columns line up, fitted to ``width``: value and
    interval on one line when they fit, else the interval under its value. Titles and notes
    wrap; nothing is cut."""
    columns = len(headers)

    def cell(value: str, ci: str, stacked: bool) -> str:
        if not ci:
            return value
        return f"{value}\n{ci}" if stacked else f"{value} {ci}"

    def widest(stacked: bool) -> list[int]:
        sizes = [len(h) for h in headers]
        for block in blocks:
            for row in block.rows:
                for k, (value, ci) in enumerate(row):
                    lines = cell(value, ci, stacked).split("\n")
                    sizes[k] = max(sizes[k], *map(len, lines))
        return sizes

    stacked = sum(widest(False)) + columns - 1 > width
    sizes = widest(stacked)
    # a first column too wide for what is left wraps (its words, never cut)
    first = max(8, min(sizes[0], width - sum(sizes[1:]) - (columns - 1)))
    parts: list[RenderableType] = []
    for i, block in enumerate(blocks):
        parts.append(Text(block.title, style="bold"))
        table = Table(
            box=None, show_header=i == 0, pad_edge=False, padding=(0, 1, 0, 0), header_style="dim"
        )
        table.add_column(headers[0], width=first, overflow="fold")
        for header, size in zip(headers[1:], sizes[1:], strict=True):
            # (fold: a terminal too narrow even for stacked cells breaks a number, never cuts it)
            table.add_column(header, justify="right", width=size, overflow="fold")
        for row in block.rows:
            table.add_row(*(cell(v, ci, stacked) for v, ci in row))
        parts.append(table)
    parts += [Text(note, style="dim") for note in notes]
    return Group(*parts)


def comparison_groups(
    table: pd.DataFrame, shown: Sequence[str], early: Mapping[str, int] | None = None
) -> list[Block]:
    reference = table["scenario"].iloc[0]
    groups = []
    for outcome in shown:
        rows = []
        for row in table[table["outcome"] == outcome].itertuples():
            diff = (
                ("", "")
                if row.scenario == reference
                else (
                    number(outcome, row.diff, signed=True),
                    interval(outcome, row.diff_ci_low, row.diff_ci_high),
                )
            )
            rows.append(
                [
                    (str(row.scenario), ""),
                    (number(outcome, row.mean), interval(outcome, row.ci_low, row.ci_high)),
                    diff,
                    (p_text(row.p_value), ""),
                ]
            )
        title = heading(outcome)
        if early and outcome in early:
            title += f" {EARLY_MARKER}"
        groups.append(Block(title, rows))
    return groups


def comparison_view(
    table: pd.DataFrame,
    shown: Sequence[str],
    caveats: Sequence[Caveat],
    width: int,
    early: Mapping[str, int] | None = None,
) -> RenderableType:
    """Each shown outcome's block: per regime its mean [95% CI], its paired difference from
    the reference [95% CI] and p, with the footnotes under the table."""
    reference = str(table["scenario"].iloc[0])
    headers = ["regime", "mean [95% CI]", f"vs {reference} [95% CI]", "p"]
    shares = any(is_share(OUTCOMES.get(o)) for o in shown)
    notes = comparison_notes(reference, caveats, shares, early)
    title = Text(f"Regimes vs {reference} (replicate means)", style="bold underline")
    return Group(title, grouped(headers, comparison_groups(table, shown, early), width, notes))


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    align = ["---"] + ["---:"] * (len(headers) - 1)
    return "\n".join([line(headers), line(align), *(line(r) for r in rows)])


def comparison_markdown(
    table: pd.DataFrame,
    shown: Sequence[str],
    caveats: Sequence[Caveat],
    early: Mapping[str, int] | None = None,
) -> str:
    reference = str(table["scenario"].iloc[0])
    headers = ["outcome", "regime", "mean", "95% CI", f"vs {reference}", "95% CI", "p"]
    rows = []
    for group in comparison_groups(table, shown, early):
        for (regime, _), (mean, ci), (diff, diff_ci), (p, _) in group.rows:
            rows.append([group.title, regime, mean, ci, diff, diff_ci, p])
    shares = any(is_share(OUTCOMES.get(o)) for o in shown)
    notes = comparison_notes(reference, caveats, shares, early)
    return markdown_table(headers, rows) + "\n\n" + "\n".join(f"- {n}" for n in notes) + "\n"


# -- cost-effectiveness ------------------------------------------------------------------------


def money(value: float, signed: bool = False) -> str:
    return number("fiscal_cost", value, signed)


# (``iei-sim --help`` imports this module: the cost-effectiveness code, with NumPy and SciPy,
# loads when a table is shown)
def ratio_text(value: float) -> str:
    from iei_sim.experiments.cost_effectiveness import SHOWN_PER

    return "" if math.isnan(value) else f"{value * SHOWN_PER:,.2f}"


def ratio_interval(low: float, high: float) -> str:
    from iei_sim.experiments.cost_effectiveness import SHOWN_PER

    if math.isnan(low) or math.isnan(high):
        return ""
    return f"[{low * SHOWN_PER:,.2f}, {high * SHOWN_PER:,.2f}]"


def cost_groups(cost: pd.DataFrame) -> list[Block]:
    from iei_sim.experiments.cost_effectiveness import EFFECTS

    groups = []
    for row in cost[cost["note"] != "reference"].to_dict("records"):
        extra = (
            money(row["extra_fiscal_cost"], signed=True),
            interval("fiscal_cost", row["extra_fiscal_cost_low"], row["extra_fiscal_cost_high"]),
        )
        title = f"{row['scenario']}: extra fiscal cost {' '.join(p for p in extra if p)} (10k CNY)"
        if row["note"]:
            title += f"; no ratio: {row['note']}"
        rows = []
        for effect in EFFECTS:
            name = effect.name
            rows.append(
                [
                    (f"{effect.label} ({effect.unit})", ""),
                    (
                        f"{row[f'extra_{name}']:+,.1f}",
                        ""
                        if math.isnan(row[f"extra_{name}_low"])
                        else f"[{row[f'extra_{name}_low']:,.1f}, {row[f'extra_{name}_high']:,.1f}]",
                    ),
                    (
                        ratio_text(row[f"{name}_per_cost"]),
                        ratio_interval(row[f"{name}_per_cost_low"], row[f"{name}_per_cost_high"]),
                    ),
                ]
            )
        groups.append(Block(title, rows))
    return groups


def cost_notes(caveats: Sequence[Caveat]) -> list[str]:
    return [
        "Extra = regime minus reference, paired by seed (95% t-CI). Per 10M CNY (1,000 × 10k "
        "CNY) of extra fiscal cost: the ratio of the mean differences, 95% CI from a paired "
        "bootstrap; empty where the extra cost is 0, negative or its CI spans 0.",
        *(f"Note: {c.text}" for c in caveats),
    ]


def cost_view(cost: pd.DataFrame, caveats: Sequence[Caveat], width: int) -> RenderableType:
    """Per regime: its extra fiscal cost, and each effect's extra amount and amount per
    10M CNY of extra fiscal cost, with 95% CIs."""
    from iei_sim.experiments.cost_effectiveness import SHOWN_PER_TEXT

    reference = str(cost["reference"].iloc[0])
    headers = ["effect", f"extra vs {reference} [95% CI]", f"{SHOWN_PER_TEXT} [95% CI]"]
    title = Text(f"What each regime buys against {reference}", style="bold underline")
    return Group(title, grouped(headers, cost_groups(cost), width, cost_notes(caveats)))


def cost_markdown(cost: pd.DataFrame, caveats: Sequence[Caveat]) -> str:
    from iei_sim.experiments.cost_effectiveness import SHOWN_PER_TEXT

    reference = str(cost["reference"].iloc[0])
    headers = ["regime", "effect", f"extra vs {reference}", "95% CI", SHOWN_PER_TEXT, "95% CI"]
    rows = []
    for group in cost_groups(cost):
        regime = group.title
        for (effect, _), (extra, extra_ci), (ratio, ratio_ci) in group.rows:
            rows.append([regime, effect, extra, extra_ci, ratio, ratio_ci])
    notes = cost_notes(caveats)
    return markdown_table(headers, rows) + "\n\n" + "\n".join(f"- {n}" for n in notes) + "\n"


def machine_text(
    kind: TableFormat,
    table: pd.DataFrame,
    shown: Sequence[str],
    cost: pd.DataFrame,
    caveats: Sequence[Caveat],
) -> str:
    """The shown outcomes' rows of ``comparison.csv`` (raw units) as CSV; as JSON, an object
    with those rows, the cost-effectiveness rows and the caveats' texts."""
    order = {name: k for k, name in enumerate(shown)}
    rows = table[table["outcome"].isin(shown)].sort_values(
        "outcome", key=lambda names: names.map(order), kind="stable"
    )
    if kind == TableFormat.CSV:
        return rows.to_csv(index=False, float_format="%.6g")
    document = {
        "comparison": json.loads(rows.to_json(orient="records")),
        "cost_effectiveness": json.loads(cost.to_json(orient="records")) if len(cost) else [],
        "caveats": [c.text for c in caveats],
    }
    return json.dumps(document, indent=2) + "\n"


# -- sweeps -------------------------------------------------------------------------------------

POINTS_SHOWN = 12  # design points a terminal summary lists (summary.csv has them all)


def factor_text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def point_title(point: dict, factors: Sequence[str]) -> str:
    values = ", ".join(
        f"{f.rsplit('.', 1)[-1]}={factor_text(point[f])}" for f in factors if f in point
    )
    runs = f"{point.get('runs_ok', 0)} ok" + (
        f", {point['runs_failed']} failed" if point.get("runs_failed") else ""
    )
    return f"point {point['point']}: {values or point.get('scenario', '')} ({runs})"


def point_summary_view(
    summary: pd.DataFrame,
    factors: Sequence[str],
    outcomes: Sequence[str],
    width: int,
    limit: int = POINTS_SHOWN,
) -> RenderableType:
    """Per design point (its factor values as the title): each outcome's replicate mean and
    95% CI, labelled from the registry; the first ``limit`` points, the rest counted."""
    shown = [o for o in outcomes if o in summary]
    blocks = []
    for point in summary.head(limit).to_dict("records"):
        rows = [
            [
                (heading(o, differences=False), ""),
                (
                    number(o, point[o]),
                    interval(o, point.get(f"{o}_ci_low"), point.get(f"{o}_ci_high")),
                ),
            ]
            for o in shown
        ]
        blocks.append(Block(point_title(point, factors), rows))
    notes = []
    if len(summary) > limit:
        notes.append(f"and {len(summary) - limit} more design points: see summary.csv")
    if any(is_share(OUTCOMES.get(o)) for o in shown):
        notes.append("Shares are in %.")
    title = Text("Design points (replicate means)", style="bold underline")
    return Group(title, grouped(["outcome", "mean [95% CI]"], blocks, width, notes))
