"""Outcomes (docs/ODD.md §7.15): each a named, documented function of the model, computed once a
year, and the one registry of what every table, figure, sidecar and doc says about them.

``OUTCOMES`` maps an outcome's name to its :class:`Outcome` record: label, unit, display format,
how the run summary aggregates it, whether it is a headline, and from which year it can mean
anything after the model's start. Summary rules: ``mean`` = mean over the final
``summary_window`` years; ``total`` = sum over the run; ``final`` = value after the last year.
``docs/outcomes.md`` is generated from the registry (``make docs``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal

import numpy as np

from iei_sim.arrays import choice_chance, gini, top_share
from iei_sim.vocabulary import Orientation

if TYPE_CHECKING:
    import pandas as pd

    from iei_sim.model import IEIModel
    from iei_sim.scenario.schema import Scenario

SummaryRule = Literal["mean", "total", "final"]


@dataclass(frozen=True)
class Unit:
    """What an outcome's numbers are, and how to show one."""

    name: str  # as result tables hold the numbers (shares 0-1)
    format: str  # a str.format pattern for one value
    shown: str = ""  # the unit of the formatted value, when it differs from ``name``

    @property
    def shown_as(self) -> str:
        return self.shown or self.name


SHARE = Unit("share (0-1)", "{:.1%}", shown="%")
INDEX = Unit("index (0-1)", "{:.3f}")
DIFFERENCE = Unit("difference (-1 to 1)", "{:+.3f}")
RUNG = Unit("rung (1 shallow - 3 deep)", "{:.2f}")
YEARS = Unit("years", "{:.1f}")
COUNT = Unit("count", "{:,.1f}")
GAP = Unit("technology gap closed", "{:.4f}")
MONEY = Unit("10k CNY", "{:,.1f}")
MONEY_YEAR = Unit("10k CNY per year", "{:,.2f}")

# When an outcome starts to mean something: from the first year, or only once a cohort that
# could have met a partnership has graduated (the model starts with no partnerships, so
# coverage and retention are 0 by construction before then, not by any mechanism).
START = "start"
FIRST_PARTNERSHIP_COHORT = "first partnership cohort graduates"

# An outcome is noise-dominated when replicate noise is at least this share of a single run's
# variance across the policy levers and uncertainties of experiments/noise_screening.yaml
# (docs/noise-shares.csv, ``python -m tools.noise_shares``): a difference in it between two runs
# says more about their seeds than about their levers, so it is no target for sensitivity
# analysis or calibration without many replicates (science review §3).
NOISE_DOMINATED_SHARE = 0.5


@dataclass(frozen=True)
class Outcome:
    """One reported outcome (cf. EMA Workbench's ``ScalarOutcome``, Starsim's ``Result``)."""

    name: str
    label: str
    unit: Unit
    summary: SummaryRule
    description: str
    headline: bool = False
    meaningful_from: str = START
    noise_dominated: bool = False  # see NOISE_DOMINATED_SHARE

    def first_meaningful_year(self, scenario: Scenario) -> int:
        """The first reported year whose value can reflect the model's mechanisms (1 = from
        the start): for cohort outcomes, the year after the shortest programme's first cohort,
        which started with the model, graduates (a spin-up's years count towards it)."""
        if self.meaningful_from == START:
            return 1
        students = scenario.students
        shortest = min(
            students.duration_vocational,
            students.duration_undergraduate,
            students.duration_graduate,
        )
        return max(1, shortest + 1 - scenario.spin_up_years)

    def format(self, value: float) -> str:
        """The value as tables and figures show it (``nan`` as ``n/a``)."""
        return "n/a" if value != value else self.unit.format.format(value)


_RECORDS = (
    Outcome(
        "firm_participation_rate",
        "Firm participation rate",
        SHARE,
        "mean",
        "share of firms in at least one active partnership",
        headline=True,
    ),
    Outcome(
        "firm_willingness",
        "Firm willingness",
        INDEX,
        "mean",
        "mean firm willingness to seek a partner",
        headline=True,
    ),
    Outcome(
        "school_willingness",
        "School willingness",
        INDEX,
        "mean",
        "mean school willingness to seek a partner",
        headline=True,
    ),
    Outcome(
        "hot_cold_index",
        "Hot schools, cold firms",
        DIFFERENCE,
        "mean",
        "school willingness minus firm willingness ('hot schools, cold firms')",
    ),
    Outcome(
        "school_offer_refusal_rate",
        "Schools' proposals refused",
        SHARE,
        "mean",
        "share of schools' proposals that firms refused",
    ),
    Outcome(
        "partnerships_active",
        "Active partnerships",
        COUNT,
        "mean",
        "active school-firm partnerships",
        headline=True,
    ),
    Outcome(
        "partnerships_new",
        "New partnerships",
        COUNT,
        "mean",
        "partnerships formed this year (including any that ended in it)",
    ),
    Outcome(
        "shallow_partnership_share",
        "Shallow partnerships",
        SHARE,
        "mean",
        "share of active partnerships at the shallow rung",
    ),
    Outcome(
        "medium_partnership_share",
        "Medium partnerships",
        SHARE,
        "mean",
        "share of active partnerships at the medium rung",
    ),
    Outcome(
        "deep_partnership_share",
        "Deep partnerships",
        SHARE,
        "mean",
        "share of active partnerships at the deep rung",
        headline=True,
    ),
    Outcome(
        "mean_partnership_depth",
        "Mean partnership depth",
        RUNG,
        "mean",
        "mean rung of active partnerships (1 shallow, 2 medium, 3 deep)",
        headline=True,
    ),
    Outcome(
        "mean_partnership_duration",
        "Mean partnership age",
        YEARS,
        "mean",
        "mean age (years) of active partnerships",
    ),
    Outcome(
        "education_project_share",
        "Education-oriented projects",
        SHARE,
        "mean",
        "share of active projects that are education-oriented",
        headline=True,
    ),
    Outcome(
        "project_gini",
        "Concentration of projects (Gini)",
        INDEX,
        "final",
        "Gini across schools of the projects (partnerships) started so far",
        headline=True,
    ),
    Outcome(
        "project_top_decile_share",
        "Projects held by the top 10% of schools",
        SHARE,
        "final",
        "share of cumulative projects held by the top 10% of schools",
        noise_dominated=True,
    ),
    Outcome(
        "student_coverage",
        "Student coverage",
        SHARE,
        "mean",
        "share of graduates with an internship or a co-taught course",
        headline=True,
        meaningful_from=FIRST_PARTNERSHIP_COHORT,
    ),
    Outcome(
        "skills_mismatch",
        "Skills mismatch",
        SHARE,
        "mean",
        "share of employed graduates working outside their sector",
        noise_dominated=True,
    ),
    Outcome(
        "graduate_employment_rate",
        "Graduate employment rate",
        SHARE,
        "mean",
        "share of graduates employed after graduation",
        headline=True,
        noise_dominated=True,
    ),
    Outcome(
        "graduate_job_skill",
        "Graduates' job skill",
        INDEX,
        "mean",
        "mean job skill of graduates (0.4 theory + 0.6 practice, discounted for curriculum lag)",
    ),
    Outcome(
        "mean_graduate_wage",
        "Mean graduate wage",
        MONEY_YEAR,
        "mean",
        "mean first-year wage of employed graduates",
    ),
    Outcome(
        "intern_retention_rate",
        "Intern retention rate",
        SHARE,
        "mean",
        "share of graduates with an internship kept by their host firm",
        headline=True,
        meaningful_from=FIRST_PARTNERSHIP_COHORT,
        noise_dominated=True,
    ),
    Outcome(
        "lagging_region_outflow",
        "Lagging-region net outflow",
        SHARE,
        "mean",
        "net share of lagging-region graduates employed in another region",
        headline=True,
        noise_dominated=True,
    ),
    Outcome(
        "firm_net_benefit",
        "Participating firms' net benefit",
        MONEY_YEAR,
        "mean",
        "mean realised net benefit of participating firms",
    ),
    Outcome(
        "school_budget",
        "Mean school budget",
        MONEY,
        "final",
        "mean school money balance",
        noise_dominated=True,
    ),
    Outcome(
        "certified_firm_share",
        "Certified firms",
        SHARE,
        "final",
        "share of firms certified as integration-oriented enterprises",
    ),
    Outcome(
        "formalistic_project_share",
        "Formalistic projects",
        SHARE,
        "mean",
        "share of active projects run on paper only",
    ),
    Outcome(
        "projects_evaluated",
        "Projects evaluated",
        COUNT,
        "mean",
        "projects evaluated by monitoring this year",
    ),
    Outcome(
        "projects_exposed",
        "Formalistic projects exposed",
        COUNT,
        "mean",
        "formalistic projects exposed this year",
    ),
    Outcome(
        "risk_events",
        "Risk events",
        COUNT,
        "mean",
        "risk events (incidents, disruptions, leaks, defections) this year",
    ),
    Outcome(
        "risk_losses",
        "Losses to risk events",
        MONEY,
        "mean",
        "money lost to risk events this year",
    ),
    Outcome(
        "risk_fund_payouts",
        "Risk-fund payouts",
        MONEY,
        "mean",
        "risk-compensation fund payouts this year",
    ),
    Outcome(
        "knowledge_transfer",
        "Knowledge transfer per partnership",
        GAP,
        "mean",
        "gap to the frontier closed per active partnership this year",
    ),
    Outcome(
        "meaningful_transfer_share",
        "Core-technology transfer",
        SHARE,
        "mean",
        "share of active partnerships transferring core technology",
    ),
    Outcome(
        "curriculum_currency",
        "Curriculum currency",
        INDEX,
        "mean",
        "mean curriculum level relative to the technology frontier",
    ),
    Outcome(
        "technology_shocks",
        "Technology shocks",
        COUNT,
        "mean",
        "sectors hit by a technology shock this year",
        noise_dominated=True,
    ),
    Outcome(
        "dual_qualified_share",
        "Dual-qualified teachers",
        SHARE,
        "final",
        "mean share of dual-qualified teachers",
    ),
    Outcome(
        "formal_contract_share",
        "Formal contracts",
        SHARE,
        "mean",
        "share of active partnerships under a formal contract",
    ),
    Outcome(
        "graduate_mobility",
        "Graduates' occupational mobility",
        INDEX,
        "mean",
        "graduates' later occupational mobility (theory share index, 0-1)",
    ),
    Outcome(
        "graduate_level_share",
        "Graduate (master's) share",
        SHARE,
        "mean",
        "share of graduates from graduate (master's) programmes",
        noise_dominated=True,
    ),
    Outcome(
        "brokered_matches",
        "Brokered matches",
        COUNT,
        "mean",
        "partnerships brokered by industry associations this year",
        noise_dominated=True,
    ),
    Outcome(
        "participation_leading",
        "Participation, leading regions",
        SHARE,
        "mean",
        "firm participation rate in leading regions",
    ),
    Outcome(
        "participation_lagging",
        "Participation, lagging regions",
        SHARE,
        "mean",
        "firm participation rate in lagging regions",
    ),
    Outcome(
        "fiscal_cost",
        "Fiscal cost, whole run",
        MONEY,
        "total",
        "government spending on IEI policy, net of clawbacks",
        headline=True,
    ),
    Outcome(
        "fiscal_cost_per_participating_firm",
        "Incentive spending per participating firm",
        MONEY,
        "mean",
        "incentive spending per participating firm this year",
    ),
)
OUTCOMES: dict[str, Outcome] = {outcome.name: outcome for outcome in _RECORDS}
# The labels and units of a result table's outcomes, written beside it (never in its header).
OUTCOMES_SIDECAR = "outcomes.csv"
# The outcomes every display leads with (the run table, comparison figures, the dashboard).
HEADLINES: tuple[str, ...] = tuple(o.name for o in _RECORDS if o.headline)
# The cooperation outcomes: what every mechanism with role `cooperation` must move detectably
# in an ablation (`iei-sim ablate`, docs/validation.md).
COOPERATION: tuple[str, ...] = (
    "firm_participation_rate",
    "school_willingness",
    "mean_partnership_depth",
    "deep_partnership_share",
    "education_project_share",
    "student_coverage",
    "project_gini",
)


def outcome_table(names: Iterable[str] | None = None) -> pd.DataFrame:
    """The registry as a table (name, label, unit, summary, headline, meaningful_from,
    noise_dominated, description): the ``outcomes.csv`` written beside result tables."""
    import pandas as pd

    chosen = list(OUTCOMES) if names is None else [n for n in names if n in OUTCOMES]
    return pd.DataFrame(
        [
            {
                "name": o.name,
                "label": o.label,
                "unit": o.unit.name,
                "summary": o.summary,
                "headline": o.headline,
                "meaningful_from": o.meaningful_from,
                "noise_dominated": o.noise_dominated,
                "description": o.description,
            }
            for o in map(OUTCOMES.__getitem__, chosen)
        ]
    )


def label_of(name: str) -> str:
    """An outcome's label with its unit, for axes and table rows (the name if unknown)."""
    outcome = OUTCOMES.get(name)
    return f"{outcome.label} ({outcome.unit.name})" if outcome else name


POLICY_PURPOSES = (
    "tax_deduction",
    "intern_subsidy",
    "deep_project_subsidy",
    "dual_teacher_subsidy",
    "evaluation_funding",
    "education_bonus",
)


def _share(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else 0.0


def compute_outcomes(model: IEIModel, names: Collection[str] | None = None) -> dict[str, float]:
    """The year's outcomes, in registry order: every one, or only ``names`` (what an experiment
    keeps). Each is read from the model, never changing it, so a kept outcome has the same value
    whichever others are computed beside it; the parts several share are computed once, and
    only if one of them is asked for."""
    # Here, not at the top: the registry above is read by every command (`iei-sim --help`,
    # `validate`), and the agents import Mesa.
    from iei_sim.agents.firm import willingness_of

    firms = model.firm_list
    active = model.active_partnerships
    labour = model.labour
    n_active = len(active)

    @cache
    def participating() -> list:
        return [f for f in firms if f.partnerships]

    @cache
    def depths() -> np.ndarray:
        return np.array([p.depth for p in active], dtype=int)

    @cache
    def school_w() -> float:
        spec = model.config.learning
        best_response = spec.choice == "best_response"
        beliefs = model.schools.belief.tolist()
        return float(np.mean([choice_chance(b, spec.temperature, best_response) for b in beliefs]))

    @cache
    def firm_w() -> float:
        return float(np.mean(willingness_of(model, firms)))

    @cache
    def fiscal() -> float:
        ledger = model.ledger
        return (
            ledger.open_total(from_kind="government", resource="money", purposes=POLICY_PURPOSES)
            + ledger.open_total(from_kind="risk_fund", resource="money")
            - ledger.open_total(to_kind="government", resource="money", purposes=("clawback",))
        )

    def depth_share(depth: int) -> float:
        return _share((depths() == depth).sum(), len(depths()))

    rules: dict[str, Callable[[], float]] = {
        "firm_participation_rate": lambda: _share(len(participating()), len(firms)),
        "firm_willingness": firm_w,
        "school_willingness": school_w,
        "hot_cold_index": lambda: school_w() - firm_w(),
        "school_offer_refusal_rate": lambda: _share(
            int(model.schools.proposals_refused.sum()), int(model.schools.proposals_made.sum())
        ),
        "partnerships_active": lambda: float(n_active),
        "partnerships_new": lambda: float(model.partnerships_started_this_year),
        "shallow_partnership_share": lambda: depth_share(1),
        "medium_partnership_share": lambda: depth_share(2),
        "deep_partnership_share": lambda: depth_share(3),
        "mean_partnership_depth": lambda: float(depths().mean()) if n_active else 1.0,
        "mean_partnership_duration": lambda: (
            float(np.mean([model.steps - p.start_step + 1 for p in active])) if active else 0.0
        ),
        "education_project_share": lambda: _share(
            sum(p.orientation == Orientation.EDUCATION for p in active), n_active
        ),
        "project_gini": lambda: gini(model.schools.projects_total),
        "project_top_decile_share": lambda: top_share(model.schools.projects_total, 0.1),
        "student_coverage": lambda: _share(labour.covered, labour.graduates),
        "skills_mismatch": lambda: _share(labour.employed - labour.in_sector, labour.employed),
        "graduate_employment_rate": lambda: _share(labour.employed, labour.graduates),
        "graduate_job_skill": lambda: labour.mean_job_skill,
        "mean_graduate_wage": lambda: labour.mean_wage,
        "intern_retention_rate": lambda: _share(labour.retained, labour.interned),
        "lagging_region_outflow": lambda: _share(
            labour.lagging_outflow - labour.lagging_inflow, labour.lagging_graduates
        ),
        "firm_net_benefit": lambda: (
            float(np.mean(model.firms.realised_net_benefit[[f.index for f in participating()]]))
            if participating()
            else 0.0
        ),
        "school_budget": lambda: float(
            np.mean(model.ledger.balances(model.schools.account, "money"))
        ),
        "certified_firm_share": lambda: _share(int(model.firms.certified.sum()), len(firms)),
        "formalistic_project_share": lambda: _share(sum(p.formalistic for p in active), n_active),
        "projects_evaluated": lambda: float(model.monitoring.year_evaluated),
        "projects_exposed": lambda: float(model.monitoring.year_exposed),
        "risk_events": lambda: float(model.risk.year_events),
        "risk_losses": lambda: model.risk.year_losses,
        "risk_fund_payouts": lambda: model.risk.year_compensation,
        "knowledge_transfer": lambda: _share(model.knowledge.year_transferred, n_active),
        "meaningful_transfer_share": lambda: _share(model.knowledge.year_meaningful, n_active),
        "curriculum_currency": lambda: _offered_currency(model),
        "technology_shocks": lambda: float(model.knowledge.year_shocks),
        "dual_qualified_share": lambda: float(np.mean(model.schools.dual_qualified_share)),
        "formal_contract_share": lambda: _share(sum(p.formal for p in active), n_active),
        "graduate_mobility": lambda: labour.mean_mobility,
        "graduate_level_share": lambda: labour.graduate_level_share,
        "brokered_matches": lambda: float(sum(a.brokered for a in model.associations.values())),
        "participation_leading": lambda: _participation(model, lagging=False),
        "participation_lagging": lambda: _participation(model, lagging=True),
        "fiscal_cost": fiscal,
        "fiscal_cost_per_participating_firm": lambda: _share(fiscal(), len(participating())),
    }
    wanted = rules if names is None else [name for name in rules if name in names]
    return {name: rules[name]() for name in wanted}


def _offered_currency(model: IEIModel) -> float:
    schools, sectors = model.offered_programmes
    return float(np.mean(model.knowledge.currency()[schools, sectors]))


def _participation(model: IEIModel, lagging: bool) -> float:
    firms = model.lagging_firms if lagging else model.leading_firms
    return _share(sum(1 for f in firms if f.partnerships), len(firms))


def summarise(timeseries, window: int, names: Iterable[str] | None = None) -> dict[str, float]:
    """Collapse a per-step outcome table into one value per outcome (see ``OUTCOMES``): every
    one, or those in ``names`` (the table then needs only their columns).

    ``mean``: mean of the final ``window`` years, ignoring years where the outcome is undefined
    (NaN; NaN if it is undefined in all of them); ``total``: sum over the run, ignoring NaN;
    ``final``: the value after the last year.
    """
    summary: dict[str, float] = {}
    columns = list(OUTCOMES) if names is None else list(names)
    values = timeseries[columns].to_numpy(dtype=np.float64).T
    for name, column in zip(columns, values, strict=True):
        rule = OUTCOMES[name].summary
        defined = column[~np.isnan(column)]
        if rule == "total":
            value = defined.sum()
        elif rule == "final":
            value = column[-1]
        else:
            tail = column[-window:]
            tail = tail[~np.isnan(tail)]
            value = tail.sum() / tail.size if tail.size else np.nan
        summary[name] = round(float(value), 10)
    return summary
