"""Risk events and risk-sharing rules (seam).

The scenario's ``policy.risk_sharing.rule`` chooses the component. ``none`` — the only rule so
far — means no risk events occur; the risk submodel (incidents, disruption, leakage,
obsolescence, defection, and loss splitting among firm, school, fund and insurer) plugs in here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from iei_sim.model import IEIModel
    from iei_sim.scenario.schema import RiskSharingSpec


class RiskRule(Protocol):
    def apply(self, model: IEIModel) -> None: ...


class NoRiskEvents:
    """Partnerships run without losses."""

    def apply(self, model: IEIModel) -> None:
        return None


def make_risk_rule(spec: RiskSharingSpec) -> RiskRule:
    return {"none": NoRiskEvents}[spec.rule]()
