"""Incentive rules (``iei_sim.mechanisms.incentives``): the tax deduction for (certified) firms and
the subsidies, region by region."""

import numpy as np
import pytest
from scipy import stats
from tests.helpers import FAST_DEPTH, stepped, tiny

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


def _dual_teacher_subsidy_by_year(overrides: dict, steps: int = 5) -> list[tuple[float, float]]:
    """(subsidy paid, teachers newly qualified) in each year of a tiny run, budgets ample."""
    budgets = {f"regions.{r}.government_budget": 1e6 for r in ("east", "west")}
    model = IEIModel(tiny({**FAST_DEPTH, **budgets, **overrides}, steps=steps), seed=5)
    qualified = {}
    for _ in range(steps):
        model.step()
        qualified[model.steps] = float(model.schools.newly_qualified.sum())
    flows = model.ledger.flows()
    paid = flows[flows.purpose == "dual_teacher_subsidy"].groupby("step")["amount"].sum()
    assert set(paid.index) <= set(qualified)
    return [(float(paid.get(year, 0.0)), q) for year, q in qualified.items()]


def test_the_dual_teacher_subsidy_pays_nothing_when_no_teacher_qualifies():
    """Schools keep their dual-qualified stock, but no one is newly qualified: no payment."""
    nobody_qualifies = {
        "policy.subsidies.per_dual_teacher": 1.0,
        "teachers.secondments": [0.0, 0.0, 0.0],
        "teachers.training_rate": 0.0,
        "teachers.subsidy_response": 0.0,
    }
    model = stepped(nobody_qualifies, steps=3)
    assert model.schools.dual_qualified_share.mean() > 0.1  # a stock the old rule paid on
    assert (model.schools.newly_qualified == 0).all()
    assert not (model.ledger.flows().purpose == "dual_teacher_subsidy").any()


def test_the_dual_teacher_subsidy_is_proportional_to_teachers_newly_qualified():
    """Each year's payment is per_dual_teacher × that year's newly qualified teachers, and
    doubling the rate (no behavioural response) doubles the payment."""
    fixed_response = {"teachers.subsidy_response": 0.0}
    single = _dual_teacher_subsidy_by_year(
        {**fixed_response, "policy.subsidies.per_dual_teacher": 0.5}
    )
    double = _dual_teacher_subsidy_by_year(
        {**fixed_response, "policy.subsidies.per_dual_teacher": 1.0}
    )
    assert all(q > 0 for _, q in single)
    for paid, qualified in single:
        assert paid == pytest.approx(0.5 * qualified, rel=1e-9)
    for (paid_single, q_single), (paid_double, q_double) in zip(single, double, strict=True):
        assert q_double == pytest.approx(q_single, rel=1e-9)
        assert paid_double == pytest.approx(2 * paid_single, rel=1e-9)
