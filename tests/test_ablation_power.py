"""The ablation's detectable difference (tools/validation_report.py): what "inert" means."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from tools.validation_report import ABLATION_POWER, detectable_differences


def test_detectable_difference_is_the_half_width_scaled_to_the_power():
    """For a CI of half-width h from n paired replicates, a true difference of
    h·(t₀.₉₇₅ + t_power)/t₀.₉₇₅ is found with the stated power: the median over mechanisms."""
    table = pd.DataFrame(
        {
            "mechanism": ["a", "b", "c"],
            "outcome": ["firm_participation_rate"] * 3,
            "diff_ci_low": [-0.01, -0.02, -0.05],
            "diff_ci_high": [0.01, 0.02, 0.05],
        }
    )
    n = 10
    t_alpha, t_power = stats.t.ppf(0.975, n - 1), stats.t.ppf(ABLATION_POWER, n - 1)
    found = detectable_differences(table, n)
    assert found == {"firm_participation_rate": pytest.approx(0.02 * (1 + t_power / t_alpha))}
    # Check the power by simulation: paired differences with the SD such a CI implies.
    sd = 0.02 * np.sqrt(n) / t_alpha
    rng = np.random.default_rng(0)
    draws = rng.normal(found["firm_participation_rate"], sd, size=(4000, n))
    low = draws.mean(axis=1) - t_alpha * draws.std(axis=1, ddof=1) / np.sqrt(n)
    assert (low > 0).mean() == pytest.approx(ABLATION_POWER, abs=0.03)
