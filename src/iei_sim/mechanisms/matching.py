"""The partnership market: searching for partners, screening candidates, accepting offers.

Both sides search among candidates whose sector matches, in their own region (and, with the
digital platform, partly in other regions); screening each candidate costs ``search_cost``,
which the platform lowers while widening the search; the platform also lists who still has
room, so a search skips partners that are full instead of proposing to them blindly. A proposal
is accepted only if the receiving side's expected net benefit beats its outside option of zero
(ODD §7.1; seeds 000 §5.3, 003 §3). Firms rank schools by research capacity (reputation), so
reputation attracts partners: this preferential attachment is what concentrates projects in a
few schools (seed 000 §3.2).

Who searches first and which candidates a search reaches are keyed draws: a seeker keeps its
place in the queue relative to the others, and meets the same candidates, in every scenario run
from one seed (as long as it searches at all).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from iei_sim.agents.firm import Firm
from iei_sim.mechanisms.base import Mechanism
from iei_sim.mechanisms.partnerships import firm_offer_value, start_partnership

if TYPE_CHECKING:
    from iei_sim.agents.school import School
    from iei_sim.model import IEIModel
    from iei_sim.random_streams import Stream


class PartnershipMarket(Mechanism):
    """This year's seekers search and propose (switched off: no partnership ever forms)."""

    name = "market"
    section = "partnerships, policy.platform"
    odd = "§7.1"

    def __init__(self, model: IEIModel) -> None:
        super().__init__(model)
        self.read_policy()

    def read_policy(self) -> None:
        """The search's terms, set by the digital platform when it is on (seed 002 §4.1):
        more candidates a search, a cheaper search, candidates from other regions, better
        information, and a list of schools with open places."""
        model = self.model
        platform = model.config.policy.platform
        on = platform.enabled
        p = model.config.partnerships
        self.search_candidates = p.candidates_per_search + (platform.extra_candidates if on else 0)
        self.search_cost_per_candidate = p.search_cost * (
            1.0 - (platform.search_cost_reduction if on else 0.0)
        )
        # What a year of searching costs a firm, spread over its planning horizon.
        self.search_cost_per_year = (
            self.search_candidates
            * self.search_cost_per_candidate
            / model.config.firms.planning_horizon
        )
        self.cross_region_share = platform.cross_region_share if on else 0.0
        self.information_gain = platform.information_gain if on else 0.0
        self.lists_open_places = on and platform.lists_open_places

    def setup(self) -> None:
        """Candidate pools per sector (schools) or programme list (firms), then per searcher's
        region: (home pool, pool of the other regions). Membership never changes."""
        model = self.model
        schools_of = {
            (region, sector): [
                s for s in model.school_list if s.region == region and sector in s.programmes
            ]
            for region in model.region_names
            for sector in model.sectors
        }
        self._school_pools = {
            sector: _home_and_away({r: schools_of[(r, sector)] for r in model.region_names})
            for sector in model.sectors
        }
        self._firm_pools: dict[tuple[str, ...], dict[str, tuple[list, list]]] = {}

    def step(self) -> None:
        form_partnerships(self.model, self)

    def schools_for(self, region: str, sector: str, k: int, seeker_key: int) -> list[School]:
        """Up to ``k`` schools teaching ``sector`` a search by ``seeker_key`` reaches: in
        ``region``, some elsewhere via the platform."""
        return self._sample(self._school_pools[sector][region], k, seeker_key)

    def _firm_pools_for(self, sectors: list[str]) -> dict[str, tuple[list, list]]:
        key = tuple(sectors)
        if key not in self._firm_pools:
            model = self.model
            self._firm_pools[key] = _home_and_away(
                {
                    r: [f for s in sectors for f in model.firms_in_cell(r, s)]
                    for r in model.region_names
                }
            )
        return self._firm_pools[key]

    def _pools_of(self, seeker: Firm | School) -> tuple[list, list]:
        if isinstance(seeker, Firm):
            return self._school_pools[seeker.sector][seeker.region]
        return self._firm_pools_for(seeker.programmes)[seeker.region]

    def home_pool_size(self, seeker: Firm | School) -> int:
        """How many candidates the seeker's own region offers it (all a search can reach when
        no share of it goes to other regions)."""
        return len(self._pools_of(seeker)[0])

    def reached(self, seekers: list, keys: np.ndarray) -> list[list]:
        """The candidates each seeker's search reaches this year: for every seeker what
        :meth:`_sample` gives it (the same keyed draws), drawn as arrays for all at once."""
        year, k = self.model.steps, self.search_candidates
        share = self.cross_region_share
        pools = [self._pools_of(seeker) for seeker in seekers]
        k_away = [0] * len(seekers)
        if share and k:
            slots = self.stream("away_slots").uniform(year, keys[:, None], np.arange(k))
            wanted = (slots < share).sum(axis=1).tolist()
            k_away = [min(w, len(away)) for w, (_, away) in zip(wanted, pools, strict=True)]
        reached: list[list] = [[] for _ in seekers]
        for side, stream in ((0, "home_candidates"), (1, "away_candidates")):
            sizes = [len(pool[side]) for pool in pools]
            want = [a if side else k - a for a in k_away]
            picks = self.stream(stream).samples(
                np.minimum(want, sizes), np.array(sizes), year, keys
            )
            for i, (pool, indices) in enumerate(zip(pools, picks, strict=True)):
                if indices:
                    reached[i] += [pool[side][j] for j in indices]
        return reached

    def _sample(self, pools: tuple[list, list], k: int, seeker_key: int) -> list:
        """``k`` draws without replacement: some from the other regions (each of the ``k``
        places with the platform's cross-region share), the rest from the seeker's own."""
        home, away = pools
        year = self.model.steps
        share = self.cross_region_share
        k_away = 0
        if share and k:
            slots = self.stream("away_slots").uniform(year, seeker_key, np.arange(k))
            k_away = min(int((slots < share).sum()), len(away))
        chosen = _pick(self.stream("home_candidates"), home, k - k_away, year, seeker_key)
        if k_away:
            chosen += _pick(self.stream("away_candidates"), away, k_away, year, seeker_key)
        return chosen


def _pick(stream: Stream, pool: list, k: int, year: int, seeker: int) -> list:
    if k <= 0 or not pool:
        return []
    return [pool[i] for i in stream.sample(min(k, len(pool)), len(pool), year, seeker)]


def _home_and_away(pools: dict[str, list]) -> dict[str, tuple[list, list]]:
    """Per region: its own pool, and the other regions' pools joined (in region order)."""
    return {
        region: (home, [a for r, pool in pools.items() if r != region for a in pool])
        for region, home in pools.items()
    }


def school_accepts(school: School) -> bool:
    return school.belief > 0 and len(school.partnerships) < school.capacity


def firm_accepts(model: IEIModel, firm: Firm, school: School) -> bool:
    has_room = len(firm.partnerships) < firm.max_partnerships
    return has_room and firm_offer_value(model, firm, school) > 0


def form_partnerships(model: IEIModel, market: PartnershipMarket) -> int:
    """Let this year's seekers search and propose; return the number of new partnerships."""
    transfer = model.ledger.transfer
    outside = model.ledger.outside["market"]
    cost_each = market.search_cost_per_candidate
    formed = 0
    lists_open_places = market.lists_open_places
    firms, schools = model.firms, model.schools
    seeking_firms = np.flatnonzero(firms.seeking)
    seeking_schools = np.flatnonzero(schools.seeking)
    seekers: list[Firm | School] = [model.firm_list[i] for i in seeking_firms.tolist()]
    seekers += [model.school_list[j] for j in seeking_schools.tolist()]
    if not seekers:
        return 0
    # Firms' and schools' keys come from separate namespaces (region, kind, rank): no clashes.
    keys = np.concatenate([firms.key[seeking_firms], schools.key[seeking_schools]])
    # What the choices rank by, fixed within the market's year (see IEIModel.refresh_standing).
    research_capacity = schools.research_capacity.tolist()
    firm_appeal = (firms.tech_level * firms.hires_per_year).tolist()
    order = market.stream("order").order(model.steps, keys)
    reached = market.reached(seekers, keys)  # membership of pools and the draws are fixed
    for i in order.tolist():
        seeker = seekers[i]
        if isinstance(seeker, Firm):
            firm = seeker
            partners = {p.school for p in firm.partnerships}
            candidates = [s for s in reached[i] if s not in partners]
            cost = len(candidates) * cost_each
            firm.search_costs += cost
            transfer(firm.account, outside, "money", cost, "partner_search")
            if lists_open_places:
                candidates = [s for s in candidates if school_accepts(s)]
            if not candidates:
                continue
            school = max(candidates, key=lambda s: research_capacity[s.index])
            if school_accepts(school) and len(firm.partnerships) < firm.max_partnerships:
                start_partnership(model, school, firm)
                formed += 1
        else:
            school = seeker
            if len(school.partnerships) >= school.capacity:
                continue
            partners = {p.firm for p in school.partnerships}
            candidates = [f for f in reached[i] if f not in partners]
            if len(candidates) * cost_each > school.budget:  # it screens what it can pay for
                candidates = candidates[: int(max(0.0, school.budget) // cost_each)]
            cost = len(candidates) * cost_each
            school.search_costs += cost
            transfer(school.account, outside, "money", cost, "partner_search")
            if lists_open_places:
                candidates = [f for f in candidates if len(f.partnerships) < f.max_partnerships]
            if not candidates:
                continue
            firm = max(candidates, key=lambda f: (firm_appeal[f.index], f.index))
            school.proposals_made += 1
            if firm_accepts(model, firm, school):
                start_partnership(model, school, firm)
                formed += 1
            else:
                school.proposals_refused += 1
    return formed
