"""Incentive rules (``iei_sim.mechanisms.incentives``): the tax deduction for (certified) firms and
the subsidies, region by region."""

import numpy as np
import pytest
from scipy import stats
from tests.helpers import FAST_DEPTH, tiny

from iei_sim.model import IEIModel
from iei_sim.run import run_scenario


def test_only_certified_firms_deduct_when_certification_is_required():
    impossible = tiny(
        {
            "policy.tax_deduction.enabled": True,
            "policy.tax_deduction.certification_strictness": 1.0,
            "policy.tax_deduction.processing_probability": 1.0,
        },
        steps=6,
    )
    result = run_scenario(impossible, seed=3)
    deductions = result.ledger[result.ledger.purpose == "tax_deduction"]
    # Strictness 1 needs a deep partnership plus luck: few certify, and only they deduct.
    certified = set(result.firms.loc[result.firms.certified, "firm"])
    assert result.summary["certified_firm_share"] <= 0.05
    if not certified:
        assert deductions.empty

    lax = tiny(
        {
            "policy.tax_deduction.enabled": True,
            "policy.tax_deduction.certification_strictness": 0.0,
            "policy.tax_deduction.certification_cost": 0.1,
            "policy.tax_deduction.processing_probability": 1.0,
        },
        steps=6,
    )
    result = run_scenario(lax, seed=3)
    assert result.summary["certified_firm_share"] > 0
    assert result.ledger[result.ledger.purpose == "tax_deduction"]["amount"].sum() > 0


def test_a_generous_subsidy_raises_firm_participation():
    """Paired over 10 common seeds; criterion: one-sided paired t-test, p < 0.01."""
    seeds = range(10)
    base = np.array(
        [run_scenario(tiny(steps=6), seed=s).summary["firm_participation_rate"] for s in seeds]
    )
    generous = tiny(
        {
            "policy.subsidies.per_intern": 3.0,
            "policy.subsidies.per_deep_project": 10.0,
            "regions.east.government_budget": 1e6,
            "regions.west.government_budget": 1e6,
        },
        steps=6,
    )
    subsidised = np.array(
        [run_scenario(generous, seed=s).summary["firm_participation_rate"] for s in seeds]
    )
    test = stats.ttest_rel(subsidised, base, alternative="greater")
    assert test.pvalue < 0.01, (subsidised - base, test)


def test_a_region_tuned_subsidy_is_paid_only_in_that_region():
    scenario = tiny(
        {"regions.west.policy": {"subsidies": {"per_intern": 2.0}}, **FAST_DEPTH}, steps=6
    )
    assert scenario.policy_for("west").subsidies.per_intern == 2.0
    assert scenario.policy_for("east").subsidies.per_intern == 0.0
    model = IEIModel(scenario, seed=7)
    for _ in range(6):
        model.step()
    detail = model.ledger.flows()
    paid = detail[detail.purpose == "intern_subsidy"]["amount"].sum()
    assert paid > 0
    west_firms = {f.index for f in model.firm_list if f.region == "west"}
    receivers = {p.firm.index for p in model.partnerships if p.totals.get("interns", 0) > 0}
    assert receivers & west_firms
    gov = {g.region: g for g in model.government_of.values()}
    # the east's government pays no intern subsidy: its budget is untouched by it
    assert gov["east"].budget == pytest.approx(model.config.regions["east"].government_budget * 6)
