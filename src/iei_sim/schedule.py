"""One simulated year, as a declared order of phases (docs/ODD.md §3 is generated from it).

Each phase names its owner — a mechanism (:mod:`iei_sim.mechanisms`), the schools or firms
stepping in random order (firms decide their search column-wise, then apply for certification
one by one), or the model's own bookkeeping — and the method it runs.
:meth:`iei_sim.model.IEIModel.step` runs the phases in this order and nothing else, so reading
this tuple is reading the model's year. ``tools/odd_schedule.py`` (``make docs``) writes ODD §3
from it, and ``tests/test_docs.py`` fails if ODD §3 says otherwise.
A mechanism switched off (``mechanisms.<name>: false``) skips its phases.
"""

from __future__ import annotations

from dataclasses import dataclass

MODEL, SCHOOLS, FIRMS = "model", "schools", "firms"  # owners that are not mechanisms


@dataclass(frozen=True)
class Phase:
    """One step of the year: ``owner.method()``, what it does, and where the ODD says more."""

    owner: str
    method: str
    what: str
    odd: str


SCHEDULE: tuple[Phase, ...] = (
    Phase(
        MODEL,
        "start_year",
        "demand index per firm D(t) = (1 + regional demand growth)^t; the year's search "
        "costs, proposal counters and count of new partnerships are reset",
        "§3",
    ),
    Phase("governments", "step", "budget appropriation and school funding", "§7.4"),
    Phase("incentives", "decide_certifications", "pending certification applications", "§7.4"),
    Phase(SCHOOLS, "step", "seek a partner or not; adjust programme intake", "§7.1, §7.9"),
    Phase(FIRMS, "step", "seek a partner or not; maybe apply for certification", "§7.1, §7.4"),
    Phase("market", "step", "search, screening, proposals, new partnerships", "§7.1"),
    Phase("associations", "broker", "brokered matches for partnerless member SMEs", "§7.9"),
    Phase(
        "partnerships",
        "step",
        "resource flows, R&D output, education payoffs booked, intern places offered",
        "§7.2, §7.3",
    ),
    Phase("knowledge", "step", "frontier, schools' own updating, transfer", "§7.7"),
    Phase("teachers", "step", "secondments, firm experts, dual-qualified share, floor", "§7.8"),
    Phase(
        "students",
        "step",
        "intake, learning, internships (partnerships credited), co-taught courses, graduation",
        "§7.10",
    ),
    Phase(
        "risk",
        "step",
        "fund appropriation, risk events, loss sharing, equipment wear, premiums",
        "§7.5",
    ),
    Phase(
        "labour_market", "step", "retention, migration, matching, cross-sector jobs, wages", "§7.11"
    ),
    Phase("incentives", "step", "tax deductions and subsidies paid", "§7.4"),
    Phase(
        "monitoring",
        "step",
        "evaluations, exposure, clawback, evaluation funding, education bonus",
        "§7.6",
    ),
    Phase(
        "partnerships",
        "close_year",
        "net benefits, trust, depth, contracts, dissolution, regional depth mix",
        "§7.2",
    ),
    Phase("monitoring", "close_year", "exposed projects end", "§7.6"),
    Phase("learning", "step", "reinforcement and imitation of beliefs", "§7.12"),
    Phase("reputation", "step", "reputation, mean reputation, capacities", "§7.13"),
    Phase(
        MODEL,
        "close_year",
        "outcomes computed and recorded; the ledger closes the year",
        "§7.14, §7.15",
    ),
)


def mechanism_names() -> list[str]:
    """Every mechanism the schedule runs, in order of first appearance."""
    owners = (p.owner for p in SCHEDULE if p.owner not in (MODEL, SCHOOLS, FIRMS))
    return list(dict.fromkeys(owners))
