"""Industry associations (ODD §7.9; seed 002 §1.2.1, §3.4): brokerage and pooled training bases.

After the partnership market, each association (one per region and sector) introduces member
SMEs without a partner to schools teaching the sector: a brokered introduction costs the firm
no search, and goes ahead if the firm's expected net benefit, search cost saved, beats its
outside option and the school accepts. Pooled training bases
(``associations.pooled_training_bases``) lower SMEs' overhead at medium and deep rungs
(:func:`iei_sim.mechanisms.partnerships.size_firm_cost`). The associations' demand forecasts
were removed: they moved no cooperation outcome (``associations.information_quality``).

Switched off (``mechanisms.associations: false``): no brokerage.
"""

from __future__ import annotations

import numpy as np

from iei_sim.agents.association import IndustryAssociation
from iei_sim.mechanisms import matching
from iei_sim.mechanisms.base import Mechanism
from iei_sim.mechanisms.partnerships import start_partnership
from iei_sim.vocabulary import FirmSize


class Associations(Mechanism):
    """The associations' brokered matches (``broker``)."""

    name = "associations"
    section = "associations"
    odd = "§7.9"

    def setup(self) -> None:
        self.associations: list[IndustryAssociation] = list(
            self.model.agents_by_type[IndustryAssociation]
        )
        self.keys = np.array([a.key for a in self.associations], dtype=np.uint64)

    def broker(self) -> None:
        """Introduce member SMEs without a partner to schools teaching the sector."""
        model = self.model
        year = model.steps
        rate = model.config.associations.brokered_matches
        counts = self.stream("introductions").poisson(year, self.keys, lam=rate).tolist()
        whom = self.stream("members")
        for association, n in zip(self.associations, counts, strict=True):
            association.brokered = 0
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
