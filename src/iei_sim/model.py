"""IEIModel: builds the population from a validated Scenario and runs the year's schedule.

One step is one year, and the year is :data:`iei_sim.schedule.SCHEDULE`: read it to read the
model. The model builds the organisations, the students and the mechanisms (each a
:class:`~iei_sim.mechanisms.base.Mechanism` with its own random streams), then each step runs
the scheduled phases in order.
"""

from __future__ import annotations

from collections.abc import Callable

import mesa
import numpy as np

from iei_sim.agents.association import IndustryAssociation
from iei_sim.agents.firm import Firm, FirmTable
from iei_sim.agents.government import Government
from iei_sim.agents.school import School, SchoolTable
from iei_sim.agents.students import Student, StudentPopulation
from iei_sim.ledger import Ledger
from iei_sim.mechanisms import partnerships
from iei_sim.mechanisms.associations import Associations
from iei_sim.mechanisms.base import Mechanism
from iei_sim.mechanisms.governments import PublicFunding
from iei_sim.mechanisms.incentives import Incentives
from iei_sim.mechanisms.knowledge import Knowledge
from iei_sim.mechanisms.labour_market import LabourMarket, LabourMarketResult
from iei_sim.mechanisms.learning import Learning
from iei_sim.mechanisms.matching import PartnershipMarket
from iei_sim.mechanisms.monitoring import Monitoring
from iei_sim.mechanisms.partnerships import Partnership, Partnerships
from iei_sim.mechanisms.reputation import Reputation
from iei_sim.mechanisms.risk import Risk
from iei_sim.mechanisms.students import Students
from iei_sim.mechanisms.teachers import Teachers
from iei_sim.outcomes import compute_outcomes
from iei_sim.random_streams import RandomStreams, entity_key, entity_keys
from iei_sim.resources import check_run_fits
from iei_sim.scenario.schema import Scenario
from iei_sim.schedule import FIRMS, MODEL, SCHEDULE, SCHOOLS, Phase
from iei_sim.vocabulary import FirmSize, SchoolType

# Every mechanism the schedule names, by its name.
MECHANISMS: dict[str, type[Mechanism]] = {
    cls.name: cls
    for cls in (
        PublicFunding,
        Incentives,
        Associations,
        PartnershipMarket,
        Partnerships,
        Knowledge,
        Teachers,
        Students,
        Risk,
        LabourMarket,
        Monitoring,
        Learning,
        Reputation,
    )
}
BETA_CONCENTRATION = 20.0  # a Beta draw around a mean m is Beta(20 m, 20 (1 − m))


class IEIModel(mesa.Model):
    """School–enterprise cooperation in one or more regions; one step is one year.

    Built from a :class:`~iei_sim.scenario.schema.Scenario` and a seed. ``streams`` gives every
    decision its keyed random numbers (:mod:`iei_sim.random_streams`), so the run is a function
    of the scenario and the seed, and two scenarios run from one seed share their luck wherever
    their agents face the same choice.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        check_run_fits(scenario, f"scenario '{scenario.name}'")  # before allocating anything
        seed = scenario.seed if seed is None else seed
        super().__init__(rng=seed)
        self.seed = seed
        self.config = scenario
        self.streams = RandomStreams(seed)
        self.ledger = Ledger()
        platform = scenario.policy.platform
        p = scenario.partnerships
        self.search_candidates = p.candidates_per_search + (
            platform.extra_candidates if platform.enabled else 0
        )
        self.search_cost_per_candidate = p.search_cost * (
            1.0 - (platform.search_cost_reduction if platform.enabled else 0.0)
        )
        self.search_cost_per_year = (
            self.search_candidates
            * self.search_cost_per_candidate
            / scenario.firms.planning_horizon
        )
        self.cross_region_share = platform.cross_region_share if platform.enabled else 0.0
        self.information_gain = platform.information_gain if platform.enabled else 0.0
        self.lists_open_places = platform.enabled and platform.lists_open_places
        self.sectors = scenario.sectors
        self.sector_index = {s: i for i, s in enumerate(self.sectors)}
        self.region_names = list(scenario.regions)
        self.region_index = {r: i for i, r in enumerate(self.region_names)}
        self.region_wage = np.array([r.wage_level for r in scenario.regions.values()])
        self.region_is_lagging = np.array([r.kind == "lagging" for r in scenario.regions.values()])
        self.partnerships: list[Partnership] = []
        self.active_partnerships: list[Partnership] = []
        self.labour = LabourMarketResult()
        self.outcomes: dict[str, float] = {}
        self.records: list[dict[str, float]] = []  # one row of outcomes per year
        self.depth_mix = {r: {1: 1.0, 2: 0.0, 3: 0.0} for r in self.region_names}
        self.partnerships_started_this_year = 0
        self.intern_slots = np.zeros(0, dtype=partnerships.INTERN_SLOT)
        # The mechanisms exist before the organisations: the firms' priors ask the incentive,
        # risk and monitoring rules what a partnership would bring.
        self.mechanisms: dict[str, Mechanism] = {
            name: cls(self) for name, cls in MECHANISMS.items()
        }
        self.incentives: Incentives = self.mechanisms["incentives"]  # type: ignore[assignment]
        self.risk: Risk = self.mechanisms["risk"]  # type: ignore[assignment]
        self.monitoring: Monitoring = self.mechanisms["monitoring"]  # type: ignore[assignment]
        self.knowledge: Knowledge = self.mechanisms["knowledge"]  # type: ignore[assignment]
        self.learning: Learning = self.mechanisms["learning"]  # type: ignore[assignment]
        self.market: PartnershipMarket = self.mechanisms["market"]  # type: ignore[assignment]
        self._build_organisations()
        self.deep_programmes = np.zeros((len(self.school_list), len(self.sectors)), dtype=bool)
        for mechanism in self.mechanisms.values():
            mechanism.setup()
        self._draw_priors()
        self._build_students()
        self.plan = self._plan()

    # -- the year ------------------------------------------------------------------------------
    def step(self) -> None:
        """One year: the phases of :data:`iei_sim.schedule.SCHEDULE`, in order (ODD §3)."""
        for _, run in self.plan:
            run()

    def _plan(self) -> list[tuple[Phase, Callable[[], None]]]:
        """The schedule's phases bound to their owners; those of switched-off mechanisms left out."""
        agents = {SCHOOLS: self._schools_step, FIRMS: self._firms_step}
        plan: list[tuple[Phase, Callable[[], None]]] = []
        for phase in SCHEDULE:
            if phase.owner in agents:
                plan.append((phase, agents[phase.owner]))
            elif phase.owner == MODEL:
                plan.append((phase, getattr(self, phase.method)))
            elif self.mechanisms[phase.owner].enabled:
                plan.append((phase, getattr(self.mechanisms[phase.owner], phase.method)))
        return plan

    def start_year(self) -> None:
        """Demand grows; the year's running figures (costs, proposals, new partnerships) reset."""
        growth = np.array([r.labour_demand_growth for r in self.config.regions.values()])
        self.demand_index = (1.0 + growth[self.firms.region]) ** self.steps
        self.partnerships_started_this_year = 0
        self.firms.search_costs[:] = 0.0
        self.schools.search_costs[:] = 0.0
        self.schools.proposals_made[:] = 0
        self.schools.proposals_refused[:] = 0

    def close_year(self) -> None:
        """Outcomes of the year computed and recorded; the ledger closes the year."""
        self.outcomes = compute_outcomes(self)
        self.records.append(self.outcomes)
        self.ledger.close_step(self.steps)

    def _step_agents(self, agents: list[School] | list[Firm], keys: np.ndarray, who: str) -> None:
        """Each agent's own ``step``, in an order drawn afresh each year: keyed by agent, so an
        agent keeps its place relative to the others in every scenario run from one seed.
        Before it steps, each agent is handed this year's draw for its seeking decision
        (``seek_luck``, from the keyed stream ``<who>.seek``)."""
        year = self.steps
        order = self.streams(f"{who}.order").order(year, keys)
        luck = self.streams(f"{who}.seek").uniform(year, keys).tolist()
        for i in order.tolist():
            agent = agents[i]
            agent.seek_luck = (year, luck[i])
            agent.step()

    def _schools_step(self) -> None:
        self._step_agents(self.school_list, self.school_keys, SCHOOLS)

    def _firms_step(self) -> None:
        self._step_agents(self.firm_list, self.firm_keys, FIRMS)

    # -- building --------------------------------------------------------------------------------
    def _build_organisations(self) -> None:
        """Governments, schools, firms and associations, region by region, their attributes
        drawn from keyed streams: an organisation's draws depend on its region and its rank
        there, so another region's size never changes them."""
        cfg = self.config
        draw = self.streams
        self.government_of: dict[str, Government] = {}
        # The populations' state, one row per organisation; the agents are views on the rows.
        self.firms = FirmTable.empty(sum(spec.firms for spec in cfg.regions.values()))
        self.schools = SchoolTable.empty(sum(spec.schools for spec in cfg.regions.values()))
        self.firm_list: list[Firm] = []
        self.school_list: list[School] = []
        school_keys: list[np.ndarray] = []
        firm_keys: list[np.ndarray] = []
        for r_index, (region, spec) in enumerate(cfg.regions.items()):
            self.government_of[region] = Government(self, r_index, region, spec.government_budget)
            sectors = list(spec.sector_shares)
            shares = np.array([spec.sector_shares[s] for s in sectors])
            keys = entity_keys(entity_key(region, "school"), np.arange(spec.schools))
            school_keys.append(keys)
            vocational = draw("population.school_type").uniform(keys) < spec.vocational_share
            size = cfg.schools.size_sigma
            enrolment = np.maximum(
                10,
                np.round(
                    spec.students_per_school
                    * draw("population.school_size").lognormal(
                        keys, mean=-(size**2) / 2, sigma=size
                    )
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
                    self,
                    index=len(self.school_list),
                    region=region,
                    school_type=SchoolType.VOCATIONAL if vocational[i] else SchoolType.UNIVERSITY,
                    programmes=[sectors[j] for j in chosen.tolist()],
                    enrolment=int(enrolment[i]),
                    reputation=float(reputation[i]),
                    dual_qualified_share=float(dual[i]),
                    practical_share=float(practical[i]),
                )
                school.key = key
                self.school_list.append(school)
            self._build_firms(region, spec, sectors, shares, firm_keys)
            for sector in sectors:
                quality = cfg.associations.information_quality
                quality += self.information_gain * (1.0 - quality)
                association = IndustryAssociation(self, region, sector, quality)
                association.key = entity_key(region, "association", sector)
        self.school_keys = np.concatenate(school_keys)
        self.firm_keys = np.concatenate(firm_keys)
        self._index_organisations()

    def _build_firms(self, region, spec, sectors, shares, firm_keys) -> None:
        cfg, draw = self.config, self.streams
        f = cfg.firms
        keys = entity_keys(entity_key(region, "firm"), np.arange(spec.firms))
        firm_keys.append(keys)
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
                self,
                index=len(self.firm_list),
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
            self.firm_list.append(firm)

    def _index_organisations(self) -> None:
        """Lookups the mechanisms share, built once (membership never changes)."""
        self.firms_in_region = {
            r: [f for f in self.firm_list if f.region == r] for r in self.region_names
        }
        self.schools_in_region = {
            r: [s for s in self.school_list if s.region == r] for r in self.region_names
        }
        lagging_regions = {r for r, spec in self.config.regions.items() if spec.kind == "lagging"}
        self.lagging_firms = [f for f in self.firm_list if f.region in lagging_regions]
        self.leading_firms = [f for f in self.firm_list if f.region not in lagging_regions]
        firms, schools = self.firms, self.schools
        self.firm_groups = firms.region * len(self.sectors) + firms.sector
        self.school_groups = schools.region
        # (school, sector) of every programme offered, school by school: what outcomes average.
        self.offered_programmes = (
            np.array([s.index for s in self.school_list for _ in s.programmes], dtype=np.int64),
            np.array(
                [self.sector_index[p] for s in self.school_list for p in s.programmes],
                dtype=np.int64,
            ),
        )
        self._firm_cells = {
            (r, s): np.flatnonzero((firms.region == r) & (firms.sector == s))
            for r in range(len(self.region_names))
            for s in range(len(self.sectors))
        }
        self._firms_of_region = [
            np.flatnonzero(firms.region == r) for r in range(len(self.region_names))
        ]
        self.demand_index = np.ones(len(self.firm_list))
        self.associations = {
            (a.region, a.sector): a for a in self.agents_by_type[IndustryAssociation]
        }
        self.mean_reputation = float(np.mean([s.reputation for s in self.school_list]))
        self.refresh_standing()

    def _draw_priors(self) -> None:
        """Prior beliefs: the true expectation of a partnership-year, read with noise."""
        cfg = self.config
        noise = cfg.learning.prior_noise * (1.0 - self.information_gain)
        firm_noise = self.streams("population.firm_prior").normal(self.firm_keys, sd=noise)
        for firm, e in zip(self.firm_list, firm_noise.tolist(), strict=True):
            firm.belief = partnerships.expected_private_benefit(self, firm, 1) + e
        p, s = cfg.partnerships, cfg.schools
        school_value = (
            s.cooperation_value[0] + p.firm_money[0] + p.firm_equipment[0] - s.coordination_cost[0]
        )
        school_noise = self.streams("population.school_prior").normal(self.school_keys, sd=noise)
        for school, e in zip(self.school_list, school_noise.tolist(), strict=True):
            school.belief = school_value + e

    def _build_students(self) -> None:
        """Cohorts that have completed 1 … duration-1 years, with the skills those years gave;
        the first step's intake brings the new first-year cohort."""
        yearly_intake = sum(s.enrolment / s.duration for s in self.school_list)
        total = sum(s.enrolment for s in self.school_list)
        self.students = StudentPopulation(
            self, capacity=int(total + yearly_intake * (self.config.steps + 1))
        )
        cohorts = self.students.cohorts()
        spec = self.config.students
        school, years = cohorts["school"], cohorts["year"]
        quality = self.schools.teaching_quality[school]
        practical_share = self.schools.practical_share[school]
        theory_gain = (
            np.where(cohorts["level"] == 2, spec.graduate_theory_factor, 1.0) * spec.theory_gain
        )
        self.students.enrol(
            **cohorts,
            theory=years * theory_gain * quality * 2 * (1 - practical_share),
            practical=years * spec.practical_gain * quality * 2 * practical_share,
        )

    # -- queries used by agents and mechanisms ------------------------------------------------
    def standing(self, school: School) -> float:
        """Reputation relative to this year's average school."""
        return school.reputation / self.mean_reputation

    def refresh_standing(self) -> None:
        """Cache what follows from the schools' standing (research and partnership capacity).

        Reputation changes only at build time and in the reputation mechanism, yet capacity
        is read thousands of times a year by the partnership market.
        """
        spec = self.config.schools
        for school in self.school_list:
            standing = self.standing(school)
            school.research_capacity = min(spec.max_research_capacity, max(0.5, standing))
            school.set_capacity(standing)

    def firms_in_cell(self, region: str, sector: str) -> list[Firm]:
        """The firms of one region and sector, in creation order."""
        cell = self._firm_cells[(self.region_index[region], self.sector_index[sector])]
        return [self.firm_list[i] for i in cell.tolist()]

    def firm_indices(self, region: int, sector: int | None) -> np.ndarray:
        """Indices of the firms of a region (and sector, if given), in creation order."""
        if sector is None:
            return self._firms_of_region[region]
        return self._firm_cells[(region, sector)]

    def labour_demand(self, region: str, sector: str) -> float:
        cell = self._firm_cells[(self.region_index[region], self.sector_index[sector])]
        return float((self.firms.hires_per_year[cell] * self.demand_index[cell]).sum())

    def demand_forecast(self, region: str, sector: str) -> float:
        association = self.associations.get((region, sector))
        return association.forecast if association else self.labour_demand(region, sector)

    def firm(self, index: int) -> Firm:
        """Inspect one firm: the Mesa agent viewing row ``index`` of ``model.firms``."""
        return self.firm_list[index]

    def school(self, index: int) -> School:
        """Inspect one school: the Mesa agent viewing row ``index`` of ``model.schools``."""
        return self.school_list[index]

    def student(self, index: int) -> Student:
        """Inspect one student as a (read-only, unregistered) Mesa agent view."""
        return self.students.student(index)


def _beta_around(stream, keys: np.ndarray, mean: float) -> np.ndarray:
    """Draws in (0, 1) with the given mean: Beta(20 m, 20 (1 − m)), keyed."""
    mean = min(max(float(mean), 1e-3), 1 - 1e-3)
    return stream.beta(keys, a=mean * BETA_CONCENTRATION, b=(1 - mean) * BETA_CONCENTRATION)
