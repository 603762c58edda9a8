"""Public funding (ODD §7.4): each regional government's yearly budget and the schools' funding.

The government's discretionary budget (``regions.<r>.government_budget``) arrives from the
treasury every year and carries over when unspent; it pays the subsidies and results-linked
funding. Schools receive public funding per student (``schools.budget_per_student``). Each
school brings its own money to ``schools.cooperation_reserve_share`` of that funding, to pay
for cooperation (search, coordination, curriculum adaptation, its part of losses), and spends
the rest, and any money above that reserve, on its operations the same year. Schools spend no more than they have (see
:meth:`iei_sim.agents.school.School.affordable`), so their money never goes below zero.
"""

from __future__ import annotations

from iei_sim.mechanisms.base import Mechanism


class PublicFunding(Mechanism):
    """Budgets to governments and funding to schools, once a year."""

    name = "governments"
    section = "regions.<region>.government_budget, schools.budget_per_student"
    odd = "§7.4"

    def step(self) -> None:
        model = self.model
        ledger = model.ledger
        treasury, market = ledger.outside["treasury"], ledger.outside["market"]
        per_student = model.config.schools.budget_per_student
        reserve_share = model.config.schools.cooperation_reserve_share
        for region, government in model.government_of.items():
            ledger.transfer(
                treasury,
                government.account,
                "money",
                government.budget_per_year,
                "budget_appropriation",
            )
            for school in model.schools_in_region[region]:
                funding = per_student * school.enrolment
                # Up to the reserve from this year's funding; money above it pays for operations.
                kept = min(funding, reserve_share * funding - school.budget)
                ledger.transfer(treasury, school.account, "money", funding, "school_funding")
                ledger.transfer(
                    school.account, market, "money", funding - kept, "school_operations"
                )
