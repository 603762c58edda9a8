"""Public funding (``iei_sim.mechanisms.governments``): each government's yearly budget, kept
when unspent, and the schools' funding per student, spent the same year but for a cooperation
reserve; schools pay for cooperation only from the money they have."""

import pytest
from tests.helpers import FAST_DEPTH, tiny

from iei_sim.model import IEIModel


def test_a_budget_arrives_every_year_and_what_is_not_spent_carries_over():
    """Only the west pays a subsidy: the east keeps every year's budget, the west all but what
    it paid out."""
    west_subsidy = {"regions.west.policy": {"subsidies": {"per_intern": 2.0}}}
    scenario = tiny({**FAST_DEPTH, **west_subsidy}, steps=4)
    model = IEIModel(scenario, seed=0)
    government = {g.region: g for g in model.government_of.values()}
    for year in range(1, scenario.steps + 1):
        model.step()
        flows = model.ledger.flows()
        paid = flows.loc[flows.from_type == "government", "amount"].sum()
        for region in ("east", "west"):
            received = year * scenario.regions[region].government_budget
            spent = paid if region == "west" else 0.0
            assert government[region].budget == pytest.approx(received - spent), (year, region)
    assert paid > 0  # the west's subsidy was paid, so its budget really carried a remainder


def test_schools_are_funded_per_student_and_spend_all_but_their_cooperation_reserve():
    """After the funding phase each school holds exactly its reserve, whatever it had before:
    the rest of the funding, and any money above the reserve, went to operations."""
    reserve_share = 0.02
    scenario = tiny(
        {"schools.budget_per_student": 2.5, "schools.cooperation_reserve_share": reserve_share},
        steps=3,
    )
    model = IEIModel(scenario, seed=0)
    for _ in range(scenario.steps):
        model.step()
        flows = model.ledger.flows()
        year = flows[flows.step == model.steps].groupby("purpose")["amount"].sum()
        enrolled = sum(school.enrolment for school in model.school_list)
        assert year["school_funding"] == pytest.approx(2.5 * enrolled)
        assert year["school_operations"] < year["school_funding"]
    held_before = [school.budget for school in model.school_list]
    assert len(set(held_before)) > 1  # schools ended the year with different money
    model.mechanisms["governments"].step()
    for school in model.school_list:
        assert school.budget == pytest.approx(reserve_share * 2.5 * school.enrolment)


def _school_money_by_year(overrides: dict, steps: int, seed: int = 2) -> tuple[list[float], dict]:
    """Each year's lowest school balance, and the run's school spending by purpose."""
    model = IEIModel(tiny({**FAST_DEPTH, **overrides}, steps=steps), seed=seed)
    lowest = []
    for _ in range(steps):
        model.step()
        lowest.append(float(model.ledger.balances(model.schools.account, "money").min()))
    flows = model.ledger.flows()
    spent = flows[(flows.from_type == "school") & (flows.resource == "money")]
    return lowest, spent.groupby("purpose")["amount"].sum().to_dict()


COOPERATION_SPENDING = ("partner_search", "school_coordination", "teaching_adaptation")


def test_a_school_never_spends_money_it_does_not_have():
    """Over a long run, with a small reserve and losses often striking schools, no school's
    money goes below zero at the end of any year."""
    lowest, _ = _school_money_by_year(
        {"schools.cooperation_reserve_share": 0.005, "risk.defection_rate": 0.2}, steps=25
    )
    assert all(balance >= -1e-9 for balance in lowest), lowest


def test_spending_is_cut_when_money_runs_out():
    """With no cooperation reserve schools live on firm funding alone: they pay less for search,
    coordination and adaptation than schools with an ample reserve, and still never go below 0."""
    steps = 8
    ample_lowest, ample = _school_money_by_year({"schools.cooperation_reserve_share": 0.5}, steps)
    broke_lowest, broke = _school_money_by_year({"schools.cooperation_reserve_share": 0.0}, steps)
    assert min(broke_lowest) >= -1e-9 and min(ample_lowest) > 0
    for purpose in COOPERATION_SPENDING:
        assert broke.get(purpose, 0.0) < ample[purpose], purpose
