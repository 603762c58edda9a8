"""Industry associations: publish demand forecasts for their sector in their region."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from iei_sim.model import IEIModel


class IndustryAssociation(mesa.Agent):
    """Aggregates its member firms' hiring plans into a forecast schools can plan intake on.

    The forecast's noise falls as the association's information quality rises.
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

    def step(self) -> None:
        """Publish next year's graduate demand for the sector, with noise."""
        true_demand = self.model.labour_demand(self.region, self.sector)
        noise_sd = 0.5 * (1.0 - self.information_quality)
        self.forecast = max(0.0, true_demand * (1.0 + self.rng.normal(0.0, noise_sd)))
