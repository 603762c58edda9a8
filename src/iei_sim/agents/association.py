"""Industry associations: one per region and sector; their forecasts and brokerage are the
associations mechanism's (``iei_sim.mechanisms.associations``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from iei_sim.model import IEIModel


class IndustryAssociation(mesa.Agent):
    """Aggregates its member firms' hiring plans into a forecast schools can plan intake on.

    ``forecast``: this year's published graduate demand; ``brokered``: partnerships it brokered
    this year; ``key``: its id for keyed random draws (set by the model).
    """

    model: IEIModel

    def __init__(
        self, model: IEIModel, region: str, sector: str, information_quality: float
    ) -> None:
        super().__init__(model)
        self.region = region
        self.sector = sector
        self.information_quality = information_quality
        self.forecast = 0.0
        self.brokered = 0
        self.key = 0
