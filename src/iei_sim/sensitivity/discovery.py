"""Scenario discovery: which lever boxes achieve a target on the outcomes (PRIM).

A *target* is a condition on outcomes, e.g. ``firm_participation_rate >= 0.4 and fiscal_cost <=
500``, evaluated on each design point's replicate mean. PRIM (the patient rule induction method,
EMA Workbench's ``ema_workbench.analysis.prim``) peels the lever space down to boxes ever richer
in points that meet it: *coverage* is the share of all target-meeting points inside the box,
*density* the share of the box's points that meet the target. The peeling trajectory is the
coverage–density trade-off; the box reported is the densest one whose coverage is still at
least ``min_coverage`` (the simplest box within ``density_slack`` of that density).

The target is parsed with :mod:`ast` and checked against a whitelist (outcome names, numbers,
comparisons, ``and``/``or``/``not``, parentheses); nothing of it is ever executed.
"""

from __future__ import annotations

import ast
import operator
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from iei_sim.extras import needs_extra
from iei_sim.validation import suggestion

MAX_TARGET_LENGTH = 500
_COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_ALLOWED = (
    "outcome names, numbers, comparisons (<, <=, >, >=, ==, !=), `and`, `or`, `not` and parentheses"
)


class TargetError(ValueError):
    """A target the parser refuses (the message says what and why)."""


@dataclass(frozen=True)
class Target:
    """A parsed target: its text, the outcomes it reads, and its checked syntax tree."""

    text: str
    outcomes: tuple[str, ...]
    tree: ast.Expression = field(repr=False, compare=False)

    def evaluate(self, table: pd.DataFrame) -> np.ndarray:
        """Whether each line of ``table`` (one column per outcome) meets the target."""
        return np.asarray(_evaluate(self.tree.body, table), dtype=bool)


def parse_target(text: str, outcomes: list[str]) -> Target:
    """Parse and check a target against the outcomes an experiment keeps."""
    text = " ".join(str(text).split())
    if not text:
        raise TargetError('empty target; e.g. "firm_participation_rate >= 0.4"')
    if len(text) > MAX_TARGET_LENGTH:
        raise TargetError(f"target longer than {MAX_TARGET_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise TargetError(f"not a condition ({type(exc).__name__}); allowed: {_ALLOWED}") from None
    names: list[str] = []
    _check(tree.body, set(outcomes), names, text)
    if not isinstance(tree.body, ast.Compare | ast.BoolOp | ast.UnaryOp):
        raise TargetError(f"a target must be a comparison; allowed: {_ALLOWED}")
    if not names:
        raise TargetError("a target must compare at least one outcome")
    return Target(text, tuple(dict.fromkeys(names)), tree)


def _check(node: ast.AST, outcomes: set[str], names: list[str], text: str) -> None:
    def refuse(why: str) -> TargetError:
        piece = ast.get_source_segment(text, node) or type(node).__name__
        return TargetError(f"`{piece}`: {why}; allowed: {_ALLOWED}")

    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check_condition(value, outcomes, names, text)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check_condition(node.operand, outcomes, names, text)
    elif isinstance(node, ast.Compare):
        if not all(type(op) in _COMPARE for op in node.ops):
            raise refuse("not a comparison operator")
        operands = [node.left, *node.comparators]
        for operand in operands:
            _check_operand(operand, outcomes, names, text)
        if not any(isinstance(o, ast.Name) for o in operands):
            raise refuse("compares no outcome")
    else:
        raise refuse("not a condition")


def _check_condition(node: ast.AST, outcomes: set[str], names: list[str], text: str) -> None:
    if not isinstance(node, ast.Compare | ast.BoolOp | ast.UnaryOp):
        piece = ast.get_source_segment(text, node) or type(node).__name__
        raise TargetError(f"`{piece}`: not a condition; allowed: {_ALLOWED}")
    _check(node, outcomes, names, text)


def _check_operand(node: ast.AST, outcomes: set[str], names: list[str], text: str) -> None:
    piece = ast.get_source_segment(text, node) or type(node).__name__
    if isinstance(node, ast.Name):
        if node.id not in outcomes:
            raise TargetError(
                f"`{node.id}` is not an outcome of this experiment"
                f"{suggestion(node.id, sorted(outcomes))}; allowed: " + ", ".join(sorted(outcomes))
            )
        names.append(node.id)
        return
    if _number(node) is not None:
        return
    raise TargetError(
        f"`{piece}`: only outcome names and numbers can be compared; allowed: {_ALLOWED}"
    )


def _number(node: ast.AST) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        if isinstance(node.value, bool):
            return None
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _number(node.operand)
        if inner is None:
            return None
        return -inner if isinstance(node.op, ast.USub) else inner
    return None


def _evaluate(node: ast.AST, table: pd.DataFrame) -> np.ndarray:
    if isinstance(node, ast.BoolOp):
        parts = [_evaluate(v, table) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        out = parts[0]
        for part in parts[1:]:
            out = combine(out, part)
        return out
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return np.logical_not(_evaluate(node.operand, table))
    if isinstance(node, ast.Compare):
        operands = [_operand(o, table) for o in (node.left, *node.comparators)]
        out = np.ones(len(table), dtype=bool)
        for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
            out &= np.asarray(_COMPARE[type(op)](left, right), dtype=bool)
        return out
    raise TargetError(f"unexpected node {type(node).__name__}")  # refused by _check already


def _operand(node: ast.AST, table: pd.DataFrame) -> Any:
    if isinstance(node, ast.Name):
        return table[node.id].to_numpy(dtype=float)
    return _number(node)


# -- data ------------------------------------------------------------------------------------


def point_table(runs: pd.DataFrame, factors: list[str], outcomes: list[str]) -> pd.DataFrame:
    """One line per distinct scenario in a results store: factor values and outcome means over
    its finished runs (a sweep's points, a sensitivity sample's rows, or both)."""
    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    if ok.empty:
        return pd.DataFrame(columns=[*factors, *outcomes, "runs"])
    present = [f for f in factors if f in ok.columns]
    grouped = ok.groupby("scenario_hash", sort=False)
    table = grouped[present].first().join(grouped[outcomes].mean())
    table["runs"] = grouped.size()
    return table.reset_index(drop=True)


# -- PRIM ------------------------------------------------------------------------------------


@dataclass
class PrimResult:
    """The peeling trajectory of PRIM's first box and the box chosen on it."""

    trajectory: pd.DataFrame  # coverage, density, mass, res_dim, … per peeling step
    chosen: int  # row of the trajectory reported
    limits: pd.DataFrame  # factor, restricted, low, high, data_low, data_high, qp_low, qp_high
    base_rate: float  # share of all points meeting the target

    @property
    def coverage(self) -> float:
        return float(self.trajectory.at[self.chosen, "coverage"])

    @property
    def density(self) -> float:
        return float(self.trajectory.at[self.chosen, "density"])

    def describe(self, significance: float = 0.05) -> str:
        """The chosen box in words: its restrictions whose quasi-p-value is at most
        ``significance``, then (in brackets) the weak ones PRIM's peeling also made."""
        restricted = self.limits[self.limits["restricted"]]
        if restricted.empty:
            return "no restriction (the whole sampled space)"
        strong, weak = [], []
        for row in restricted.itertuples():
            qp = [row.qp_low, row.qp_high]
            if isinstance(row.low, str):
                text = f"{row.factor} in {row.low}"
            elif row.low > row.data_low and row.high < row.data_high:
                text = f"{row.low:.4g} ≤ {row.factor} ≤ {row.high:.4g}"
            elif row.low > row.data_low:
                text, qp = f"{row.factor} ≥ {row.low:.4g}", [row.qp_low]
            else:
                text, qp = f"{row.factor} ≤ {row.high:.4g}", [row.qp_high]
            known = [q for q in qp if np.isfinite(q)]
            (weak if known and min(known) > significance else strong).append(text)
        out = " and ".join(strong) if strong else "no significant restriction"
        if weak:
            out += f" [weak, quasi-p > {significance}: " + "; ".join(weak) + "]"
        return out


def run_prim(
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    min_coverage: float = 0.5,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    density_slack: float = 0.05,
) -> PrimResult:
    """Find PRIM's first box for a boolean target ``y`` over the factor values ``x``.

    The box reported is, among the peeling steps with coverage ≥ ``min_coverage``, the one with
    the fewest restricted dimensions whose density is within ``density_slack`` of the densest:
    late peeling steps add restrictions that buy little density and are hard to act on.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with needs_extra("discovery"):
            from ema_workbench.analysis import prim

        x = x.reset_index(drop=True).copy()
        for column in x.columns:
            if x[column].dtype == bool or x[column].dtype == object:
                x[column] = x[column].astype(str)
        algorithm = prim.Prim(
            x, np.asarray(y, dtype=bool), peel_alpha=peel_alpha, mass_min=mass_min
        )
        box = algorithm.find_box()
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    eligible = trajectory[trajectory["coverage"] >= min_coverage - 1e-12]
    if eligible.empty:
        eligible = trajectory
    # the simplest box (fewest restricted dimensions) among those nearly as dense as the densest
    dense = eligible[eligible["density"] >= eligible["density"].max() - density_slack]
    best = dense.sort_values(
        ["res_dim", "density", "coverage"], ascending=[True, False, False], kind="stable"
    )
    chosen = int(best.index[0])
    limits = _limits(box.box_lims[chosen], algorithm.box_init, box.p_values[chosen])
    return PrimResult(trajectory, chosen, limits, float(np.mean(y)))


def _limits(box: pd.DataFrame, init: pd.DataFrame, p_values: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for column in box.columns:
        low, high = box[column].iloc[0], box[column].iloc[1]
        data_low, data_high = init[column].iloc[0], init[column].iloc[1]
        qp = p_values.get(column, [np.nan, np.nan])
        if isinstance(low, set):
            restricted = low != data_low
            low = high = "{" + ", ".join(sorted(map(str, low))) + "}"
            data_low = data_high = "{" + ", ".join(sorted(map(str, data_low))) + "}"
        else:
            restricted = bool(low > data_low or high < data_high)
            low, high, data_low, data_high = map(float, (low, high, data_low, data_high))
        rows.append(
            {
                "factor": column,
                "restricted": bool(restricted),
                "low": low,
                "high": high,
                "data_low": data_low,
                "data_high": data_high,
                "qp_low": float(qp[0]) if qp[0] is not None and qp[0] >= 0 else np.nan,
                "qp_high": float(qp[1]) if qp[1] is not None and qp[1] >= 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)


def tradeoff_figure(result: PrimResult, target: str):
    """Coverage against density along the peeling trajectory, coloured by how many dimensions
    each box restricts (a whole number, so the colour bar has one colour per count)."""
    from matplotlib import colormaps
    from matplotlib.colors import BoundaryNorm

    from iei_sim.plots.saving import new_figure

    t = result.trajectory
    counts = t["res_dim"].astype(int)
    low, high = int(counts.min()), int(counts.max())
    boundaries = np.arange(low - 0.5, high + 1.5)
    colours = colormaps["viridis"].resampled(len(boundaries) - 1)
    norm = BoundaryNorm(boundaries, colours.N)
    fig = new_figure(figsize=(6.6, 4.6))
    ax = fig.add_subplot()
    points = ax.scatter(
        t["coverage"], t["density"], c=counts, cmap=colours, norm=norm, s=18, zorder=3
    )
    ax.plot(t["coverage"], t["density"], color="grey", linewidth=0.6, zorder=2)
    ax.scatter(
        [result.coverage],
        [result.density],
        s=140,
        facecolors="none",
        edgecolors="red",
        linewidths=1.5,
        zorder=4,
        label=f"chosen box {result.chosen}",
    )
    ax.axhline(result.base_rate, color="grey", linestyle=":", linewidth=0.8, label="base rate")
    bar = fig.colorbar(points, ax=ax, label="restricted dimensions", ticks=range(low, high + 1))
    bar.minorticks_off()
    ax.set_xlabel("coverage (share of target points inside the box)")
    ax.set_ylabel("density (share of box points meeting the target)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    ax.set_title(f"PRIM peeling trajectory\n{target}", fontsize=9)
    return fig
