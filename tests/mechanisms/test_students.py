"""The students' year (``iei_sim.mechanisms.students``, run by the population of
``iei_sim.agents.students``): intake by level, internships, learning, graduation.

The student as an inspectable agent is tests/agents/test_students.py."""

import numpy as np
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
