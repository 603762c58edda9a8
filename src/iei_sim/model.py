"""IEIModel: builds the population from a validated Scenario and schedules one year per step."""

from __future__ import annotations

import mesa
import numpy as np

from iei_sim.agents.association import IndustryAssociation
from iei_sim.agents.firm import Firm
from iei_sim.agents.government import Government
from iei_sim.agents.school import School
from iei_sim.agents.students import Student, StudentPopulation
from iei_sim.ledger import Ledger
from iei_sim.mechanisms import labour_market, matching, partnerships
from iei_sim.mechanisms.incentives import IncentivePolicy
from iei_sim.mechanisms.knowledge import KnowledgeSystem
from iei_sim.mechanisms.learning import make_learning_rule
from iei_sim.mechanisms.monitoring import Monitoring
from iei_sim.mechanisms.partnerships import Partnership
from iei_sim.mechanisms.risk import make_risk_rule
from iei_sim.mechanisms.teachers import update_teachers
from iei_sim.outcomes import compute_outcomes, reporters
from iei_sim.resources import check_run_fits
from iei_sim.scenario.schema import Scenario


class IEIModel(mesa.Model):
    """School–enterprise cooperation in one or more regions.

    One step is one year. The schedule (see :meth:`step`, and docs/ODD.md §3) runs the
    organisations' own decisions first (government, associations, schools, firms), then the
    shared mechanisms in a fixed order: the partnership market and brokerage, the partnerships'
    flows, knowledge and teachers, the students' year, risk events, the labour market, incentive
    payments, monitoring, partnership review, learning and reputation.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        check_run_fits(scenario, f"scenario '{scenario.name}'")  # before allocating anything
        seed = scenario.seed if seed is None else seed
        super().__init__(rng=seed)
        self.seed = seed
        self.config = scenario
        self.ledger = Ledger()
        self.learning = make_learning_rule(scenario.learning)
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
        self.labour = labour_market.LabourMarketResult()
        self.outcomes: dict[str, float] = {}
        self.depth_mix = {r: {1: 1.0, 2: 0.0, 3: 0.0} for r in self.region_names}
        self.partnerships_started_this_year = 0
        self.incentives = IncentivePolicy(self)
        self._build_organisations()
        self._build_students()
        self.risk = make_risk_rule(self)
        self.monitoring = Monitoring(self)
        self.knowledge = KnowledgeSystem(self)
        self.intern_slots = np.zeros(0, dtype=partnerships.INTERN_SLOT)
        self.deep_programmes = np.zeros((len(self.school_list), len(self.sectors)), dtype=bool)
        self.datacollector = mesa.DataCollector(model_reporters=reporters())

    # -- construction --------------------------------------------------------------------------
    def _build_organisations(self) -> None:
        cfg = self.config
        rng = self.rng
        self.government_of: dict[str, Government] = {}
        self.firm_list: list[Firm] = []
        self.school_list: list[School] = []
        for r_index, (region, spec) in enumerate(cfg.regions.items()):
            self.government_of[region] = Government(self, r_index, region, spec.government_budget)
            sectors = list(spec.sector_shares)
            shares = np.array([spec.sector_shares[s] for s in sectors])
            # Generator.choice(p=shares)'s own algorithm (same draws), without its per-call checks.
            sector_cdf = shares.cumsum()
            sector_cdf /= sector_cdf[-1]
            for _ in range(spec.schools):
                school_type = "vocational" if rng.random() < spec.vocational_share else "university"
                k = min(cfg.schools.programmes_per_school, int((shares > 0).sum()))
                programmes = [sectors[i] for i in _choice_without_replacement(rng, k, shares)]
                size = cfg.schools.size_sigma
                self.school_list.append(
                    School(
                        self,
                        index=len(self.school_list),
                        region=region,
                        school_type=school_type,
                        programmes=[str(p) for p in programmes],
                        enrolment=max(
                            10,
                            round(spec.students_per_school * rng.lognormal(-(size**2) / 2, size)),
                        ),
                        reputation=float(rng.lognormal(0.0, cfg.schools.reputation_sigma)),
                        dual_qualified_share=_beta_around(
                            rng, cfg.schools.dual_qualified_share_mean
                        ),
                        practical_share=_beta_around(rng, cfg.schools.practical_share_mean),
                    )
                )
            for _ in range(spec.firms):
                large = rng.random() < spec.large_firm_share
                f = cfg.firms
                self.firm_list.append(
                    Firm(
                        self,
                        index=len(self.firm_list),
                        region=region,
                        sector=sectors[int(sector_cdf.searchsorted(rng.random(), "right"))],
                        size="large" if large else "sme",
                        tech_level=min(
                            1.0, _beta_around(rng, spec.tech_level) + (0.1 if large else 0.0)
                        ),
                        discount_rate=min(
                            max(float(rng.normal(f.discount_rate_mean, f.discount_rate_sd)), 0.01),
                            0.9,
                        ),
                        hires_per_year=(f.hires_per_year_large if large else f.hires_per_year_sme)
                        * float(rng.lognormal(-0.045, 0.3)),
                        max_partnerships=f.max_partnerships_large
                        if large
                        else f.max_partnerships_sme,
                        risk_aversion=f.risk_aversion_large if large else f.risk_aversion_sme,
                    )
                )
                self.firm_list[-1].openness_trait = _beta_around(rng, cfg.knowledge.openness_mean)
            for sector in sectors:
                quality = cfg.associations.information_quality
                quality += self.information_gain * (1.0 - quality)
                IndustryAssociation(self, region, sector, quality)
        self.firms_in_region = {
            r: [f for f in self.firm_list if f.region == r] for r in self.region_names
        }
        self.schools_in_region = {
            r: [s for s in self.school_list if s.region == r] for r in self.region_names
        }
        lagging_regions = {r for r, spec in cfg.regions.items() if spec.kind == "lagging"}
        self.lagging_firms = [f for f in self.firm_list if f.region in lagging_regions]
        self.leading_firms = [f for f in self.firm_list if f.region not in lagging_regions]
        # Arrays for the vectorised submodels.
        self.firm_region = np.array(
            [self.region_index[f.region] for f in self.firm_list], dtype=np.int64
        )
        self.firm_sector = np.array(
            [self.sector_index[f.sector] for f in self.firm_list], dtype=np.int64
        )
        self.firm_hires = np.array([f.hires_per_year for f in self.firm_list])
        self.firm_accounts = np.array([f.account for f in self.firm_list], dtype=np.int64)
        self.firm_groups = self.firm_region * len(self.sectors) + self.firm_sector
        self.school_accounts = np.array([s.account for s in self.school_list], dtype=np.int64)
        self.school_region = np.array(
            [self.region_index[s.region] for s in self.school_list], dtype=np.int64
        )
        self.school_groups = self.school_region
        # (school, sector) of every programme offered, school by school: what outcomes average.
        self.offered_programmes = (
            np.array([s.index for s in self.school_list for _ in s.programmes], dtype=np.int64),
            np.array(
                [self.sector_index[p] for s in self.school_list for p in s.programmes],
                dtype=np.int64,
            ),
        )
        self.refresh_school_arrays()
        self._firm_cells = {
            (r, s): np.flatnonzero((self.firm_region == r) & (self.firm_sector == s))
            for r in range(len(self.region_names))
            for s in range(len(self.sectors))
        }
        self._firms_of_cell = {  # membership never changes: the lists are built once
            (region, sector): [
                self.firm_list[i]
                for i in self._firm_cells[(self.region_index[region], self.sector_index[sector])]
            ]
            for region in self.region_names
            for sector in self.sectors
        }
        self._firms_of_region = [
            np.flatnonzero(self.firm_region == r) for r in range(len(self.region_names))
        ]
        self._school_cells = {
            (region, sector): [
                s for s in self.school_list if s.region == region and sector in s.programmes
            ]
            for region in self.region_names
            for sector in self.sectors
        }
        # Candidate pools per sector (schools) or programme list (firms), then per searcher's
        # region: (home pool, pool of the other regions). Built once; membership never changes.
        self._school_pools = {
            sector: _home_and_away({r: self._school_cells[(r, sector)] for r in self.region_names})
            for sector in self.sectors
        }
        self._firm_pools: dict[tuple[str, ...], dict[str, tuple[list[Firm], list[Firm]]]] = {}
        self.demand_index = np.ones(len(self.firm_list))
        self.associations = {
            (a.region, a.sector): a for a in self.agents_by_type[IndustryAssociation]
        }
        # Prior beliefs: the true expectation read with noise.
        noise = cfg.learning.prior_noise * (1.0 - self.information_gain)
        for firm in self.firm_list:
            firm.belief = partnerships.expected_private_benefit(self, firm, 1) + rng.normal(
                0.0, noise
            )
        p, s = cfg.partnerships, cfg.schools
        school_value = (
            s.cooperation_value[0] + p.firm_money[0] + p.firm_equipment[0] - s.coordination_cost[0]
        )
        for school in self.school_list:
            school.belief = school_value + rng.normal(0.0, noise)
        self._mean_reputation = float(np.mean([s.reputation for s in self.school_list]))
        self._refresh_standing()

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
        quality = self.school_quality[school]
        practical_share = self.school_practical_share[school]
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
        return school.reputation / self._mean_reputation

    def school_capacity(self, school: School) -> float:
        """Research capacity relative to the average school, from reputation (bounded)."""
        return school.research_capacity

    def _refresh_standing(self) -> None:
        """Cache what follows from the schools' standing (research and partnership capacity).

        Reputation changes only at build time and in :meth:`_update_reputation`, yet capacity
        is read thousands of times a year by the partnership market.
        """
        spec = self.config.schools
        for school in self.school_list:
            standing = self.standing(school)
            school.research_capacity = min(spec.max_research_capacity, max(0.5, standing))
            school.set_capacity(standing)

    def schools_for(self, region: str, sector: str, k: int) -> list[School]:
        """Up to ``k`` random schools teaching ``sector``: in ``region``, some elsewhere via the platform."""
        return self._sample_candidates(self._school_pools[sector][region], k)

    def firms_for(self, region: str, sectors: list[str], k: int) -> list[Firm]:
        """Up to ``k`` random firms in the given sectors: in ``region``, some elsewhere via the platform."""
        key = tuple(sectors)
        if key not in self._firm_pools:
            self._firm_pools[key] = _home_and_away(
                {
                    r: [
                        self.firm_list[i]
                        for s in sectors
                        for i in self._firm_cells[(self.region_index[r], self.sector_index[s])]
                    ]
                    for r in self.region_names
                }
            )
        return self._sample_candidates(self._firm_pools[key][region], k)

    def _sample_candidates(self, pools: tuple[list, list], k: int) -> list:
        """``k`` draws without replacement: some from ``away`` (the platform's cross-region
        share, binomially), the rest from ``home``."""
        home, away = pools
        k_away = (
            int(self.rng.binomial(k, self.cross_region_share)) if self.cross_region_share else 0
        )
        k_away = min(k_away, len(away))
        chosen = self.random.sample(home, min(k - k_away, len(home)))
        return chosen + self.random.sample(away, k_away) if k_away else chosen

    def firms_in_cell(self, region: str, sector: str) -> list[Firm]:
        return list(self._firms_of_cell[(region, sector)])

    def firms_by_cell(self, region: int, sector: int | None) -> np.ndarray:
        if sector is None:
            return self._firms_of_region[region]
        return self._firm_cells[(region, sector)]

    def labour_demand(self, region: str, sector: str) -> float:
        cell = self._firm_cells[(self.region_index[region], self.sector_index[sector])]
        return float((self.firm_hires[cell] * self.demand_index[cell]).sum())

    def demand_forecast(self, region: str, sector: str) -> float:
        association = self.associations.get((region, sector))
        return association.forecast if association else self.labour_demand(region, sector)

    def student(self, index: int) -> Student:
        """Inspect one student as a Mesa agent."""
        return self.students.student(index)

    # -- the year ----------------------------------------------------------------------------
    def step(self) -> None:
        growth = np.array([r.labour_demand_growth for r in self.config.regions.values()])
        self.demand_index = (1.0 + growth[self.firm_region]) ** self.steps
        self._start_year()
        self.agents_by_type[Government].do("step")
        self.agents_by_type[IndustryAssociation].do("step")
        self._step_in_random_order(School)
        self._step_in_random_order(Firm)
        matching.form_partnerships(self)
        self.agents_by_type[IndustryAssociation].do("broker_matches")
        partnerships.operate(self)
        self.knowledge.step()
        update_teachers(self)
        self.students.step()
        partnerships.record_internships(self)
        self.risk.apply(self)
        self.labour = labour_market.clear(self)
        self.incentives.settle()
        self.monitoring.evaluate()
        partnerships.review(self)
        self.monitoring.close_exposed()
        self.learning.update(self)
        self._update_reputation()
        self.outcomes = compute_outcomes(self)
        self.datacollector.collect(self)
        self.ledger.close_step(self.steps)

    def _step_in_random_order(self, agent_type: type[School] | type[Firm]) -> None:
        """``agents_by_type[agent_type].shuffle_do("step")``: the same shuffle (same draws, same
        order), without Mesa's per-agent membership check and lookup of the method by name
        (no agent joins or leaves during these steps)."""
        agent_set = self.agents_by_type[agent_type]
        agents = list(agent_set)
        agent_set.random.shuffle(agents)
        for agent in agents:
            agent.step()

    def _start_year(self) -> None:
        """Reset the year's running figures (costs are added from the agents' steps on)."""
        self.partnerships_started_this_year = 0
        for firm in self.firm_list:
            firm.search_costs = 0.0
        for school in self.school_list:
            school.search_costs = 0.0
            school.proposals_made = 0
            school.proposals_refused = 0

    def refresh_school_arrays(self) -> None:
        """Copy the schools' teaching state into the arrays the student population reads."""
        self.school_quality = np.array([s.teaching_quality for s in self.school_list])
        self.school_practical_share = np.array([s.practical_share for s in self.school_list])
        self.school_dual_share = np.array([s.dual_qualified_share for s in self.school_list])

    def _update_reputation(self) -> None:
        s = self.config.schools
        for school in self.school_list:
            school.reputation = (
                (1 - s.reputation_decay) * school.reputation
                + s.reputation_decay
                + s.reputation_gain * len(school.partnerships)
            )
        self._mean_reputation = float(np.mean([school.reputation for school in self.school_list]))
        self._refresh_standing()


def _home_and_away(pools: dict[str, list]) -> dict[str, tuple[list, list]]:
    """Per region: its own pool, and the other regions' pools joined (in region order)."""
    return {
        region: (home, [a for r, pool in pools.items() if r != region for a in pool])
        for region, home in pools.items()
    }


_CHOICE_ATOL = float(np.sqrt(np.finfo(np.float64).eps))  # Generator.choice's tolerance on sum(p)


def _choice_without_replacement(rng: np.random.Generator, k: int, p: np.ndarray) -> list[int]:
    """``k`` distinct indices drawn with probabilities ``p``: ``Generator.choice(len(p), k,
    replace=False, p=p)``'s own algorithm (same draws), without its per-call checks (which cost
    several times the draw). Each round draws the missing number of indices from ``p`` with
    those already found removed, keeping each new index's first occurrence in draw order."""
    p = np.array(p, dtype=float)
    if abs(p.sum() - 1.0) > _CHOICE_ATOL:  # the one check that can fail on a valid scenario
        raise ValueError("probabilities do not sum to 1")
    found: list[int] = []
    while len(found) < k:
        x = rng.random(k - len(found))
        if found:
            p[found] = 0
        cdf = np.cumsum(p)
        cdf /= cdf[-1]
        found += dict.fromkeys(cdf.searchsorted(x, side="right").tolist())
    return found


def _beta_around(rng: np.random.Generator, mean: float, concentration: float = 20.0) -> float:
    """A draw in (0, 1) with the given mean (Beta with the given concentration)."""
    mean = min(max(float(mean), 1e-3), 1 - 1e-3)  # np.clip on a scalar costs 10x more
    return float(rng.beta(mean * concentration, (1 - mean) * concentration))
