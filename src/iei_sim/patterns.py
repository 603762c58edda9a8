"""The source studies' stylised facts as checkable patterns (pattern-oriented modelling,
docs/ODD.md §1; bands and sources in docs/calibration.md).

Each pattern is a statistic of a run's summary, a target band with the passage of the source
study behind it, and a decision rule on the replicate mean's 95% confidence interval: a pattern
holds when the whole interval lies inside its band (:data:`HOLDS_RULE`). The interval is
Student's t over replicates, clipped to the range the statistic can take (a share cannot be
below 0), so a share near 0 is not failed by an interval reaching below 0. Nothing here feeds
back into the model; the targets are only ever compared with what the rules produced. The bands
are calibrated for ``scenarios/baseline.yaml``; a smaller scenario may miss some.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from iei_sim.scenario import Scenario


@dataclass(frozen=True)
class Pattern:
    key: str
    name: str
    seed_passage: str
    statistic: str  # what is measured, in words
    compute: Callable[[pd.DataFrame], pd.Series]  # one value per replicate
    low: float  # band the 95% CI must lie in
    high: float
    target: str  # the observed fact, in words
    support: tuple[float, float] = (0.0, 1.0)  # values the statistic can take (a share's)


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "hot_schools_cold_firms",
        "Hot schools, cold enterprises",
        "001 §3.3; 002 §2.2; 004 abstract",
        "school willingness − firm participation rate",
        lambda s: s["school_willingness"] - s["firm_participation_rate"],
        0.30,
        1.0,
        "schools far keener than firms",
        support=(-1.0, 1.0),  # a difference of two shares
    ),
    Pattern(
        "goal_deviation",
        "Goal deviation: education-oriented projects a minority",
        "000 §3.1 (MoE 2019: teacher training ~18%, outstanding engineers ~6%)",
        "education-oriented share of active projects",
        lambda s: s["education_project_share"],
        0.14,
        0.34,
        "about 0.24 (18% + 6%), ±0.10",
    ),
    Pattern(
        "concentration",
        "Projects concentrated in a few schools",
        "000 §3.2 (~900 universities; one with 3,072 of 10,283 projects)",
        "Gini of projects across schools",
        lambda s: s["project_gini"],
        0.60,
        1.0,
        "heavy-tailed: Gini ≥ 0.6",
    ),
    Pattern(
        "concentration_top_decile",
        "Top decile of schools holds a large share of projects",
        "000 §3.2",
        "share of projects in the top 10% of schools",
        lambda s: s["project_top_decile_share"],
        0.40,
        1.0,
        "top decile ≥ 40% of projects",
    ),
    Pattern(
        "shallow_depth",
        "Most partnerships stay shallow",
        "002 introduction; 004 §4.1",
        "shallow share of active partnerships",
        lambda s: s["shallow_partnership_share"],
        0.50,
        1.0,
        "a majority shallow",
    ),
    Pattern(
        "deep_is_rare",
        "Deep partnerships are rare",
        "002 introduction; 004 §4.1",
        "deep share of active partnerships",
        lambda s: s["deep_partnership_share"],
        0.0,
        0.20,
        "deep ≤ 20%",
    ),
    Pattern(
        "narrow_coverage",
        "A minority of students benefit",
        "000 §3.2",
        "share of graduates with an internship or co-taught course",
        lambda s: s["student_coverage"],
        0.02,
        0.50,
        "some, but a minority",
    ),
    Pattern(
        "regional_outflow",
        "Lagging regions lose graduates",
        "004 §1 ('brain drain – industrial hollowing')",
        "net outflow share of lagging-region graduates",
        lambda s: s["lagging_region_outflow"],
        0.0,
        1.0,
        "net outflow > 0",
        support=(-np.inf, 1.0),  # inflows may exceed the region's own graduates
    ),
)


def run_replicates(
    scenario: Scenario,
    replicates: int,
    workers: int = 1,
    first_seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Summaries of ``replicates`` runs with seeds first_seed, first_seed+1, … (one row each)."""
    seeds = list(range(first_seed, first_seed + replicates))
    rows: list[dict] = []
    if workers <= 1:
        for seed in seeds:
            rows.append(_summary(scenario, seed))
            if progress:
                progress(len(rows), replicates)
    else:
        from iei_sim.experiments.executors import process_pool  # workers die with this process

        with process_pool(workers) as pool:
            for summary in pool.map(_summary, [scenario] * replicates, seeds):
                rows.append(summary)
                if progress:
                    progress(len(rows), replicates)
    return pd.DataFrame(rows)


def _summary(scenario: Scenario, seed: int) -> dict:
    from iei_sim.run import run_scenario

    return run_scenario(scenario, seed=seed).summary


# Columns of the pattern table (``iei-sim patterns --out table.csv``), in order: a file whose first
# line is this header is one the command wrote, and may be replaced.
PATTERN_COLUMNS = (
    "pattern",
    "name",
    "statistic",
    "mean",
    "ci_low",
    "ci_high",
    "band_low",
    "band_high",
    "target",
    "seed_passage",
    "replicates",
    "holds",
)
PATTERN_TABLE_HEADER = ",".join(PATTERN_COLUMNS)


HOLDS_RULE = (
    "holds: the whole 95% CI of the replicate mean (Student's t, clipped to the values the "
    "statistic can take, [0, 1] for a share) lies inside the band; bands are calibrated for "
    "scenarios/baseline.yaml"
)


def evaluate_patterns(summaries: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """One row per pattern: replicate mean, confidence interval (clipped to the statistic's
    support), band, and whether it holds (:data:`HOLDS_RULE`)."""
    n = len(summaries)
    if n < 2:
        raise ValueError("need at least 2 replicates to judge a pattern")
    rows = []
    for pattern in PATTERNS:
        values = pattern.compute(summaries).to_numpy(dtype=float)
        mean = float(values.mean())
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / np.sqrt(n))
        low = max(mean - half, pattern.support[0])
        high = min(mean + half, pattern.support[1])
        rows.append(
            {
                "pattern": pattern.key,
                "name": pattern.name,
                "statistic": pattern.statistic,
                "mean": mean,
                "ci_low": low,
                "ci_high": high,
                "band_low": pattern.low,
                "band_high": pattern.high,
                "target": pattern.target,
                "seed_passage": pattern.seed_passage,
                "replicates": n,
                "holds": bool(low >= pattern.low and high <= pattern.high),
            }
        )
    return pd.DataFrame(rows, columns=list(PATTERN_COLUMNS))
