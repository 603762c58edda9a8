"""Which of MODEL.md §5's policy responses emerge? ``python -m tools.policy_responses``

MODEL.md §5: "incentives raise participation with diminishing returns; risk-sharing and
monitoring deepen cooperation and shift the mix toward education; platforms widen coverage;
uniform policy helps the lagging region less than tuned policy." Each response is one or more
comparisons in :data:`COMPARISONS` (a regime against its reference, the outcome the response is
about, the expected direction and the smallest effect of interest, SESOI).

Replicates come from a power analysis, stated before the confirmatory run: a pilot on seeds
disjoint from the confirmatory ones (:data:`PILOT_FIRST_SEED` …) estimates the SD of each
comparison's paired differences, and the replicates are those a one-sided paired t-test at
α = 0.05 needs for power 0.8 at the SESOI (``statsmodels`` ``TTestPower``, effect size SESOI / SD),
floored at :data:`FLOOR` and capped at :data:`CAP` (a comparison that needs more is reported as
underpowered at the cap). The confirmatory runs, on seeds 0 … n − 1 (common random numbers: every
arm of a comparison uses the same seeds), give the figures: each comparison's effect on every
headline outcome 5 and 10 years after ``policy_start`` and in the long run (the run summary),
with 95% CIs and paired p-values, computed by the code that ``iei-sim compare`` uses
(``iei_sim.experiments.analysis``), and the fiscal cost of each regime.

Writes ``tests/policy_power.json`` (what ``tests/test_policy_responses.py`` reads),
``docs/policy-responses.md`` and ``docs/policy-responses.csv``. Run from the source checkout.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from iei_sim.experiments.analysis import (
    EFFECT_HORIZONS,
    LONG_RUN,
    comparison_table,
    effects_table,
)
from iei_sim.experiments.cost_effectiveness import COST, cost_effectiveness_table
from iei_sim.experiments.design import RunTask
from iei_sim.experiments.executors import InlineExecutor, LocalExecutor
from iei_sim.outcomes import HEADLINES, OUTCOMES
from iei_sim.scenario import Scenario, load_scenario, scenario_hash

ROOT = Path(__file__).resolve().parents[1]  # the source checkout
sys.path.insert(0, str(ROOT))  # tests.sizes: the size the policy tests run at
from tests.sizes import SMALL_20_YEARS  # noqa: E402

ALPHA = 0.05  # one-sided
POWER = 0.8
FLOOR = 8
CAP = 64
PILOT_FIRST_SEED = 1000
PILOT_SEEDS = 12
POWER_FILE = ROOT / "tests" / "policy_power.json"
DOC_FILE = ROOT / "docs" / "policy-responses.md"
CSV_FILE = ROOT / "docs" / "policy-responses.csv"
COMMAND = "python -m tools.policy_responses"


@dataclass(frozen=True)
class Arm:
    """One regime as runs see it: a shipped scenario file and dotted overrides on top."""

    file: str  # under scenarios/
    overrides: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        extra = ", ".join(f"`{k}: {v}`" for k, v in self.overrides.items())
        return f"`scenarios/{self.file}`" + (f" with {extra}" if extra else "")


ARMS: dict[str, Arm] = {
    "baseline": Arm("baseline.yaml"),
    "tax_deduction": Arm("tax_deduction.yaml"),
    "intern_subsidy_1": Arm("baseline.yaml", {"policy.subsidies.per_intern": 1.0}),
    "intern_subsidy_2": Arm("baseline.yaml", {"policy.subsidies.per_intern": 2.0}),
    "risk_sharing": Arm("risk_sharing.yaml"),
    "monitoring": Arm("monitoring.yaml"),
    "platform": Arm("platform.yaml"),
    # Region-tuned: the same instrument, all of it in the lagging region (west), none in the
    # leading one (004 §4.3: locally tuned levers), against intern_subsidy_1 as the uniform policy.
    "tuned_to_lagging": Arm(
        "baseline.yaml",
        {
            "regions.west.policy.subsidies.per_intern": 2.0,
            "regions.east.policy.subsidies.per_intern": 0.0,
        },
    ),
}


@dataclass(frozen=True)
class Comparison:
    """A §5 response as a test: ``regime`` (arm → weight; one arm with weight 1, or a linear
    contrast of arms) against the ``reference`` arm, on ``outcome``, expected in ``direction``,
    with the smallest effect of interest ``sesoi`` (in the outcome's raw unit) and why."""

    name: str
    response: str  # the §5 response, in MODEL.md's words
    regime: dict[str, float]
    reference: str
    outcome: str
    direction: Literal["greater", "less"]
    sesoi: float
    sesoi_reason: str
    regime_text: str = ""  # how to read a contrast

    @property
    def simple(self) -> bool:
        return len(self.regime) == 1 and next(iter(self.regime.values())) == 1.0

    @property
    def arms(self) -> list[str]:
        return [*self.regime, self.reference]

    @property
    def regime_label(self) -> str:
        return next(iter(self.regime)) if self.simple else self.name


TWO_POINTS = "2 percentage points: about 4 of the small scenario's 200 firms"
COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "tax_deduction_participation",
        "incentives raise participation",
        {"tax_deduction": 1.0},
        "baseline",
        "firm_participation_rate",
        "greater",
        0.02,
        TWO_POINTS,
    ),
    Comparison(
        "intern_subsidy_participation",
        "incentives raise participation",
        {"intern_subsidy_1": 1.0},
        "baseline",
        "firm_participation_rate",
        "greater",
        0.02,
        TWO_POINTS,
    ),
    Comparison(
        "intern_subsidy_diminishing_returns",
        "with diminishing returns",
        {"intern_subsidy_1": 2.0, "intern_subsidy_2": -1.0},
        "baseline",
        "firm_participation_rate",
        "greater",
        0.02,
        "the first unit's gain exceeds the second's by " + TWO_POINTS,
        regime_text="(1.0 − none) − (2.0 − 1.0): first unit's gain minus the second's",
    ),
    Comparison(
        "risk_sharing_depth",
        "risk-sharing deepens cooperation",
        {"risk_sharing": 1.0},
        "baseline",
        "mean_partnership_depth",
        "greater",
        0.05,
        "a twentieth of a rung: one partnership in 20 a rung deeper",
    ),
    Comparison(
        "risk_sharing_education_share",
        "risk-sharing shifts the mix toward education",
        {"risk_sharing": 1.0},
        "baseline",
        "education_project_share",
        "greater",
        0.02,
        "2 percentage points of the project mix (the seed's teacher-training share is ~18%)",
    ),
    Comparison(
        "monitoring_depth",
        "monitoring deepens cooperation",
        {"monitoring": 1.0},
        "tax_deduction",
        "mean_partnership_depth",
        "greater",
        0.05,
        "a twentieth of a rung: one partnership in 20 a rung deeper",
    ),
    Comparison(
        "monitoring_education_share",
        "monitoring shifts the mix toward education",
        {"monitoring": 1.0},
        "tax_deduction",
        "education_project_share",
        "greater",
        0.02,
        "2 percentage points of the project mix (the seed's teacher-training share is ~18%)",
    ),
    Comparison(
        "platform_coverage",
        "platforms widen coverage",
        {"platform": 1.0},
        "baseline",
        "student_coverage",
        "greater",
        0.02,
        "2 percentage points of students: about 100 of the small scenario's ~5,000",
    ),
    Comparison(
        "tuned_policy_lagging_region",
        "uniform policy helps the lagging region less than tuned policy",
        {"tuned_to_lagging": 1.0},
        "intern_subsidy_1",
        "participation_lagging",
        "greater",
        0.02,
        "2 percentage points of the lagging region's firms (about 2 of its 90)",
    ),
)
# Outcomes every comparison reports: the registry's headlines, and each comparison's own.
REPORTED = list(
    dict.fromkeys([*HEADLINES, *(c.outcome for c in COMPARISONS), "participation_leading"])
)


def arm_scenario(name: str, size: dict[str, Any] | None = None) -> Scenario:
    """An arm at the policy tests' size (:data:`tests.sizes.SMALL_20_YEARS`; ``size`` on top)."""
    arm = ARMS[name]
    return load_scenario(
        ROOT / "scenarios" / arm.file,
        overrides={**SMALL_20_YEARS, **arm.overrides, **(size or {})},
    )


def run_arms(
    arms: dict[str, int],
    first_seed: int,
    workers: int,
    size: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run each arm on seeds ``first_seed`` … ``first_seed + n - 1`` (``arms``: arm → n) with
    the experiments layer's run function; the runs table (one row a run, ``replicate`` = seed)
    and the steps table (run_key, step, outcomes), as a results store holds them."""
    tasks = []
    for point, (name, count) in enumerate(arms.items()):
        scenario = arm_scenario(name, size)
        data = scenario.model_dump(mode="json")
        digest = scenario_hash(scenario)
        for seed in range(first_seed, first_seed + count):
            tasks.append(
                RunTask(
                    f"{name}-{seed}", point, name, {}, seed, seed, data, digest, tuple(REPORTED)
                )
            )
    executor = LocalExecutor(workers) if workers > 1 else InlineExecutor()
    rows, steps = [], []
    started = time.perf_counter()
    try:
        for k, result in enumerate(executor.run(tasks), 1):
            row = result["row"]
            if row["status"] != "ok":
                raise RuntimeError(f"run {row['run_key']} failed: {row['error']}")
            rows.append(row)
            steps.append(pd.DataFrame({"run_key": row["run_key"], **result["steps"]}))
            if progress is not None and (k % 20 == 0 or k == len(tasks)):
                progress(f"  {k}/{len(tasks)} runs ({time.perf_counter() - started:.0f} s)")
    finally:
        executor.close()
    return pd.DataFrame(rows), pd.concat(steps, ignore_index=True)


def comparison_frames(
    comparison: Comparison, runs: pd.DataFrame, steps: pd.DataFrame, replicates: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reference (point 0) and the regime (point 1) on the first ``replicates`` seeds, as
    ``comparison_table`` and ``effects_table`` read them. A contrast's regime is the weighted
    sum of its arms, run by run and year by year (every statistic here is of a linear
    function of the runs, so it is the contrast's)."""
    seeds = sorted(runs["replicate"].unique())[:replicates]
    runs = runs[runs["replicate"].isin(seeds)]
    numeric = [c for c in REPORTED if c in runs]
    reference = runs[runs["scenario"] == comparison.reference].assign(point=0)
    if comparison.simple:
        regime = runs[runs["scenario"] == comparison.regime_label].assign(point=1)
        chosen = pd.concat([reference, regime])
        return chosen, steps[steps["run_key"].isin(chosen["run_key"])]
    parts_runs, parts_steps = [], []
    for arm, weight in comparison.regime.items():
        own = runs[runs["scenario"] == arm].set_index("replicate")
        parts_runs.append(own[numeric] * weight)
        own_steps = steps.merge(own["run_key"].reset_index(), on="run_key")
        parts_steps.append(own_steps.set_index(["replicate", "step"])[numeric] * weight)
    combined = sum(parts_runs[1:], parts_runs[0]).reset_index()
    combined = combined.assign(
        run_key=[f"{comparison.name}-{seed}" for seed in combined["replicate"]],
        scenario=comparison.name,
        point=1,
        status="ok",
    )
    combined_steps = sum(parts_steps[1:], parts_steps[0]).reset_index()
    combined_steps["run_key"] = [f"{comparison.name}-{s}" for s in combined_steps["replicate"]]
    reference_steps = steps[steps["run_key"].isin(reference["run_key"])]
    return (
        pd.concat([reference, combined], ignore_index=True),
        pd.concat([reference_steps, combined_steps.drop(columns="replicate")], ignore_index=True),
    )


def paired_differences(comparison: Comparison, runs: pd.DataFrame) -> np.ndarray:
    """The per-seed differences regime − reference of the comparison's outcome (run summary)."""

    def values(arm: str) -> pd.Series:
        return runs[runs["scenario"] == arm].set_index("replicate")[comparison.outcome]

    regime = sum(weight * values(arm) for arm, weight in comparison.regime.items())
    return (regime - values(comparison.reference)).dropna().to_numpy(dtype=float)


def replicates_needed(sesoi: float, sd: float, most: int = 100_000) -> int:
    """Least replicates with which a one-sided paired t-test at :data:`ALPHA` reaches
    :data:`POWER` at the SESOI (effect size SESOI / SD of the paired differences), before the
    floor and the cap (``most`` + 1 if even ``most`` do not)."""
    from statsmodels.stats.power import TTestPower

    if not sd > 0:
        return 2
    effect = sesoi / sd
    power = TTestPower()
    reaches = lambda n: power.power(effect, n, ALPHA, alternative="larger") >= POWER  # noqa: E731
    if not reaches(most):
        return most + 1
    low, high = 2, most  # the power grows with n: bisect for the least n that reaches it
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if reaches(middle) else (middle + 1, high)
    return low


def power_analysis(
    comparisons: Sequence[Comparison],
    pilot: int,
    workers: int,
    floor: int,
    cap: int,
    size: dict[str, Any] | None,
    progress: Callable[[str], None],
) -> dict[str, dict[str, Any]]:
    """The pilot and the replicates each comparison gets (what ``tests/policy_power.json``
    holds)."""
    arms = {a: pilot for c in comparisons for a in c.arms}
    progress(f"pilot: {len(arms)} arms × seeds {PILOT_FIRST_SEED}–{PILOT_FIRST_SEED + pilot - 1}")
    runs, _ = run_arms(arms, PILOT_FIRST_SEED, workers, size, progress)
    hashes = {a: str(runs.loc[runs["scenario"] == a, "scenario_hash"].iloc[0]) for a in arms}
    plan = {}
    for comparison in comparisons:
        sd = float(np.std(paired_differences(comparison, runs), ddof=1))
        needed = replicates_needed(comparison.sesoi, sd)
        plan[comparison.name] = {
            "outcome": comparison.outcome,
            "direction": comparison.direction,
            "sesoi": comparison.sesoi,
            "sesoi_reason": comparison.sesoi_reason,
            "pilot_seeds": [PILOT_FIRST_SEED, PILOT_FIRST_SEED + pilot - 1],
            "pilot_sd": sd,
            "effect_size": comparison.sesoi / sd if sd > 0 else math.inf,
            "replicates_needed": needed,
            "replicates": min(cap, max(floor, needed)),
            "underpowered": needed > cap,
            "scenario_hashes": {a: hashes[a] for a in comparison.arms},
        }
    return plan


@dataclass
class Confirmatory:
    """The confirmatory figures: one row per comparison × outcome × horizon, and the costs."""

    effects: pd.DataFrame
    costs: pd.DataFrame
    steps: int
    spin_up_years: int
    summary_window: int


def one_sided(row: pd.Series, direction: str) -> float:
    """One-sided p of a two-sided paired t-test's p-value in the expected direction."""
    p, diff = row["p_value"], row["diff"]
    if p != p:
        return math.nan
    toward = diff > 0 if direction == "greater" else diff < 0
    return p / 2 if toward else 1 - p / 2


def confirmatory(
    comparisons: Sequence[Comparison],
    plan: dict[str, dict[str, Any]],
    workers: int,
    size: dict[str, Any] | None,
    progress: Callable[[str], None],
) -> Confirmatory:
    """Run every arm on seeds 0 … n − 1 (n: the most any of its comparisons needs) and measure
    each comparison on its own n."""
    arms: dict[str, int] = {}
    for c in comparisons:
        for arm in c.arms:
            arms[arm] = max(arms.get(arm, 0), plan[c.name]["replicates"])
    progress(f"confirmatory: {sum(arms.values())} runs on seeds 0…")
    runs, steps = run_arms(arms, 0, workers, size, progress)
    scenario = arm_scenario(comparisons[0].reference, size)
    tables, costs = [], []
    for c in comparisons:
        n = plan[c.name]["replicates"]
        runs_c, steps_c = comparison_frames(c, runs, steps, n)
        at = effects_table(steps_c, runs_c, REPORTED, 1, EFFECT_HORIZONS)
        at = at[at["horizon"] != LONG_RUN]  # its last single year; the long run is the summary
        summary = comparison_table(runs_c, REPORTED)
        summary = summary[summary["scenario"] != c.reference].assign(
            horizon=LONG_RUN, horizon_years=scenario.steps, year=scenario.simulated_years
        )
        table = pd.concat([at, summary[at.columns]], ignore_index=True)
        table.insert(0, "comparison", c.name)
        table.insert(2, "reference", c.reference)
        table["scenario"] = c.regime_label
        primary = table["outcome"] == c.outcome
        table["direction"] = np.where(primary, c.direction, "")
        table["p_one_sided"] = [
            one_sided(r, c.direction) if is_primary else math.nan
            for (_, r), is_primary in zip(table.iterrows(), primary, strict=True)
        ]
        tables.append(table)
        if c.simple:
            cost = cost_effectiveness_table(runs_c)
            costs.append(cost.iloc[1:].assign(comparison=c.name))
    return Confirmatory(
        pd.concat(tables, ignore_index=True),
        pd.concat(costs, ignore_index=True) if costs else pd.DataFrame(),
        scenario.steps,
        scenario.spin_up_years,
        scenario.summary_window,
    )


HORIZON_ORDER = [f"{h} years" for h in EFFECT_HORIZONS] + [LONG_RUN]


def _at(horizons: list[str]) -> str:
    return " and ".join("in the long run" if h == LONG_RUN else f"at {h}" for h in horizons)


def verdict(rows: pd.DataFrame, underpowered: bool, replicates: int, sesoi: float) -> str:
    """The plain sentence for a comparison's outcome rows (one per horizon): emerges where the
    one-sided paired p < α in the expected direction, and says so where a detected effect is
    smaller than the smallest effect of interest (detectable, but not the size that matters)."""
    by = rows.set_index("horizon")
    shown = [h for h in HORIZON_ORDER if h in by.index]
    toward = [h for h in shown if by.loc[h, "p_one_sided"] < ALPHA]
    against = [h for h in shown if 1 - by.loc[h, "p_one_sided"] < ALPHA]
    if toward == shown:
        text = "emerges"
    elif toward:
        text = "emerges only " + _at(toward)
    else:
        text = "does not emerge"
    small = [h for h in toward if abs(by.loc[h, "diff"]) < sesoi]
    if small:
        text += f", but below its SESOI of {sesoi:g} " + _at(small)
    if against:
        text += "; the effect goes the other way " + _at(against)
    if underpowered:
        text += f" (n capped at {replicates}, below what power 0.8 at the SESOI needs)"
    return text


def _num(value: float, outcome: str) -> str:
    known = OUTCOMES.get(outcome)
    if value != value:
        return "n/a"
    if known is not None and known.unit.name == "10k CNY":
        return f"{value:+,.0f}"
    return f"{value:+.3f}"


def _effect(row: pd.Series) -> str:
    o = row["outcome"]
    return f"{_num(row['diff'], o)} [{_num(row['diff_ci_low'], o)}, {_num(row['diff_ci_high'], o)}]"


def _p(value: float) -> str:
    return "n/a" if value != value else ("< 0.0001" if value < 1e-4 else f"{value:.4f}")


def report(
    comparisons: Sequence[Comparison],
    plan: dict[str, dict[str, Any]],
    result: Confirmatory,
    identity: dict[str, str],
    command: str,
    seconds: float,
) -> str:
    """``docs/policy-responses.md``: verdicts, side effects, the power table and costs."""
    effects = result.effects
    today = datetime.date.today().isoformat()
    lines = [
        "# Policy responses: which of MODEL.md §5's responses emerge",
        "",
        f"Generated by `{command}` on {today} ({seconds:.0f} s), iei-sim "
        f"{identity['iei_sim_version']} (behavioural fingerprint "
        f"`{identity['fingerprint'][:12]}`); do not edit by hand. Size: the small scenario's "
        "structure (20 schools, 200 firms, ~5,000 students; `tests/sizes.py` `SMALL_20_YEARS`) "
        f"over {result.steps} years, each after a {result.spin_up_years}-year spin-up under the "
        "baseline policy (the regimes' policies are in force from the first reported year). Each "
        "regime and its reference run on the same seeds 0 … n − 1 (common random numbers), n "
        f"from the power analysis below (pilot on seeds {PILOT_FIRST_SEED}…, disjoint from "
        "these). Effects are regime − reference, paired by seed, with 95% t-intervals, 5 and 10 "
        "years after the policies start (that year's value) and in the long run (the run "
        f"summary: the mean of the last {result.summary_window} years; the fiscal cost's total, "
        "the Gini's final value). A response "
        f"*emerges* at a horizon when the one-sided paired t-test in the expected direction "
        f"gives p < {ALPHA}. Raw table: [policy-responses.csv](policy-responses.csv); "
        "`tests/test_policy_responses.py` asserts the long-run verdicts.",
        "",
        "## The responses",
        "",
        "| §5 response | comparison | outcome | n | verdict | 5 years | 10 years | long run | "
        "p (one-sided, long run) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in comparisons:
        rows = effects[(effects["comparison"] == c.name) & (effects["outcome"] == c.outcome)]
        by = rows.set_index("horizon")
        cells = [_effect(by.loc[h]) if h in by.index else "n/a" for h in HORIZON_ORDER]
        regime = f"{c.regime_label} vs {c.reference}" if c.simple else c.regime_text
        long_p = by.loc[LONG_RUN, "p_one_sided"] if LONG_RUN in by.index else math.nan
        p = plan[c.name]
        lines.append(
            f"| {c.response} | {regime} | {OUTCOMES[c.outcome].label} | "
            f"{p['replicates']} | **{verdict(rows, p['underpowered'], p['replicates'], c.sesoi)}** | "
            + " | ".join(cells)
            + f" | {_p(long_p)} |"
        )
    lines += [
        "",
        "Regimes: "
        + "; ".join(f"**{name}** = {arm.describe()}" for name, arm in ARMS.items())
        + ". The region-tuned regime spends the intern subsidy only in the lagging region (west), "
        "at twice the uniform rate, so a larger response there is close to built in; it is not "
        "matched to the uniform policy's fiscal cost (the costs are below), and its effect on "
        "the leading region is in `policy-responses.csv` (`participation_leading` is not a "
        "headline).",
        "",
        "## Power analysis",
        "",
        f"Replicates for a one-sided paired t-test at α = {ALPHA} with power {POWER} at the "
        "smallest effect of interest (SESOI), from the SD of the paired differences of the "
        f"long-run outcome in the pilot; floored at {FLOOR}, capped at {CAP}. The SESOIs were "
        "set before the confirmatory run, from what the outcome means, never from an observed "
        "effect. Stored in `tests/policy_power.json`.",
        "",
        "| comparison | outcome | SESOI | why | pilot seeds | pilot SD | SESOI / SD | "
        "n needed | n used |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in comparisons:
        p = plan[c.name]
        used = f"{p['replicates']}" + (" (**underpowered**)" if p["underpowered"] else "")
        lines.append(
            f"| {c.name} | {OUTCOMES[c.outcome].label} | {c.sesoi:g} | {c.sesoi_reason} | "
            f"{p['pilot_seeds'][0]}–{p['pilot_seeds'][1]} | {p['pilot_sd']:.4f} | "
            f"{p['effect_size']:.2f} | {p['replicates_needed']} | {used} |"
        )
    lines += [
        "",
        "## Side effects: every headline outcome, per regime",
        "",
        "Effect [95% CI] of each regime on each headline outcome (`src/iei_sim/outcomes.py`), "
        "with the two-sided paired p of the long-run effect. Shares are in raw units (0.01 = "
        "one percentage point), money in 10k CNY. The replicates are those the power analysis "
        "gave the comparison's own outcome: a side effect whose CI spans 0 is not shown to be "
        "absent, only not detected at that n.",
        "",
    ]
    seen: set[tuple[str, str]] = set()
    for c in comparisons:
        key = (c.regime_label, c.reference)
        if key in seen or not c.simple:
            continue
        seen.add(key)
        rows = effects[effects["comparison"] == c.name]
        title = f"{c.regime_label} vs {c.reference}"
        lines += [
            f"### {title} (n = {plan[c.name]['replicates']})",
            "",
            "| outcome | unit | 5 years | 10 years | long run | p (long run) |",
            "|---|---|---|---|---|---|",
        ]
        for outcome in REPORTED:
            own = rows[rows["outcome"] == outcome].set_index("horizon")
            if own.empty or (outcome not in HEADLINES and outcome != c.outcome):
                continue
            cells = [_effect(own.loc[h]) if h in own.index else "n/a" for h in HORIZON_ORDER]
            p = own.loc[LONG_RUN, "p_value"] if LONG_RUN in own.index else math.nan
            lines.append(
                f"| {OUTCOMES[outcome].label} | {OUTCOMES[outcome].unit.name} | "
                + " | ".join(cells)
                + f" | {_p(p)} |"
            )
        lines.append("")
    lines += fiscal_section(comparisons, result)
    return "\n".join(lines).rstrip() + "\n"


def fiscal_section(comparisons: Sequence[Comparison], result: Confirmatory) -> list[str]:
    """Each simple comparison's fiscal cost, extra cost against its reference, and the extra
    cost per unit of its outcome's long-run gain where the gain emerges and the extra cost's CI
    excludes 0."""
    costs = result.costs
    if costs.empty:
        return []
    lines = [
        "## Fiscal cost",
        "",
        f"Whole-run fiscal cost (10k CNY over {result.steps} years; mean [95% CI]) and the "
        "extra cost against the reference, paired by seed. Cost per unit of gain = mean extra "
        "cost / mean long-run gain of the comparison's outcome (per percentage point for a "
        "share, per 0.01 rung for depth), given only where the gain emerges (one-sided "
        f"p < {ALPHA}) and the extra cost's 95% CI excludes 0.",
        "",
        "| comparison | regime cost | extra cost vs reference | outcome | long-run gain | "
        "extra cost per unit of gain |",
        "|---|---|---|---|---|---|",
    ]
    for c in comparisons:
        row = costs[costs["comparison"] == c.name]
        if row.empty:
            continue
        row = row.iloc[0]
        gain = result.effects[
            (result.effects["comparison"] == c.name)
            & (result.effects["outcome"] == c.outcome)
            & (result.effects["horizon"] == LONG_RUN)
        ].iloc[0]
        emerged = gain["p_one_sided"] < ALPHA
        if not emerged:
            per = "n/a (no gain)"
        elif row["extra_fiscal_cost_high"] < 0:
            per = "n/a (costs less than the reference)"
        elif not row["extra_fiscal_cost_low"] > 0:
            per = "n/a (no extra cost, or its CI spans 0)"
        else:
            per = f"{row['extra_fiscal_cost'] / (gain['diff'] * 100):,.1f}"
        lines.append(
            f"| {c.name} | {row[COST]:,.0f} [{row[f'{COST}_low']:,.0f}, {row[f'{COST}_high']:,.0f}]"
            f" | {row['extra_fiscal_cost']:+,.0f} [{row['extra_fiscal_cost_low']:+,.0f}, "
            f"{row['extra_fiscal_cost_high']:+,.0f}] | {OUTCOMES[c.outcome].label} | "
            f"{_effect(gain)} | {per} |"
        )
    return lines


def power_record(
    plan: dict[str, dict[str, Any]], identity: dict[str, str], size: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "generated_by": COMMAND,
        "date": datetime.date.today().isoformat(),
        "model": identity,
        "alpha_one_sided": ALPHA,
        "power": POWER,
        "floor": FLOOR,
        "cap": CAP,
        "size": {**SMALL_20_YEARS, **(size or {})},
        "comparisons": plan,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1, help="processes (1: in this one)")
    parser.add_argument("--pilot", type=int, default=PILOT_SEEDS, help="pilot seeds (12)")
    parser.add_argument("--floor", type=int, default=FLOOR, help=f"least replicates ({FLOOR})")
    parser.add_argument("--cap", type=int, default=CAP, help=f"most replicates ({CAP})")
    parser.add_argument("--steps", type=int, help="years (default: the size's 20; for a look)")
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="only these comparisons"
    )
    parser.add_argument("--power-file", type=Path, default=POWER_FILE)
    parser.add_argument("--doc", type=Path, default=DOC_FILE)
    parser.add_argument("--csv", type=Path, default=CSV_FILE)
    args = parser.parse_args(argv)
    from iei_sim.identity import model_identity

    started = time.perf_counter()
    chosen = [c for c in COMPARISONS if not args.only or c.name in args.only]
    unknown = set(args.only) - {c.name for c in COMPARISONS}
    if unknown:
        parser.error(f"unknown comparison(s): {', '.join(sorted(unknown))}")
    size = {"steps": args.steps} if args.steps else None

    def progress(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    plan = power_analysis(chosen, args.pilot, args.workers, args.floor, args.cap, size, progress)
    identity = model_identity()
    args.power_file.write_text(json.dumps(power_record(plan, identity, size), indent=2) + "\n")
    result = confirmatory(chosen, plan, args.workers, size, progress)
    result.effects.to_csv(args.csv, index=False, float_format="%.6g")
    command = COMMAND + (f" --workers {args.workers}" if args.workers > 1 else "")
    text = report(chosen, plan, result, identity, command, time.perf_counter() - started)
    args.doc.write_text(text)
    progress(f"wrote {args.power_file}, {args.csv}, {args.doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
