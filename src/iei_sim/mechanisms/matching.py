"""The partnership market: searching for partners, screening candidates, accepting offers.

Both sides search among candidates whose sector matches, in their own region (and, with the
digital platform, partly in other regions); screening each candidate costs ``search_cost``,
which the platform lowers while widening the search; the platform also lists who still has room,
so a search skips partners that are full instead of proposing to them blindly. A proposal is accepted only if the receiving side's expected
net benefit beats its outside option of zero (MODEL.md §2; seeds 000 §5.3, 003 §3).
Firms rank schools by research capacity (reputation), so reputation attracts partners: this
preferential attachment is what concentrates projects in a few schools (seed 000 §3.2).
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING

from iei_sim.agents.firm import Firm
from iei_sim.mechanisms.partnerships import start_partnership

if TYPE_CHECKING:
    from iei_sim.agents.school import School
    from iei_sim.model import IEIModel


def firm_offer_value(model: IEIModel, firm: Firm, school: School) -> float:
    """Firm's expected net benefit of a shallow partnership with this particular school."""
    rnd_shallow = model.config.firms.rnd_value[0] * firm.tech_level
    return firm.expected_net_benefit + rnd_shallow * (model.school_capacity(school) - 1.0)


def school_accepts(school: School) -> bool:
    return school.belief > 0 and len(school.partnerships) < school.capacity


def firm_accepts(model: IEIModel, firm: Firm, school: School) -> bool:
    has_room = len(firm.partnerships) < firm.max_partnerships
    return has_room and firm_offer_value(model, firm, school) > 0


def form_partnerships(model: IEIModel) -> int:
    """Let this year's seekers search and propose; return the number of new partnerships."""
    transfer = model.ledger.transfer
    market = model.ledger.outside["market"]
    k, cost_each = model.search_candidates, model.search_cost_per_candidate
    formed = 0
    lists_open_places = model.lists_open_places
    research_capacity = attrgetter("research_capacity")  # fixed within the year (see IEIModel)
    seekers: list[Firm | School] = [f for f in model.firm_list if f.seeking]
    seekers += [s for s in model.school_list if s.seeking]
    model.random.shuffle(seekers)
    for seeker in seekers:
        if isinstance(seeker, Firm):
            firm = seeker
            partners = {p.school for p in firm.partnerships}
            candidates = [
                s for s in model.schools_for(firm.region, firm.sector, k) if s not in partners
            ]
            cost = len(candidates) * cost_each
            firm.search_costs += cost
            transfer(firm.account, market, "money", cost, "partner_search")
            if lists_open_places:
                candidates = [s for s in candidates if school_accepts(s)]
            if not candidates:
                continue
            school = max(candidates, key=research_capacity)
            if school_accepts(school) and len(firm.partnerships) < firm.max_partnerships:
                start_partnership(model, school, firm)
                formed += 1
        else:
            school = seeker
            if len(school.partnerships) >= school.capacity:
                continue
            partners = {p.firm for p in school.partnerships}
            candidates = [
                f for f in model.firms_for(school.region, school.programmes, k) if f not in partners
            ]
            cost = len(candidates) * cost_each
            school.search_costs += cost
            transfer(school.account, market, "money", cost, "partner_search")
            if lists_open_places:
                candidates = [f for f in candidates if len(f.partnerships) < f.max_partnerships]
            if not candidates:
                continue
            firm = max(candidates, key=lambda f: (f.tech_level * f.hires_per_year, f.index))
            school.proposals_made += 1
            if firm_accepts(model, firm, school):
                start_partnership(model, school, firm)
                formed += 1
            else:
                school.proposals_refused += 1
    return formed
