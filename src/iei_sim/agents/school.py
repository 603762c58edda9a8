"""Schools: colleges and universities that seek firm partners and adjust programme intake."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from iei_sim.vocabulary import SchoolType

if TYPE_CHECKING:
    from iei_sim.mechanisms.partnerships import Partnership
    from iei_sim.model import IEIModel


class School(mesa.Agent):
    """A vocational college or applied university with programmes tied to sectors."""

    model: IEIModel

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
        self.index = index
        self.region = region
        self.school_type = school_type
        self.programmes = programmes
        self.enrolment = enrolment
        self.reputation = reputation
        self.dual_qualified_share = dual_qualified_share
        self.expert_share = 0.0  # firm experts teaching here, as a share of the teaching staff
        # Partnerships the school can run at once: grows with its standing (a prestigious school
        # runs a bigger cooperation office). Set by set_capacity whenever reputations change;
        # a plain attribute, as the partnership market reads it thousands of times a year.
        self.capacity = 1
        # Research capacity relative to the average school (see IEIModel.refresh_standing).
        self.research_capacity = 1.0
        self.practical_share = practical_share
        self.account = model.ledger.open_account("school", index)
        self.key = 0  # id for keyed random draws (set by the model from region and rank)
        # (year, draw) of the keyed seeking draw, handed over by the model's population step
        self.seek_luck: tuple[int, float] = (-1, 1.0)
        self.belief = 0.0
        self.seeking = False
        self.partnerships: list[Partnership] = []
        self.projects_total = 0
        self.realised_net_benefit = 0.0
        self.search_costs = 0.0
        self.proposals_made = 0
        self.proposals_refused = 0
        self.partnership_years = 0
        self.intake_shares = np.full(len(programmes), 1.0 / len(programmes))

    @property
    def private_net_benefit(self) -> float:
        """Schools' cooperation benefit carries no incentives, so it equals the realised one."""
        return self.realised_net_benefit

    @property
    def cooperated_this_year(self) -> bool:
        return self.partnership_years > 0

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
        return _logistic(self.belief / self.model.config.learning.temperature)

    @property
    def budget(self) -> float:
        return self.model.ledger.balance(self.account, "money")

    def seeking_draw(self) -> float:
        """This year's keyed draw for seeking: handed over by the model when the whole
        population steps, drawn the same way when this agent steps alone."""
        year, draw = self.seek_luck
        model = self.model
        if year != model.steps:
            draw = model.streams("schools.seek").one(model.steps, self.key)
        return draw

    def step(self) -> None:
        """Decide whether to seek a firm partner, and shift intake toward forecast demand."""
        self.seeking = (
            len(self.partnerships) < self.capacity and self.seeking_draw() < self.willingness
        )
        self._plan_intake()

    def _plan_intake(self) -> None:
        forecasts = np.array(
            [self.model.demand_forecast(self.region, sector) for sector in self.programmes]
        )
        total = forecasts.sum()
        if total <= 0:
            return
        target = forecasts / total
        rate = self.model.config.schools.programme_adjustment
        self.intake_shares = (1 - rate) * self.intake_shares + rate * target


def _logistic(x: float) -> float:
    """1 / (1 + e^-x) without overflow at very low temperatures (|x| beyond ~709)."""
    return 1.0 / (1.0 + math.exp(-x)) if x >= -700 else 0.0
