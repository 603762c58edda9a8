"""Technology frontier, curriculum currency and knowledge transfer (seeds 004 §4.1, 003 §2.2).

Each sector's technology frontier grows every year and sometimes jumps (a technology shock).
Each school programme teaches a curriculum that lags it: its *currency* is curriculum / frontier.
A school closes part of the gap alone (more with dual-qualified staff); partnerships close more,
in proportion to their depth and to the partner firm's openness, which falls with its
technology level (secrecy). Secrecy "protecting competitive advantage" also makes depth cost a
firm: a rung exposes part of its core technology (``transfer_rate``), and a firm pays for that
exposure in proportion to its secrecy and technology level, so guarded firms keep to shallow
rungs ("most interactions limited to equipment donation, production line visits, or basic
skills training", seed 004 §4.1). Adapting technology for teaching costs the school money, and it
adapts only what it can pay for. Graduates' and interns' skills are worth more to firms the
more current their curriculum was (``Students.currency_discount``): the path by which
knowledge feeds back into firms' benefit from cooperation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from iei_sim.mechanisms.base import Mechanism

if TYPE_CHECKING:
    from iei_sim.agents.firm import Firm
    from iei_sim.model import IEIModel
    from iei_sim.scenario.schema import KnowledgeSpec, Scenario

MEANINGFUL_TRANSFER = 0.05  # share of the gap closed in a year that counts as real transfer


def exposure_cost(spec: KnowledgeSpec, tech_level: float, depth: int) -> float:
    """The share of a firm's core technology a rung exposes (``transfer_rate``) of what that
    technology is worth to it (``technology_value`` × tech level), as far as it guards it
    (``secrecy``); with knowledge switched on (the caller checks)."""
    exposed = spec.transfer_rate[depth - 1]
    return spec.secrecy * tech_level * exposed * spec.technology_value


def scenario_exposure_cost(config: Scenario, tech_level: float, depth: int) -> float:
    """:func:`exposure_cost` under a scenario, for code that has no running model (firms'
    priors, the docking bridge): zero when the scenario switches knowledge off."""
    if not (config.mechanisms.knowledge and config.knowledge.enabled):
        return 0.0
    return exposure_cost(config.knowledge, tech_level, depth)


class Knowledge(Mechanism):
    """The technology frontier per sector and each school programme's curriculum.

    Switched off (``mechanisms.knowledge: false`` or ``knowledge.enabled: false``), frontier and
    curricula stay as drawn and graduates' skills are not discounted for curriculum lag."""

    name = "knowledge"
    section = "knowledge"
    odd = "§7.7"

    def switched_on(self) -> bool:
        return self.model.config.knowledge.enabled

    def __init__(self, model: IEIModel) -> None:
        super().__init__(model)
        self.spec = model.config.knowledge
        self.year_transferred = 0.0
        self.year_meaningful = 0
        self.year_shocks = 0

    def setup(self) -> None:
        """Each programme's curriculum starts at a Beta draw around ``initial_currency``."""
        model = self.model
        self.frontier = np.ones(len(model.sectors))
        mean = min(max(self.spec.initial_currency, 1e-3), 1 - 1e-3)
        sectors = np.arange(len(model.sectors))
        self.curriculum = self.stream("initial_curriculum").beta(
            model.school_keys[:, None], sectors[None, :], a=mean * 20, b=(1 - mean) * 20
        )

    def openness(self, firm: Firm) -> float:
        """Share of its core technology a firm is willing to share (secrecy grows with tech)."""
        return firm.openness_trait * (1.0 - self.spec.secrecy * firm.tech_level)

    def exposure_cost(self, firm: Firm, depth: int) -> float:
        """What a year at ``depth`` costs ``firm`` in competitive advantage
        (:func:`exposure_cost`). Charged each year of a genuine partnership, and expected when
        the firm picks a rung and in its prior belief."""
        if not self.enabled:
            return 0.0
        return exposure_cost(self.spec, firm.tech_level, depth)

    def currency(self) -> np.ndarray:
        """Curriculum currency per (school, sector), in (0, 1]."""
        return np.minimum(1.0, self.curriculum / self.frontier)

    def step(self) -> None:
        """Move the frontier, let schools update alone, then transfer through partnerships."""
        model, spec = self.model, self.spec
        sectors = np.arange(len(self.frontier))
        shocks = self.stream("shock").uniform(model.steps, sectors) < spec.shock_rate
        self.year_shocks = int(shocks.sum())
        self.frontier *= (1.0 + spec.tech_change_rate) * np.where(
            shocks, 1.0 + spec.shock_size, 1.0
        )
        gap = np.maximum(0.0, self.frontier - self.curriculum)
        self.curriculum += spec.self_update_rate * model.schools.dual_qualified_share[:, None] * gap
        self._transfer_through_partnerships()

    def _transfer_through_partnerships(self) -> None:
        model, spec = self.model, self.spec
        ledger = model.ledger
        self.year_transferred, self.year_meaningful = 0.0, 0
        market = ledger.outside["market"]
        # Plain Python copies for the loop (NumPy element access is slow); same values.
        frontier = self.frontier.tolist()
        curriculum = self.curriculum.tolist()
        flows = ledger.batch(("knowledge", "technology_transfer"), ("money", "teaching_adaptation"))
        transfers, adaptation = flows.rows.values()
        sector_index, openness = model.sector_index, self.openness
        transfer_rate = spec.transfer_rate
        adaptation_cost = spec.adaptation_cost
        # Adaptation is paid from the school's money: what it has already committed this year.
        committed = [0.0] * len(model.school_list)
        transferred, meaningful = 0.0, 0  # the year's totals, summed in loop order
        with flows:
            for partnership in model.active_partnerships:
                partnership.knowledge_this_year = 0.0
                if partnership.formalistic:
                    continue
                school, firm = partnership.school, partnership.firm
                partnership.firm_value -= self.exposure_cost(firm, partnership.depth)
                sector = sector_index[firm.sector]
                taught = curriculum[school.index]
                gap = max(0.0, frontier[sector] - taught[sector])
                rate = transfer_rate[partnership.depth - 1]
                share = min(rate * openness(firm), 1.0)
                closed = share * gap
                if closed <= 0:
                    continue
                cost = adaptation_cost * closed / frontier[sector]
                paid = school.affordable(cost, committed[school.index])
                if paid < cost:  # it adapts into teaching only what it can pay for
                    closed *= paid / cost
                    share *= paid / cost
                    if closed <= 0:
                        continue
                taught[sector] += closed
                relative = closed / frontier[sector]
                transfers.append((firm.account, school.account, relative))
                cost = adaptation_cost * relative
                committed[school.index] += cost
                adaptation.append((school.account, market, cost))
                partnership.school_value -= cost
                partnership.knowledge_this_year = relative
                partnership.add_total("knowledge", relative)
                transferred += relative
                meaningful += int(share >= MEANINGFUL_TRANSFER)
        self.year_transferred, self.year_meaningful = transferred, meaningful
        self.curriculum[:] = curriculum
