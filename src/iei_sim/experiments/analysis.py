"""Tables from a results store: regime comparisons and per-point sweep summaries.

Statistics: replicate means with t-based 95% confidence intervals; a regime's difference from
the reference (the first scenario) is paired by replicate — under common random numbers
replicate *i* of every regime used the same seed — with a paired t-test p-value (two-sided).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special

from iei_sim.outcomes import OUTCOMES

CONFIDENCE = 0.95


def mean_ci(values: np.ndarray) -> tuple[float, float, float, float]:
    """Mean, standard deviation and the 95% t-interval of a replicate sample."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return (np.nan,) * 4
    mean = float(values.mean())
    if n < 2:
        return mean, np.nan, np.nan, np.nan
    sd = float(values.std(ddof=1))
    # Student's t quantile (what scipy.stats.t.ppf computes), without loading scipy.stats,
    # which pool workers would otherwise import for their first run (a second apiece)
    half = float(special.stdtrit(n - 1, 0.5 + CONFIDENCE / 2) * sd / np.sqrt(n))
    return mean, sd, mean - half, mean + half


def comparison_table(runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """One row per scenario × outcome: the outcome's label, unit and summary rule (from the
    registry; blank for a column it does not know), mean, sd, 95% CI, and difference from the
    first scenario (paired by replicate) with the SD of the paired differences, its t-interval
    and the paired test's p-value, all in the outcome's raw unit (shares 0-1). ``diff_sd``
    against ``sd`` shows how much the pairing (common random numbers) narrows the difference:
    independent runs would give about √2 × sd."""
    ok = runs[runs["status"] == "ok"]
    order = list(dict.fromkeys(runs.sort_values("point")["scenario"]))
    reference = order[0]
    ref = ok[ok["scenario"] == reference].set_index("replicate")
    rows = []
    for scenario in order:
        own = ok[ok["scenario"] == scenario].set_index("replicate")
        for outcome in outcomes:
            mean, sd, low, high = mean_ci(own[outcome].to_numpy())
            known = OUTCOMES.get(outcome)
            row = {
                "scenario": scenario,
                "outcome": outcome,
                "label": known.label if known else "",
                "unit": known.unit.name if known else "",
                "summary_rule": known.summary if known else "",
                "replicates": int(own[outcome].notna().sum()),
                "mean": mean,
                "sd": sd,
                "ci_low": low,
                "ci_high": high,
                "diff": np.nan,
                "diff_sd": np.nan,
                "diff_ci_low": np.nan,
                "diff_ci_high": np.nan,
                "p_value": np.nan,
            }
            if scenario != reference:
                row.update(paired_difference(own[outcome], ref[outcome]))
            rows.append(row)
    return pd.DataFrame(rows)


def paired_difference(values: pd.Series, reference: pd.Series) -> dict[str, float]:
    """Mean of ``values - reference`` paired by index (the replicate), its SD, 95% t-interval
    and the paired t-test's p-value (1 or 0 when every difference is the same)."""
    from scipy.stats import ttest_1samp  # here: the comparison runs in the parent only

    paired = pd.concat({"own": values, "ref": reference}, axis=1, join="inner")
    diff = (paired["own"] - paired["ref"]).to_numpy(dtype=float)
    d_mean, d_sd, d_low, d_high = mean_ci(diff)
    p_value = np.nan
    if len(diff) >= 2 and np.nanstd(diff) > 0:
        with warnings.catch_warnings():  # nearly equal differences: SciPy warns, p is right
            warnings.simplefilter("ignore", RuntimeWarning)
            p_value = float(ttest_1samp(diff, 0.0, nan_policy="omit").pvalue)
    elif len(diff) >= 2:
        p_value = 1.0 if d_mean == 0 else 0.0
    return {
        "diff": d_mean,
        "diff_sd": d_sd,
        "diff_ci_low": d_low,
        "diff_ci_high": d_high,
        "p_value": p_value,
    }


# Years after the policies switch on at which ``compare`` states each regime's effect, besides
# the long run (the run's last year). A run's reported year 1 is the first year of its policy
# (``Scenario.policy_start``, after any spin-up), so the horizons count from there.
EFFECT_HORIZONS = (5, 10)
LONG_RUN = "long run"


def effects_table(
    steps: pd.DataFrame,
    runs: pd.DataFrame,
    outcomes: list[str],
    policy_start: int = 1,
    horizons: tuple[int, ...] = EFFECT_HORIZONS,
) -> pd.DataFrame:
    """Each regime's effect against the first, paired by replicate, ``h`` years after the
    policies switch on (reported year ``policy_start``, 1 unless a regime starts its policy
    later than its first reported year; year ``policy_start + h - 1``) for every ``h`` in
    ``horizons`` that the runs reach, and in the long run (their last year).

    The effect is on the outcome's value in that year; for an outcome the run summary adds up
    (a whole-run total such as the fiscal cost), on its sum from ``policy_start`` to that year.
    Columns: scenario, outcome, label, unit, horizon (the horizon's name), horizon_years, year,
    replicates, diff, diff_ci_low, diff_ci_high, p_value.
    """
    ok = runs[runs["status"] == "ok"]
    columns = [
        "scenario", "outcome", "label", "unit", "horizon", "horizon_years", "year",
        "replicates", "diff", "diff_ci_low", "diff_ci_high", "p_value",
    ]  # fmt: skip
    if ok.empty or steps.empty:
        return pd.DataFrame(columns=columns)
    labelled = steps.merge(ok[["run_key", "scenario", "replicate"]], on="run_key")
    order = list(dict.fromkeys(runs.sort_values("point")["scenario"]))
    last = int(labelled["step"].max())
    reach = [(f"{h} years", h) for h in horizons if policy_start + h - 1 <= last]
    reach.append((LONG_RUN, last - policy_start + 1))
    rows = []
    for outcome in (o for o in outcomes if o in labelled):
        known = OUTCOMES.get(outcome)
        adds_up = known is not None and known.summary == "total"
        for horizon, years in reach:
            year = policy_start + years - 1
            window = labelled[
                (labelled["step"] >= policy_start if adds_up else labelled["step"] == year)
                & (labelled["step"] <= year)
            ]
            by_run = window.groupby(["scenario", "replicate"])[outcome].sum(min_count=1)
            reference = by_run.xs(order[0], level="scenario")
            for scenario in order[1:]:
                if scenario not in by_run.index.get_level_values("scenario"):
                    continue
                own = by_run.xs(scenario, level="scenario")
                difference = paired_difference(own, reference)
                del difference["diff_sd"]
                rows.append(
                    {
                        "scenario": scenario,
                        "outcome": outcome,
                        "label": known.label if known else "",
                        "unit": known.unit.name if known else "",
                        "horizon": horizon,
                        "horizon_years": years,
                        "year": year,
                        "replicates": int(own.notna().sum()),
                        **difference,
                    }
                )
    return pd.DataFrame(rows, columns=columns)


def point_summary(runs: pd.DataFrame, outcomes: list[str], factors: list[str]) -> pd.DataFrame:
    """One row per design point: its factor values, runs ok/failed, and each outcome's mean and
    95% CI over replicates."""
    rows = []
    for point, group in runs.groupby("point", sort=True):
        ok = group[group["status"] == "ok"]
        first = group.iloc[0]
        row = {"point": int(point), "scenario": first["scenario"]}
        row.update({f: first[f] for f in factors if f in group})
        row.update(runs_ok=len(ok), runs_failed=int((group["status"] != "ok").sum()))
        for outcome in outcomes:
            if outcome not in ok:
                continue
            mean, _, low, high = mean_ci(ok[outcome].to_numpy())
            row.update({outcome: mean, f"{outcome}_ci_low": low, f"{outcome}_ci_high": high})
        rows.append(row)
    return pd.DataFrame(rows)


def step_bands(steps: pd.DataFrame, runs: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Per scenario and step: the replicate mean of ``outcome`` and its 95% CI."""
    labelled = steps.merge(runs[["run_key", "scenario"]], on="run_key")
    order = {name: i for i, name in enumerate(dict.fromkeys(runs.sort_values("point")["scenario"]))}
    labelled = labelled.sort_values(
        ["scenario", "step"], key=lambda c: c.map(order) if c.name == "scenario" else c
    )
    rows = []
    for (scenario, step), group in labelled.groupby(["scenario", "step"], sort=False):
        mean, _, low, high = mean_ci(group[outcome].to_numpy())
        rows.append(
            {"scenario": scenario, "step": step, "mean": mean, "ci_low": low, "ci_high": high}
        )
    return pd.DataFrame(rows)
