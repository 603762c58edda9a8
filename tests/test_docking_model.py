"""A dock of IEIModel itself: with its other mechanisms off, the model's firm participation follows
the forward equation of its own rule (logit choice on beliefs smoothed by reinforcement), year by
year, to sampling noise; a mis-specified rule is rejected (docs/docking.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from iei_sim.docking.mean_field import (
    FirmChains,
    ModelDock,
    chains_of,
    dock,
    dock_scenario,
    forward,
)
from iei_sim.model import IEIModel

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMALL = ROOT / "scenarios" / "small.yaml"
YEARS = {"steps": 20}
TAX_DEDUCTION = {
    "policy.tax_deduction.enabled": True,
    "policy.tax_deduction.certified_only": False,
    "policy.tax_deduction.rate": 0.3,
}
# Gap in standard errors allowed in any of the 20 years: under the mean field, P(|z| > 4) is
# 6e-5 a year, so a correct rule fails with chance below 0.2 % over 20 years.
Z_LIMIT = 4.0
REPLICATES = 10  # at baseline size (1,000 firms): one standard error ≈ 0.5 percentage point


@pytest.fixture(scope="module")
def status_quo() -> ModelDock:
    return dock(BASELINE, YEARS, replicates=REPLICATES, workers=2)


@pytest.fixture(scope="module")
def deduction() -> ModelDock:
    return dock(BASELINE, {**YEARS, **TAX_DEDUCTION}, replicates=REPLICATES, workers=2)


def test_model_follows_the_mean_field_of_its_own_rule(status_quo: ModelDock, deduction):
    for docked in (status_quo, deduction):
        assert np.abs(docked.z).max() < Z_LIMIT, docked.z
        # ... and sharp: 4 standard errors are under 2.5 percentage points of participation.
        assert Z_LIMIT * docked.standard_error.max() < 0.025
    # The dynamics are not flat: participation climbs as beliefs learn the true benefit, and the
    # lever moves it (so agreement is not two constants matching).
    assert status_quo.model_mean[-1] - status_quo.model_mean[0] > 0.15
    assert deduction.model_mean[-1] - status_quo.model_mean[-1] > 0.02
    assert np.all(deduction.replicates[0].chains.expected_incentives > 0)


def test_a_mis_specified_rule_is_rejected(status_quo: ModelDock, deduction: ModelDock):
    """The comparison can fail: the same model runs against the mean field of another rule."""
    assert np.abs(status_quo.against(learning_rate=0.0).z).max() > Z_LIMIT  # no learning
    assert np.abs(status_quo.against(best_response=True).z).max() > Z_LIMIT
    n = len(deduction.replicates[0].chains.belief)
    ignored = deduction.against(expected_incentives=np.zeros(n))  # the deduction not seen
    assert np.abs(ignored.z).max() > Z_LIMIT


def test_the_dock_s_assumptions_hold_in_the_model():
    """What the chains assume, checked on the model's own state year by year: schools never
    propose, every seeking firm gets a partner, a cooperating year pays the chain's payoff."""
    model = IEIModel(dock_scenario(SMALL, YEARS), seed=3)
    chains = chains_of(model)
    allowed = np.stack(
        [
            chains.education_payoff - chains.search_outlay,
            chains.rnd_payoff - chains.search_outlay,
            chains.education_payoff,
            chains.rnd_payoff,
        ]
    )
    for _ in range(8):
        partnered_before = np.array([bool(f.partnerships) for f in model.firm_list])
        model.step()
        firms = model.firms
        assert model.schools.proposals_made.sum() == 0
        assert model.partnerships_started_this_year == int(firms.seeking.sum())
        assert not np.any(firms.seeking & partnered_before)
        cooperated = firms.partnership_years > 0
        private = firms.private_net_benefit[cooperated]
        gap = np.abs(allowed[:, cooperated] - private).min(axis=0)
        assert gap.max() < 1e-9
        assert np.all(firms.partnership_years <= 1)


def test_an_override_that_breaks_the_derivation_is_refused():
    with pytest.raises(ValueError, match=r"firms\.rnd_value .* needs \[0\.0, 0\.0, 0\.0\]"):
        dock_scenario(SMALL, {"firms.rnd_value": [1.0, 2.0, 3.0]})


def test_forward_equation_is_exact_in_simple_cases():
    """Hand-solvable chains: without learning each firm's chance of a partner follows
    z' = (1 − β)(z + (1 − z) q); with certain seeking and β = 0 everyone is in from year 1."""
    n = 3
    base = FirmChains(
        belief=np.array([-1.0, 0.0, 2.0]),
        expected_incentives=np.zeros(n),
        search_cost_per_year=0.5,
        search_outlay=np.full(n, 1.0),
        education_payoff=np.full(n, 0.4),
        rnd_payoff=np.full(n, -0.3),
        education_chance=np.full(n, 0.7),
        learning_rate=0.0,
        ending_chance=0.2,
        temperature=1.0,
        best_response=False,
    )
    q = 1.0 / (1.0 + np.exp(-(base.belief - 0.5)))
    z = np.zeros(n)
    expected = []
    for _ in range(6):
        z = 0.8 * (z + (1.0 - z) * q)
        expected.append(z.copy())
    np.testing.assert_allclose(forward(base, 6), np.array(expected), atol=1e-12)
    from dataclasses import replace

    sure = replace(base, ending_chance=0.0, best_response=True, belief=np.full(n, 3.0))
    np.testing.assert_allclose(forward(sure, 4), 1.0)


def test_grid_error_is_negligible_and_workers_do_not_matter():
    model = IEIModel(dock_scenario(SMALL, YEARS), seed=0)
    chains = chains_of(model)
    fine = forward(chains, 20, grid_points=3201).mean(axis=1)
    assert np.abs(forward(chains, 20).mean(axis=1) - fine).max() < 1e-4
    one = dock(SMALL, {"steps": 4}, replicates=2, seed=7, workers=1)
    two = dock(SMALL, {"steps": 4}, replicates=2, seed=7, workers=2)
    np.testing.assert_array_equal(one.model_mean, two.model_mean)
    np.testing.assert_array_equal(one.mean_field_mean, two.mean_field_mean)
