"""Typed scenario schema: every field a researcher can set, with its default, bounds and meaning.

A scenario is data, not code. Each field carries its bounds (checked on load) and a description
(rendered into ``docs/scenario-reference.md`` by ``tools/scenario_reference.py``), so documentation and validation cannot drift.
Money is in units of 10,000 CNY per year; one step is one academic/fiscal year.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from iei_sim.validation import MAX_SEED, MAX_STEPS, MAX_TEXT_LENGTH, check_name
from iei_sim.vocabulary import DEPTH_LABELS

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]


def _list_as_tuple(value: Any) -> Any:
    """YAML and JSON give lists; a triple is stored as a tuple (strict mode takes no lists)."""
    return tuple(value) if isinstance(value, list) else value


DepthTriple = Annotated[
    tuple[NonNegative, NonNegative, NonNegative],
    BeforeValidator(_list_as_tuple),
    Field(description=f"values for ({', '.join(DEPTH_LABELS)}) partnerships"),
]
Name = Annotated[str, AfterValidator(check_name)]
Text = Annotated[str, Field(max_length=MAX_TEXT_LENGTH)]

SHARE_TOLERANCE = 1e-6
# Upper bounds of the counts: national scale fits (China has about 11,000 vocational colleges
# and universities, and millions of firms); what a machine cannot hold is refused by the memory
# estimate before a run allocates (iei_sim.resources).
MAX_SCHOOLS = 100_000
MAX_FIRMS = 10_000_000
MAX_STUDENTS_PER_SCHOOL = 100_000
MAX_KEYS = 100  # regions, sectors


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors, values are immutable, numbers
    are numbers (strict: ``true`` or ``"3"`` is not a count; an integer is a fine float) and
    finite (NaN and ±infinity are refused everywhere)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, strict=True, allow_inf_nan=False
    )
    # Fields a section once had, with why they were removed: a file that still sets one is told
    # so (``iei_sim.validation``) instead of getting "unknown field".
    removed_fields: ClassVar[dict[str, str]] = {}


class RegionSpec(Section):
    """One region: its organisations, industrial structure and labour market."""

    kind: Literal["leading", "lagging"] = Field(
        "leading", description="leading (eastern cluster) or lagging (central/western) region"
    )
    schools: int = Field(
        50, ge=1, le=MAX_SCHOOLS, description="number of schools (colleges and universities)"
    )
    firms: int = Field(500, ge=1, le=MAX_FIRMS, description="number of firms")
    students_per_school: int = Field(
        500,
        ge=1,
        le=MAX_STUDENTS_PER_SCHOOL,
        description="mean enrolment per school (school sizes are heavy-tailed)",
    )
    vocational_share: Probability = Field(
        0.6,
        description="share of schools that are vocational colleges (rest: applied universities)",
    )
    sector_shares: dict[str, Probability] = Field(
        default_factory=lambda: {"manufacturing": 0.4, "digital": 0.3, "services": 0.3},
        max_length=MAX_KEYS,
        description="share of firms (and of school programmes) in each sector; must sum to 1",
    )
    large_firm_share: Probability = Field(
        0.15, description="share of firms that are large (rest: SMEs)"
    )
    wage_level: Positive = Field(1.0, description="regional wage index (leading region about 1.0)")
    tech_level: Probability = Field(0.6, description="mean technology level of the region's firms")
    labour_demand_growth: float = Field(
        0.02, ge=-0.5, le=0.5, description="yearly growth of graduate demand"
    )
    government_budget: NonNegative = Field(
        2000.0, description="yearly discretionary budget for subsidies (10k CNY)"
    )
    policy: PolicySpec | None = Field(
        None,
        description="region-tuned policy: fields given here override the national `policy` "
        "for this region (absent: the national policy applies)",
    )

    @field_validator("sector_shares")
    @classmethod
    def _shares_sum_to_one(cls, shares: dict[str, float]) -> dict[str, float]:
        if not shares:
            raise ValueError("name at least one sector")
        total = sum(shares.values())
        if abs(total - 1.0) > SHARE_TOLERANCE:
            raise ValueError(f"shares must sum to 1 (they sum to {total:g})")
        return shares


class FirmSpec(Section):
    """Economics and behaviour of firms."""

    removed_fields: ClassVar[dict[str, str]] = {
        "formalistic_below": "a threshold on the firm's belief below which a new project ran on "
        "paper was replaced by a logit choice on the expected gain of running it on paper "
        "(firms.on_paper_choice_scale; firms.considers_on_paper: false for no projects on paper)"
    }

    hires_per_year_sme: NonNegative = Field(6.0, description="graduates an SME hires per year")
    hires_per_year_large: NonNegative = Field(
        50.0, description="graduates a large firm hires per year"
    )
    recruitment_cost: NonNegative = Field(
        1.5, description="cost of recruiting one graduate on the open market (10k CNY)"
    )
    intern_value: NonNegative = Field(
        0.6, description="value of one intern-year of work at full practical skill (10k CNY)"
    )
    rnd_value: DepthTriple = Field(
        (1.0, 3.0, 10.0), description="yearly R&D value to a technology-leading firm, by depth"
    )
    education_value: DepthTriple = Field(
        (2.5, 6.0, 16.0), description="later value of better-trained graduates, by depth"
    )
    education_payoff_lag: int = Field(
        3, ge=0, le=10, description="years before education-oriented work pays the firm back"
    )
    education_payoff_probability: Probability = Field(
        0.70, description="chance that education-oriented work pays back at all"
    )
    discount_rate_mean: Probability = Field(0.15, description="mean yearly discount rate of firms")
    discount_rate_sd: NonNegative = Field(0.08, description="spread of firms' discount rates")
    planning_horizon: int = Field(
        3, ge=1, le=20, description="years over which a firm spreads the one-off search cost"
    )
    considers_on_paper: bool = Field(
        True,
        description="firms consider running a new project on paper when incentives pay for it "
        "(false: every project is genuine)",
    )
    on_paper_choice_scale: Positive = Field(
        1.0,
        description="spread (10k CNY) of the considerations the model does not see in a firm's "
        "logit choice to run a new project on paper rather than genuinely: the smaller, the "
        "more sharply the choice follows the expected gain (1.0, as learning.temperature)",
    )
    risk_aversion_sme: NonNegative = Field(
        0.15,
        description="an SME's absolute risk aversion: the certainty-equivalent cost of a risky "
        "project-year is its expected borne loss plus this half-times the loss variance",
    )
    risk_aversion_large: NonNegative = Field(
        0.03, description="a large firm's absolute risk aversion (deeper pockets than an SME)"
    )
    max_partnerships_sme: int = Field(
        1, ge=0, le=1000, description="partnerships an SME can run at once"
    )
    max_partnerships_large: int = Field(
        4, ge=0, le=1000, description="partnerships a large firm can run at once"
    )


class SchoolSpec(Section):
    """Resources and behaviour of schools."""

    programmes_per_school: int = Field(
        2, ge=1, le=MAX_KEYS, description="programmes per school, each tied to one sector"
    )
    reputation_sigma: NonNegative = Field(
        1.0, description="log-normal spread of initial reputation (heavy tail ⇒ concentration)"
    )
    size_sigma: NonNegative = Field(0.5, description="log-normal spread of school sizes")
    dual_qualified_share_mean: Probability = Field(
        0.35, description="mean share of dual-qualified (双师型) teachers"
    )
    practical_share_mean: Probability = Field(0.4, description="mean share of practical courses")
    budget_per_student: NonNegative = Field(
        1.2, description="yearly public funding per student (10k CNY)"
    )
    cooperation_reserve_share: Probability = Field(
        0.02,
        description="share of a year's public funding a school holds at the start of each year "
        "for cooperation (partner search, coordination, curriculum adaptation, its part of "
        "losses); the rest, and money above it, pays for operations. It spends no more than it "
        "has",
    )
    max_partnerships_per_programme: int = Field(
        6,
        ge=0,
        le=1000,
        description="partnerships a programme of average standing can manage at once "
        "(scaled by the school's reputation relative to the average)",
    )
    max_research_capacity: Positive = Field(
        3.0, description="cap on a school's research capacity relative to the average school"
    )
    cooperation_value: DepthTriple = Field(
        (2.0, 4.0, 8.0), description="yearly value to the school of a partnership, by depth"
    )
    coordination_cost: DepthTriple = Field(
        (0.5, 1.0, 2.0), description="yearly staff cost to the school of a partnership, by depth"
    )
    reputation_gain: NonNegative = Field(
        0.05,
        description="reputation added per active partnership per year (initial mean ≈ e^(σ²/2))",
    )
    reputation_decay: Probability = Field(0.05, description="yearly decay of reputation toward 1")
    programme_adjustment: Probability = Field(
        0.2, description="yearly pull of programme intake toward regional labour demand (0 = fixed)"
    )


class AssociationSpec(Section):
    """Industry associations, one per region and sector (seed 002 §1.2.1, §3.4)."""

    removed_fields: ClassVar[dict[str, str]] = {
        "information_quality": "associations' demand forecasts moved no cooperation outcome in "
        "the ablation, even exact forecasts with schools following them fully "
        "(docs/validation.md §4.3): the programme mix they steer reaches no firm's or school's "
        "decision to cooperate, so they were removed; schools plan intake on the region's "
        "labour demand itself (schools.programme_adjustment, an output-only submodel)"
    }

    brokered_matches: NonNegative = Field(
        1.0, description="matches an association brokers per year between member SMEs and schools"
    )
    pooled_training_bases: bool = Field(
        False, description="SMEs share the association's training bases for hosting interns"
    )
    pooled_overhead_saving: Probability = Field(
        0.5, description="share of an SME's overhead at medium/deep rungs a pooled base saves"
    )


class KnowledgeSpec(Section):
    """Technology frontier, curriculum currency and knowledge transfer (004 §4.1, 003 §2.2)."""

    removed_fields: ClassVar[dict[str, str]] = {
        "rnd_feedback_probability": "R&D projects' results fed back into teaching moved no "
        "cooperation outcome in the ablation (docs/validation.md §4), and seed 000 §3.1 says "
        "such projects 'have not timely fed back scientific research to talent cultivation', "
        "so it was removed: R&D projects transfer knowledge like any other, by rung and openness"
    }

    enabled: bool = Field(True, description="switch technology change and knowledge transfer off")
    tech_change_rate: NonNegative = Field(
        0.05, description="yearly growth of each sector's technology frontier"
    )
    shock_rate: Probability = Field(
        0.05, description="yearly chance of a technology shock in a sector"
    )
    shock_size: NonNegative = Field(0.3, description="frontier jump of a shock (relative)")
    initial_currency: Probability = Field(
        0.7, description="mean initial curriculum level relative to the frontier"
    )
    self_update_rate: Probability = Field(
        0.05,
        description="share of the gap a school closes alone per year, at full dual-qualified staff",
    )
    transfer_rate: DepthTriple = Field(
        (0.02, 0.1, 0.25), description="share of the gap a fully open partner closes, by depth"
    )
    openness_mean: Probability = Field(0.5, description="mean openness of firms' core technology")
    secrecy: Probability = Field(
        0.6,
        description="how much a high-tech firm guards its core technology (0 none … 1 full): it "
        "lowers the firm's openness and makes deeper rungs, which expose more of it, cost the "
        "firm (seed 004 §4.1)",
    )
    technology_value: NonNegative = Field(
        10.0,
        description="what a technology-leading firm's core technology earns it in a year (10k "
        "CNY; firms.rnd_value of a deep project): a rung exposes transfer_rate of it, and a "
        "firm's yearly cost of that exposure is secrecy × tech level × transfer_rate × this",
    )
    adaptation_cost: NonNegative = Field(
        5.0, description="school's cost of adapting one unit of gap closed into teaching"
    )
    currency_weight: Probability = Field(
        0.5, description="weight of curriculum currency in what students' skills are worth to firms"
    )


class TeacherSpec(Section):
    """Dual-qualified teachers, secondments and firm experts (001 §3.5, 002 §2.3)."""

    students_per_teacher: Positive = Field(18.0, description="students per teacher")
    secondments: DepthTriple = Field(
        (0.0, 1.0, 3.0), description="teacher-years seconded to the partner firm per year, by depth"
    )
    secondment_conversion: Probability = Field(
        0.5, description="chance a seconded teacher-year makes a teacher dual-qualified"
    )
    expert_teachers: DepthTriple = Field(
        (0.0, 0.0, 2.0), description="firm experts teaching at the school per year, by depth"
    )
    attrition: Probability = Field(
        0.05, description="yearly share of dual-qualified teachers lost (retire, leave, lapse)"
    )
    training_rate: Probability = Field(
        0.01, description="yearly share of teachers the school trains to dual-qualified on its own"
    )
    subsidy_response: NonNegative = Field(
        0.02, description="extra training rate per unit of the per-dual-teacher subsidy"
    )


class ContractSpec(Section):
    """Long-term contracts vs informal ties (001 §3.3, 002 §3.2)."""

    formal_share: Probability = Field(
        0.3, description="chance a new partnership is a formal long-term contract"
    )
    term_years: int = Field(3, ge=1, le=20, description="term of a formal contract")
    informal_breakup_rate: Probability = Field(
        0.1,
        description="yearly chance the person who holds a tie moves on: an informal tie ends; "
        "a formal contract is not renewed at the end of a term in which its holder left",
    )
    formal_defection_factor: Probability = Field(
        0.3, description="defection rate of a formal contract relative to an informal tie"
    )


class PartnershipSpec(Section):
    """What one school–firm partnership costs, moves and how it evolves."""

    firm_money: DepthTriple = Field(
        (0.2, 1.5, 4.0), description="firm money to the school per year"
    )
    firm_equipment: DepthTriple = Field(
        (0.5, 1.0, 3.0), description="equipment value donated per year"
    )
    mentor_hours: DepthTriple = Field(
        (20.0, 200.0, 600.0), description="firm mentor hours per year"
    )
    mentor_hour_cost: NonNegative = Field(0.01, description="cost of one mentor hour (10k CNY)")
    firm_overhead: DepthTriple = Field(
        (0.8, 1.5, 3.0), description="firm's coordination cost per year"
    )
    interns: DepthTriple = Field((0.0, 4.0, 10.0), description="intern places per year")
    rnd_intern_share: Probability = Field(
        0.5, description="share of the rung's intern places an R&D-oriented project offers"
    )
    formalistic_effort: Probability = Field(
        0.2,
        description="share of nominal spending a formalistic (on-paper) project really delivers",
    )
    search_cost: NonNegative = Field(0.3, description="cost of screening one candidate partner")
    candidates_per_search: int = Field(
        5, ge=1, le=10_000, description="candidates screened per search"
    )
    deepening: Literal["trust_ladder", "net_benefit"] = Field(
        "trust_ladder",
        description="how a partnership changes rung: up the trust ladder (one rung per "
        "deepen_threshold of trust, if the firm prefers the deeper rung), or one rung a year "
        "toward whichever neighbouring rung the firm values more, trust aside (the structural "
        "alternative of docs/validation.md)",
    )
    trust_gain: NonNegative = Field(
        0.25, description="trust gained after a year good for both sides"
    )
    trust_loss: NonNegative = Field(0.35, description="trust lost after a year bad for either side")
    deepen_threshold: Positive = Field(
        1.5, description="trust that supports each rung above shallow"
    )
    initial_trust: float = Field(0.6, ge=-1.0, le=5.0, description="trust of a new partnership")
    dissolve_below: float = Field(
        0.0, ge=-5.0, le=5.0, description="a partnership whose trust falls below this ends"
    )


class StudentSpec(Section):
    """Student learning, internships and graduation."""

    graduate_share: Probability = Field(
        0.1, description="share of an applied university's intake in graduate (master's) programmes"
    )
    duration_graduate: int = Field(3, ge=1, le=8, description="years of a graduate programme")
    graduate_theory_factor: Positive = Field(
        1.5, description="theory gain of graduate students relative to the programme's"
    )
    duration_vocational: int = Field(3, ge=1, le=8, description="years of a vocational programme")
    duration_undergraduate: int = Field(
        4, ge=1, le=8, description="years of an undergraduate programme"
    )
    theory_gain: NonNegative = Field(
        0.25, description="theory skill gained per year at full quality"
    )
    practical_gain: NonNegative = Field(
        0.2, description="practical skill gained per year at full quality"
    )
    internship_gain: NonNegative = Field(0.25, description="practical skill gained per internship")
    co_teaching_gain: NonNegative = Field(
        0.1, description="practical skill gained per year in a co-taught (deep partnership) course"
    )
    skill_noise: NonNegative = Field(0.05, description="spread of yearly skill gains")
    alienation: bool = Field(
        True,
        description="training that is nearly all practice lowers graduates' occupational "
        "mobility (seed 004 §4.1); false: every graduate is fully mobile (an ablation)",
    )
    advancement_weight: Probability = Field(
        0.5,
        description="share of what a retained graduate saves the firm that rests on their "
        "advancing beyond operational roles; a graduate lacking mobility brings only the rest "
        "(seed 004 §4.1: 'locking them into operational roles rather than enabling advancement')",
    )


class LabourMarketSpec(Section):
    """Graduate job matching and migration."""

    base_wage: Positive = Field(6.0, description="starting wage of a matched graduate (10k CNY/yr)")
    mismatch_wage_penalty: Probability = Field(
        0.2, description="wage cut for a job outside the graduate's sector"
    )
    retention_probability: Probability = Field(
        0.6, description="chance an intern is kept when the host firm has a vacancy"
    )
    migration_base: Probability = Field(
        0.05, description="chance a graduate looks for work in the best-paid other region"
    )
    migration_wage_elasticity: NonNegative = Field(
        0.5, description="extra migration chance per unit of relative wage gap"
    )
    unmatched_cross_sector: Probability = Field(
        0.5, description="chance an unmatched graduate takes a job outside their sector"
    )


class TaxDeductionSpec(Section):
    """Tax deduction on cooperation spending (2023 plan: 30% education-surcharge deduction)."""

    enabled: bool = Field(False, description="whether the deduction is in force")
    rate: Probability = Field(0.3, description="share of eligible cooperation spending deducted")
    certified_only: bool = Field(
        True, description="only certified integration-oriented enterprises may deduct"
    )
    certification_strictness: Probability = Field(
        0.5, description="quality bar for certification (0 lax … 1 strict)"
    )
    certification_cost: NonNegative = Field(1.0, description="firm's cost of one application")
    processing_probability: Probability = Field(
        0.5, description="chance an application is decided within the year (friction)"
    )


class SubsidySpec(Section):
    """Direct subsidies paid from the regional government's budget."""

    per_intern: NonNegative = Field(0.0, description="paid to the host firm per intern-year")
    per_deep_project: NonNegative = Field(
        0.0, description="paid to the firm per deep partnership-year"
    )
    per_dual_teacher: NonNegative = Field(
        0.0,
        description="paid to the school per teacher newly dual-qualified that year "
        "(by its own training or a secondment); not paid on teachers already qualified",
    )


class RiskEventsSpec(Section):
    """Risk events of cooperation (seeds 000 §5.1, 004 §4.2): how often they strike, what they cost."""

    removed_fields: ClassVar[dict[str, str]] = {
        "equipment_wear": "wear on the schools' donated equipment fed back into nothing (the "
        "stock is not used by any decision), so it was removed; the wear seed 002 §2.2 names is "
        "a cost to firms, and it is in the equipment part of the firm's outlay "
        "(partnerships.firm_equipment)"
    }

    enabled: bool = Field(True, description="switch every risk event off to isolate its effect")
    intern_incident_rate: Probability = Field(
        0.01, description="chance per intern-year of a safety incident"
    )
    intern_incident_loss: NonNegative = Field(
        30.0, description="loss of one intern safety incident"
    )
    disruption_rate: Probability = Field(
        0.08, description="chance per partnership-year with interns of a production disruption"
    )
    disruption_loss_per_intern: NonNegative = Field(
        0.4, description="disruption loss per intern hosted that year"
    )
    leakage_rate: Probability = Field(
        0.05, description="chance per R&D partnership-year that core knowledge leaks"
    )
    leakage_loss_share: NonNegative = Field(
        1.0,
        description="leak loss as a multiple of the year's R&D value, times the firm's tech level",
    )
    defection_rate: Probability = Field(
        0.03, description="chance per partnership-year that one side walks out"
    )
    defection_loss: NonNegative = Field(2.0, description="loss to the side that is left")


class RiskSharingSpec(Section):
    """Who bears a loss: the party it strikes, or a split among firm, school, fund and insurer."""

    rule: Literal["bearer_pays", "shared"] = Field(
        "bearer_pays",
        description="bearer_pays: loss stays where it strikes; shared: split by shares",
    )
    firm_share: Probability = Field(0.4, description="share of a shared loss the firm keeps")
    school_share: Probability = Field(0.2, description="share of a shared loss the school pays")
    fund_share: Probability = Field(
        0.3, description="share paid by the government risk-compensation fund (while it has money)"
    )
    insurance_share: Probability = Field(0.1, description="share paid by insurers")
    fund_budget: NonNegative = Field(
        0.0, description="yearly appropriation to each region's risk-compensation fund (10k CNY)"
    )
    insurance_loading: NonNegative = Field(
        0.2, description="insurers' markup on the expected insured loss, charged as a premium"
    )

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> RiskSharingSpec:
        total = self.firm_share + self.school_share + self.fund_share + self.insurance_share
        if abs(total - 1.0) > SHARE_TOLERANCE:
            raise PydanticCustomError(
                "shares_sum",
                "firm_share + school_share + fund_share + insurance_share must sum to 1 (they sum to {total})",
                {"total": f"{total:g}"},
            )
        return self


class MonitoringSpec(Section):
    """Monitoring and third-party evaluation of cooperation projects (seeds 000 §3.3, 002 §3.1)."""

    removed_fields: ClassVar[dict[str, str]] = {
        "verified_trust_gain": "the trust a project gained per passed evaluation was a direct "
        "subsidy of trust with no grounding in the seeds; monitoring now acts through detecting "
        "projects on paper (clawback, lost certification, results-linked funding)"
    }

    intensity: Probability = Field(
        0.05, description="share of active partnerships evaluated each year"
    )
    accuracy: Probability = Field(
        0.7, description="chance an evaluation exposes a formalistic (on-paper) project"
    )
    clawback: bool = Field(True, description="reclaim the year's incentives from exposed projects")
    revoke_certification: bool = Field(True, description="exposed firms lose their certification")
    evaluation_funding: NonNegative = Field(
        0.0, description="paid to the school per genuine medium/deep project found in evaluation"
    )
    education_bonus: NonNegative = Field(
        0.0,
        description="paid to the firm per genuine medium/deep education-oriented project found "
        "in evaluation (funding linked to results)",
    )


class PlatformSpec(Section):
    """Digital service platform for matching schools and firms (seeds 000 §5.3, 003 §3)."""

    enabled: bool = Field(False, description="whether the platform is in service")
    search_cost_reduction: Probability = Field(
        0.6, description="share of the search cost per candidate the platform saves"
    )
    extra_candidates: int = Field(
        5, ge=0, le=10_000, description="extra candidates a search reaches"
    )
    information_gain: Probability = Field(
        0.5, description="share of prior-belief noise the platform removes"
    )
    cross_region_share: Probability = Field(
        0.2, description="share of a search's candidates drawn from other regions"
    )
    lists_open_places: bool = Field(
        True,
        description="the platform lists which partners still have room, so a search skips "
        "schools that are full and firms at their limit",
    )


class PolicySpec(Section):
    """Policy levers."""

    practical_share_floor: Probability = Field(
        0.0, description="minimum share of practical courses schools must teach (002 §3.3: 0.5)"
    )
    formal_contract_support: Probability = Field(
        0.0,
        description="extra chance (added to contracts.formal_share) that a partnership is formalised",
    )
    tax_deduction: TaxDeductionSpec = TaxDeductionSpec()
    subsidies: SubsidySpec = SubsidySpec()
    risk_sharing: RiskSharingSpec = RiskSharingSpec()
    monitoring: MonitoringSpec = MonitoringSpec()
    platform: PlatformSpec = PlatformSpec()


class LearningSpec(Section):
    """How firms and schools update their willingness from experience."""

    rule: Literal["reinforcement_imitation", "reinforcement", "imitation", "none"] = Field(
        "reinforcement_imitation",
        description="belief learning (reinforcement on own net benefit), strategy imitation of "
        "better-off peers, or both",
    )
    rate: Probability = Field(0.3, description="weight of the latest realised net benefit")
    imitation_probability: Probability = Field(
        0.1, description="yearly chance of comparing with a random peer"
    )
    imitation_sensitivity: Positive = Field(
        1.0, description="Fermi-rule sensitivity to the payoff gap when imitating"
    )
    temperature: Positive = Field(
        1.0, description="how sharply willingness responds to expected net benefit (10k CNY)"
    )
    choice: Literal["logit", "best_response"] = Field(
        "logit",
        description="how firms and schools choose to seek a partner and firms a project's "
        "orientation: logit on the expected gain (at learning.temperature), or its "
        "zero-temperature limit, the best response (the structural alternative of "
        "docs/validation.md)",
    )
    prior_noise: NonNegative = Field(
        2.0, description="noise in each agent's initial view of cooperation's benefit (10k CNY)"
    )


class MechanismsSpec(Section):
    """Switches for the model's mechanisms (ODD §7): each one can be turned off to isolate it
    (an ablation). Off means the mechanism's yearly phases do not run and what it offers the
    others is neutral (no expected incentive, no expected risk loss, …); see docs/ODD.md."""

    governments: bool = Field(True, description="yearly budgets and school funding (§7.4)")
    associations: bool = Field(True, description="industry associations: brokerage (§7.9)")
    market: bool = Field(True, description="the partnership market: search and proposals (§7.1)")
    partnerships: bool = Field(
        True, description="partnership years: flows, trust, depth, contracts, endings (§7.2)"
    )
    knowledge: bool = Field(
        True,
        description="technology frontier and curriculum currency (§7.7; also knowledge.enabled)",
    )
    teachers: bool = Field(
        True, description="dual-qualified teachers, secondments, firm experts (§7.8)"
    )
    students: bool = Field(
        True, description="students: intake, learning, internships, graduation (§7.10)"
    )
    risk: bool = Field(True, description="risk events and loss sharing (§7.5; also risk.enabled)")
    labour_market: bool = Field(
        True, description="graduates' retention, migration and jobs (§7.11)"
    )
    incentives: bool = Field(True, description="tax deduction, certification and subsidies (§7.4)")
    monitoring: bool = Field(True, description="evaluation of projects and its consequences (§7.6)")
    learning: bool = Field(
        True, description="belief revision by reinforcement and imitation (§7.12)"
    )
    reputation: bool = Field(True, description="school reputation and capacity (§7.13)")


class Scenario(Section):
    """A complete, validated scenario."""

    name: Name = Field(
        "scenario",
        min_length=1,
        description="short name, used for output folders (printable, no / \\ or '..')",
    )
    description: Text = Field("", description="what this scenario stands for")
    steps: int = Field(20, ge=1, le=MAX_STEPS, description="years to simulate")
    seed: int = Field(
        0, ge=0, le=MAX_SEED, description="default random seed (the CLI's --seed overrides it)"
    )
    summary_window: int = Field(
        5, ge=1, le=MAX_STEPS, description="final years averaged into summary rates"
    )
    spin_up_years: int = Field(
        0,
        ge=0,
        le=MAX_STEPS,
        description="years run under the baseline policy before the reported years, so that "
        "policies act on a settled status quo (docs/stationarity.md); not reported",
    )
    regions: dict[str, RegionSpec] = Field(
        max_length=MAX_KEYS,
        default_factory=lambda: {
            "east": RegionSpec(kind="leading"),
            "west": RegionSpec(kind="lagging", wage_level=0.7, tech_level=0.4),
        },
        description="regions by name",
    )
    firms: FirmSpec = FirmSpec()
    schools: SchoolSpec = SchoolSpec()
    associations: AssociationSpec = AssociationSpec()
    partnerships: PartnershipSpec = PartnershipSpec()
    risk: RiskEventsSpec = RiskEventsSpec()
    knowledge: KnowledgeSpec = KnowledgeSpec()
    teachers: TeacherSpec = TeacherSpec()
    contracts: ContractSpec = ContractSpec()
    students: StudentSpec = StudentSpec()
    labour_market: LabourMarketSpec = LabourMarketSpec()
    policy: PolicySpec = PolicySpec()
    learning: LearningSpec = LearningSpec()
    mechanisms: MechanismsSpec = MechanismsSpec()

    @model_validator(mode="before")
    @classmethod
    def _regional_policy_overrides_national(cls, data: Any) -> Any:
        """A region's ``policy`` overrides the national one field by field."""
        if not isinstance(data, dict) or not isinstance(data.get("regions"), dict):
            return data
        national = data.get("policy")
        national = national.model_dump() if isinstance(national, BaseModel) else national
        if not isinstance(national, dict):
            national = {}
        regions = {}
        for name, region in data["regions"].items():
            if isinstance(region, dict) and isinstance(region.get("policy"), dict):
                region = {**region, "policy": deep_merge(national, region["policy"])}
            regions[name] = region
        return {**data, "regions": regions}

    @model_validator(mode="after")
    def _regions_consistent(self) -> Scenario:
        if not self.regions:
            raise ValueError("at least one region is required")
        sectors = {s for r in self.regions.values() for s in r.sector_shares}
        if not sectors:
            raise ValueError("regions name no sectors")
        return self

    @model_validator(mode="after")
    def _platform_is_national(self) -> Scenario:
        for name, region in self.regions.items():
            if region.policy is not None and region.policy.platform != self.policy.platform:
                raise PydanticCustomError(
                    "national_platform",
                    "regions.{region}.policy.platform: the digital platform is a national "
                    "service; set it under policy.platform",
                    {"region": name},
                )
        return self

    @property
    def policy_start(self) -> int:
        """The model year in which the scenario's policy comes into force: the first reported
        year, after ``spin_up_years`` years under the baseline policy."""
        return self.spin_up_years + 1

    @property
    def simulated_years(self) -> int:
        """Years the model runs: the spin-up and the reported ``steps``."""
        return self.spin_up_years + self.steps

    def under_baseline_policy(self) -> Scenario:
        """This scenario with the baseline policy (the schema's defaults, as
        ``scenarios/baseline.yaml`` runs: no instrument in force) everywhere: what its spin-up
        runs, so that every regime on one structure and seed shares its spin-up exactly."""
        regions = {
            name: region.model_copy(update={"policy": None})
            for name, region in self.regions.items()
        }
        return self.model_copy(update={"policy": PolicySpec(), "regions": regions})

    def policy_for(self, region: str) -> PolicySpec:
        """The policy in force in ``region``: its tuned policy if it has one, else the national."""
        return self.regions[region].policy or self.policy

    @property
    def sectors(self) -> list[str]:
        """All sectors named by any region, in first-seen order."""
        seen: dict[str, None] = {}
        for region in self.regions.values():
            for sector in region.sector_shares:
                seen.setdefault(sector, None)
        return list(seen)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` merged into ``base``: nested mappings merge, anything else replaces (so does
    a mapping marked as complete, ``!replace`` in a file: it has ``replaces_base``)."""
    merged = dict(base)
    for key, value in override.items():
        if (
            isinstance(value, dict)
            and isinstance(merged.get(key), dict)
            and not getattr(value, "replaces_base", False)
        ):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


RegionSpec.model_rebuild()
Scenario.model_rebuild()
