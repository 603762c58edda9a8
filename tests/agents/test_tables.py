"""Typed population tables: firms, schools and students keep their state in columns, and the
Mesa agents are views on the rows (each fact held once)."""

from __future__ import annotations

import dataclasses

import mesa
import numpy as np
import pytest
from tests.helpers import tiny

from iei_sim.agents.firm import Firm, FirmTable
from iei_sim.agents.school import School, SchoolTable
from iei_sim.agents.students import StudentPopulation
from iei_sim.agents.tables import Column, Table, TableView, column
from iei_sim.model import IEIModel


@pytest.fixture(scope="module")
def model() -> IEIModel:
    model = IEIModel(tiny(steps=3), seed=11)
    for _ in range(3):
        model.step()
    return model


def test_a_firms_attributes_are_its_row_of_the_firm_table(model: IEIModel) -> None:
    firm = model.firm(5)
    assert firm is model.firm_list[5] and isinstance(firm, mesa.Agent)
    assert firm.belief == model.firms.belief[5] and type(firm.belief) is float
    assert type(firm.certified) is bool and type(firm.partnership_years) is int
    firm.belief = 123.5
    assert model.firms.belief[5] == 123.5
    assert firm.region == model.region_names[model.firms.region[5]]
    assert firm.sector == model.sectors[model.firms.sector[5]]
    # Nothing a table holds is also held by the agent object, but the names of its fixed
    # categories, cached on first read (the table's codes for them are never written again).
    assert {f.name for f in FirmTable.declared()} & set(vars(firm)) <= {"region", "sector"}


def test_a_schools_teaching_state_is_read_live_from_its_row(model: IEIModel) -> None:
    """No copy to refresh: the quality the students learn from follows the school's state."""
    school = model.school(2)
    assert isinstance(school, School)
    before = model.schools.teaching_quality[2]
    assert before == school.teaching_quality
    school.dual_qualified_share = 1.0
    assert model.schools.teaching_quality[2] == 1.0 == school.teaching_quality
    assert {f.name for f in SchoolTable.declared()} & set(vars(school)) <= {"region"}


def test_the_tables_have_one_row_per_organisation(model: IEIModel) -> None:
    for table, agents in ((model.firms, model.firm_list), (model.schools, model.school_list)):
        for f in table.declared():
            assert len(getattr(table, f.name)) == len(agents), f.name
        assert np.array_equal(table.key, [a.key for a in agents])
    assert np.array_equal(model.firms.key, model.firm_keys)


def test_inspecting_a_student_adds_no_agent(model: IEIModel) -> None:
    before = len(model.agents)
    index = int(model.students.enrolled()[0])
    student = model.student(index)
    model.student(index + 1)
    assert len(model.agents) == before
    assert isinstance(student, mesa.Agent) and student.index == index
    assert not isinstance(model.students, mesa.Agent)


def test_the_student_columns_are_declared_with_their_dtypes() -> None:
    declared = {f.name: f.metadata["dtype"] for f in StudentPopulation.declared()}
    assert declared["theory"] == np.float64 and declared["status"] == np.int8
    population = StudentPopulation(IEIModel(tiny(steps=1), seed=1), capacity=4)
    population.grow(10, keep=0)
    assert all(len(getattr(population, name)) == 10 for name in declared)


def test_a_view_may_only_declare_columns_its_table_has() -> None:
    @dataclasses.dataclass(eq=False)
    class Things(Table):
        size: np.ndarray = column(np.float64, 0.0, "how big")

    with pytest.raises(TypeError, match="weight"):

        class Thing(TableView):
            table_type = Things
            weight = Column[float]()

    table = Things.empty(3)

    class Ok(TableView):
        table_type = Things
        size = Column[float]()

        def __init__(self, index: int) -> None:
            self.table, self.index = table, index

    Ok(1).size = 2.5
    assert table.size.tolist() == [0.0, 2.5, 0.0]


def test_firm_views_know_their_table_type() -> None:
    assert Firm.table_type is FirmTable and School.table_type is SchoolTable
