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
    target: str  # the observed fact, in words, and why the band is where it is
    support: tuple[float, float] = (0.0, 1.0)  # values the statistic can take (a share's)
    # Knock-outs (iei_sim.experiments.ablation.KNOCKOUTS) of the mechanisms said to generate the
    # pattern: with one of them knocked out the pattern should fail (`iei-sim ablate` writes
    # each pattern's verdict under every knock-out to patterns.csv; docs/calibration.md).
    generated_by: tuple[str, ...] = ()
    # Parameters the modeller tuned until the pattern held (docs/calibration.md, Procedure):
    # for those the pattern is calibration, not validation. Empty: nothing was tuned to it.
    calibrated_by: tuple[str, ...] = ()

    @property
    def use(self) -> str:
        """``calibration`` when a parameter was tuned to the pattern, else ``validation``."""
        return "calibration" if self.calibrated_by else "validation"


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "hot_schools_cold_firms",
        "Hot schools, cold enterprises: most schools' offers are refused",
        '001 §3.3 ("enterprises … participation enthusiasm is not high"); 002 §2.2',
        "share of schools' partnership offers that firms refuse",
        lambda s: s["school_offer_refusal_rate"],
        0.50,
        1.0,
        "schools seek partners, firms mostly decline: a majority of offers refused (the seeds "
        "give a direction, not a number, so the band is one-sided). Schools' own willingness "
        "is not the statistic: it starts at the σ(2.2) prior, an input",
        generated_by=("market",),
        calibrated_by=("partnerships.firm_overhead", "firms.rnd_value"),
    ),
    Pattern(
        "goal_deviation",
        "Goal deviation: education-oriented projects a minority",
        "000 §3.1 (MoE 2019: teacher training ~18%, outstanding engineers ~6% of 10,283 "
        "collaborative-education projects)",
        "education-oriented share of active projects",
        lambda s: s["education_project_share"],
        0.24,
        0.50,
        "at least 0.24 (the two categories the seed calls closely related to education, "
        "18% + 6%, are a floor: they are categories within collaborative-education projects, "
        'not an education-vs-R&D split) and a minority ("the proportion … is not large")',
        generated_by=("reputation.attachment",),
        calibrated_by=("firms.education_value", "firms.education_payoff_probability"),
    ),
    Pattern(
        "concentration",
        "Projects concentrated in a few schools",
        '000 §3.2 (~900 universities; "concentrated in a few universities … extremely '
        'uneven distribution")',
        "Gini of projects across schools",
        lambda s: s["project_gini"],
        0.60,
        1.0,
        'heavy-tailed: Gini ≥ 0.6 (one-sided: the seed says "extremely uneven"; its '
        '"3.072" is ambiguous and is not used as a number)',
        generated_by=("learning", "reputation.attachment"),
        calibrated_by=("schools.reputation_sigma",),
    ),
    Pattern(
        "concentration_top_decile",
        "Top decile of schools holds a large share of projects",
        "000 §3.2",
        "share of projects in the top 10% of schools",
        lambda s: s["project_top_decile_share"],
        0.40,
        1.0,
        "top decile ≥ 40% of projects (four times its share of schools; one-sided, as above)",
        generated_by=("learning", "reputation", "reputation.attachment"),
        calibrated_by=("schools.reputation_sigma",),
    ),
    Pattern(
        "shallow_depth",
        "Most partnerships stay shallow",
        '002 introduction; 004 §4.1 ("most interactions limited to equipment donation, '
        'provision of internship posts …")',
        "shallow share of active partnerships",
        lambda s: s["shallow_partnership_share"],
        0.50,
        1.0,
        'a majority shallow ("most"; one-sided)',
        generated_by=("risk", "labour_market.retention"),
        calibrated_by=("partnerships.deepen_threshold",),
    ),
    Pattern(
        "narrow_coverage",
        "A minority of students benefit",
        "000 §3.2",
        "share of graduates with an internship or co-taught course",
        lambda s: s["student_coverage"],
        0.02,
        0.50,
        'some (≥ 2%: participation is "relatively extensive"), but a minority (< 50%: '
        '"extremely uneven")',
        generated_by=("labour_market.retention", "students"),
    ),
)
"""The patterns. Two of iei-sim 0.1's were dropped: ``deep_is_rare`` (deep ≤ 20% had no
statistic behind it, and no knock-out moved the deep share past it; ``shallow_depth`` carries
the seeds' claim) and ``regional_outflow`` (a band of [0, 1] on an outflow driven by the
migration probability, an input)."""

# The summary outcomes the patterns are computed from.
PATTERN_OUTCOMES: tuple[str, ...] = (
    "school_offer_refusal_rate",
    "education_project_share",
    "project_gini",
    "project_top_decile_share",
    "shallow_partnership_share",
    "student_coverage",
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


# Columns of an ablation's ``patterns.csv``: each pattern's verdict on the reference and on every
# knock-out, and whether that knock-out is one of the pattern's generating mechanisms.
PATTERN_KNOCKOUT_COLUMNS = (
    "pattern",
    "use",
    "mechanism",
    "generates",
    "mean",
    "ci_low",
    "ci_high",
    "band_low",
    "band_high",
    "holds",
)


def knockout_patterns(
    runs: pd.DataFrame, reference: str, by: str = "scenario", confidence: float = 0.95
) -> pd.DataFrame:
    """Every pattern's verdict (:data:`HOLDS_RULE`) on each variant of an ablation's runs (one
    summary row per run, variants named in column ``by``; ``reference`` is the unablated
    scenario): the evidence that a pattern fails when its generating mechanism is knocked out."""
    by_key = {pattern.key: pattern for pattern in PATTERNS}
    frames = []
    variants = [reference, *sorted(set(runs[by]) - {reference})]
    for variant in variants:
        table = evaluate_patterns(runs[runs[by] == variant], confidence)
        table["mechanism"] = variant
        table["use"] = table["pattern"].map(lambda key: by_key[key].use)
        table["generates"] = [variant in by_key[key].generated_by for key in table["pattern"]]
        frames.append(table)
    return pd.concat(frames, ignore_index=True)[list(PATTERN_KNOCKOUT_COLUMNS)]
