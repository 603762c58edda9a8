"""Public funding (``iei_sim.mechanisms.governments``): each government's yearly budget, kept
when unspent, and the schools' funding per student, spent the same year."""

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


def test_schools_are_funded_per_student_and_spend_the_funding_the_same_year():
    scenario = tiny({"schools.budget_per_student": 2.5}, steps=2)
    model = IEIModel(scenario, seed=0)
    enrolled = sum(school.enrolment for school in model.school_list)
    for _ in range(scenario.steps):
        model.step()
        flows = model.ledger.flows()
        year = flows[flows.step == model.steps].groupby("purpose")["amount"].sum()
        assert year["school_funding"] == pytest.approx(2.5 * enrolled)
        assert year["school_operations"] == pytest.approx(year["school_funding"])
