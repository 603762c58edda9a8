"""The calibrated baseline reproduces the source studies' patterns (docs/ODD.md §1,
docs/calibration.md), over 20 replicates.

Each pattern holds when the 95% confidence interval of its replicate mean lies inside its band
(bands and seed passages in ``iei_sim.patterns.PATTERNS``). The default run checks the small
scenario (the baseline's structure at a tenth of the size) over the baseline's 20 years; the
full-size baseline is checked by the slow suite (``make test-slow``).
"""

import numpy as np
import pandas as pd
import pytest
from tests.helpers import SCENARIOS

from iei_sim.patterns import PATTERNS, evaluate_patterns, run_replicates
from iei_sim.scenario import load_scenario

REPLICATES = 20


@pytest.fixture(scope="module")
def small_patterns():
    scenario = load_scenario(SCENARIOS / "small.yaml", overrides={"steps": 20})
    return evaluate_patterns(run_replicates(scenario, REPLICATES, workers=2)).set_index("pattern")


@pytest.mark.parametrize("pattern", [p.key for p in PATTERNS])
def test_small_scenario_reproduces_pattern(small_patterns, pattern):
    row = small_patterns.loc[pattern]
    assert row.replicates == REPLICATES
    assert row.holds, row.to_dict()


@pytest.mark.slow
@pytest.mark.parametrize("pattern", [p.key for p in PATTERNS])
def test_baseline_reproduces_pattern(baseline_patterns, pattern):
    assert baseline_patterns.loc[pattern].holds, baseline_patterns.loc[pattern].to_dict()


@pytest.fixture(scope="module")
def baseline_patterns():
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    return evaluate_patterns(run_replicates(scenario, REPLICATES, workers=2)).set_index("pattern")


def _fake_summaries(**columns):
    rng = np.random.default_rng(0)
    base = {
        "school_willingness": 0.85,
        "firm_participation_rate": 0.25,
        "education_project_share": 0.24,
        "project_gini": 0.7,
        "project_top_decile_share": 0.5,
        "shallow_partnership_share": 0.7,
        "deep_partnership_share": 0.05,
        "student_coverage": 0.1,
        "lagging_region_outflow": 0.2,
    }
    base.update(columns)
    return pd.DataFrame({k: v + rng.normal(0, 0.01, 20) for k, v in base.items()})


def test_every_pattern_holds_on_values_inside_its_band():
    assert evaluate_patterns(_fake_summaries())["holds"].all()


@pytest.mark.parametrize(
    ("column", "value", "pattern"),
    [
        ("firm_participation_rate", 0.7, "hot_schools_cold_firms"),
        ("education_project_share", 0.6, "goal_deviation"),
        ("project_gini", 0.3, "concentration"),
        ("shallow_partnership_share", 0.3, "shallow_depth"),
        ("deep_partnership_share", 0.5, "deep_is_rare"),
        ("student_coverage", 0.8, "narrow_coverage"),
        ("lagging_region_outflow", -0.1, "regional_outflow"),
    ],
)
def test_a_pattern_fails_when_its_statistic_leaves_the_band(column, value, pattern):
    table = evaluate_patterns(_fake_summaries(**{column: value})).set_index("pattern")
    assert not table.loc[pattern].holds
    assert table.drop(index=pattern)["holds"].all()


def test_an_interval_straddling_the_band_edge_does_not_hold():
    noisy = _fake_summaries()
    noisy["education_project_share"] = np.linspace(0.0, 0.62, 20)  # mean 0.31 in band, CI to 0.40
    table = evaluate_patterns(noisy).set_index("pattern")
    assert not table.loc["goal_deviation"].holds


def test_patterns_need_replicates():
    with pytest.raises(ValueError):
        evaluate_patterns(_fake_summaries().iloc[:1])


def test_a_share_near_zero_is_not_failed_by_an_interval_below_zero():
    """Deep partnerships at a mean of 0.004: Student's t reaches below 0, a share cannot; the
    interval is clipped to [0, 1] and the pattern (band [0, 0.2]) holds."""
    rare = _fake_summaries()
    rare["deep_partnership_share"] = np.r_[np.zeros(18), 0.04, 0.04]  # mean 0.004
    row = evaluate_patterns(rare).set_index("pattern").loc["deep_is_rare"]
    values = rare["deep_partnership_share"]
    unclipped = values.mean() - 2.093 * values.std(ddof=1) / np.sqrt(len(values))
    assert unclipped < 0  # the case the clipping is for
    assert row.ci_low == 0.0 and row.ci_high < 0.2
    assert row.holds


def test_every_interval_lies_within_its_statistics_support():
    wide = _fake_summaries()
    for column in wide:
        wide[column] = np.linspace(-0.5, 1.5, len(wide))  # impossible spread, to hit both edges
    table = evaluate_patterns(wide).set_index("pattern")
    for pattern in PATTERNS:
        low, high = pattern.support
        row = table.loc[pattern.key]
        assert low <= row.ci_low <= row["mean"] <= row.ci_high <= high, pattern.key
