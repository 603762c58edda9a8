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
        self.brokered = 0

    def broker_matches(self) -> None:
        """Introduce member SMEs without a partner to schools teaching the sector.

        A brokered introduction costs the firm no search; it goes ahead if the firm's expected
        net benefit, search cost saved, beats its outside option and the school accepts.
        """
        from iei_sim.mechanisms import matching
        from iei_sim.mechanisms.partnerships import start_partnership

        model = self.model
        n = int(self.rng.poisson(model.config.associations.brokered_matches))
        members = [
            f
            for f in model.firms_in_cell(self.region, self.sector)
            if f.size == "sme" and not f.partnerships and f.max_partnerships > 0
        ]
        schools = [
            s
            for s in model.schools_for(self.region, self.sector, 2 * n + 1)
            if matching.school_accepts(s)
        ]
        for firm, school in zip(
            self.random.sample(members, min(n, len(members))), schools, strict=False
        ):
            value = matching.firm_offer_value(model, firm, school) + model.search_cost_per_year
            if value > 0:
                start_partnership(model, school, firm)
                self.brokered += 1

    def step(self) -> None:
        """Publish this year's graduate demand for the sector, with noise."""
        self.brokered = 0
        true_demand = self.model.labour_demand(self.region, self.sector)
        noise_sd = 0.5 * (1.0 - self.information_quality)
        self.forecast = max(0.0, true_demand * (1.0 + self.rng.normal(0.0, noise_sd)))
