"""The graduate labour market: intern retention, migration, matching and wages (vectorised).

Order of a year's clearing (human-capital theory, seed 002 §1.2.2; brain drain, seed 004 §1):
1. host firms keep some of their interns (a screening signal that saves recruitment cost);
2. the others may look for work in a higher-wage region, more so the larger the wage gap;
3. in each region and sector, the most skilled applicants fill the remaining vacancies;
4. some of the unmatched take a job outside their sector, at a wage penalty; the rest are
   unemployed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from iei_sim.agents.students import EMPLOYED, UNEMPLOYED
from iei_sim.arrays import rank_within_runs, stochastic_round
from iei_sim.mechanisms.base import Mechanism
from iei_sim.random_streams import extend_bits

if TYPE_CHECKING:
    from iei_sim.model import IEIModel


class LabourMarket(Mechanism):
    """This year's graduates meet firms' vacancies (switched off: nobody is hired)."""

    name = "labour_market"
    section = "labour_market"
    odd = "§7.11"

    def __init__(self, model: IEIModel) -> None:
        super().__init__(model)
        regions = model.config.regions.values()
        self.region_wage = np.array([r.wage_level for r in regions])  # by region index
        self.region_is_lagging = np.array([r.kind == "lagging" for r in regions])

    def step(self) -> None:
        self.model.labour = clear(self.model, self)


@dataclass
class LabourMarketResult:
    """This year's graduate outcomes."""

    graduates: int = 0
    employed: int = 0
    in_sector: int = 0
    mean_wage: float = 0.0
    interned: int = 0
    retained: int = 0
    lagging_graduates: int = 0
    lagging_outflow: int = 0
    lagging_inflow: int = 0
    mean_job_skill: float = 0.0
    covered: int = 0
    mean_mobility: float = 0.0
    graduate_level_share: float = 0.0


def clear(model: IEIModel, market: LabourMarket) -> LabourMarketResult:
    """Match this year's graduates to firms; pay first-year wages through the ledger.

    Draws are keyed by the year and the graduate (or the firm), so a graduate meets the same
    luck in every scenario run from one seed."""
    cfg = model.config.labour_market
    year = model.steps
    st = model.students
    grads = st.graduates
    result = LabourMarketResult(graduates=len(grads))
    model.firms.retention_savings[:] = 0.0
    if len(grads) == 0:
        return result
    keys = st.key[grads]
    vacancies = stochastic_round(
        model.firms.hires_per_year * model.demand_index,
        market.stream("vacancies").uniform(year, model.firm_keys),
    )
    skill = st.job_skill(grads)
    employer = np.full(len(grads), -1, dtype=np.int64)
    in_sector = np.zeros(len(grads), dtype=bool)
    search_region = st.home_region[grads].astype(np.int64)

    # 1. Retention of interns by their host firm.
    host = st.intern_firm[grads].astype(np.int64)
    interned = host >= 0
    wants = interned & (market.stream("retention").uniform(year, keys) < cfg.retention_probability)
    cand = np.flatnonzero(wants)
    if len(cand):
        order = np.lexsort((-skill[cand], host[cand]))
        cand = cand[order]
        rank = rank_within_runs(host[cand])
        kept = cand[rank < vacancies[host[cand]]]
        employer[kept] = host[kept]
        in_sector[kept] = True
        search_region[kept] = model.firms.region[host[kept]]
        np.subtract.at(vacancies, host[kept], 1)
        # A retained graduate saves the open-market recruitment, less the retraining a
        # curriculum that lagged the frontier leaves to the firm (seed 002 §2.3) and less what
        # a graduate who cannot advance beyond operational roles is worth (seed 004 §4.1).
        savings = (
            np.bincount(
                host[kept],
                weights=st.currency_discount(grads[kept]) * st.advancement(grads[kept]),
                minlength=len(model.firm_list),
            )
            * model.config.firms.recruitment_cost
        )
        model.firms.retention_savings[:] = savings
    retained = employer >= 0

    # 2. Migration toward the best-paid other region.
    wages = market.region_wage
    looking = ~retained
    if len(wages) > 1:
        home = search_region.copy()
        best_other = np.array([_best_other(wages, r) for r in range(len(wages))])[home]
        gap = np.maximum(0.0, wages[best_other] / wages[home] - 1.0)
        p_move = np.clip(cfg.migration_base + cfg.migration_wage_elasticity * gap, 0.0, 1.0)
        moves = looking & (market.stream("migration").uniform(year, keys) < p_move)
        search_region[moves] = best_other[moves]

    # 3. Matching within region and sector, most skilled first.
    sector = st.sector[grads].astype(np.int64)
    n_sectors = len(model.sectors)
    # Applicants per (region, sector) cell, each in graduate order: one stable sort by cell
    # instead of a full scan per cell.
    seekers = np.flatnonzero(looking)
    cells = search_region[seekers] * n_sectors + sector[seekers]
    by_cell = seekers[np.argsort(cells, kind="stable")]
    bounds = np.searchsorted(np.sort(cells), np.arange(len(wages) * n_sectors + 1)).tolist()
    # Posts are ordered by draws keyed (year, round, firm, rank of the post at the firm); the
    # part keyed by the firm is folded once per round for all firms.
    posts = market.stream("posts")
    firm_bits = [posts.bits(year, stage, model.firm_keys) for stage in (0, 1)]
    for region in range(len(wages)):
        for s in range(n_sectors):
            cell = region * n_sectors + s
            applicants = by_cell[bounds[cell] : bounds[cell + 1]]
            _fill(firm_bits[0], model, applicants, skill, vacancies, employer, region, s)
    in_sector |= (employer >= 0) & ~retained

    # 4. Cross-sector jobs for some of the unmatched.
    mobility = st.mobility(grads)
    unmatched = (employer < 0) & (
        market.stream("cross_sector").uniform(year, keys) < cfg.unmatched_cross_sector * mobility
    )
    for region in range(len(wages)):
        applicants = np.flatnonzero(unmatched & (search_region == region))
        _fill(firm_bits[1], model, applicants, skill, vacancies, employer, region, None)

    employed = employer >= 0
    final_region = np.where(
        employed, model.firms.region[np.maximum(employer, 0)], st.home_region[grads]
    )
    wage = np.where(
        employed,
        cfg.base_wage
        * wages[final_region]
        * (0.7 + 0.6 * np.clip(skill, 0.0, 1.5))
        * np.where(in_sector, 1.0, 1.0 - cfg.mismatch_wage_penalty),
        0.0,
    )
    st.status[grads] = np.where(employed, EMPLOYED, UNEMPLOYED)
    st.employer[grads] = employer
    st.region[grads] = final_region
    st.wage[grads] = wage
    st.in_sector_job[grads] = in_sector & employed

    ledger = model.ledger
    hired = grads[employed]
    ledger.transfer_many(
        model.schools.account[st.school[hired]],
        model.firms.account[employer[employed]],
        "graduates",
        np.ones(len(hired)),
        "graduate_hire",
    )
    ledger.transfer_many(
        model.firms.account[employer[employed]],
        ledger.outside["households"],
        "money",
        wage[employed],
        "graduate_wages",
    )

    home = st.home_region[grads]
    lagging = market.region_is_lagging[home]
    moved = employed & (final_region != home)
    result.employed = int(employed.sum())
    result.in_sector = int((in_sector & employed).sum())
    result.mean_wage = float(wage[employed].mean()) if employed.any() else 0.0
    result.interned = int(interned.sum())
    result.retained = int(retained.sum())
    result.lagging_graduates = int(lagging.sum())
    result.lagging_outflow = int((moved & lagging).sum())
    result.lagging_inflow = int((moved & market.region_is_lagging[final_region] & ~lagging).sum())
    result.mean_job_skill = float(skill.mean())
    result.mean_mobility = float(mobility.mean())
    result.graduate_level_share = float((st.level[grads] == 2).mean())
    result.covered = int((interned | st.co_taught[grads] | (st.internships[grads] > 0)).sum())
    return result


def _fill(
    firm_bits: np.ndarray,
    model: IEIModel,
    applicants: np.ndarray,
    skill: np.ndarray,
    vacancies: np.ndarray,
    employer: np.ndarray,
    region: int,
    sector: int | None,
) -> None:
    if len(applicants) == 0:
        return
    firms = model.firm_indices(region, sector)
    if len(firms) == 0:
        return
    open_posts = np.repeat(firms, np.maximum(vacancies[firms], 0))
    if len(open_posts) == 0:
        return
    # Posts in a random order keyed by the firm and the post's rank there (and whether the
    # round is in-sector), so a firm's place in the queue is the same luck in every scenario.
    rank = rank_within_runs(open_posts)
    open_posts = open_posts[np.argsort(extend_bits(firm_bits[open_posts], rank))]
    best_first = applicants[np.argsort(-skill[applicants], kind="stable")]
    k = min(len(best_first), len(open_posts))
    employer[best_first[:k]] = open_posts[:k]
    np.subtract.at(vacancies, open_posts[:k], 1)


def _best_other(wages: np.ndarray, region: int) -> int:
    others = [r for r in range(len(wages)) if r != region]
    return max(others, key=lambda r: (wages[r], -r))
