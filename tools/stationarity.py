"""Does the status quo settle? ``python -m tools.stationarity [scenario ...]``

Runs each scenario with its own levers (for the shipped baseline: no policy) for ``--years``
years over ``--seeds`` paired seeds and reports, per headline cooperation outcome, the mean over
seeds of the run summary (the registry's rule: mean of the last ``summary_window`` years) at a
horizon H and at H + ``--extend``, and the year from which the trajectory settles. It also
follows state that could drift without limit (partnership trust, school budgets, firm counts,
labour demand) and reports its yearly change at the end of the run.

One run per seed gives every horizon: a year's state never depends on how many years the run
was asked for (``tests/test_stationarity.py`` checks this), so the summary at H is the summary
of the run's first H years. Why it matters and what it found: ``docs/stationarity.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from iei_sim.cli.common import parse_settings
from iei_sim.model import IEIModel
from iei_sim.outcomes import OUTCOMES, summarise
from iei_sim.run import simulate_outcomes
from iei_sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]  # the source checkout
# The headline outcomes: participation, the depth mix, coverage and the project mix.
HEADLINE = (
    "firm_participation_rate",
    "shallow_partnership_share",
    "deep_partnership_share",
    "student_coverage",
    "education_project_share",
)
# Recorded outcomes that could trend without limit (stocks, ages, balances).
DRIFT_OUTCOMES = (
    "partnerships_active",
    "mean_partnership_duration",
    "mean_partnership_depth",
    "school_willingness",
    "school_budget",
    "curriculum_currency",
)
TOLERANCE = 0.03  # the target: change of the summary when the horizon grows by 20 years
SETTLE_RATE = 0.01  # settled: the rolling mean moves less than this per year from then on
ROLLING = 5  # years of the rolling mean (the summary window of the shipped scenarios)


def state_of(model: IEIModel) -> dict[str, float]:
    """State the outcome registry does not report but that could grow without limit."""
    active = model.active_partnerships
    trust = np.array([p.trust for p in active]) if active else np.array([np.nan])
    formal = sum(p.formal for p in active)
    return {
        "mean_trust": float(np.mean(trust)),
        "max_trust": float(np.max(trust)),
        "formal_partnerships": float(formal),
        "partnerships_ever": float(len(model.partnerships)),
        "firms": float(len(model.firm_list)),
        "schools": float(len(model.school_list)),
        "student_records": float(model.students.n),
        "mean_firm_cash": float(np.mean([f.cash for f in model.firm_list])),
        "labour_demand_index": float(np.mean(model.demand_index)),
        "technology_frontier": float(np.mean(model.knowledge.frontier)),
        "max_reputation_standing": float(
            max(s.reputation for s in model.school_list) / model.mean_reputation
        ),
    }


def run_long(scenario: Scenario, seed: int, years: int) -> pd.DataFrame:
    """One run of ``years`` years: the recorded outcomes and :func:`state_of`, one row a year."""
    states: list[dict[str, float]] = []
    timeseries, _ = simulate_outcomes(
        scenario.model_copy(update={"steps": years}), seed, lambda m: states.append(state_of(m))
    )
    return pd.concat([timeseries, pd.DataFrame(states)], axis=1)


def summary_at(timeseries: pd.DataFrame, horizon: int, window: int) -> dict[str, float]:
    """The run summary a ``horizon``-year run reports: the registry's rule on its first years."""
    return summarise(timeseries.iloc[:horizon], window)


def settling_year(series: np.ndarray, rate: float = SETTLE_RATE, rolling: int = ROLLING) -> int:
    """First year from which the ``rolling``-year mean changes by less than ``rate`` a year
    until the end of ``series`` (one value a year from year 1); 0 if it never does.

    Undefined years (NaN) are left out of the rolling mean, as the summary leaves them out.
    """
    means = pd.Series(series).rolling(rolling, min_periods=1).mean().to_numpy()
    steps = np.abs(np.diff(means[rolling - 1 :]))  # change from year t-1 to t, t >= rolling+1
    moving = np.flatnonzero(~(steps < rate))  # NaN counts as moving
    if moving.size == 0:
        return rolling + 1 if steps.size else 0
    last = int(moving[-1]) + rolling + 1  # the last year whose rolling mean still moved
    return last + 1 if last < series.size else 0


def stationary_horizon(changes: dict[int, float], tolerance: float = TOLERANCE) -> int:
    """Smallest measured horizon H from which every later measured H keeps |change| within
    ``tolerance``; 0 if none does."""
    horizons = sorted(changes)
    ok = 0
    for horizon in reversed(horizons):
        if not abs(changes[horizon]) <= tolerance:
            break
        ok = horizon
    return ok


@dataclass
class Diagnostic:
    """What :func:`diagnose` measured for one scenario."""

    scenario: str
    seeds: list[int]
    years: int
    extend: int
    window: int
    seconds: float
    # per outcome, per horizon H: mean over seeds of the summary at H
    summary: dict[str, dict[int, float]] = field(default_factory=dict)
    # per outcome, per H: mean over seeds of (summary at H + extend) - (summary at H), and its
    # standard error over seeds
    change: dict[str, dict[int, float]] = field(default_factory=dict)
    change_se: dict[str, dict[int, float]] = field(default_factory=dict)
    # settling year of the seed-mean at SETTLE_RATE, and at the target's own rate (the
    # tolerance spread over the extension: a trend that slow moves the summary by at most it)
    settles: dict[str, int] = field(default_factory=dict)
    settles_at_target_rate: dict[str, int] = field(default_factory=dict)
    stationary_from: dict[str, int] = field(default_factory=dict)
    # drifting quantities: value (seed mean) at chosen years, and change a year at the end
    levels: dict[str, dict[int, float]] = field(default_factory=dict)
    end_slope: dict[str, float] = field(default_factory=dict)
    mean_trajectory: pd.DataFrame | None = None


def diagnose(
    scenario: Scenario,
    seeds: Sequence[int],
    years: int,
    extend: int = 20,
    horizons: Sequence[int] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Diagnostic:
    """Run ``scenario`` for ``years`` years from each seed and measure how its summary moves."""
    window = scenario.summary_window
    if horizons is None:
        horizons = [h for h in range(window, years - extend + 1, 5)]
    if not horizons or max(horizons) + extend > years:
        raise ValueError(f"years ({years}) must be at least a horizon + extend ({extend})")
    started = time.perf_counter()
    runs = []
    for seed in seeds:
        runs.append(run_long(scenario, seed, years))
        if progress is not None:
            progress(f"{scenario.name}: seed {seed} done ({time.perf_counter() - started:.0f} s)")
    result = Diagnostic(
        scenario.name, list(seeds), years, extend, window, time.perf_counter() - started
    )
    measured = sorted({*horizons, *(h + extend for h in horizons)})
    summaries = {
        h: pd.DataFrame([summary_at(run, h, window) for run in runs])[list(HEADLINE)]
        for h in measured
    }
    for name in HEADLINE:
        result.summary[name] = {h: float(summaries[h][name].mean()) for h in measured}
        diffs = {h: summaries[h + extend][name] - summaries[h][name] for h in horizons}
        result.change[name] = {h: float(d.mean()) for h, d in diffs.items()}
        result.change_se[name] = {
            h: float(d.std(ddof=1) / math.sqrt(len(d))) if len(d) > 1 else math.nan
            for h, d in diffs.items()
        }
        result.stationary_from[name] = stationary_horizon(result.change[name])
    mean = pd.concat(runs).groupby(level=0).mean()
    mean.insert(0, "year", range(1, years + 1))
    result.mean_trajectory = mean
    for name in HEADLINE:
        result.settles[name] = settling_year(mean[name].to_numpy())
        result.settles_at_target_rate[name] = settling_year(
            mean[name].to_numpy(), rate=TOLERANCE / extend
        )
    tracked = [*DRIFT_OUTCOMES, *(c for c in runs[0].columns if c not in {*OUTCOMES, "step"})]
    marks = sorted({y for y in (10, 20, 50, years // 2, years) if y <= years})
    tail = mean.iloc[-min(20, years) :]
    for name in tracked:
        result.levels[name] = {y: float(mean[name].iloc[y - 1]) for y in marks}
        slope = np.polyfit(tail["year"], tail[name], 1)[0] if tail[name].notna().all() else np.nan
        result.end_slope[name] = float(slope)
    return result


def _cell(value: float, pattern: str = "{:.3f}") -> str:
    return "n/a" if value != value else pattern.format(value)


def report(result: Diagnostic, tolerance: float = TOLERANCE) -> str:
    """The diagnostic as Markdown tables (what ``docs/stationarity.md`` quotes)."""
    ext = result.extend
    lines = [
        f"### {result.scenario}: {len(result.seeds)} seeds "
        f"({result.seeds[0]}–{result.seeds[-1]}), {result.years} years, "
        f"summary window {result.window} years ({result.seconds:.0f} s, "
        f"{result.seconds / len(result.seeds):.1f} s a run)",
        "",
        f"Mean over seeds of the summary at horizon H, and its change when the run is "
        f"{ext} years longer (± standard error over seeds); **bold** where |change| > "
        f"{tolerance}.",
        "",
    ]
    horizons = sorted(next(iter(result.change.values())))
    header = ["outcome", *(f"H={h}" for h in horizons)]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in HEADLINE:
        cells = []
        for h in horizons:
            change = result.change[name][h]
            text = f"{result.summary[name][h]:.3f} ({change:+.3f}±{result.change_se[name][h]:.3f})"
            cells.append(f"**{text}**" if not abs(change) <= tolerance else text)
        lines.append(f"| {OUTCOMES[name].label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Settling: the year from which the seed-mean's {ROLLING}-year rolling mean moves less "
        f"than {SETTLE_RATE} a year (and less than {tolerance}/{ext} = {tolerance / ext:.4f} a "
        f"year) to the end of the run; the first H from which every later H changes by at most "
        f"{tolerance} at +{ext} years ('never': not within the run).",
        "",
        f"| outcome | settles (< {SETTLE_RATE}/y) | settles (< {tolerance / ext:.4f}/y) | "
        f"stationary from H | value at year {result.years} |",
        "|---|---|---|---|---|",
    ]
    for name in HEADLINE:
        final = result.mean_trajectory[name].iloc[-1]
        lines.append(
            f"| {OUTCOMES[name].label} | {result.settles[name] or 'never'} | "
            f"{result.settles_at_target_rate[name] or 'never'} | "
            f"{result.stationary_from[name] or 'never'} | {_cell(final)} |"
        )
    marks = sorted(next(iter(result.levels.values())))
    lines += [
        "",
        "Quantities that could drift (seed means; slope: change a year over the last 20 years).",
        "",
        "| quantity | " + " | ".join(f"year {y}" for y in marks) + " | slope / year |",
        "|---|" + "---|" * (len(marks) + 1),
    ]
    for name, levels in result.levels.items():
        label = OUTCOMES[name].label if name in OUTCOMES else name
        values = " | ".join(_cell(levels[y], "{:.4g}") for y in marks)
        lines.append(f"| {label} | {values} | {_cell(result.end_slope[name], '{:+.4g}')} |")
    return "\n".join(lines) + "\n"


def _plain(result: Diagnostic) -> dict:
    """The diagnostic as JSON-safe data (the mean trajectory left out)."""
    data = {k: v for k, v in vars(result).items() if k != "mean_trajectory"}
    return json.loads(json.dumps(data, default=float).replace("NaN", "null"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenarios",
        nargs="*",
        type=Path,
        default=[ROOT / "scenarios" / "baseline.yaml"],
        help="scenario files (default: scenarios/baseline.yaml)",
    )
    parser.add_argument("--seeds", type=int, default=16, help="paired seeds 0..N-1 (16)")
    parser.add_argument("--years", type=int, default=100, help="length of each run (100)")
    parser.add_argument("--extend", type=int, default=20, help="horizon extension (20)")
    parser.add_argument(
        "--horizons",
        type=lambda text: [int(h) for h in text.split(",")],
        help="horizons H to report, comma-separated (default: every 5 years)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="scenario override, the value read as YAML (e.g. spin_up_years=80)",
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--trajectory", type=Path, help="write the seed-mean series (CSV) here")
    args = parser.parse_args(argv)
    overrides = parse_settings(args.set)  # as the CLI's --set: YAML values, bad ones named
    results = []
    for path in args.scenarios:
        scenario = load_scenario(path, overrides=overrides or None)
        result = diagnose(
            scenario,
            list(range(args.seeds)),
            args.years,
            args.extend,
            args.horizons,
            progress=lambda text: print(text, file=sys.stderr),
        )
        results.append(result)
        print(report(result))
        if args.trajectory is not None:
            target = args.trajectory
            if len(args.scenarios) > 1:
                target = target.with_name(f"{target.stem}-{scenario.name}{target.suffix}")
            result.mean_trajectory.to_csv(target, index=False, float_format="%.6g")
    if args.json is not None:
        args.json.write_text(json.dumps([_plain(r) for r in results], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
