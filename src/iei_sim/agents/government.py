"""Regional government: receives a yearly budget, certifies firms, pays incentives."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from iei_sim.model import IEIModel


class Government(mesa.Agent):
    """One per region. Its money comes from the treasury; what it pays out is the fiscal cost."""

    model: IEIModel

    def __init__(self, model: IEIModel, index: int, region: str, budget_per_year: float) -> None:
        super().__init__(model)
        self.index = index
        self.region = region
        self.budget_per_year = budget_per_year
        self.account = model.ledger.open_account("government", index)

    @property
    def budget(self) -> float:
        """Discretionary money left this year (unspent budget carries over)."""
        return self.model.ledger.balance(self.account, "money")

    def step(self) -> None:
        """Receive the yearly budget, fund schools, decide pending certification applications."""
        ledger = self.model.ledger
        treasury = ledger.outside["treasury"]
        ledger.transfer(
            treasury, self.account, "money", self.budget_per_year, "budget_appropriation"
        )
        per_student = self.model.config.schools.budget_per_student
        for school in self.model.schools_in_region[self.region]:
            funding = per_student * school.enrolment
            ledger.transfer(treasury, school.account, "money", funding, "school_funding")
            ledger.transfer(
                school.account, ledger.outside["market"], "money", funding, "school_operations"
            )
        self.model.incentives.process_certifications(self)
