"""Partnerships: what a school–firm partnership moves each year, and how trust and depth evolve.

Depth ladder (docs/ODD.md §7.2, ``vocabulary.Depth``; seeds 001 §3.3, 002 §3.2): 1 shallow
(visits, donations, talks), 2 medium (internships, joint courses), 3 deep (industry college,
co-taught courses).
A year that is good for both sides builds trust, a bad one erodes it; the rung is set by the
trust accumulated (one rung per ``deepen_threshold``), so bad years also move a partnership
down; trust below ``dissolve_below`` ends the partnership.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from iei_sim.agents.school import INTERN_QUALITY_PRIOR
from iei_sim.arrays import choice_chance
from iei_sim.mechanisms.base import Mechanism
from iei_sim.vocabulary import Depth, FirmSize, Orientation

if TYPE_CHECKING:
    from iei_sim.agents.firm import Firm
    from iei_sim.agents.school import School
    from iei_sim.model import IEIModel

ORIENTATION_RUNG = 2  # the rung firms have in mind when choosing a project's orientation
# One intern place offered this year: which partnership, school, programme (sector) and host firm.
INTERN_SLOT = np.dtype(
    [("partnership", np.int64), ("school", np.int64), ("sector", np.int64), ("firm", np.int64)]
)
ORIENTATIONS = tuple(Orientation)


class Partnerships(Mechanism):
    """The year of every active partnership: its flows (``step``), then its review
    (``close_year``): net benefits, trust, depth, contracts and endings.

    Draws about a partnership are keyed by its school and firm (and the year), so the same
    project meets the same luck in every scenario run from one seed. Switched off, partnerships
    that form move nothing and never change."""

    name = "partnerships"
    section = "partnerships, contracts"
    odd = "§7.2, §7.3"

    def step(self) -> None:
        operate(self.model)

    def close_year(self) -> None:
        review(self.model)


@dataclass(eq=False, slots=True)  # slots: cheaper to create and to read in the yearly loops
class Partnership:
    """One school–firm cooperation project and its running totals."""

    id: int
    school: School
    firm: Firm
    start_step: int
    orientation: str
    trust: float
    depth: int = 1
    peak_depth: int = 1
    end_step: int | None = None
    formalistic: bool = False  # run on paper only (see mechanisms.monitoring)
    formal: bool = False  # a formal long-term contract rather than an informal tie
    contract_end: int = 0  # last year of a formal contract's current term
    knowledge_this_year: float = 0.0
    exposed: bool = False  # found formalistic by an evaluation this year
    defected: bool = False  # one side walked out this year (see mechanisms.risk)
    firm_loss: float = 0.0
    rnd_output: float = 0.0  # this year's R&D value (what leakage puts at stake)
    school_loss: float = 0.0
    # This year's figures, reset by operate().
    firm_cost: float = 0.0
    firm_value: float = 0.0
    firm_outlook: float = 0.0
    school_value: float = 0.0
    interns_this_year: int = 0
    incentives_this_year: float = 0.0
    # Totals over the partnership's life.
    totals: dict[str, float] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.end_step is None

    def add_total(self, key: str, amount: float) -> None:
        self.totals[key] = self.totals.get(key, 0.0) + amount


def depth_for_trust(trust: float, threshold: float) -> int:
    """Rung of the ladder that accumulated trust supports: one rung per ``threshold`` of trust."""
    return int(min(3, max(1, 1 + trust // threshold)))


def firm_spending(model: IEIModel, depth: int) -> float:
    """Firm's yearly outlay on a partnership of this depth (money, equipment, mentors)."""
    p = model.config.partnerships
    d = depth - 1
    return p.firm_money[d] + p.firm_equipment[d] + p.mentor_hours[d] * p.mentor_hour_cost


def firm_cost(model: IEIModel, depth: int, firm: Firm | None = None) -> float:
    """Spending plus the firm's own coordination overhead.

    An SME using its association's pooled training base saves part of the overhead of
    hosting interns (medium and deep rungs).
    """
    return size_firm_cost(model, depth, sme=firm is not None and firm.size == FirmSize.SME)


def size_firm_cost(model: IEIModel, depth: int, sme: bool) -> float:
    """:func:`firm_cost` for any firm of the given size (the only trait it depends on)."""
    overhead = model.config.partnerships.firm_overhead[depth - 1]
    assoc = model.config.associations
    if sme and depth >= 2 and assoc.pooled_training_bases:
        overhead *= 1.0 - assoc.pooled_overhead_saving
    return firm_spending(model, depth) + overhead


def orientation_values(
    model: IEIModel, firm: Firm, depth: int, research_capacity: float = 1.0
) -> dict[str, float]:
    """Expected yearly value to ``firm`` of an R&D- vs an education-oriented project.

    R&D pays the same year, in proportion to the firm's technology level and the school's
    research capacity; education pays ``education_payoff_lag`` years later, with probability
    ``education_payoff_probability``, discounted at the firm's own rate (seed 000 §3.1).
    """
    return {
        Orientation.RND: rnd_value(model, firm, depth, research_capacity),
        Orientation.EDUCATION: education_value(model, firm, depth),
    }


def rnd_value(model: IEIModel, firm: Firm, depth: int, research_capacity: float = 1.0) -> float:
    """The R&D half of :func:`orientation_values`."""
    return model.config.firms.rnd_value[depth - 1] * firm.tech_level * research_capacity


def education_value(model: IEIModel, firm: Firm, depth: int) -> float:
    """The education half of :func:`orientation_values`."""
    f = model.config.firms
    talent_need = min(1.0, firm.hires_per_year / max(f.hires_per_year_large, 1e-9))
    discount = (1.0 + firm.discount_rate) ** -f.education_payoff_lag
    return (
        f.education_value[depth - 1]
        * f.education_payoff_probability
        * discount
        * (0.5 + talent_need)
    )


def expected_private_benefit(model: IEIModel, firm: Firm, depth: int = 1) -> float:
    """True expected private net benefit of one partnership-year at ``depth`` (no incentives),
    the technology the rung exposes included."""
    from iei_sim.mechanisms.knowledge import scenario_exposure_cost

    config = model.config
    p = config.partnerships
    values = orientation_values(model, firm, depth)
    interns = p.interns[depth - 1] * config.firms.intern_value * INTERN_QUALITY_PRIOR
    exposure = scenario_exposure_cost(config, firm.tech_level, depth)
    return max(values.values()) + interns - firm_cost(model, depth) - exposure


def intern_places(model: IEIModel, orientation: str, depth: int) -> int:
    """Intern places a project offers: education projects the full quota, R&D projects fewer."""
    p = model.config.partnerships
    share = 1.0 if orientation == Orientation.EDUCATION else p.rnd_intern_share
    return round(p.interns[depth - 1] * share)


def choose_orientation(model: IEIModel, firm: Firm, school: School) -> str:
    """Logit choice between R&D and education on the firm's expected net values
    (:func:`education_chance`)."""
    p_education = education_chance(model, firm, school)
    draw = model.streams("partnerships.orientation").one(model.steps, school.key, firm.key)
    return Orientation.EDUCATION if draw < p_education else Orientation.RND


def education_chance(model: IEIModel, firm: Firm, school: School) -> float:
    """Chance that a new project of ``firm`` with ``school`` is education-oriented.

    The firm weighs the two kinds of project as they would run at the medium rung, where they
    differ: value (R&D now, education later and uncertain), what the risk the firm itself would
    bear costs it as a sure amount (education hosts more interns; R&D risks leakage), and the
    evaluation bonus monitoring pays for genuine education projects.
    """
    rung = ORIENTATION_RUNG
    certainty_cost = model.risk.certainty_cost
    # orientation_values, then each value net of its risk cost (R&D first, whose net value is
    # what the education project's risk cost is then given: it only weighs on R&D).
    rnd = rnd_value(model, firm, rung, school.research_capacity)
    education = education_value(model, firm, rung)
    rnd -= certainty_cost(firm, Orientation.RND, intern_places(model, Orientation.RND, rung), rnd)
    education -= certainty_cost(
        firm, Orientation.EDUCATION, intern_places(model, Orientation.EDUCATION, rung), rnd
    )
    education += model.monitoring.expected_education_bonus(firm.region)
    learning = model.config.learning
    best_response = learning.choice == "best_response"
    return choice_chance(education - rnd, learning.temperature, best_response)


def operate(model: IEIModel) -> None:
    """Run every active partnership for one year: resource flows and intern places.

    Sets ``model.intern_slots`` (a structured array: partnership, school, sector, firm) and
    ``model.deep_programmes`` (school × sector mask of deep partnerships).
    """
    cfg = model.config
    p, f = cfg.partnerships, cfg.firms
    ledger = model.ledger
    market = ledger.outside["market"]
    year = model.steps
    schools, firms = pair_keys(model, model.active_partnerships)
    rnd_luck = model.streams("partnerships.rnd_output").normal(year, schools, firms).tolist()
    payoff_luck = model.streams("partnerships.education_payoff").uniform(year, schools, firms)
    payoff_luck = payoff_luck.tolist()
    rungs = _rung_constants(model)
    slots: list[tuple[int, int, int, int]] = []
    model.deep_programmes[:] = False
    flows = ledger.batch(
        ("money", "cooperation_funding"),
        ("equipment", "equipment_donation"),
        ("mentor_hours", "mentoring"),
        ("money", "firm_overhead"),
        ("rnd_output", "joint_rnd"),
    )
    funding, donations, mentoring, overheads, joint_rnd = flows.rows.values()
    coordination_due = [0.0] * len(model.school_list)
    coordinated: list[tuple[Partnership, _Rung]] = []
    formalistic_effort = p.formalistic_effort
    sector_index = model.sector_index
    firm_accounts, school_accounts = model.firms.account.tolist(), model.schools.account.tolist()
    with flows:
        for i, partnership in enumerate(model.active_partnerships):
            firm, school = partnership.firm, partnership.school
            firm_account, school_account = firm_accounts[firm.index], school_accounts[school.index]
            depth = partnership.depth
            rung = rungs[depth]
            effort = formalistic_effort if partnership.formalistic else 1.0
            overhead = rung.sme_overhead if firm.size == FirmSize.SME else rung.overhead
            partnership.firm_cost = effort * overhead[0]
            partnership.interns_this_year = 0
            partnership.rnd_output = 0.0
            partnership.incentives_this_year = 0.0
            money, equipment, mentor_hours = (
                effort * rung.money,
                effort * rung.equipment,
                effort * rung.mentor_hours,
            )
            funding.append((firm_account, school_account, money))
            donations.append((firm_account, school_account, equipment))
            mentoring.append((firm_account, school_account, mentor_hours))
            overheads.append((firm_account, market, effort * overhead[1]))
            totals = partnership.totals
            totals["firm_money"] = totals.get("firm_money", 0.0) + money
            totals["equipment"] = totals.get("equipment", 0.0) + equipment
            totals["mentor_hours"] = totals.get("mentor_hours", 0.0) + mentor_hours
            if partnership.formalistic:
                # On paper: a little money changes hands, nothing is produced, nobody is trained.
                partnership.firm_value = partnership.firm_outlook = 0.0
                partnership.school_value = effort * (rung.money + rung.equipment)
                continue
            if partnership.orientation == Orientation.RND:
                # Log-normal noise with mean 1: the expected output is the expected value.
                value = rnd_value(model, firm, depth, school.research_capacity)
                output = value * math.exp(-(0.3**2) / 2 + 0.3 * rnd_luck[i])
                joint_rnd.append((school_account, firm_account, output))
                partnership.firm_value = partnership.rnd_output = output
                partnership.firm_outlook = 0.0
                places = rung.rnd_interns
            else:
                # Education pays later and uncertainly: the firm judges the year on the discounted
                # expectation ("outlook"); the payoff itself arrives, or not, after the lag.
                value = education_value(model, firm, depth)
                partnership.firm_value = 0.0
                partnership.firm_outlook = value
                if payoff_luck[i] < f.education_payoff_probability:
                    due = model.steps + f.education_payoff_lag
                    payoff = value / (
                        f.education_payoff_probability
                        * (1.0 + firm.discount_rate) ** -f.education_payoff_lag
                    )
                    firm.pending_education_payoffs[due] = (
                        firm.pending_education_payoffs.get(due, 0.0) + payoff
                    )
                places = rung.education_interns
            partnership.school_value = rung.school_value
            coordination_due[school.index] += rung.coordination
            coordinated.append((partnership, rung))
            sector = sector_index[firm.sector]
            slots.extend([(partnership.id, school.index, sector, firm.index)] * places)
            if depth == 3:
                model.deep_programmes[school.index, sector] = True
    model.intern_slots = np.array(slots, dtype=INTERN_SLOT)
    pay_coordination(model, coordination_due, coordinated)


def pay_coordination(
    model: IEIModel, due: list[float], coordinated: list[tuple[Partnership, _Rung]]
) -> None:
    """Each school pays its partnerships' coordination staff from its money (this year's firm
    funding included). A school that cannot pay it all coordinates that share of its
    partnerships less: it neither pays nor gains that share of their cooperation value."""
    schools = [s for s, amount in zip(model.school_list, due, strict=True) if amount > 0]
    if not schools:
        return
    paid = [school.affordable(due[school.index]) for school in schools]
    model.ledger.transfer_many(
        model.schools.account[[school.index for school in schools]],
        model.ledger.outside["market"],
        "money",
        np.array(paid),
        "school_coordination",
    )
    shortfall = {
        school.index: 1.0 - amount / due[school.index]
        for school, amount in zip(schools, paid, strict=True)
        if amount < due[school.index]
    }
    for partnership, rung in coordinated:
        unpaid = shortfall.get(partnership.school.index)
        if unpaid:
            partnership.school_value -= unpaid * (rung.cooperation_value - rung.coordination)


@dataclass(frozen=True)
class _Rung:
    """What a partnership-year at one depth moves, before the formalistic effort factor."""

    money: float
    equipment: float
    mentor_hours: float
    overhead: tuple[float, float]  # (firm cost, firm overhead paid to the market)
    sme_overhead: tuple[float, float]  # the same for an SME (pooled training bases)
    school_value: float
    cooperation_value: float
    coordination: float
    education_interns: int
    rnd_interns: int


def _rung_constants(model: IEIModel) -> dict[int, _Rung]:
    """Per-depth amounts :func:`operate` needs, computed once a year instead of per project."""
    p, schools = model.config.partnerships, model.config.schools

    def overhead(depth: int, sme: bool) -> tuple[float, float]:
        cost = size_firm_cost(model, depth, sme)
        mentoring = p.mentor_hours[depth - 1] * p.mentor_hour_cost
        return cost, cost - firm_spending(model, depth) + mentoring

    rungs = {}
    for depth in map(int, Depth):
        d = depth - 1
        rungs[depth] = _Rung(
            money=p.firm_money[d],
            equipment=p.firm_equipment[d],
            mentor_hours=p.mentor_hours[d],
            overhead=overhead(depth, sme=False),
            sme_overhead=overhead(depth, sme=True),
            school_value=schools.cooperation_value[d]
            + p.firm_money[d]
            + p.firm_equipment[d]
            - schools.coordination_cost[d],
            cooperation_value=schools.cooperation_value[d],
            coordination=schools.coordination_cost[d],
            education_interns=intern_places(model, Orientation.EDUCATION, depth),
            rnd_interns=intern_places(model, Orientation.RND, depth),
        )
    return rungs


def review(model: IEIModel) -> None:
    """Close the year: each side's realised net benefit, then trust, depth and dissolution."""
    p = model.config.partnerships
    trust_gain, trust_loss, threshold = p.trust_gain, p.trust_loss, p.deepen_threshold
    by_net_benefit = p.deepening == "net_benefit"
    year = model.steps
    firms, schools = model.firms, model.schools
    # Each side's figures for the year, gathered as lists and added to partnership by
    # partnership in the same order as ever, then written back to the tables at once.
    firm_years = [len(firm.partnerships) for firm in model.firm_list]
    retention = firms.retention_savings.tolist()
    firm_net_benefit = [
        payoff + (saved - search)
        for payoff, saved, search in zip(
            [firm.pending_education_payoffs.pop(year, 0.0) for firm in model.firm_list],
            retention,
            firms.search_costs.tolist(),
            strict=True,
        )
    ]
    firm_incentives = [0.0] * len(firm_years)
    school_years = [len(school.partnerships) for school in model.school_list]
    school_net_benefit = [-cost for cost in schools.search_costs.tolist()]
    # Recruitment saved by retaining former interns is credited to the partnerships that hosted
    # them (in proportion to interns hosted so far), not spread over a firm's shallow ties.
    hosted = dict.fromkeys((i for i, saved in enumerate(retention) if saved), 0.0)
    for partnership in model.active_partnerships:
        if partnership.firm.index in hosted:
            hosted[partnership.firm.index] += partnership.totals.get("interns", 0.0)
    active = list(model.active_partnerships)
    school_keys, firm_keys = pair_keys(model, active)
    breakup = model.streams("partnerships.informal_breakup").uniform(year, school_keys, firm_keys)
    for partnership, breakup_luck in zip(active, breakup.tolist(), strict=True):
        f, s = partnership.firm.index, partnership.school.index
        saved = retention[f]
        if not saved:
            retention_share = 0.0
        elif hosted[f]:
            retention_share = saved * partnership.totals.get("interns", 0.0) / hosted[f]
        else:
            retention_share = saved / firm_years[f]
        firm_net = (
            partnership.firm_value
            + retention_share
            - partnership.firm_cost
            - partnership.firm_loss
            + partnership.incentives_this_year
        )
        partnership.school_value -= partnership.school_loss
        firm_net_benefit[f] += firm_net - retention_share
        firm_incentives[f] += partnership.incentives_this_year
        school_net_benefit[s] += partnership.school_value
        good_year = firm_net + partnership.firm_outlook > 0 and partnership.school_value > 0
        partnership.trust += trust_gain if good_year else -trust_loss
        if by_net_benefit:
            partnership.depth += rung_step(model, partnership)
        else:
            supported = depth_for_trust(partnership.trust, threshold)
            if supported < partnership.depth:
                partnership.depth = supported
            elif supported > partnership.depth and firm_prefers_deeper(model, partnership):
                partnership.depth += 1
        partnership.peak_depth = max(partnership.peak_depth, partnership.depth)
        if ends_this_year(model, partnership, breakup_luck):
            end_partnership(model, partnership)
    firms.partnership_years[:] = firm_years
    firms.incentives_received[:] = firm_incentives
    firms.realised_net_benefit[:] = firm_net_benefit
    firms.cumulative_net_benefit += firms.realised_net_benefit
    schools.partnership_years[:] = school_years
    schools.realised_net_benefit[:] = school_net_benefit
    update_depth_mix(model)


def update_depth_mix(model: IEIModel) -> None:
    """Share of each region's active partnerships on each rung (shallow only if there are none)."""
    counts = {region: dict.fromkeys(map(int, Depth), 0) for region in model.region_names}
    for partnership in model.active_partnerships:
        counts[partnership.firm.region][partnership.depth] += 1
    model.incentives.forget_expectations()
    for region, by_depth in counts.items():
        total = sum(by_depth.values())
        model.depth_mix[region] = (
            {d: n / total for d, n in by_depth.items()} if total else {1: 1.0, 2: 0.0, 3: 0.0}
        )


def pair_keys(model: IEIModel, partnerships: list[Partnership]) -> tuple[np.ndarray, np.ndarray]:
    """The school and firm keys of partnerships, as arrays for keyed draws about them."""
    schools = np.array([p.school.index for p in partnerships], dtype=np.int64)
    firms = np.array([p.firm.index for p in partnerships], dtype=np.int64)
    return model.schools.key[schools], model.firms.key[firms]


def ends_this_year(model: IEIModel, partnership: Partnership, breakup_luck: float) -> bool:
    """Defection ends any partnership; low trust ends an informal tie or an expiring contract.

    Cooperation rests on the people who hold it ("personal feelings", seed 001 §3.3): an
    informal tie ends when its holder moves on (``informal_breakup_rate`` a year;
    ``breakup_luck`` is this year's uniform draw for the partnership). A formal contract binds
    the organisations until its term ends, so it rides out bad years and a holder's leaving;
    at the end of a term nobody renews it if its holder left during the term (chance
    1 − (1 − rate)^term), it is renewed if trust is still at least what it started with, and
    otherwise it lapses into an informal tie. Without the holder check a contract's expected
    life was about a century and the status quo took 60–100 years to settle
    (docs/stationarity.md).
    """
    p, c = model.config.partnerships, model.config.contracts
    if partnership.defected:
        return True
    if partnership.formal:
        if model.steps < partnership.contract_end:
            return False
        if breakup_luck < 1.0 - (1.0 - c.informal_breakup_rate) ** c.term_years:
            return True
        if partnership.trust >= p.initial_trust:
            partnership.contract_end = model.steps + c.term_years
            return False
        partnership.formal = False
    if partnership.trust < p.dissolve_below:
        return True
    return breakup_luck < c.informal_breakup_rate


def firm_prefers_deeper(model: IEIModel, partnership: Partnership) -> bool:
    """Would the firm rather run this partnership one rung deeper? (it climbs only if so)"""
    depth = partnership.depth
    return rung_value(model, partnership, depth + 1) >= rung_value(model, partnership, depth)


def rung_step(model: IEIModel, partnership: Partnership) -> int:
    """``partnerships.deepening: net_benefit``: +1, −1 or 0, one rung toward the neighbouring
    rung the firm values more than the present one (deeper first), trust aside."""
    depth = partnership.depth
    here = rung_value(model, partnership, depth)
    if depth < 3 and rung_value(model, partnership, depth + 1) > here:
        return 1
    if depth > 1 and rung_value(model, partnership, depth - 1) > here:
        return -1
    return 0


def rung_value(model: IEIModel, partnership: Partnership, depth: int) -> float:
    """Firm's expected net value of a year of this partnership at ``depth``.

    What the project itself yields, the interns' work (as skilled as the school's interns have
    proved, :func:`iei_sim.mechanisms.students.record_internships`) and the recruitment it
    saves, minus the cost and the competitive advantage the rung exposes
    (:meth:`iei_sim.mechanisms.knowledge.Knowledge.exposure_cost`), plus the incentives the firm
    expects there, minus the certainty-equivalent cost of the risk the firm would keep (deeper
    rungs host more interns, so their risk weighs more on a risk-averse firm). This is where
    risk sharing, subsidies and results-linked funding act on the decision to deepen.
    """
    firm, school = partnership.firm, partnership.school
    f, lm = model.config.firms, model.config.labour_market
    orientation = partnership.orientation
    project_value = orientation_values(model, firm, depth, school.research_capacity)
    value = project_value[orientation]
    places = intern_places(model, orientation, depth)
    # The interns' work, as good as the interns this school has sent (its record, learned).
    value += places * f.intern_value * school.intern_quality
    value += min(places * lm.retention_probability, firm.hires_per_year) * f.recruitment_cost
    value -= firm_cost(model, depth, firm)
    value -= model.knowledge.exposure_cost(firm, depth)
    value += model.incentives.expected_at_depth(firm, depth)
    if orientation == Orientation.EDUCATION and depth >= 2:
        value += model.monitoring.expected_education_bonus(firm.region)
    risk = model.risk
    value -= risk.certainty_cost(firm, orientation, places, project_value[Orientation.RND])
    return value


def start_partnership(model: IEIModel, school: School, firm: Firm) -> Partnership:
    partnership = Partnership(
        id=len(model.partnerships),
        school=school,
        firm=firm,
        start_step=model.steps,
        orientation=choose_orientation(model, firm, school),
        trust=model.config.partnerships.initial_trust,
        formalistic=runs_on_paper(model, firm, school),
    )
    contracts = model.config.contracts
    support = model.config.policy_for(firm.region).formal_contract_support
    draw = model.streams("partnerships.contract").one(model.steps, school.key, firm.key)
    partnership.formal = draw < min(1.0, contracts.formal_share + support)
    partnership.contract_end = model.steps + contracts.term_years - 1
    model.partnerships.append(partnership)
    model.active_partnerships.append(partnership)
    model.partnerships_started_this_year += 1
    school.projects_total += 1
    school.partnerships.append(partnership)
    firm.partnerships.append(partnership)
    firm.partnerships_ever += 1
    return partnership


def firm_offer_value(model: IEIModel, firm: Firm, school: School) -> float:
    """Firm's expected net benefit of a shallow partnership with this particular school."""
    rnd_shallow = model.config.firms.rnd_value[0] * firm.tech_level
    return firm.expected_net_benefit + rnd_shallow * (school.research_capacity - 1.0)


def on_paper_gain(model: IEIModel, firm: Firm) -> float | None:
    """Firm's expected yearly gain of running a new project on paper (seeds 000 §3.3, 002 §2.1).

    It claims the incentives a shallow project's reported spending earns (no intern subsidy: no
    interns), keeps them unless an evaluation exposes it and they are clawed back, pays for
    going through the motions (``formalistic_effort`` of a shallow project's cost) and, where
    the deduction is for certified firms only, risks its certification (:meth:`Incentives.
    certification_value`). With nothing to claim there is nothing to gain: None.
    """
    claimed = model.incentives.expected_on_paper(firm)
    if claimed <= 0:
        return None
    monitoring = model.monitoring
    exposed = monitoring.exposure_chance(firm.region)
    spec = monitoring.spec[firm.region]
    kept = claimed * (1.0 - exposed) if spec.clawback else claimed
    motions = model.config.partnerships.formalistic_effort * firm_cost(model, 1, firm)
    decertified = model.incentives.certification_value(firm) if spec.revoke_certification else 0.0
    return kept - motions - exposed * decertified


def on_paper_probability(model: IEIModel, firm: Firm, school: School) -> float:
    """Chance that a firm runs its new project with ``school`` on paper: a logit choice.

    Formalistic cooperation, form over substance (seed 002 introduction and §2.1: a
    "surface-level project"; seed 004 §4.3: "symbolic engagement rather than sustainable
    operation"), pays where incentives reward reported spending and no one checks the results
    (seed 000 §3.3). The firm weighs :func:`on_paper_gain` against what it expects from running
    the project genuinely (:func:`firm_offer_value`, the value it accepted the partnership on);
    the chance is logistic in the gap over ``firms.on_paper_choice_scale``, the spread of the
    considerations the model does not see (a binary logit, as in discrete choice theory). So
    monitoring acts through detection: a higher ``intensity`` × ``accuracy`` lowers the gain
    kept. 0 for a firm once exposed (it does not try again), with nothing to claim, or when
    ``firms.considers_on_paper`` is false.
    """
    f = model.config.firms
    if firm.exposed or not f.considers_on_paper:
        return 0.0
    gain = on_paper_gain(model, firm)
    if gain is None:
        return 0.0
    gap = (gain - firm_offer_value(model, firm, school)) / f.on_paper_choice_scale
    return float(1.0 / (1.0 + np.exp(-gap)))


def runs_on_paper(model: IEIModel, firm: Firm, school: School) -> bool:
    """Whether the new partnership runs on paper: :func:`on_paper_probability` against a keyed
    draw (the same project meets the same luck in every scenario run from one seed).

    Decided once, when the project is set up: whether interns and mentors are assigned is how a
    project is set up, and the seeds describe formalistic projects as a kind of project, not a
    yearly lapse; a genuine partnership whose trust has built it up does not turn symbolic. The
    choice is made anew for every partnership a firm starts.
    """
    chance = on_paper_probability(model, firm, school)
    if chance <= 0.0:
        return False
    draw = model.streams("partnerships.on_paper").one(model.steps, school.key, firm.key)
    return draw < chance


def end_partnership(model: IEIModel, partnership: Partnership) -> None:
    partnership.end_step = model.steps
    model.active_partnerships.remove(partnership)
    partnership.school.partnerships.remove(partnership)
    partnership.firm.partnerships.remove(partnership)
