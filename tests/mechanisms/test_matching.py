"""The partnership market (``iei_sim.mechanisms.matching``): firms accept only offers that beat
their outside option, and the digital platform widens and cheapens the search."""

from tests.helpers import tiny

from iei_sim.mechanisms import matching
from iei_sim.model import IEIModel
from iei_sim.run import run_scenario


def test_firms_refuse_offers_that_do_not_beat_their_outside_option():
    model = IEIModel(tiny(steps=1), seed=1)
    school = model.school_list[0]
    firm = model.firm_list[0]
    firm.belief = -100.0
    assert not matching.firm_accepts(model, firm, school)
    firm.belief = 100.0
    assert matching.firm_accepts(model, firm, school)


def test_no_firm_cooperates_when_cooperation_is_ruinous():
    ruinous = {"partnerships.firm_overhead": [500.0, 500.0, 500.0], "learning.prior_noise": 0.0}
    result = run_scenario(tiny(ruinous, steps=3), seed=0)
    assert result.timeseries["partnerships_active"].max() == 0
    assert result.summary["school_willingness"] > 0.5  # schools still want to cooperate


def test_platform_lowers_search_costs_and_matches_across_regions():
    off = IEIModel(tiny(steps=1), seed=0)
    on = IEIModel(
        tiny({"policy.platform.enabled": True, "policy.platform.cross_region_share": 0.5}, steps=1),
        seed=0,
    )
    assert on.market.search_cost_per_candidate < off.market.search_cost_per_candidate
    assert on.market.search_candidates > off.market.search_candidates
    result = run_scenario(
        tiny({"policy.platform.enabled": True, "policy.platform.cross_region_share": 0.5}, steps=5),
        seed=0,
    )
    schools = result.schools.set_index("school")["region"]
    firms = result.firms.set_index("firm")["region"]
    p = result.partnerships
    cross = (schools[p.school].to_numpy() != firms[p.firm].to_numpy()).sum()
    assert cross > 0
    baseline = run_scenario(tiny(steps=5), seed=0).partnerships
    assert (schools[baseline.school].to_numpy() == firms[baseline.firm].to_numpy()).all()


# The platform's effect on coverage is a policy response: tests/test_policy_responses.py.
