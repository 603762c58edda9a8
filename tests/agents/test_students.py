"""The student population (``iei_sim.agents.students``) seen one student at a time.

What students do in a year is the students mechanism's (tests/mechanisms/test_students.py)."""

import mesa
import pytest

from iei_sim.agents.students import Student


def test_a_student_is_an_inspectable_mesa_agent_backed_by_the_arrays(stepped_model):
    model = stepped_model
    index = int(model.students.enrolled()[0])
    student = model.student(index)
    assert isinstance(student, mesa.Agent) and isinstance(student, Student)
    assert student is model.student(index)  # views are reused
    assert student.practical_skill == model.students.practical[index]
    assert student.school is model.school_list[model.students.school[index]]
    assert student.programme in student.school.programmes
    assert student.status == "enrolled"
    with pytest.raises(IndexError):
        model.student(model.students.n)
