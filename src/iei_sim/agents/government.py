"""Regional government: holds the region's discretionary budget; funding, certification and
payments are the mechanisms' (``mechanisms.governments``, ``mechanisms.incentives``)."""

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
