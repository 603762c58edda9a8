"""The stationarity diagnostic (tools/stationarity.py): its one-long-run design and its rules."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from tests.helpers import tiny
from tools.stationarity import (
    HEADLINE,
    diagnose,
    report,
    run_long,
    settling_year,
    stationary_horizon,
    summary_at,
)

from iei_sim.run import simulate_outcomes


def test_a_long_runs_first_years_are_the_short_run():
    """Every horizon is read off one long run: valid only if a year's state does not depend on
    how many years the run was asked for."""
    scenario = tiny(steps=6)
    short, summary = simulate_outcomes(scenario, 3)
    long = run_long(scenario, 3, 11)
    pd.testing.assert_frame_equal(long[short.columns].iloc[:6], short)
    read_off = summary_at(long, 6, scenario.summary_window)
    assert read_off == {k: v for k, v in summary.items() if k in read_off}


def test_settling_year_finds_where_the_rolling_mean_stops_moving():
    ramp = np.concatenate([np.linspace(0.0, 0.5, 21), np.full(30, 0.5)])  # +0.025 a year to 21
    # the 5-year rolling mean moves by 0.02, 0.015, 0.01 and 0.005 into years 22-25, then not
    assert settling_year(ramp, rate=0.012) == 24
    assert settling_year(ramp, rate=0.004) == 26
    assert settling_year(np.linspace(0.0, 1.0, 50), rate=0.01) == 0  # a trend never settles
    assert settling_year(np.full(10, 0.3)) == 6


def test_stationary_horizon_needs_every_later_horizon_within_tolerance():
    assert stationary_horizon({10: 0.1, 20: 0.02, 30: 0.05, 40: 0.01}) == 40
    assert stationary_horizon({10: 0.1, 20: -0.02, 30: 0.03, 40: 0.0}) == 20
    assert stationary_horizon({10: 0.1, 20: 0.04}) == 0
    assert stationary_horizon({10: math.nan, 20: 0.0}) == 20


def test_diagnose_pairs_seeds_and_reports_every_headline_outcome():
    scenario = tiny(steps=6)
    result = diagnose(scenario, [0, 1], years=14, extend=4, horizons=[5, 10])
    for name in HEADLINE:
        assert set(result.change[name]) == {5, 10}
        runs = [run_long(scenario, seed, 14) for seed in (0, 1)]
        by_seed = [
            summary_at(r, 14, scenario.summary_window)[name]
            - summary_at(r, 10, scenario.summary_window)[name]
            for r in runs
        ]
        assert result.change[name][10] == pytest.approx(np.mean(by_seed), nan_ok=True)
    assert result.levels["firms"][14] == 160
    text = report(result)
    assert "Student coverage" in text and "mean_trust" in text


def test_diagnose_refuses_horizons_beyond_the_run():
    with pytest.raises(ValueError, match="years"):
        diagnose(tiny(steps=4), [0], years=10, extend=8, horizons=[5])
