"""What the model's money does not say: the caveats every table and figure of fiscal results
carries, written once here and shown wherever they matter.

A caveat is shown when a display shows one of its outcomes and, if it names a scenario
``switch`` (a dotted field), when at least one of the regimes shown sets that field (true or
non-zero): the platform's caveat only where a platform is in service.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from iei_sim.outcomes import MONEY, MONEY_YEAR, OUTCOMES

FISCAL_OUTCOMES = ("fiscal_cost", "fiscal_cost_per_participating_firm")
MONEY_OUTCOMES = tuple(o.name for o in OUTCOMES.values() if o.unit in (MONEY, MONEY_YEAR))


@dataclass(frozen=True)
class Caveat:
    """One limit of the model's numbers, and where it applies."""

    name: str
    text: str
    outcomes: tuple[str, ...]  # shown with any of these outcomes
    switch: str | None = None  # only if some regime sets this dotted scenario field


CAVEATS: tuple[Caveat, ...] = (
    Caveat(
        "stylised_money",
        "Money is stylised: amounts are in units of 10k CNY that keep the incentives in "
        "proportion to each other, not calibrated budgets.",
        MONEY_OUTCOMES,
    ),
    Caveat(
        "platform_not_costed",
        "The platform's own costs are not modelled: its fiscal cost is 0 by construction.",
        FISCAL_OUTCOMES,
        switch="policy.platform.enabled",
    ),
    Caveat(
        "risk_fund_payouts",
        "The risk fund's fiscal cost counts its payouts, not its yearly appropriation "
        "(policy.risk_sharing.fund_budget).",
        (*FISCAL_OUTCOMES, "risk_fund_payouts"),
        switch="policy.risk_sharing.fund_budget",
    ),
)


def field_value(scenario: Mapping[str, Any], dotted: str) -> Any:
    """The value of a dotted field in a scenario as a nested mapping (None if absent)."""
    node: Any = scenario
    for key in dotted.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def caveats_for(outcomes: Iterable[str], scenarios: Iterable[Mapping[str, Any]]) -> list[Caveat]:
    """The caveats of a display showing ``outcomes`` for these regimes (resolved scenarios as
    nested mappings, e.g. ``Scenario.model_dump()``), in registry order."""
    shown = set(outcomes)
    regimes = list(scenarios)
    return [
        caveat
        for caveat in CAVEATS
        if shown.intersection(caveat.outcomes)
        and (caveat.switch is None or any(field_value(s, caveat.switch) for s in regimes))
    ]
