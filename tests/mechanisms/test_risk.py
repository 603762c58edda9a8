"""Risk events and the risk-sharing rules (``iei_sim.mechanisms.risk``): losses, who bears them,
the risk fund, and the certainty cost that makes a risk-averse firm hold back."""

import numpy as np
import pytest
from tests.helpers import tiny

from iei_sim.model import IEIModel
from iei_sim.run import run_scenario

RISKY = {
    "risk.intern_incident_rate": 0.2,
    "risk.disruption_rate": 0.5,
    "risk.defection_rate": 0.1,
    "partnerships.deepen_threshold": 0.3,
}


def _purpose_total(result, purpose):
    flows = result.ledger
    return flows.loc[flows.purpose == purpose, "amount"].sum()


def test_switching_risk_events_off_removes_every_loss():
    on = run_scenario(tiny(RISKY, steps=6), seed=1)
    off = run_scenario(tiny({**RISKY, "risk.enabled": False}, steps=6), seed=1)
    assert on.timeseries["risk_events"].sum() > 0 and on.timeseries["risk_losses"].sum() > 0
    assert off.timeseries["risk_events"].sum() == 0 and off.timeseries["risk_losses"].sum() == 0
    assert not off.ledger.purpose.str.startswith("risk_loss").any()


def test_bearer_pays_keeps_losses_where_they_strike():
    result = run_scenario(tiny(RISKY, steps=6), seed=2)
    assert _purpose_total(result, "risk_loss_firm") > 0
    for purpose in (
        "risk_compensation",
        "insurance_payout",
        "risk_share_partner",
        "insurance_premium",
    ):
        assert _purpose_total(result, purpose) == 0


def test_shared_rule_splits_each_loss_by_its_shares():
    shares = {
        "policy.risk_sharing.rule": "shared",
        "policy.risk_sharing.firm_share": 0.4,
        "policy.risk_sharing.school_share": 0.2,
        "policy.risk_sharing.fund_share": 0.3,
        "policy.risk_sharing.insurance_share": 0.1,
        "policy.risk_sharing.fund_budget": 1e6,
        # Schools with money enough to pay every loss and share in full (they pay from their money).
        "schools.cooperation_reserve_share": 0.5,
    }
    result = run_scenario(tiny({**RISKY, **shares}, steps=6), seed=2)
    losses = _purpose_total(result, "risk_loss_firm") + _purpose_total(result, "risk_loss_school")
    assert losses > 0
    assert _purpose_total(result, "risk_compensation") == pytest.approx(0.3 * losses)
    assert _purpose_total(result, "insurance_payout") == pytest.approx(0.1 * losses)
    assert _purpose_total(result, "risk_share_partner") == pytest.approx(
        0.2 * _purpose_total(result, "risk_loss_firm")
        + 0.4 * _purpose_total(result, "risk_loss_school")
    )
    assert _purpose_total(result, "insurance_premium") > 0


def test_the_risk_fund_runs_dry_and_never_pays_more_than_it_received():
    shares = {
        "policy.risk_sharing.rule": "shared",
        "policy.risk_sharing.fund_share": 0.7,
        "policy.risk_sharing.firm_share": 0.3,
        "policy.risk_sharing.school_share": 0.0,
        "policy.risk_sharing.insurance_share": 0.0,
        "policy.risk_sharing.fund_budget": 1.0,
    }
    model = IEIModel(tiny({**RISKY, **shares}, steps=6), seed=3)
    paid_in = paid_out = wanted = 0.0
    for _ in range(6):
        model.step()
        flows = model.ledger.flows()
        last = flows[flows.step == model.steps]
        paid_in += last.loc[last.purpose == "risk_fund_appropriation", "amount"].sum()
        paid_out += last.loc[last.purpose == "risk_compensation", "amount"].sum()
        wanted += 0.7 * last.loc[last.purpose.str.startswith("risk_loss"), "amount"].sum()
        for region in model.region_names:
            assert model.risk.fund_balance(region) >= -1e-9
    assert paid_out <= paid_in + 1e-9
    assert paid_out < wanted  # the fund could not cover its share: it ran dry


def test_sharing_risk_deepens_cooperation():
    """Across 8 common seeds, mean deep share and trust are higher when losses are shared."""
    risky = {
        **RISKY,
        "risk.intern_incident_rate": 0.1,
        "risk.intern_incident_loss": 5.0,
        "partnerships.deepen_threshold": 0.6,
    }
    shared = {
        "policy.risk_sharing.rule": "shared",
        "policy.risk_sharing.firm_share": 0.2,
        "policy.risk_sharing.school_share": 0.1,
        "policy.risk_sharing.fund_share": 0.6,
        "policy.risk_sharing.insurance_share": 0.1,
        "policy.risk_sharing.fund_budget": 1e6,
    }
    seeds = range(8)
    alone = [run_scenario(tiny(risky, steps=8), seed=s).summary for s in seeds]
    pooled = [run_scenario(tiny({**risky, **shared}, steps=8), seed=s).summary for s in seeds]
    mean = lambda runs, key: float(np.mean([r[key] for r in runs]))  # noqa: E731
    assert mean(pooled, "partnerships_active") > mean(alone, "partnerships_active")
    assert mean(pooled, "deep_partnership_share") > mean(alone, "deep_partnership_share")


def test_loss_variance_matches_the_spread_of_drawn_losses():
    """The certainty-equivalent uses the variance the event draws really have (200k draws)."""
    model = IEIModel(tiny(RISKY, steps=1), seed=5)
    e, firm, interns = model.config.risk, model.firm_list[0], 6
    rng = np.random.default_rng(0)
    n = 200_000
    losses = rng.binomial(interns, e.intern_incident_rate, n) * e.intern_incident_loss
    losses = losses + (rng.random(n) < e.disruption_rate) * e.disruption_loss_per_intern * interns
    losses = losses + (rng.random(n) < e.defection_rate / 2) * e.defection_loss
    predicted = model.risk.loss_variance_of("education", interns, 0.0, firm)
    assert predicted == pytest.approx(losses.var(), rel=0.03)
    assert model.risk.expected_loss_of("education", interns, 0.0, firm) == pytest.approx(
        losses.mean(), rel=0.02
    )


def test_sharing_lowers_the_risk_cost_of_the_averse_more_than_of_the_neutral():
    """Spreading a loss cuts the kept variance quadratically: a risk-averse firm gains more."""
    shared = {
        "policy.risk_sharing.rule": "shared",
        "policy.risk_sharing.firm_share": 0.4,
        "policy.risk_sharing.school_share": 0.2,
        "policy.risk_sharing.fund_share": 0.3,
        "policy.risk_sharing.insurance_share": 0.1,
    }
    alone, pooled = IEIModel(tiny(RISKY), seed=0), IEIModel(tiny({**RISKY, **shared}), seed=0)
    firm = alone.firm_list[0]
    saving = {}
    for aversion in (0.0, 0.15):
        firm.risk_aversion = aversion
        costs = [m.risk.certainty_cost(firm, "education", 10, 0.0) for m in (alone, pooled)]
        assert costs[1] < costs[0]
        saving[aversion] = costs[0] - costs[1]
    assert saving[0.15] > saving[0.0]


def test_a_risk_averse_firm_declines_a_rung_a_neutral_one_would_climb():
    from iei_sim.mechanisms.partnerships import firm_prefers_deeper, start_partnership

    model = IEIModel(tiny(), seed=0)
    # The SME that needs the most graduates: an education project's medium rung pays it most.
    firm = max((f for f in model.firm_list if f.size == "sme"), key=lambda f: f.hires_per_year)
    partnership = start_partnership(model, model.school_list[0], firm)
    partnership.orientation = "education"
    firm.risk_aversion = 0.0
    neutral = firm_prefers_deeper(model, partnership)
    firm.risk_aversion = 1.0
    assert neutral and not firm_prefers_deeper(model, partnership)


SHARED = {
    "policy.risk_sharing.rule": "shared",
    "policy.risk_sharing.firm_share": 0.3,
    "policy.risk_sharing.school_share": 0.0,
    "policy.risk_sharing.fund_share": 0.7,
    "policy.risk_sharing.insurance_share": 0.0,
}


def test_firms_expect_from_the_fund_only_what_it_pays():
    """An unfunded fund relieves nobody; a fund that paid all its claims relieves its full share;
    one that ran dry relieves the share of claims it paid."""
    unfunded = IEIModel(tiny({**RISKY, **SHARED, "policy.risk_sharing.fund_budget": 0.0}), seed=3)
    assert unfunded.risk.borne_share("east") == pytest.approx(1.0)
    ample = IEIModel(tiny({**RISKY, **SHARED, "policy.risk_sharing.fund_budget": 1e6}), seed=3)
    dry = IEIModel(tiny({**RISKY, **SHARED, "policy.risk_sharing.fund_budget": 1.0}), seed=3)
    for model in (ample, dry):
        assert model.risk.borne_share("east") == pytest.approx(0.3)  # before any claim
        for _ in range(3):
            model.step()
    assert ample.risk.borne_share("east") == pytest.approx(0.3)
    coverage = dry.risk.fund_coverage["east"]
    assert 0.0 <= coverage < 1.0
    assert dry.risk.borne_share("east") == pytest.approx(0.3 + 0.7 * (1.0 - coverage))
