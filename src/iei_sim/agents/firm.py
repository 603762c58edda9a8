"""Firms: decide each year whether to look for a school partner and whether to seek certification."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import mesa
import numpy as np
from numpy.typing import NDArray

from iei_sim.agents.tables import Column, Table, TableView, column
from iei_sim.arrays import choice_chance
from iei_sim.vocabulary import FirmSize

if TYPE_CHECKING:
    from iei_sim.mechanisms.partnerships import Partnership
    from iei_sim.model import IEIModel
    from iei_sim.scenario.schema import LearningSpec


@dataclass(eq=False)
class FirmTable(Table):
    """Every firm's state, one row per firm (``Firm.index``)."""

    region: NDArray[np.int64] = column(np.int64, -1, "region, as an index of model.region_names")
    sector: NDArray[np.int64] = column(np.int64, -1, "sector, as an index of model.sectors")
    large: NDArray[np.bool_] = column(np.bool_, False, "a large firm (else an SME)")
    tech_level: NDArray[np.float64] = column(np.float64, 0.0, "technology level (0-1)")
    discount_rate: NDArray[np.float64] = column(np.float64, 0.0, "yearly discount rate")
    hires_per_year: NDArray[np.float64] = column(np.float64, 0.0, "graduates hired a year")
    max_partnerships: NDArray[np.int64] = column(np.int64, 0, "partnerships run at once")
    risk_aversion: NDArray[np.float64] = column(np.float64, 0.0, "see Risk.certainty_cost")
    openness_trait: NDArray[np.float64] = column(np.float64, 1.0, "see mechanisms.knowledge")
    account: NDArray[np.int64] = column(np.int64, -1, "ledger account")
    key: NDArray[np.uint64] = column(np.uint64, 0, "id for keyed random draws")
    belief: NDArray[np.float64] = column(
        np.float64, 0.0, "expected private net benefit of a partnership-year (10k CNY)"
    )
    certified: NDArray[np.bool_] = column(np.bool_, False, "certified as IEI-oriented")
    exposed: NDArray[np.bool_] = column(np.bool_, False, "caught running a paper project")
    certification_pending: NDArray[np.bool_] = column(np.bool_, False, "applied, not decided")
    seeking: NDArray[np.bool_] = column(np.bool_, False, "searching for a partner this year")
    partnerships_ever: NDArray[np.int64] = column(np.int64, 0, "partnerships started so far")
    realised_net_benefit: NDArray[np.float64] = column(np.float64, 0.0, "last year's, 10k CNY")
    cumulative_net_benefit: NDArray[np.float64] = column(np.float64, 0.0, "so far, 10k CNY")
    search_costs: NDArray[np.float64] = column(np.float64, 0.0, "this year's, 10k CNY")
    retention_savings: NDArray[np.float64] = column(np.float64, 0.0, "this year's, 10k CNY")
    incentives_received: NDArray[np.float64] = column(np.float64, 0.0, "last year's, 10k CNY")
    partnership_years: NDArray[np.int64] = column(np.int64, 0, "partnership-years last year")

    @property
    def private_net_benefit(self) -> NDArray[np.float64]:
        """Last year's realised net benefit without incentives: what firms learn from."""
        return self.realised_net_benefit - self.incentives_received


class Firm(TableView, mesa.Agent):
    """A firm in one region and sector: a Mesa agent viewing its row of ``model.firms``.

    ``belief`` is the firm's expected private net benefit (10k CNY) of one partnership-year; it
    starts as a noisy reading of the true expectation and is revised by the learning rule.
    Willingness is the logistic response to that belief plus the incentives the firm expects.
    """

    model: IEIModel
    table_type = FirmTable
    table: FirmTable

    tech_level = Column[float]()
    discount_rate = Column[float]()
    hires_per_year = Column[float]()
    max_partnerships = Column[int]()
    risk_aversion = Column[float]()
    openness_trait = Column[float]()
    account = Column[int]()
    key = Column[int]()
    belief = Column[float]()
    certified = Column[bool]()
    exposed = Column[bool]()
    certification_pending = Column[bool]()
    seeking = Column[bool]()
    partnerships_ever = Column[int]()
    realised_net_benefit = Column[float]()
    cumulative_net_benefit = Column[float]()
    search_costs = Column[float]()
    retention_savings = Column[float]()
    incentives_received = Column[float]()
    partnership_years = Column[int]()

    def __init__(
        self,
        model: IEIModel,
        index: int,
        region: str,
        sector: str,
        size: str,
        tech_level: float,
        discount_rate: float,
        hires_per_year: float,
        max_partnerships: int,
        risk_aversion: float = 0.0,
    ) -> None:
        super().__init__(model)
        self.table = model.firms
        self.index = index
        self.table.region[index] = model.region_index[region]
        self.table.sector[index] = model.sector_index[sector]
        self.table.large[index] = size == FirmSize.LARGE
        self.tech_level = tech_level
        self.discount_rate = discount_rate
        self.hires_per_year = hires_per_year
        self.max_partnerships = max_partnerships
        self.risk_aversion = risk_aversion
        self.account = model.ledger.open_account("firm", index)
        self.partnerships: list[Partnership] = []
        self.pending_education_payoffs: dict[int, float] = {}

    @cached_property  # fixed for life: read from the table once
    def region(self) -> str:
        return self.model.region_names[self.table.region.item(self.index)]

    @cached_property  # fixed for life: read from the table once
    def sector(self) -> str:
        return self.model.sectors[self.table.sector.item(self.index)]

    @cached_property  # fixed for life: read from the table once
    def size(self) -> FirmSize:
        return FirmSize.LARGE if self.table.large.item(self.index) else FirmSize.SME

    @property
    def participating(self) -> bool:
        return bool(self.partnerships)

    @property
    def expected_net_benefit(self) -> float:
        """Belief about private benefit plus the incentives the firm expects."""
        return self.belief + self.model.incentives.expected_for_firm(self)

    @property
    def willingness(self) -> float:
        """Chance of searching this year: the logit (or best response, ``learning.choice``) on
        the expected net benefit of searching."""
        model = self.model
        return _search_chance(
            self.expected_net_benefit, model.market.search_cost_per_year, model.config.learning
        )

    @property
    def cash(self) -> float:
        """Net money position from all ledger flows so far."""
        return self.model.ledger.balance(self.account, "money")

    def seeking_draw(self) -> float:
        """This year's keyed draw for seeking: the one the population's decision
        (:func:`seeking_of`) uses for this firm."""
        model = self.model
        return model.streams("firms.seek").one(model.steps, self.key)

    def step(self) -> None:
        """Decide whether to search for a (further) school partner this year."""
        model = self.model
        has_room = len(self.partnerships) < self.max_partnerships
        self.seeking = has_room and self.seeking_draw() < self.willingness
        model.incentives.consider_certification(self)


def seeking_of(model: IEIModel, luck: np.ndarray) -> np.ndarray:
    """Every firm's seeking decision of :meth:`Firm.step` (room for a further partner, and this
    year's draw below its willingness), for the whole population: ``luck[i]`` is firm ``i``'s
    keyed seeking draw."""
    partnerships = np.array([len(firm.partnerships) for firm in model.firm_list])
    has_room = partnerships < model.firms.max_partnerships
    return has_room & (luck < np.array(willingness_of(model, model.firm_list)))


def willingness_of(model: IEIModel, firms: list[Firm]) -> list[float]:
    """Each firm's :attr:`Firm.willingness` (the same operations), with the lookups the firms
    share done once instead of once per firm."""
    expected_incentives = model.incentives.expected_for_firm
    search_cost = model.market.search_cost_per_year
    learning = model.config.learning
    temperature, best_response = learning.temperature, learning.choice == "best_response"
    belief, certified = model.firms.belief.tolist(), model.firms.certified.tolist()
    # What a firm expects depends on its region and certification only (Incentives caches it
    # the same way): asked once per kind of firm.
    expected: dict[tuple[str, bool], float] = {}
    chances = []
    for firm in firms:
        i = firm.index
        kind = (firm.region, certified[i])
        if kind not in expected:
            expected[kind] = expected_incentives(firm)
        gap = belief[i] + expected[kind] - search_cost
        chances.append(choice_chance(gap, temperature, best_response))
    return chances


def _search_chance(
    expected_net_benefit: float, search_cost: float, learning: LearningSpec
) -> float:
    best_response = learning.choice == "best_response"
    return choice_chance(expected_net_benefit - search_cost, learning.temperature, best_response)
