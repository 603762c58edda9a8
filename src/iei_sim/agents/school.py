"""Schools: colleges and universities that seek firm partners and adjust programme intake."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import mesa
import numpy as np
from numpy.typing import NDArray

from iei_sim.agents.tables import Column, Table, TableView, column
from iei_sim.arrays import choice_chance
from iei_sim.vocabulary import SchoolType

if TYPE_CHECKING:
    from iei_sim.mechanisms.partnerships import Partnership
    from iei_sim.model import IEIModel


# Before a school has sent interns, firms expect an intern to bring half a fully skilled
# worker's output (the rule every expected intern value used before schools' records existed).
INTERN_QUALITY_PRIOR = 0.5


@dataclass(eq=False)
class SchoolTable(Table):
    """Every school's state, one row per school (``School.index``)."""

    region: NDArray[np.int64] = column(np.int64, -1, "region, as an index of model.region_names")
    vocational: NDArray[np.bool_] = column(
        np.bool_, False, "a vocational college (else a university)"
    )
    enrolment: NDArray[np.int64] = column(np.int64, 0, "students enrolled over all years")
    reputation: NDArray[np.float64] = column(np.float64, 1.0, "standing among schools")
    dual_qualified_share: NDArray[np.float64] = column(
        np.float64, 0.0, "share of dual-qualified teachers"
    )
    expert_share: NDArray[np.float64] = column(
        np.float64, 0.0, "firm experts teaching here, as a share of the teaching staff"
    )
    practical_share: NDArray[np.float64] = column(np.float64, 0.0, "practice share of teaching")
    newly_qualified: NDArray[np.float64] = column(
        np.float64, 0.0, "teachers who became dual-qualified this year (training, secondments)"
    )
    # Partnerships the school can run at once: grows with its standing (a prestigious school runs
    # a bigger cooperation office); set by School.set_capacity whenever reputations change.
    capacity: NDArray[np.int64] = column(np.int64, 1, "partnerships run at once")
    research_capacity: NDArray[np.float64] = column(
        np.float64, 1.0, "research capacity relative to the average school"
    )
    account: NDArray[np.int64] = column(np.int64, -1, "ledger account")
    key: NDArray[np.uint64] = column(np.uint64, 0, "id for keyed random draws")
    belief: NDArray[np.float64] = column(
        np.float64, 0.0, "expected net benefit of a partnership-year (10k CNY)"
    )
    seeking: NDArray[np.bool_] = column(np.bool_, False, "seeking a partner this year")
    projects_total: NDArray[np.int64] = column(np.int64, 0, "partnerships started so far")
    realised_net_benefit: NDArray[np.float64] = column(np.float64, 0.0, "last year's, 10k CNY")
    search_costs: NDArray[np.float64] = column(np.float64, 0.0, "this year's, 10k CNY")
    proposals_made: NDArray[np.int64] = column(np.int64, 0, "this year")
    proposals_refused: NDArray[np.int64] = column(np.int64, 0, "this year")
    partnership_years: NDArray[np.int64] = column(np.int64, 0, "partnership-years last year")
    intern_quality: NDArray[np.float64] = column(
        np.float64,
        INTERN_QUALITY_PRIOR,
        "what firms expect an intern from here to be worth, as a share of a fully skilled one",
    )

    @property
    def private_net_benefit(self) -> NDArray[np.float64]:
        """Schools' cooperation benefit carries no incentives: the realised one."""
        return self.realised_net_benefit

    @property
    def teaching_quality(self) -> NDArray[np.float64]:
        """Every school's :attr:`School.teaching_quality`, computed from the columns."""
        return 0.5 + 0.5 * np.minimum(1.0, self.dual_qualified_share + self.expert_share)


class School(TableView, mesa.Agent):
    """A vocational college or applied university with programmes tied to sectors: a Mesa
    agent viewing its row of ``model.schools``."""

    model: IEIModel
    table_type = SchoolTable
    table: SchoolTable

    enrolment = Column[int]()
    reputation = Column[float]()
    dual_qualified_share = Column[float]()
    expert_share = Column[float]()
    practical_share = Column[float]()
    newly_qualified = Column[float]()
    capacity = Column[int]()
    research_capacity = Column[float]()
    account = Column[int]()
    key = Column[int]()
    belief = Column[float]()
    seeking = Column[bool]()
    projects_total = Column[int]()
    realised_net_benefit = Column[float]()
    search_costs = Column[float]()
    proposals_made = Column[int]()
    proposals_refused = Column[int]()
    partnership_years = Column[int]()
    intern_quality = Column[float]()

    def __init__(
        self,
        model: IEIModel,
        index: int,
        region: str,
        school_type: str,
        programmes: list[str],
        enrolment: int,
        reputation: float,
        dual_qualified_share: float,
        practical_share: float,
    ) -> None:
        super().__init__(model)
        self.table = model.schools
        self.index = index
        self.table.region[index] = model.region_index[region]
        self.table.vocational[index] = school_type == SchoolType.VOCATIONAL
        self.programmes = programmes
        self.enrolment = enrolment
        self.reputation = reputation
        self.dual_qualified_share = dual_qualified_share
        self.practical_share = practical_share
        self.account = model.ledger.open_account("school", index)
        # (year, draw) of the keyed seeking draw, handed over by the model's population step
        self.seek_luck: tuple[int, float] = (-1, 1.0)
        self.partnerships: list[Partnership] = []
        self.intake_shares = np.full(len(programmes), 1.0 / len(programmes))

    @cached_property  # fixed for life: read from the table once
    def region(self) -> str:
        return self.model.region_names[self.table.region.item(self.index)]

    @cached_property  # fixed for life: read from the table once
    def school_type(self) -> SchoolType:
        vocational = self.table.vocational.item(self.index)
        return SchoolType.VOCATIONAL if vocational else SchoolType.UNIVERSITY

    @property
    def tracks(self) -> list[tuple[int, int, float]]:
        """(level, duration, share of intake): vocational colleges teach one level; applied
        universities teach undergraduates and some graduate (master's) students."""
        spec = self.model.config.students
        if self.school_type == SchoolType.VOCATIONAL:
            return [(0, spec.duration_vocational, 1.0)]
        tracks = [
            (1, spec.duration_undergraduate, 1.0 - spec.graduate_share),
            (2, spec.duration_graduate, spec.graduate_share),
        ]
        return [t for t in tracks if t[2] > 0]

    @property
    def duration(self) -> float:
        """Mean programme length over the school's intake (enrolment = intake × duration)."""
        return sum(d * share for _, d, share in self.tracks)

    def set_capacity(self, standing: float) -> None:
        """Recompute :attr:`capacity` for the school's new standing (the model calls this
        whenever reputations change)."""
        per_programme = self.model.config.schools.max_partnerships_per_programme
        self.capacity = max(1, round(per_programme * len(self.programmes) * standing))

    @property
    def teaching_quality(self) -> float:
        """Teaching quality in [0.5, 1]: rises with dual-qualified teachers and firm experts."""
        return 0.5 + 0.5 * min(1.0, self.dual_qualified_share + self.expert_share)

    @property
    def willingness(self) -> float:
        spec = self.model.config.learning
        return choice_chance(self.belief, spec.temperature, spec.choice == "best_response")

    @property
    def budget(self) -> float:
        return self.model.ledger.balance(self.account, "money")

    def affordable(self, amount: float, committed: float = 0.0) -> float:
        """The part of ``amount`` the school can pay from its money, ``committed`` of which is
        already promised this year: a school with no money cannot spend it."""
        return min(amount, max(0.0, self.budget - committed))

    def seeking_draw(self) -> float:
        """This year's keyed draw for seeking: handed over by the model when the whole
        population steps, drawn the same way when this agent steps alone."""
        year, draw = self.seek_luck
        model = self.model
        if year != model.steps:
            draw = model.streams("schools.seek").one(model.steps, self.key)
        return draw

    def step(self) -> None:
        """Decide whether to seek a firm partner, and shift intake toward regional labour demand."""
        self.seeking = (
            len(self.partnerships) < self.capacity and self.seeking_draw() < self.willingness
        )
        self._plan_intake()

    def _plan_intake(self) -> None:
        demand = np.array(
            [self.model.labour_demand(self.region, sector) for sector in self.programmes]
        )
        total = demand.sum()
        if total <= 0:
            return
        target = demand / total
        rate = self.model.config.schools.programme_adjustment
        self.intake_shares = (1 - rate) * self.intake_shares + rate * target
