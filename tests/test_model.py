"""The model as a whole: its population, its order of stepping, and the pattern it must show
without incentives. Each mechanism's tests are in tests/mechanisms/, the agents' in
tests/agents/."""

import numpy as np
import pytest
from tests.helpers import tiny

from iei_sim.model import IEIModel
from iei_sim.run import run_scenario

SEEDS = range(6)


def test_population_matches_the_scenario(stepped_model):
    model = stepped_model
    cfg = model.config
    assert len(model.firm_list) == sum(r.firms for r in cfg.regions.values())
    assert len(model.school_list) == sum(r.schools for r in cfg.regions.values())
    # Between years (after graduation, before the next intake) duration-1 cohorts are enrolled.
    enrolled = model.students.enrolled()
    expected = sum(s.enrolment * (s.duration - 1) / s.duration for s in model.school_list)
    assert abs(len(enrolled) - expected) / expected < 0.05
    for school in model.school_list:
        assert set(school.programmes) <= set(cfg.regions[school.region].sector_shares)


def _mean_outcome(scenario, outcome):
    return np.array([run_scenario(scenario, seed=s).summary[outcome] for s in SEEDS])


def test_school_willingness_exceeds_firm_willingness_without_incentives():
    """'Hot schools, cold enterprises' across seeds (a coarse check; calibration tests it fully)."""
    scenario = tiny(steps=6)
    gaps = _mean_outcome(scenario, "hot_cold_index")
    assert (gaps > 0.2).all()


@pytest.mark.parametrize("agent_type", ["School", "Firm"])
def test_schools_and_firms_step_in_a_keyed_random_order(monkeypatch, agent_type):
    """Every agent acts once a year, in an order that changes from year to year and is the
    same in every run from one seed (schools step one by one; firms decide whether to search
    all at once, then apply for certification one by one in that order)."""
    from iei_sim.agents.school import School
    from iei_sim.mechanisms.incentives import Incentives

    orders = []
    for _ in range(2):
        model = IEIModel(tiny(), seed=5)
        order: list[int] = []
        if agent_type == "School":
            monkeypatch.setattr(School, "step", lambda self, order=order: order.append(self.index))
        else:
            monkeypatch.setattr(
                Incentives,
                "consider_certification",
                lambda self, firm, order=order: order.append(firm.index),
            )
        for year in (1, 2):
            model.steps = year
            (model._schools_step if agent_type == "School" else model._firms_step)()
        orders.append(order)
    first, again = orders
    n = len(model.school_list if agent_type == "School" else model.firm_list)
    assert first == again and sorted(first[:n]) == list(range(n)) == sorted(first[n:])
    assert first[:n] != sorted(first[:n]) and first[:n] != first[n:]  # shuffled, year by year


def test_the_firms_population_decision_is_each_firms_own_step():
    """``seeking_of`` decides for all firms what each firm's ``Firm.step`` decides alone."""
    from iei_sim.agents.firm import seeking_of

    model = IEIModel(tiny(steps=6), seed=3)
    decided = 0
    for _ in range(5):
        model.step()
        year = model.steps
        luck = model.streams("firms.seek").uniform(year, model.firm_keys)
        together = seeking_of(model, luck)
        alone = [
            len(f.partnerships) < f.max_partnerships and f.seeking_draw() < f.willingness
            for f in model.firm_list
        ]
        assert together.tolist() == alone
        decided += int(together.sum())
    assert decided > 0  # some firms did search


def test_an_agent_stepping_alone_draws_what_its_population_step_would_hand_it():
    model = IEIModel(tiny(steps=2), seed=9)
    model.steps = 1
    firm, school = model.firm_list[7], model.school_list[3]
    alone = (firm.seeking_draw(), school.seeking_draw())
    handed = (
        model.streams("firms.seek").uniform(1, model.firm_keys)[7],
        model.streams("schools.seek").uniform(1, model.school_keys)[3],
    )
    assert alone == handed
