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

from iei_sim.patterns import (
    PATTERN_KNOCKOUT_COLUMNS,
    PATTERN_OUTCOMES,
    PATTERNS,
    evaluate_patterns,
    knockout_patterns,
    run_replicates,
)
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
        "school_offer_refusal_rate": 0.8,
        "education_project_share": 0.3,
        "project_gini": 0.7,
        "project_top_decile_share": 0.5,
        "shallow_partnership_share": 0.7,
        "student_coverage": 0.1,
    }
    base.update(columns)
    return pd.DataFrame({k: v + rng.normal(0, 0.01, 20) for k, v in base.items()})


def test_every_pattern_holds_on_values_inside_its_band():
    assert evaluate_patterns(_fake_summaries())["holds"].all()


@pytest.mark.parametrize(
    ("column", "value", "pattern"),
    [
        ("school_offer_refusal_rate", 0.3, "hot_schools_cold_firms"),
        ("education_project_share", 0.6, "goal_deviation"),
        ("education_project_share", 0.15, "goal_deviation"),
        ("project_gini", 0.3, "concentration"),
        ("project_top_decile_share", 0.3, "concentration_top_decile"),
        ("shallow_partnership_share", 0.3, "shallow_depth"),
        ("student_coverage", 0.8, "narrow_coverage"),
        ("student_coverage", 0.0, "narrow_coverage"),
    ],
)
def test_a_pattern_fails_when_its_statistic_leaves_the_band(column, value, pattern):
    table = evaluate_patterns(_fake_summaries(**{column: value})).set_index("pattern")
    assert not table.loc[pattern].holds
    assert table.drop(index=pattern)["holds"].all()


def test_an_interval_straddling_the_band_edge_does_not_hold():
    noisy = _fake_summaries()
    noisy["education_project_share"] = np.linspace(0.12, 0.8, 20)  # mean 0.46 in band, CI to 0.56
    table = evaluate_patterns(noisy).set_index("pattern")
    assert not table.loc["goal_deviation"].holds


def test_patterns_need_replicates():
    with pytest.raises(ValueError):
        evaluate_patterns(_fake_summaries().iloc[:1])


def test_a_share_near_zero_is_not_failed_by_an_interval_below_zero():
    """Coverage at a mean of 0.004: Student's t reaches below 0, a share cannot; the interval is
    clipped to [0, 1] (and here the pattern, band [0.02, 0.5], fails on its own terms)."""
    rare = _fake_summaries()
    rare["student_coverage"] = np.r_[np.zeros(18), 0.04, 0.04]  # mean 0.004
    row = evaluate_patterns(rare).set_index("pattern").loc["narrow_coverage"]
    values = rare["student_coverage"]
    unclipped = values.mean() - 2.093 * values.std(ddof=1) / np.sqrt(len(values))
    assert unclipped < 0  # the case the clipping is for
    assert row.ci_low == 0.0 and row.ci_high < 0.02
    assert not row.holds


def test_every_interval_lies_within_its_statistics_support():
    wide = _fake_summaries()
    for column in wide:
        wide[column] = np.linspace(-0.5, 1.5, len(wide))  # impossible spread, to hit both edges
    table = evaluate_patterns(wide).set_index("pattern")
    for pattern in PATTERNS:
        low, high = pattern.support
        row = table.loc[pattern.key]
        assert low <= row.ci_low <= row["mean"] <= row.ci_high <= high, pattern.key


def test_patterns_read_only_their_declared_outcomes():
    only = _fake_summaries()[list(PATTERN_OUTCOMES)]
    assert len(evaluate_patterns(only)) == len(PATTERNS)


def test_every_pattern_names_its_generating_knockouts_and_whether_it_was_tuned():
    from iei_sim.experiments.ablation import BY_NAME
    from iei_sim.scenario import Scenario

    fields = Scenario().model_dump()
    for pattern in PATTERNS:
        assert pattern.generated_by, pattern.key
        assert set(pattern.generated_by) <= set(BY_NAME), pattern.key
        assert (pattern.low, pattern.high) != pattern.support, pattern.key  # no vacuous band
        for dotted in pattern.calibrated_by:
            section, name = dotted.split(".")
            assert name in fields[section], dotted
        assert pattern.use == ("calibration" if pattern.calibrated_by else "validation")


def test_knockout_patterns_marks_the_generating_knockout_and_its_verdict():
    reference = _fake_summaries().assign(scenario="reference")
    no_market = _fake_summaries(school_offer_refusal_rate=0.0).assign(scenario="market")
    table = knockout_patterns(pd.concat([reference, no_market]), "reference")
    assert list(table.columns) == list(PATTERN_KNOCKOUT_COLUMNS)
    assert table[table.mechanism == "reference"]["holds"].all()
    row = table.set_index(["mechanism", "pattern"]).loc[("market", "hot_schools_cold_firms")]
    assert row.generates and not row.holds
    others = table[(table.mechanism == "market") & (table.pattern != "hot_schools_cold_firms")]
    assert others["holds"].all() and not others["generates"].any()
