"""How well common random numbers (CRN) pair two regimes: the CRN diagnostic.

Comparisons, sweeps and Sobol' indices pair replicate *i* of every regime by giving it the same
seed. Pairing only helps if the same seed makes the two runs' noise the same; when every
decision draws from one shared stream, the first decision that differs shifts every later draw
and the two runs are as good as independent. This module measures that, per outcome:

``ratio = SD(y_i − x_i) / (√2 × s)``, where ``x_i`` and ``y_i`` are the outcome of seed *i* at the
lever's reference value *a* and at value *b*, and ``s = √((s_x² + s_y²) / 2)`` is the pooled
standard deviation across seeds of x and y (sample SDs, ddof = 1). Independent runs have
Var(y − x) = 2σ², so the ratio is about 1 (pairing buys nothing); perfectly paired runs
(y = x + effect) give 0. With equal variances the ratio is √(1 − ρ), ρ the correlation of x and
y across seeds: the target ratio ≤ 0.25 asks for ρ ≥ 0.94, i.e. a paired difference about 4×
more precise than an unpaired one for the same runs.

The runs go through the experiments' executors (``workers``, ``dask_address``), so the
diagnostic costs ``2 × seeds`` runs per case and parallelises like a sweep.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from iei_sim import package_data
from iei_sim.errors import BadInputError, UserError
from iei_sim.experiments.analysis import mean_ci
from iei_sim.experiments.design import RunTask, run_key
from iei_sim.experiments.executors import make_executor
from iei_sim.outcomes import OUTCOMES
from iei_sim.resources import check_run_fits
from iei_sim.scenario import load_scenario
from iei_sim.scenario.loading import dump_hash

Progress = Callable[[int, int], None]

# The target: on the target case, each of these outcomes has ratio <= TARGET_RATIO.
TARGET_OUTCOMES: tuple[str, ...] = (
    "firm_participation_rate",
    "mean_partnership_depth",
    "education_project_share",
    "student_coverage",
)
TARGET_RATIO = 0.25
TARGET_SEEDS = 12
# Columns of the diagnostic's table (and of ``iei-sim diagnose crn --out FILE``), in order: a
# file whose first line is this header is one the command wrote, and may be replaced.
CRN_COLUMNS = (
    "case",
    "scenario",
    "lever",
    "value_a",
    "value_b",
    "outcome",
    "n",
    "mean_a",
    "mean_b",
    "sd_across",
    "sd_paired",
    "ratio",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "target",
    "passed",
)
CRN_TABLE_HEADER = ",".join(CRN_COLUMNS)


class CrnRunError(UserError):
    """A run of the diagnostic failed (exit status 1): no ratio can be computed without it."""


@dataclass(frozen=True)
class CrnCase:
    """One pairing to measure: ``scenario`` with ``overrides``, ``lever`` at ``values[0]`` (the
    reference) then ``values[1]``; ``target``, if set, is the largest ratio that passes."""

    name: str
    scenario: Path
    lever: str
    values: tuple[Any, Any]
    overrides: dict[str, Any] = field(default_factory=dict)
    target: float | None = None


def scenarios_folder() -> Path:
    """The ``scenarios/`` folder of the shipped cases: the working folder's, else the copy
    shipped in the package (which holds ``small.yaml`` and ``intern_subsidy.yaml``)."""
    if (Path("scenarios") / "small.yaml").is_file():
        return Path.cwd() / "scenarios"
    return package_data.scenarios_folder()


def target_case(
    values: tuple[Any, Any] = (0.30, 0.31), target: float | None = TARGET_RATIO
) -> CrnCase:
    """The issue's target case: the small scenario with the tax deduction on, its rate a → b."""
    return CrnCase(
        "tax_deduction_rate",
        scenarios_folder() / "small.yaml",
        "policy.tax_deduction.rate",
        values,
        {"policy.tax_deduction.enabled": True},
        target,
    )


def shipped_cases() -> list[CrnCase]:
    """The target case, then two reported without a target: a 10% rise of the intern subsidy
    (the per-intern value of ``intern_subsidy.yaml``, on the small scenario's structure) and of
    firms' mean discount rate (0.15 → 0.165 on the small scenario)."""
    folder = scenarios_folder()
    per_intern = load_scenario(folder / "intern_subsidy.yaml").policy.subsidies.per_intern
    return [
        target_case(),
        CrnCase(
            "intern_subsidy_+10%",
            folder / "small.yaml",
            "policy.subsidies.per_intern",
            (per_intern, round(1.1 * per_intern, 12)),
        ),
        CrnCase(
            "discount_rate_+10%",
            folder / "small.yaml",
            "firms.discount_rate_mean",
            (0.15, 0.165),
        ),
    ]


@dataclass(frozen=True)
class PairedStats:
    """What the diagnostic reports for one outcome of one case."""

    n: int
    mean_a: float
    mean_b: float
    sd_across: float  # pooled SD of x and y across seeds
    sd_paired: float  # SD of the paired differences y − x
    ratio: float  # sd_paired / (√2 × sd_across); NaN when the outcome does not vary
    diff_mean: float
    diff_ci_low: float
    diff_ci_high: float


def paired_stats(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> PairedStats:
    """The CRN ratio of paired samples (``x[i]``, ``y[i]`` from seed *i*) and the mean paired
    difference with its 95% t-interval. The ratio is NaN when x and y do not vary across
    seeds (nothing to pair) or there are fewer than 2 pairs."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D and of one length (got {x.shape}, {y.shape})")
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    n = len(x)
    diff = y - x
    d_mean, sd_paired, d_low, d_high = mean_ci(diff)
    sd_across = math.sqrt((x.var(ddof=1) + y.var(ddof=1)) / 2) if n >= 2 else math.nan
    ratio = sd_paired / (math.sqrt(2) * sd_across) if n >= 2 and sd_across > 0 else math.nan
    return PairedStats(
        n=n,
        mean_a=float(x.mean()) if n else math.nan,
        mean_b=float(y.mean()) if n else math.nan,
        sd_across=sd_across,
        sd_paired=sd_paired,
        ratio=ratio,
        diff_mean=d_mean,
        diff_ci_low=d_low,
        diff_ci_high=d_high,
    )


def check_outcomes(outcomes: Sequence[str]) -> list[str]:
    """The outcome names, refused (exit 2) if empty or unknown."""
    names = list(dict.fromkeys(outcomes))
    if not names:
        raise BadInputError("give at least one outcome")
    unknown = [o for o in names if o not in OUTCOMES]
    if unknown:
        raise BadInputError(
            f"unknown outcome(s): {', '.join(unknown)}; known: {', '.join(OUTCOMES)}"
        )
    return names


def plan_case(
    case: CrnCase, seeds: int, outcomes: Sequence[str], overrides: dict[str, Any] | None = None
) -> list[RunTask]:
    """The case's runs: each value × seeds 0 … seeds−1 (point 0 is value a, point 1 value b).

    ``overrides`` (e.g. a smaller structure) come first, then the case's own, then the lever;
    a scenario that does not load or would not fit is refused here, before any run."""
    tasks: list[RunTask] = []
    outcomes = tuple(outcomes)
    for point, value in enumerate(case.values):
        resolved = {**(overrides or {}), **case.overrides, case.lever: value}
        scenario = load_scenario(case.scenario, overrides=resolved)
        if point == 0:
            check_run_fits(scenario, f"case {case.name}")
        data = scenario.model_dump(mode="json")
        digest = dump_hash(data)
        for seed in range(seeds):
            tasks.append(
                RunTask(
                    key=run_key(digest, seed, outcomes),
                    point=point,
                    scenario_label=case.name,
                    values={case.lever: value},
                    replicate=seed,
                    seed=seed,
                    scenario=data,
                    scenario_hash=digest,
                    outcomes=outcomes,
                )
            )
    return tasks


@dataclass(frozen=True)
class CrnPlan:
    """The diagnostic's runs, planned and validated (``runs``: each distinct run once)."""

    cases: tuple[CrnCase, ...]
    seeds: int
    outcomes: tuple[str, ...]
    plans: tuple[tuple[RunTask, ...], ...]  # per case, as planned by :func:`plan_case`
    runs: tuple[RunTask, ...]


def plan_diagnostic(
    cases: Sequence[CrnCase] | None = None,
    seeds: int = TARGET_SEEDS,
    outcomes: Sequence[str] = TARGET_OUTCOMES,
    overrides: dict[str, Any] | None = None,
) -> CrnPlan:
    """Plan every case's runs (default cases: :func:`shipped_cases`), refusing bad input
    (:class:`BadInputError`, ``InputError``) before any run starts."""
    if seeds < 2:
        raise BadInputError(f"seeds must be at least 2 (got {seeds}): an SD needs two")
    cases = tuple(shipped_cases() if cases is None else cases)
    if not cases:
        raise BadInputError("give at least one case")
    for case in cases:
        if len(case.values) != 2:
            raise BadInputError(f"case {case.name}: give exactly two values (got {case.values})")
    if len({case.name for case in cases}) != len(cases):
        raise BadInputError("the cases' names must differ (they label the table's rows)")
    names = tuple(check_outcomes(outcomes))
    plans = tuple(tuple(plan_case(case, seeds, names, overrides)) for case in cases)
    # Two cases may share a run (same scenario and seed; or a = b): it is computed once.
    runs = tuple({t.key: t for plan in plans for t in plan}.values())
    return CrnPlan(cases, seeds, names, plans, runs)


def run_diagnostic(
    plan: CrnPlan,
    workers: int = 1,
    dask_address: str | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Run a planned diagnostic and return one row per case × outcome (columns
    :data:`CRN_COLUMNS`): the CRN ratio, its two SDs, the mean paired difference with its 95%
    CI, and for a case with a target whether the ratio passes (a NaN ratio does not).

    ``progress(done, total)`` is called as runs finish; a failed run raises
    :class:`CrnRunError` (no ratio is computed without all of them)."""
    by_key = {t.key: t for t in plan.runs}
    rows: dict[str, dict[str, Any]] = {}
    if progress:
        progress(0, len(plan.runs))
    executor = make_executor(workers, dask_address)
    try:
        for result in executor.run(plan.runs):
            row = result["row"]
            if row["status"] != "ok":
                task = by_key[row["run_key"]]
                ((lever, value),) = task.values.items()
                raise CrnRunError(
                    f"case {task.scenario_label}, {lever} = {value}, seed {task.seed}: the run "
                    f"failed: {row['error']}"
                )
            rows[row["run_key"]] = row
            if progress:
                progress(len(rows), len(plan.runs))
    finally:
        executor.close()
    table = []
    for case, tasks in zip(plan.cases, plan.plans, strict=True):
        by_point = {(t.point, t.seed): rows[t.key] for t in tasks}
        for outcome in plan.outcomes:
            x = [by_point[(0, s)][outcome] for s in range(plan.seeds)]
            y = [by_point[(1, s)][outcome] for s in range(plan.seeds)]
            stats = paired_stats(x, y)
            passed = None if case.target is None else bool(stats.ratio <= case.target)
            table.append(
                {
                    "case": case.name,
                    "scenario": case.scenario.name,
                    "lever": case.lever,
                    "value_a": case.values[0],
                    "value_b": case.values[1],
                    "outcome": outcome,
                    **asdict(stats),
                    "target": math.nan if case.target is None else case.target,
                    "passed": passed,
                }
            )
    return pd.DataFrame(table, columns=list(CRN_COLUMNS))


def crn_diagnostic(
    cases: Sequence[CrnCase] | None = None,
    seeds: int = TARGET_SEEDS,
    outcomes: Sequence[str] = TARGET_OUTCOMES,
    workers: int = 1,
    dask_address: str | None = None,
    progress: Progress | None = None,
    overrides: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Plan and run the diagnostic: each case's two values with seeds 0 … seeds−1 (default
    cases: :func:`shipped_cases`; ``overrides``, e.g. a smaller structure, apply to every
    run). See :func:`run_diagnostic` for the table."""
    plan = plan_diagnostic(cases, seeds, outcomes, overrides)
    return run_diagnostic(plan, workers, dask_address, progress)


def failed_targets(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of outcomes with a target that they do not meet (a NaN ratio included)."""
    judged = table[table["target"].notna()]
    return judged[judged["passed"] != True]  # noqa: E712 (None and False both fail)
