"""Building the populations: governments, schools, firms and associations region by region,
the organisations' prior beliefs, and the student cohorts enrolled when the model starts
(docs/ODD.md §5).

Every attribute is drawn from a keyed stream (:mod:`iei_sim.random_streams`): an organisation's
draws depend on its region, its kind and its rank there, so another region's size never
changes them. The organisations' state goes into the model's tables (``model.firms``,
``model.schools``); the agents are views on their rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from iei_sim.agents.association import IndustryAssociation
from iei_sim.agents.firm import Firm, FirmTable
from iei_sim.agents.government import Government
from iei_sim.agents.school import School, SchoolTable
from iei_sim.agents.students import StudentPopulation
from iei_sim.mechanisms import partnerships
from iei_sim.random_streams import entity_key, entity_keys
from iei_sim.vocabulary import FirmSize, SchoolType

if TYPE_CHECKING:
    from iei_sim.model import IEIModel

BETA_CONCENTRATION = 20.0  # a Beta draw around a mean m is Beta(20 m, 20 (1 − m))


def build_organisations(model: IEIModel) -> None:
    """Governments, schools, firms and associations, region by region, their attributes
    drawn from keyed streams: an organisation's draws depend on its region and its rank
    there, so another region's size never changes them."""
    cfg = model.config
    draw = model.streams
    model.government_of: dict[str, Government] = {}
    # The populations' state, one row per organisation; the agents are views on the rows.
    model.firms = FirmTable.empty(sum(spec.firms for spec in cfg.regions.values()))
    model.schools = SchoolTable.empty(sum(spec.schools for spec in cfg.regions.values()))
    model.firm_list: list[Firm] = []
    model.school_list: list[School] = []
    for r_index, (region, spec) in enumerate(cfg.regions.items()):
        model.government_of[region] = Government(model, r_index, region, spec.government_budget)
        sectors = list(spec.sector_shares)
        shares = np.array([spec.sector_shares[s] for s in sectors])
        keys = entity_keys(entity_key(region, "school"), np.arange(spec.schools))
        vocational = draw("population.school_type").uniform(keys) < spec.vocational_share
        size = cfg.schools.size_sigma
        enrolment = np.maximum(
            10,
            np.round(
                spec.students_per_school
                * draw("population.school_size").lognormal(keys, mean=-(size**2) / 2, sigma=size)
            ),
        ).astype(int)
        reputation = draw("population.reputation").lognormal(
            keys, sigma=cfg.schools.reputation_sigma
        )
        dual = _beta_around(
            draw("population.dual_qualified"), keys, cfg.schools.dual_qualified_share_mean
        )
        practical = _beta_around(
            draw("population.practical_share"), keys, cfg.schools.practical_share_mean
        )
        k = min(cfg.schools.programmes_per_school, int((shares > 0).sum()))
        programmes = draw("population.programmes")
        sector_ids = np.arange(len(sectors))
        for i, key in enumerate(keys.tolist()):
            chosen = programmes.weighted(k, shares, key, sector_ids)
            school = School(
                model,
                index=len(model.school_list),
                region=region,
                school_type=SchoolType.VOCATIONAL if vocational[i] else SchoolType.UNIVERSITY,
                programmes=[sectors[j] for j in chosen.tolist()],
                enrolment=int(enrolment[i]),
                reputation=float(reputation[i]),
                dual_qualified_share=float(dual[i]),
                practical_share=float(practical[i]),
            )
            school.key = key
            model.school_list.append(school)
        _build_firms(model, region, spec, sectors, shares)
        for sector in sectors:
            association = IndustryAssociation(model, region, sector)
            association.key = entity_key(region, "association", sector)
    # The keys of the keyed draws about organisations: the tables' own columns, not copies.
    model.school_keys = model.schools.key
    model.firm_keys = model.firms.key
    _index_organisations(model)


def _build_firms(model: IEIModel, region, spec, sectors, shares) -> None:
    cfg, draw = model.config, model.streams
    f = cfg.firms
    keys = entity_keys(entity_key(region, "firm"), np.arange(spec.firms))
    large = draw("population.firm_size").uniform(keys) < spec.large_firm_share
    cdf = shares.cumsum() / shares.sum()
    sector = np.minimum(
        np.searchsorted(cdf, draw("population.firm_sector").uniform(keys), side="right"),
        len(sectors) - 1,
    )
    tech = np.minimum(
        1.0, _beta_around(draw("population.tech_level"), keys, spec.tech_level) + 0.1 * large
    )
    discount = np.clip(
        draw("population.discount_rate").normal(
            keys, mean=f.discount_rate_mean, sd=f.discount_rate_sd
        ),
        0.01,
        0.9,
    )
    hires_scale = draw("population.hires").lognormal(keys, mean=-0.045, sigma=0.3)
    openness = _beta_around(draw("population.openness"), keys, cfg.knowledge.openness_mean)
    for i, key in enumerate(keys.tolist()):
        is_large = bool(large[i])
        firm = Firm(
            model,
            index=len(model.firm_list),
            region=region,
            sector=sectors[int(sector[i])],
            size=FirmSize.LARGE if is_large else FirmSize.SME,
            tech_level=float(tech[i]),
            discount_rate=float(discount[i]),
            hires_per_year=(f.hires_per_year_large if is_large else f.hires_per_year_sme)
            * float(hires_scale[i]),
            max_partnerships=f.max_partnerships_large if is_large else f.max_partnerships_sme,
            risk_aversion=f.risk_aversion_large if is_large else f.risk_aversion_sme,
        )
        firm.key = key
        firm.openness_trait = float(openness[i])
        model.firm_list.append(firm)


def _index_organisations(model: IEIModel) -> None:
    """Lookups the mechanisms share, built once (membership never changes)."""
    model.firms_in_region = {
        r: [f for f in model.firm_list if f.region == r] for r in model.region_names
    }
    model.schools_in_region = {
        r: [s for s in model.school_list if s.region == r] for r in model.region_names
    }
    lagging_regions = {r for r, spec in model.config.regions.items() if spec.kind == "lagging"}
    model.lagging_firms = [f for f in model.firm_list if f.region in lagging_regions]
    model.leading_firms = [f for f in model.firm_list if f.region not in lagging_regions]
    firms, schools = model.firms, model.schools
    model.firm_groups = firms.region * len(model.sectors) + firms.sector
    model.school_groups = schools.region
    # (school, sector) of every programme offered, school by school: what outcomes average.
    model.offered_programmes = (
        np.array([s.index for s in model.school_list for _ in s.programmes], dtype=np.int64),
        np.array(
            [model.sector_index[p] for s in model.school_list for p in s.programmes],
            dtype=np.int64,
        ),
    )
    model._firm_cells = {
        (r, s): np.flatnonzero((firms.region == r) & (firms.sector == s))
        for r in range(len(model.region_names))
        for s in range(len(model.sectors))
    }
    model._firms_of_region = [
        np.flatnonzero(firms.region == r) for r in range(len(model.region_names))
    ]
    model.demand_index = np.ones(len(model.firm_list))
    model.associations = {
        (a.region, a.sector): a for a in model.agents_by_type[IndustryAssociation]
    }
    model.mean_reputation = float(np.mean([s.reputation for s in model.school_list]))
    model.refresh_standing()


def draw_priors(model: IEIModel) -> None:
    """Prior beliefs: the true expectation of a partnership-year, read with noise."""
    cfg = model.config
    noise = cfg.learning.prior_noise * (1.0 - model.market.information_gain)
    firm_noise = model.streams("population.firm_prior").normal(model.firm_keys, sd=noise)
    for firm, e in zip(model.firm_list, firm_noise.tolist(), strict=True):
        firm.belief = partnerships.expected_private_benefit(model, firm, 1) + e
    p, s = cfg.partnerships, cfg.schools
    school_value = (
        s.cooperation_value[0] + p.firm_money[0] + p.firm_equipment[0] - s.coordination_cost[0]
    )
    school_noise = model.streams("population.school_prior").normal(model.school_keys, sd=noise)
    for school, e in zip(model.school_list, school_noise.tolist(), strict=True):
        school.belief = school_value + e


def build_students(model: IEIModel) -> None:
    """Cohorts that have completed 1 … duration-1 years, with the skills those years gave;
    the first step's intake brings the new first-year cohort."""
    yearly_intake = sum(s.enrolment / s.duration for s in model.school_list)
    total = sum(s.enrolment for s in model.school_list)
    model.students = StudentPopulation(
        model, capacity=int(total + yearly_intake * (model.config.simulated_years + 1))
    )
    cohorts = model.students.cohorts()
    spec = model.config.students
    school, years = cohorts["school"], cohorts["year"]
    quality = model.schools.teaching_quality[school]
    practical_share = model.schools.practical_share[school]
    theory_gain = (
        np.where(cohorts["level"] == 2, spec.graduate_theory_factor, 1.0) * spec.theory_gain
    )
    model.students.enrol(
        **cohorts,
        theory=years * theory_gain * quality * 2 * (1 - practical_share),
        practical=years * spec.practical_gain * quality * 2 * practical_share,
    )


def _beta_around(stream, keys: np.ndarray, mean: float) -> np.ndarray:
    """Draws in (0, 1) with the given mean: Beta(20 m, 20 (1 − m)), keyed."""
    mean = min(max(float(mean), 1e-3), 1 - 1e-3)
    return stream.beta(keys, a=mean * BETA_CONCENTRATION, b=(1 - mean) * BETA_CONCENTRATION)
