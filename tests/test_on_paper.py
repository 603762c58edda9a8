"""Projects on paper under a deduction open to every firm, and monitoring's deterrence (issue 17).

Running a project on paper is a logit choice on its expected gain
(``iei_sim.mechanisms.partnerships.on_paper_probability``); the gain kept shrinks with the chance
of exposure, ``intensity`` × ``accuracy``. So under ``scenarios/tax_deduction.yaml`` with
``certified_only: false`` at the policy tests' size (``tests.sizes.SMALL_20_YEARS``, after the
shipped spin-up), on-paper projects must occur, more monitoring must reduce them, and with
``accuracy: 0`` (evaluations detect nothing: the mechanism knocked out) intensity must change
nothing at all.

Replicates from a power analysis, not from the result: a pilot on seeds 1000–1007 gave the
paired difference in ``formalistic_project_share`` between intensity 0 and 0.5 an SD of 0.0239
(mean 0.088). The smallest effect of interest is 0.02 (two points of the project mix); a
one-sided paired t-test at α = 0.05 with power 0.8 then needs :data:`REPLICATES` seeds
(``statsmodels`` ``TTestPower``), run here on seeds 0 … n − 1.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.power import TTestPower
from tests.helpers import SCENARIOS
from tests.sizes import SMALL_20_YEARS

from iei_sim.run import simulate_outcomes
from iei_sim.scenario import load_scenario

PILOT_SD = 0.0239
SESOI = 0.02
ALPHA = 0.05
REPLICATES = math.ceil(
    TTestPower().solve_power(
        effect_size=SESOI / PILOT_SD, alpha=ALPHA, power=0.8, alternative="larger"
    )
)
OPEN_DEDUCTION = {**SMALL_20_YEARS, "policy.tax_deduction.certified_only": False}


def on_paper_shares(**monitoring: float) -> np.ndarray:
    overrides = {f"policy.monitoring.{key}": value for key, value in monitoring.items()}
    scenario = load_scenario(
        SCENARIOS / "tax_deduction.yaml", overrides={**OPEN_DEDUCTION, **overrides}
    )
    return np.array(
        [
            simulate_outcomes(scenario, seed)[1]["formalistic_project_share"]
            for seed in range(REPLICATES)
        ]
    )


@pytest.fixture(scope="module")
def shares() -> dict[str, np.ndarray]:
    return {
        "unwatched": on_paper_shares(intensity=0.0),
        "shipped": on_paper_shares(),
        "watched": on_paper_shares(intensity=0.5),
        "blind unwatched": on_paper_shares(intensity=0.0, accuracy=0.0),
        "blind watched": on_paper_shares(intensity=0.5, accuracy=0.0),
    }


def test_the_power_analysis_asks_for_a_sensible_number_of_seeds():
    assert 8 <= REPLICATES <= 32


def test_projects_on_paper_occur_under_a_deduction_open_to_all_firms(shares):
    shipped = shares["shipped"]
    assert stats.ttest_1samp(shipped, 0.0, alternative="greater").pvalue < ALPHA
    assert shipped.mean() > 0.01  # at least one project in a hundred, not a rounding error


def test_more_monitoring_reduces_projects_on_paper(shares):
    difference = shares["unwatched"] - shares["watched"]
    assert stats.ttest_1samp(difference, 0.0, alternative="greater").pvalue < ALPHA
    assert difference.mean() >= SESOI


def test_monitoring_deters_only_through_detection(shares):
    """Knocked out (accuracy 0), intensity changes no run's share at all: the response is
    carried by detection, not by anything else evaluations do."""
    np.testing.assert_array_equal(shares["blind unwatched"], shares["blind watched"])
    np.testing.assert_array_equal(shares["blind unwatched"], shares["unwatched"])
