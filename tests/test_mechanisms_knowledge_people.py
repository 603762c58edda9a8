"""Knowledge transfer, teachers, contracts, associations, student levels and region-tuned policy."""

import numpy as np
import pytest
from tests.helpers import tiny

from iei_sim.agents.students import GRADUATE
from iei_sim.mechanisms.partnerships import Partnership, ends_this_year
from iei_sim.model import IEIModel
from iei_sim.run import run_scenario

FAST_DEPTH = {"partnerships.deepen_threshold": 0.3}


def _stepped(overrides=None, steps=6, seed=1):
    model = IEIModel(tiny({**FAST_DEPTH, **(overrides or {})}, steps=steps), seed=seed)
    for _ in range(steps):
        model.step()
    return model


# -- knowledge ------------------------------------------------------------------------------------


def test_switching_knowledge_off_freezes_the_frontier_and_transfers_nothing():
    model = _stepped({"knowledge.enabled": False})
    assert (model.knowledge.frontier == 1.0).all()
    flows = model.ledger.flows()
    assert not (flows.resource == "knowledge").any()
    assert not (flows.purpose == "teaching_adaptation").any()


def test_without_partners_curricula_fall_behind_a_moving_frontier():
    lonely = _stepped(
        {
            "partnerships.firm_overhead": [500.0, 500.0, 500.0],
            "knowledge.shock_rate": 0.0,
            "learning.prior_noise": 0.0,
        },
        steps=8,
    )
    assert lonely.knowledge.frontier.min() == pytest.approx(1.05**8)
    series = run_scenario(
        tiny(
            {
                "partnerships.firm_overhead": [500.0, 500.0, 500.0],
                "knowledge.shock_rate": 0.0,
                "learning.prior_noise": 0.0,
            },
            steps=8,
        ),
        seed=1,
    ).timeseries["curriculum_currency"]
    assert series.iloc[-1] < series.iloc[0]


def test_partnerships_transfer_knowledge_more_when_firms_are_open():
    def transferred(openness):
        result = run_scenario(
            tiny(
                {**FAST_DEPTH, "knowledge.openness_mean": openness, "knowledge.secrecy": 0.0},
                steps=6,
            ),
            seed=2,
        )
        return result.ledger.loc[result.ledger.resource == "knowledge", "amount"].sum()

    assert transferred(0.9) > transferred(0.1) > 0


def test_secrecy_makes_high_tech_firms_share_less():
    model = IEIModel(tiny(steps=1), seed=0)
    firm = model.firm_list[0]
    firm.openness_trait = 0.8
    firm.tech_level = 0.2
    open_low_tech = model.knowledge.openness(firm)
    firm.tech_level = 0.9
    assert model.knowledge.openness(firm) < open_low_tech


def test_curriculum_currency_raises_the_value_of_graduates_skills():
    model = IEIModel(tiny(steps=1), seed=0)
    idx = np.arange(50)
    model.knowledge.curriculum[:] = model.knowledge.frontier  # fully current
    current = model.students.job_skill(idx)
    model.knowledge.curriculum[:] = 0.2 * model.knowledge.frontier
    assert (model.students.job_skill(idx) < current).all()


# -- teachers -------------------------------------------------------------------------------------


def test_secondments_to_partner_firms_raise_the_dual_qualified_share():
    base = {"teachers.training_rate": 0.0, "teachers.attrition": 0.0}
    none = _stepped({**base, "teachers.secondments": [0.0, 0.0, 0.0]}, steps=6, seed=3)
    many = _stepped({**base, "teachers.secondments": [2.0, 4.0, 6.0]}, steps=6, seed=3)
    assert np.mean([s.dual_qualified_share for s in many.school_list]) > np.mean(
        [s.dual_qualified_share for s in none.school_list]
    )
    assert (many.ledger.flows().resource == "teacher_secondments").any()


def test_the_practical_share_floor_is_enforced_and_feeds_learning():
    model = _stepped({"policy.practical_share_floor": 0.6}, steps=2)
    assert all(s.practical_share >= 0.6 for s in model.school_list)
    assert (model.schools.practical_share >= 0.6).all()


def test_dual_teacher_subsidy_raises_training():
    base = {"teachers.secondments": [0.0, 0.0, 0.0]}
    plain = _stepped(base, steps=5, seed=4)
    paid = _stepped({**base, "policy.subsidies.per_dual_teacher": 1.0}, steps=5, seed=4)
    share = lambda m: np.mean([s.dual_qualified_share for s in m.school_list])  # noqa: E731
    assert share(paid) > share(plain)


# -- contracts ------------------------------------------------------------------------------------


def _partnership(model, formal, trust, contract_end):
    return Partnership(
        id=0,
        school=model.school_list[0],
        firm=model.firm_list[0],
        start_step=0,
        orientation="rnd",
        trust=trust,
        formal=formal,
        contract_end=contract_end,
    )


def test_a_formal_contract_rides_out_low_trust_until_its_term_ends():
    model = IEIModel(tiny({"contracts.informal_breakup_rate": 0.0}, steps=1), seed=0)
    model.steps = 3
    luck = 0.5  # this year's break-up draw: no break-up at rate 0
    assert not ends_this_year(model, _partnership(model, True, -1.0, contract_end=5), luck)
    assert ends_this_year(model, _partnership(model, True, -1.0, contract_end=3), luck)
    assert ends_this_year(model, _partnership(model, False, -1.0, contract_end=0), luck)
    renewed = _partnership(model, True, 2.0, contract_end=3)
    assert not ends_this_year(model, renewed, luck) and renewed.contract_end > 3


def test_informal_ties_break_up_at_their_rate_and_defection_ends_any_partnership():
    model = IEIModel(tiny({"contracts.informal_breakup_rate": 0.3}, steps=1), seed=0)
    assert ends_this_year(model, _partnership(model, False, 5.0, contract_end=0), 0.29)
    assert not ends_this_year(model, _partnership(model, False, 5.0, contract_end=0), 0.31)
    defected = _partnership(model, True, 5.0, contract_end=99)
    defected.defected = True
    assert ends_this_year(model, defected, 0.99)


def test_no_contracts_when_formal_share_is_zero_and_all_when_supported():
    none = _stepped({"contracts.formal_share": 0.0}, steps=3)
    assert not any(p.formal for p in none.partnerships)
    full = _stepped({"contracts.formal_share": 0.0, "policy.formal_contract_support": 1.0}, steps=3)
    # A contract can lapse into an informal tie only when its first term ends.
    in_first_term = [p for p in full.partnerships if p.start_step == full.steps]
    assert in_first_term and all(p.formal for p in in_first_term)


# -- associations ---------------------------------------------------------------------------------


def test_brokerage_off_means_no_brokered_matches_and_on_brokers_some():
    off = run_scenario(tiny({"associations.brokered_matches": 0.0}, steps=6), seed=5)
    assert off.timeseries["brokered_matches"].sum() == 0
    on = run_scenario(
        tiny({"associations.brokered_matches": 10.0, "policy.subsidies.per_intern": 2.0}, steps=6),
        seed=5,
    )
    assert on.timeseries["brokered_matches"].sum() > 0


def test_pooled_training_bases_cut_smes_overhead_at_medium_and_deep_rungs():
    from iei_sim.mechanisms.partnerships import firm_cost

    plain = IEIModel(tiny(steps=1), seed=0)
    pooled = IEIModel(tiny({"associations.pooled_training_bases": True}, steps=1), seed=0)
    sme = next(f for f in pooled.firm_list if f.size == "sme")
    large = next(f for f in pooled.firm_list if f.size == "large")
    assert firm_cost(pooled, 1, sme) == firm_cost(plain, 1, sme)
    assert firm_cost(pooled, 2, sme) < firm_cost(plain, 2, sme)
    assert firm_cost(pooled, 2, large) == firm_cost(plain, 2, large)


# -- students -------------------------------------------------------------------------------------


def test_universities_enrol_graduate_students_who_learn_more_theory():
    model = _stepped({"students.graduate_share": 0.3}, steps=2)
    st = model.students
    enrolled = st.enrolled()
    graduate = enrolled[st.level[enrolled] == GRADUATE]
    assert len(graduate) > 0
    assert (st.duration[graduate] == model.config.students.duration_graduate).all()
    schools = {model.school_list[i].school_type for i in st.school[graduate]}
    assert schools == {"university"}
    none = _stepped({"students.graduate_share": 0.0}, steps=2)
    assert not (none.students.level[: none.students.n] == GRADUATE).any()


def test_training_that_is_nearly_all_practice_lowers_later_mobility():
    practical = run_scenario(tiny({"policy.practical_share_floor": 0.95}, steps=6), seed=6)
    balanced = run_scenario(tiny(steps=6), seed=6)
    assert practical.summary["graduate_mobility"] < balanced.summary["graduate_mobility"]


# -- region-tuned policy --------------------------------------------------------------------------


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
