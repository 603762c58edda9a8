"""The students' year (``iei_sim.mechanisms.students``, run by the population of
``iei_sim.agents.students``): intake by level, internships, learning, graduation.

The student as an inspectable agent is tests/agents/test_students.py."""

import numpy as np
import pytest
from tests.helpers import stepped, tiny

from iei_sim.agents.students import ENROLLED, GRADUATE
from iei_sim.model import IEIModel
from iei_sim.run import run_scenario


def test_internships_go_to_students_of_the_partner_school_and_sector():
    scenario = tiny({"partnerships.deepen_threshold": 0.1}, steps=6)
    model = IEIModel(scenario, seed=4)
    placed_any = False
    for _ in range(scenario.steps):
        model.step()
        st = model.students
        if len(st.placed_slots) == 0:
            continue
        placed_any = True
        slots = model.intern_slots[st.placed_slots]
        assert len(np.unique(st.placed_slots)) == len(st.placed_slots)  # a place is filled once
        assert (st.school[st.placed_students] == slots["school"]).all()
        assert (st.sector[st.placed_students] == slots["sector"]).all()
        assert (st.intern_firm[st.placed_students] == slots["firm"]).all()
        assert len(np.unique(st.placed_students)) == len(st.placed_students)
    assert placed_any


def test_students_graduate_after_their_programme_and_get_jobs_or_not(stepped_model):
    st = stepped_model.students
    done = np.flatnonzero(st.status[: st.n] != ENROLLED)
    assert len(done) > 0
    assert (st.year[done] >= st.duration[done]).all()
    employed = st.employer[done] >= 0
    assert (st.wage[done][employed] > 0).all() and (st.wage[done][~employed] == 0).all()
    enrolled = st.enrolled()
    assert (st.year[enrolled] < st.duration[enrolled]).all()


def test_universities_enrol_graduate_students_who_learn_more_theory():
    model = stepped({"students.graduate_share": 0.3}, steps=2)
    st = model.students
    enrolled = st.enrolled()
    graduate = enrolled[st.level[enrolled] == GRADUATE]
    assert len(graduate) > 0
    assert (st.duration[graduate] == model.config.students.duration_graduate).all()
    schools = {model.school_list[i].school_type for i in st.school[graduate]}
    assert schools == {"university"}
    none = stepped({"students.graduate_share": 0.0}, steps=2)
    assert not (none.students.level[: none.students.n] == GRADUATE).any()


def test_training_that_is_nearly_all_practice_lowers_later_mobility():
    practical = run_scenario(tiny({"policy.practical_share_floor": 0.95}, steps=6), seed=6)
    balanced = run_scenario(tiny(steps=6), seed=6)
    assert practical.summary["graduate_mobility"] < balanced.summary["graduate_mobility"]


def test_a_schools_intern_quality_is_learned_from_the_interns_it_placed():
    """Each school's intern quality moves from the prior toward the mean worth (practical skill
    × currency, capped at 1) of its interns this year, at the learning rate; schools that placed
    no one keep theirs."""
    from iei_sim.agents.school import INTERN_QUALITY_PRIOR
    from iei_sim.mechanisms.students import update_intern_quality

    model = IEIModel(tiny(steps=1), seed=0)
    table = model.schools
    assert (table.intern_quality[: len(model.school_list)] == INTERN_QUALITY_PRIOR).all()
    rate = model.config.learning.rate
    update_intern_quality(model, np.array([0, 0, 2]), np.array([0.9, 0.7, 0.1]))
    assert np.isclose(table.intern_quality[0], 0.5 + rate * (0.8 - 0.5))
    assert np.isclose(table.intern_quality[2], 0.5 + rate * (0.1 - 0.5))
    assert table.intern_quality[1] == INTERN_QUALITY_PRIOR

    frozen = IEIModel(tiny({"learning.rule": "none"}, steps=1), seed=0)
    update_intern_quality(frozen, np.array([0]), np.array([0.9]))
    assert frozen.schools.intern_quality[0] == INTERN_QUALITY_PRIOR


def test_over_a_run_schools_intern_quality_tracks_their_interns_skill():
    model = stepped(steps=8)
    quality = model.schools.intern_quality[: len(model.school_list)]
    assert quality.std() > 0.02  # schools differ, as their interns do
    assert (quality > 0).all() and (quality <= 1).all()


def test_firms_value_a_rung_more_at_a_school_whose_interns_proved_better():
    from iei_sim.mechanisms.partnerships import rung_value

    model = stepped(steps=4)
    partnership = next(p for p in model.partnerships if p.active)
    school = partnership.school
    values = {}
    for quality in (0.2, 0.9):
        school.intern_quality = quality
        values[quality] = [rung_value(model, partnership, d) for d in (1, 2, 3)]
    gains = np.subtract(values[0.9], values[0.2])
    assert (gains >= 0).all() and gains[-1] > 0  # deeper rungs host more interns
    assert gains[-1] >= gains[0]


def test_mobility_measures_theory_against_a_balanced_curriculum_and_discounts_retention():
    """Mobility is theory over what a balanced curriculum at full quality gives over the
    programme (capped at 1); a retained graduate lacking it saves the firm only
    1 - advancement_weight × (1 - mobility) of the recruitment (seed 004 §4.1)."""
    model = stepped({}, steps=3)
    st = model.students
    idx = np.arange(min(st.n, 200))
    balanced = model.config.students.theory_gain * st.duration[idx]
    st.theory[idx] = 0.5 * balanced
    assert st.mobility(idx) == pytest.approx(np.full(len(idx), 0.5))
    weight = model.config.students.advancement_weight
    assert st.advancement(idx) == pytest.approx(np.full(len(idx), 1 - weight / 2))
    st.theory[idx] = 3.0 * balanced
    assert (st.mobility(idx) == 1.0).all() and (st.advancement(idx) == 1.0).all()
    mobile = stepped({"students.alienation": False}, steps=1).students
    mobile.theory[:] = 0.0
    everyone = np.arange(mobile.n)
    assert (mobile.mobility(everyone) == 1.0).all() and (mobile.advancement(everyone) == 1.0).all()
