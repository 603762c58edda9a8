"""Firms: decide each year whether to look for a school partner and whether to seek certification."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from iei_sim.mechanisms.partnerships import Partnership
    from iei_sim.model import IEIModel


class Firm(mesa.Agent):
    """A firm in one region and sector.

    ``belief`` is the firm's expected private net benefit (10k CNY) of one partnership-year; it
    starts as a noisy reading of the true expectation and is revised by the learning rule.
    Willingness is the logistic response to that belief plus the incentives the firm expects.
    """

    model: IEIModel

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
        self.index = index
        self.region = region
        self.sector = sector
        self.size = size
        self.tech_level = tech_level
        self.discount_rate = discount_rate
        self.hires_per_year = hires_per_year
        self.max_partnerships = max_partnerships
        self.risk_aversion = risk_aversion  # see Risk.certainty_cost
        self.openness_trait = 1.0  # drawn at build time; see mechanisms.knowledge
        self.account = model.ledger.open_account("firm", index)
        self.key = 0  # id for keyed random draws (set by the model from region and rank)
        # (year, draw) of the keyed seeking draw, handed over by the model's population step
        self.seek_luck: tuple[int, float] = (-1, 1.0)
        self.belief = 0.0
        self.certified = False
        self.exposed = False  # caught running a project on paper (see mechanisms.monitoring)
        self.certification_pending = False
        self.seeking = False
        self.partnerships: list[Partnership] = []
        self.partnerships_ever = 0
        self.realised_net_benefit = 0.0
        self.cumulative_net_benefit = 0.0
        self.search_costs = 0.0
        self.retention_savings = 0.0
        self.incentives_received = 0.0
        self.partnership_years = 0
        self.pending_education_payoffs: dict[int, float] = {}

    @property
    def private_net_benefit(self) -> float:
        """Last year's realised net benefit without incentives: what the firm learns from."""
        return self.realised_net_benefit - self.incentives_received

    @property
    def cooperated_this_year(self) -> bool:
        return self.partnership_years > 0

    @property
    def participating(self) -> bool:
        return bool(self.partnerships)

    @property
    def expected_net_benefit(self) -> float:
        """Belief about private benefit plus the incentives the firm expects."""
        return self.belief + self.model.incentives.expected_for_firm(self)

    @property
    def willingness(self) -> float:
        """Chance of searching this year: logistic in the expected net benefit of searching."""
        model = self.model
        return _search_chance(
            self.expected_net_benefit, model.search_cost_per_year, model.config.learning.temperature
        )

    @property
    def cash(self) -> float:
        """Net money position from all ledger flows so far."""
        return self.model.ledger.balance(self.account, "money")

    def seeking_draw(self) -> float:
        """This year's keyed draw for seeking: handed over by the model when the whole
        population steps, drawn the same way when this agent steps alone."""
        year, draw = self.seek_luck
        model = self.model
        if year != model.steps:
            draw = model.streams("firms.seek").one(model.steps, self.key)
        return draw

    def step(self) -> None:
        """Decide whether to search for a (further) school partner this year."""
        model = self.model
        has_room = len(self.partnerships) < self.max_partnerships
        self.seeking = has_room and self.seeking_draw() < self.willingness
        model.incentives.consider_certification(self)


def willingness_of(model: IEIModel, firms: list[Firm]) -> list[float]:
    """Each firm's :attr:`Firm.willingness` (the same operations), with the lookups the firms
    share done once instead of once per firm."""
    expected_incentives = model.incentives.expected_for_firm
    search_cost = model.search_cost_per_year
    temperature = model.config.learning.temperature
    return [
        _search_chance(firm.belief + expected_incentives(firm), search_cost, temperature)
        for firm in firms
    ]


def _search_chance(expected_net_benefit: float, search_cost: float, temperature: float) -> float:
    return _logistic((expected_net_benefit - search_cost) / temperature)


def _logistic(x: float) -> float:
    """1 / (1 + e^-x) without overflow at very low temperatures (|x| beyond ~709)."""
    return 1.0 / (1.0 + math.exp(-x)) if x >= -700 else 0.0
