"""Industry associations (ODD §7.9; seed 002 §1.2.1, §2.4, §3.4): forecasts and brokerage.

Each association (one per region and sector) publishes a forecast of its members' graduate
demand every year, with noise that falls as its information quality rises; schools plan their
programme intake on it. After the partnership market, it introduces member SMEs without a
partner to schools teaching the sector: a brokered introduction costs the firm no search, and
goes ahead if the firm's expected net benefit, search cost saved, beats its outside option and
the school accepts.

Switched off (``mechanisms.associations: false``): no forecasts (schools keep their intake
shares) and no brokerage.
"""

from __future__ import annotations

import numpy as np

from iei_sim.agents.association import IndustryAssociation
from iei_sim.mechanisms import matching
from iei_sim.mechanisms.base import Mechanism
from iei_sim.mechanisms.partnerships import start_partnership
from iei_sim.vocabulary import FirmSize


class Associations(Mechanism):
    """The associations' forecasts (``step``) and brokered matches (``broker``)."""

    name = "associations"
    section = "associations"
    odd = "§7.9"

    def setup(self) -> None:
        self.associations: list[IndustryAssociation] = list(
            self.model.agents_by_type[IndustryAssociation]
        )
        self.keys = np.array([a.key for a in self.associations], dtype=np.uint64)

    def step(self) -> None:
        """Publish this year's graduate demand per sector and region, with noise."""
        model = self.model
        errors = self.stream("forecast_error").normal(model.steps, self.keys).tolist()
        for association, error in zip(self.associations, errors, strict=True):
            association.brokered = 0
            true_demand = model.labour_demand(association.region, association.sector)
            noise_sd = 0.5 * (1.0 - association.information_quality)
            association.forecast = max(0.0, true_demand * (1.0 + noise_sd * error))

    def broker(self) -> None:
        """Introduce member SMEs without a partner to schools teaching the sector."""
        model = self.model
        year = model.steps
        rate = model.config.associations.brokered_matches
        counts = self.stream("introductions").poisson(year, self.keys, lam=rate).tolist()
        whom = self.stream("members")
        for association, n in zip(self.associations, counts, strict=True):
            if n == 0:
                continue
            members = [
                f
                for f in model.firms_in_cell(association.region, association.sector)
                if f.size == FirmSize.SME and not f.partnerships and f.max_partnerships > 0
            ]
            schools = [
                s
                for s in model.market.schools_for(
                    association.region, association.sector, 2 * n + 1, association.key
                )
                if matching.school_accepts(s)
            ]
            if not members or not schools:
                continue
            member_keys = [f.key for f in members]
            picked = whom.smallest(min(n, len(members)), year, association.key, member_keys)
            for firm, school in zip((members[i] for i in picked.tolist()), schools, strict=False):
                value = (
                    matching.firm_offer_value(model, firm, school)
                    + model.market.search_cost_per_year
                )
                if value > 0:
                    start_partnership(model, school, firm)
                    association.brokered += 1
