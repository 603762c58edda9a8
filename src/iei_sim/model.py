"""IEIModel: builds the population from a validated Scenario and runs the year's schedule.

One step is one year, and the year is :data:`iei_sim.schedule.SCHEDULE`: read it to read the
model. The model builds the organisations, the students and the mechanisms (each a
:class:`~iei_sim.mechanisms.base.Mechanism` with its own random streams), then each step runs
the scheduled phases in order.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from collections.abc import Callable

import mesa
import numpy as np

from iei_sim.agents.build import (
    build_organisations,
    build_students,
    draw_priors,
)
from iei_sim.agents.firm import Firm, seeking_of
from iei_sim.agents.school import School
from iei_sim.agents.students import Student
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
from iei_sim.random_streams import RandomStreams
from iei_sim.resources import check_run_fits
from iei_sim.scenario.loading import scenario_hash
from iei_sim.scenario.schema import Scenario
from iei_sim.schedule import FIRMS, MODEL, SCHEDULE, SCHOOLS, Phase

# Every mechanism the schedule names, by its name.
MECHANISMS: dict[str, type[Mechanism]] = {
    cls.name: cls
    for cls in (
        PublicFunding,
        Incentives,
        PartnershipMarket,
        Associations,
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


class IEIModel(mesa.Model):
    """School–enterprise cooperation in one or more regions; one step is one year.

    Built from a :class:`~iei_sim.scenario.schema.Scenario` and a seed. ``streams`` gives every
    decision its keyed random numbers (:mod:`iei_sim.random_streams`), so the run is a function
    of the scenario and the seed, and two scenarios run from one seed share their luck wherever
    their agents face the same choice.

    A scenario with ``spin_up_years`` is built already spun up: the model runs those years
    under the baseline policy (:meth:`Scenario.under_baseline_policy`), forgets their outcome
    rows, and brings the scenario's own policy into force; the reported years follow. Regimes
    that differ only in policy therefore share every draw and state up to ``policy_start``.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        check_run_fits(scenario, f"scenario '{scenario.name}'")  # before allocating anything
        seed = scenario.seed if seed is None else seed
        super().__init__(rng=seed)
        self.seed = seed
        self.spin_up_years = scenario.spin_up_years
        self.config = scenario.under_baseline_policy() if self.spin_up_years else scenario
        self.streams = RandomStreams(seed)
        self.ledger = Ledger()
        self.sectors = scenario.sectors
        self.sector_index = {s: i for i, s in enumerate(self.sectors)}
        self.region_names = list(scenario.regions)
        self.region_index = {r: i for i, r in enumerate(self.region_names)}
        self.partnerships: list[Partnership] = []
        self.active_partnerships: list[Partnership] = []
        self.labour = LabourMarketResult()
        self.outcomes: dict[str, float] = {}
        self.records: list[dict[str, float]] = []  # one row of outcomes per year
        # The outcomes computed each year: every one, or only these (what an experiment keeps).
        self.kept_outcomes: frozenset[str] | None = None
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
        build_organisations(self)
        self.deep_programmes = np.zeros((len(self.school_list), len(self.sectors)), dtype=bool)
        for mechanism in self.mechanisms.values():
            mechanism.setup()
        draw_priors(self)
        build_students(self)
        self.plan = self._plan()
        if self.spin_up_years:
            self._spin_up()
            self.bring_policy_into_force(scenario)

    def _spin_up(self) -> None:
        """Run the spin-up years under the baseline policy.

        The spin-up's outcomes are not computed (they are not reported, and no mechanism reads
        them: :func:`~iei_sim.outcomes.compute_outcomes` only reads the model); its ledger flows
        stay in the ledger under their model years, which :func:`iei_sim.run.collect_result`
        leaves out of ``ledger.csv``.
        """
        kept, self.kept_outcomes = self.kept_outcomes, frozenset()
        for _ in range(self.spin_up_years):
            self.step()
        self.kept_outcomes = kept
        self.records = []
        self.outcomes = {}

    def bring_policy_into_force(self, scenario: Scenario) -> None:
        """From now on run ``scenario`` (its policy; every other field as the spin-up's): the
        mechanisms re-read their levers."""
        self.config = scenario
        for mechanism in self.mechanisms.values():
            mechanism.read_policy()

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
        # Demand holds at its starting level through a spin-up and grows from policy_start on,
        # so the first reported year meets the demand it would meet without a spin-up.
        years_grown = max(0, self.steps - self.spin_up_years)
        self.demand_index = (1.0 + growth[self.firms.region]) ** years_grown
        self.partnerships_started_this_year = 0
        self.firms.search_costs[:] = 0.0
        self.schools.search_costs[:] = 0.0
        self.schools.proposals_made[:] = 0
        self.schools.proposals_refused[:] = 0

    def close_year(self) -> None:
        """Outcomes of the year computed and recorded; the ledger closes the year."""
        self.outcomes = compute_outcomes(self, self.kept_outcomes)
        self.records.append(self.outcomes)
        self.ledger.close_step(self.steps)

    def _schools_step(self) -> None:
        """Each school's own ``step``, in an order drawn afresh each year: keyed by school, so
        a school keeps its place relative to the others in every scenario run from one seed.
        Before it steps, each school is handed this year's draw for its seeking decision
        (``seek_luck``, from the keyed stream ``schools.seek``)."""
        year = self.steps
        order = self.streams(f"{SCHOOLS}.order").order(year, self.school_keys)
        luck = self.streams(f"{SCHOOLS}.seek").uniform(year, self.school_keys).tolist()
        for i in order.tolist():
            school = self.school_list[i]
            school.seek_luck = (year, luck[i])
            school.step()

    def _firms_step(self) -> None:
        """Every firm's :meth:`Firm.step`, decided for the whole population at once: whether to
        search depends only on the firm's own state and draw, so it is taken column-wise
        (:func:`iei_sim.agents.firm.seeking_of`); certification applications, which pay fees
        through the ledger, follow in the year's keyed order."""
        year = self.steps
        order = self.streams(f"{FIRMS}.order").order(year, self.firm_keys)
        luck = self.streams(f"{FIRMS}.seek").uniform(year, self.firm_keys)
        self.firms.seeking[:] = seeking_of(self, luck)
        consider = self.incentives.consider_certification
        for i in order.tolist():
            consider(self.firm_list[i])

    @property
    def reported_years(self) -> int:
        """Years run since the scenario's policy came into force (``policy_start``): the rows
        of the time series so far."""
        return self.steps - self.spin_up_years

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

    def firm(self, index: int) -> Firm:
        """Inspect one firm: the Mesa agent viewing row ``index`` of ``model.firms``."""
        return self.firm_list[index]

    def school(self, index: int) -> School:
        """Inspect one school: the Mesa agent viewing row ``index`` of ``model.schools``."""
        return self.school_list[index]

    def student(self, index: int) -> Student:
        """Inspect one student as a (read-only, unregistered) Mesa agent view."""
        return self.students.student(index)


# Spun-up models kept for reuse (build_model) as pickled snapshots, least recently used first,
# with the number of student records each holds; the bound on the records they may hold
# together (about 64 bytes each: 256 MB).
_SPUN_UP: OrderedDict[tuple[str, int], tuple[bytes, int]] = OrderedDict()
SPIN_UP_CACHE_RECORDS = 4_000_000


def spin_up_key(scenario: Scenario) -> str:
    """What a spin-up depends on: the scenario under the baseline policy, without the fields
    that never change a model year (name, description, horizon, default seed, summary)."""
    neutral = scenario.under_baseline_policy().model_copy(
        update={"name": "spin-up", "description": "", "steps": 1, "seed": 0, "summary_window": 1}
    )
    return scenario_hash(neutral)


def build_model(scenario: Scenario, seed: int | None = None) -> IEIModel:
    """``IEIModel(scenario, seed)``, with its spin-up computed once per (structure, seed) in this
    process and reused by every scenario that shares it (regimes, design points that differ
    only in policy): the spun-up model, or a copy of it, has its policy brought into force. The
    result is the same as building the model afresh; only the time differs.

    The spun-up model is kept as a pickle, not as a live object copied with ``copy.deepcopy``:
    unpickling is the same copy (both follow ``__reduce_ex__``) at about a fifth of the cost
    (9 against 43 ms on the small scenario, where a policy run takes about 90 ms)."""
    seed = scenario.seed if seed is None else seed
    if not scenario.spin_up_years:
        return IEIModel(scenario, seed)
    check_run_fits(scenario, f"scenario '{scenario.name}'")
    key = (spin_up_key(scenario), seed)
    entry = _SPUN_UP.pop(key, None)
    model = None
    if entry is None:  # the spun-up model itself runs this scenario; later ones get copies
        model = IEIModel(scenario.under_baseline_policy(), seed)
        entry = (pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL), model.students.n)
    _SPUN_UP[key] = entry
    while len(_SPUN_UP) > 1 and sum(n for _, n in _SPUN_UP.values()) > SPIN_UP_CACHE_RECORDS:
        _SPUN_UP.popitem(last=False)
    if model is None:
        model = pickle.loads(entry[0])
    model.bring_policy_into_force(scenario)
    return model
