"""Every mechanism can be switched off (``mechanisms.<name>: false``), and off removes it.

Each case runs the same small scenario twice from one seed, the mechanism on and off, and
checks a trace only that mechanism leaves: present when on (so the check can fail), absent when
off. The scenario switches on what a mechanism needs to act at all (the deduction for
incentives, brokered matches for associations, …).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from tests.helpers import tiny

from iei_sim.model import MECHANISMS, IEIModel

EVERYTHING_ON = {
    "policy.tax_deduction.enabled": True,
    "policy.tax_deduction.certified_only": False,
    "policy.subsidies.per_intern": 0.5,
    "policy.monitoring.intensity": 0.5,
    "associations.brokered_matches": 3.0,
}


def run(name: str, on: bool, steps: int = 6) -> IEIModel:
    scenario = tiny({**EVERYTHING_ON, f"mechanisms.{name}": on}, steps=steps)
    model = IEIModel(scenario, seed=3)
    model.initial = {  # what some checks compare the end of the run with
        "dual": [s.dual_qualified_share for s in model.school_list],
        "reputation": [s.reputation for s in model.school_list],
        "firm_beliefs": [f.belief for f in model.firm_list],
        "frontier": model.knowledge.frontier.copy(),
        "students": model.students.n,
    }
    for _ in range(steps):
        model.step()
    return model


def purposes(model: IEIModel) -> set[str]:
    return set(model.ledger.flows()["purpose"])


def outcome(model: IEIModel, name: str) -> float:
    return sum(record[name] for record in model.records)


TRACES: dict[str, Callable[[IEIModel], bool]] = {
    "governments": lambda m: "school_funding" in purposes(m),
    "incentives": lambda m: "tax_deduction" in purposes(m),
    "associations": lambda m: outcome(m, "brokered_matches") > 0,
    "market": lambda m: "partner_search" in purposes(m),
    "partnerships": lambda m: "cooperation_funding" in purposes(m),
    "knowledge": lambda m: not np.array_equal(m.knowledge.frontier, m.initial["frontier"]),
    "teachers": lambda m: [s.dual_qualified_share for s in m.school_list] != m.initial["dual"],
    "students": lambda m: m.students.n > m.initial["students"],
    "risk": lambda m: outcome(m, "risk_events") > 0,
    "labour_market": lambda m: "graduate_hire" in purposes(m),
    "monitoring": lambda m: outcome(m, "projects_evaluated") > 0,
    "learning": lambda m: [f.belief for f in m.firm_list] != m.initial["firm_beliefs"],
    "reputation": lambda m: [s.reputation for s in m.school_list] != m.initial["reputation"],
}


def test_every_mechanism_has_a_trace_here():
    assert set(TRACES) == set(MECHANISMS)


@pytest.mark.parametrize("name", list(TRACES))
def test_switching_a_mechanism_off_removes_it(name: str):
    trace = TRACES[name]
    assert trace(run(name, on=True)), f"{name} leaves no trace even when on"
    off = run(name, on=False)
    assert not trace(off), f"{name} still acts when switched off"
    assert all(phase.owner != name for phase, _ in off.plan)


def test_the_legacy_switches_are_the_same_switch():
    """``risk.enabled`` and ``knowledge.enabled`` (kept for existing scenario files) turn
    off the same mechanisms as ``mechanisms.risk`` and ``mechanisms.knowledge``."""
    for field, name in (("risk.enabled", "risk"), ("knowledge.enabled", "knowledge")):
        model = IEIModel(tiny({field: False}, steps=2), seed=1)
        assert not model.mechanisms[name].enabled
