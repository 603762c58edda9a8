"""Outcomes (MODEL.md §4): each a named, documented function of the model, computed once a step.

``OUTCOMES`` maps an outcome's name to (description, how it enters the run summary). Summary
rules: ``mean`` = mean over the final ``summary_window`` years; ``total`` = sum over the run;
``final`` = value after the last year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from iei_sim.agents.firm import willingness_of
from iei_sim.arrays import gini, top_share

if TYPE_CHECKING:
    from iei_sim.model import IEIModel

OUTCOMES: dict[str, tuple[str, str]] = {
    "firm_participation_rate": ("share of firms in at least one active partnership", "mean"),
    "firm_willingness": ("mean firm willingness to seek a partner (0-1)", "mean"),
    "school_willingness": ("mean school willingness to seek a partner (0-1)", "mean"),
    "hot_cold_index": (
        "school willingness minus firm willingness ('hot schools, cold firms')",
        "mean",
    ),
    "school_offer_refusal_rate": ("share of schools' proposals that firms refused", "mean"),
    "partnerships_active": ("active school-firm partnerships", "mean"),
    "partnerships_new": ("partnerships formed this year (including any that ended in it)", "mean"),
    "shallow_partnership_share": ("share of active partnerships at the shallow rung", "mean"),
    "medium_partnership_share": ("share of active partnerships at the medium rung", "mean"),
    "deep_partnership_share": ("share of active partnerships at the deep rung", "mean"),
    "mean_partnership_depth": (
        "mean rung of active partnerships (1 shallow, 2 medium, 3 deep)",
        "mean",
    ),
    "mean_partnership_duration": ("mean age (years) of active partnerships", "mean"),
    "education_project_share": ("share of active projects that are education-oriented", "mean"),
    "project_gini": ("Gini across schools of the projects (partnerships) started so far", "final"),
    "project_top_decile_share": (
        "share of cumulative projects held by the top 10% of schools",
        "final",
    ),
    "student_coverage": ("share of graduates with an internship or a co-taught course", "mean"),
    "skills_mismatch": ("share of employed graduates working outside their sector", "mean"),
    "graduate_employment_rate": ("share of graduates employed after graduation", "mean"),
    "graduate_job_skill": (
        "mean job skill of graduates (0.4 theory + 0.6 practice, discounted for curriculum lag)",
        "mean",
    ),
    "mean_graduate_wage": ("mean first-year wage of employed graduates (10k CNY)", "mean"),
    "intern_retention_rate": (
        "share of graduates with an internship kept by their host firm",
        "mean",
    ),
    "lagging_region_outflow": (
        "net share of lagging-region graduates employed in another region",
        "mean",
    ),
    "firm_net_benefit": ("mean realised net benefit of participating firms (10k CNY/yr)", "mean"),
    "school_budget": ("mean school money balance (10k CNY)", "final"),
    "certified_firm_share": (
        "share of firms certified as integration-oriented enterprises",
        "final",
    ),
    "formalistic_project_share": ("share of active projects run on paper only", "mean"),
    "projects_evaluated": ("projects evaluated by monitoring this year", "mean"),
    "projects_exposed": ("formalistic projects exposed this year", "mean"),
    "risk_events": ("risk events (incidents, disruptions, leaks, defections) this year", "mean"),
    "risk_losses": ("money lost to risk events this year (10k CNY)", "mean"),
    "risk_fund_payouts": ("risk-compensation fund payouts this year (10k CNY)", "mean"),
    "knowledge_transfer": ("gap to the frontier closed per active partnership this year", "mean"),
    "meaningful_transfer_share": (
        "share of active partnerships transferring core technology",
        "mean",
    ),
    "curriculum_currency": ("mean curriculum level relative to the technology frontier", "mean"),
    "technology_shocks": ("sectors hit by a technology shock this year", "mean"),
    "dual_qualified_share": ("mean share of dual-qualified teachers", "final"),
    "formal_contract_share": ("share of active partnerships under a formal contract", "mean"),
    "graduate_mobility": (
        "graduates' later occupational mobility (theory share index, 0-1)",
        "mean",
    ),
    "graduate_level_share": ("share of graduates from graduate (master's) programmes", "mean"),
    "brokered_matches": ("partnerships brokered by industry associations this year", "mean"),
    "participation_leading": ("firm participation rate in leading regions", "mean"),
    "participation_lagging": ("firm participation rate in lagging regions", "mean"),
    "fiscal_cost": ("government spending on IEI policy, net of clawbacks (10k CNY)", "total"),
    "fiscal_cost_per_participating_firm": (
        "incentive spending per participating firm this year",
        "mean",
    ),
}

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


def compute_outcomes(model: IEIModel) -> dict[str, float]:
    firms, schools = model.firm_list, model.school_list
    active = model.active_partnerships
    depths = np.array([p.depth for p in active], dtype=int)
    participating = [f for f in firms if f.partnerships]
    school_w = float(np.mean([s.willingness for s in schools]))
    firm_w = float(np.mean(willingness_of(model, firms)))
    projects = np.array([s.projects_total for s in schools])
    labour = model.labour
    fiscal = (
        model.ledger.open_total(from_kind="government", resource="money", purposes=POLICY_PURPOSES)
        + model.ledger.open_total(from_kind="risk_fund", resource="money")
        - model.ledger.open_total(to_kind="government", resource="money", purposes=("clawback",))
    )
    made = sum(s.proposals_made for s in schools)
    out = {
        "firm_participation_rate": _share(len(participating), len(firms)),
        "firm_willingness": firm_w,
        "school_willingness": school_w,
        "hot_cold_index": school_w - firm_w,
        "school_offer_refusal_rate": _share(sum(s.proposals_refused for s in schools), made),
        "partnerships_active": float(len(active)),
        "partnerships_new": float(model.partnerships_started_this_year),
        "shallow_partnership_share": _share((depths == 1).sum(), len(depths)),
        "medium_partnership_share": _share((depths == 2).sum(), len(depths)),
        "deep_partnership_share": _share((depths == 3).sum(), len(depths)),
        "mean_partnership_depth": float(depths.mean()) if len(depths) else 1.0,
        "mean_partnership_duration": float(
            np.mean([model.steps - p.start_step + 1 for p in active])
        )
        if active
        else 0.0,
        "education_project_share": _share(
            sum(p.orientation == "education" for p in active), len(active)
        ),
        "project_gini": gini(projects),
        "project_top_decile_share": top_share(projects, 0.1),
        "student_coverage": _share(labour.covered, labour.graduates),
        "skills_mismatch": _share(labour.employed - labour.in_sector, labour.employed),
        "graduate_employment_rate": _share(labour.employed, labour.graduates),
        "graduate_job_skill": labour.mean_job_skill,
        "mean_graduate_wage": labour.mean_wage,
        "intern_retention_rate": _share(labour.retained, labour.interned),
        "lagging_region_outflow": _share(
            labour.lagging_outflow - labour.lagging_inflow, labour.lagging_graduates
        ),
        "firm_net_benefit": float(np.mean([f.realised_net_benefit for f in participating]))
        if participating
        else 0.0,
        "school_budget": float(np.mean(model.ledger.balances(model.school_accounts, "money"))),
        "certified_firm_share": _share(sum(f.certified for f in firms), len(firms)),
        "formalistic_project_share": _share(sum(p.formalistic for p in active), len(active)),
        "projects_evaluated": float(model.monitoring.year_evaluated),
        "projects_exposed": float(model.monitoring.year_exposed),
        "risk_events": float(model.risk.year_events),
        "risk_losses": model.risk.year_losses,
        "risk_fund_payouts": model.risk.year_compensation,
        "knowledge_transfer": _share(model.knowledge.year_transferred, len(active)),
        "meaningful_transfer_share": _share(model.knowledge.year_meaningful, len(active)),
        "curriculum_currency": _offered_currency(model),
        "technology_shocks": float(model.knowledge.year_shocks),
        "dual_qualified_share": float(np.mean([s.dual_qualified_share for s in schools])),
        "formal_contract_share": _share(sum(p.formal for p in active), len(active)),
        "graduate_mobility": labour.mean_mobility,
        "graduate_level_share": labour.graduate_level_share,
        "brokered_matches": float(sum(a.brokered for a in model.associations.values())),
        "participation_leading": _participation(model, lagging=False),
        "participation_lagging": _participation(model, lagging=True),
        "fiscal_cost": fiscal,
        "fiscal_cost_per_participating_firm": _share(fiscal, len(participating)),
    }
    return out


def _offered_currency(model: IEIModel) -> float:
    schools, sectors = model.offered_programmes
    return float(np.mean(model.knowledge.currency()[schools, sectors]))


def _participation(model: IEIModel, lagging: bool) -> float:
    firms = model.lagging_firms if lagging else model.leading_firms
    return _share(sum(1 for f in firms if f.partnerships), len(firms))


def summarise(timeseries, window: int) -> dict[str, float]:
    """Collapse a per-step outcome table into one value per outcome (see ``OUTCOMES``).

    ``mean``: mean of the final ``window`` years, ignoring years where the outcome is undefined
    (NaN; NaN if it is undefined in all of them); ``total``: sum over the run, ignoring NaN;
    ``final``: the value after the last year.
    """
    summary: dict[str, float] = {}
    values = timeseries[list(OUTCOMES)].to_numpy(dtype=np.float64).T
    for (name, (_, rule)), column in zip(OUTCOMES.items(), values, strict=True):
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
