"""Reputation and school capacity (``iei_sim.mechanisms.reputation``): reputations decay toward 1,
active partnerships add to them, and a school's standing sets what it can take on."""

import pytest
from tests.helpers import tiny

from iei_sim.mechanisms.partnerships import start_partnership
from iei_sim.model import IEIModel


def test_reputation_decays_toward_one_and_each_active_partnership_adds_to_it():
    model = IEIModel(tiny(steps=1), seed=0)
    high, low, busy = model.school_list[:3]
    high.reputation, low.reputation, busy.reputation = 3.0, 0.5, 3.0
    for firm in model.firm_list[:2]:
        start_partnership(model, busy, firm)
    model.mechanisms["reputation"].step()
    assert 1.0 < high.reputation < 3.0  # falls toward 1 without overshooting it...
    assert 0.5 < low.reputation < 1.0  # ... and rises toward it from below
    gain = model.config.schools.reputation_gain
    assert gain > 0 and busy.reputation - high.reputation == pytest.approx(2 * gain)


def test_a_school_that_gains_standing_can_run_more_partnerships_and_do_more_research():
    model = IEIModel(tiny(steps=1), seed=0)
    school = min(model.school_list, key=lambda s: s.reputation)
    before = school.capacity, school.research_capacity
    school.reputation = 10 * max(s.reputation for s in model.school_list)
    model.mechanisms["reputation"].step()
    assert school.capacity > before[0]
    assert school.research_capacity > before[1]
    assert school.research_capacity == model.config.schools.max_research_capacity  # capped
