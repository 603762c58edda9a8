"""Industry associations: one per region and sector; their brokerage is the associations
mechanism's (``iei_sim.mechanisms.associations``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from iei_sim.model import IEIModel


class IndustryAssociation(mesa.Agent):
    """Brings partnerless member SMEs and schools teaching its sector together (seed 002
    §1.2.1: associations play 'a bridging role, coordinating resources within the industry').

    ``brokered``: partnerships it brokered this year; ``key``: its id for keyed random draws
    (set by the model).
    """

    model: IEIModel

    def __init__(self, model: IEIModel, region: str, sector: str) -> None:
        super().__init__(model)
        self.region = region
        self.sector = sector
        self.brokered = 0
        self.key = 0
