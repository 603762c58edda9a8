"""The baseline cases, defined once for ``tests/test_baseline.py`` and ``make rebaseline``.

Each case is a scenario file, overrides and a seed; its committed file
``tests/baseline/<name>.json`` holds a header (the case definition, the resolved steps, the
iei-sim version and scenario hash it was computed with) and ``values``: every summary outcome
(``summary.<outcome>``) and a few ledger totals over the whole run (``ledger.by_resource.<r>``,
``ledger.by_purpose.<p>``: every purpose moves one resource, so each total has one unit, and
``ledger.money_flow.<from>-><to>``: who pays whom). The case definition and the numbers are
compared; the version and the scenario hash are there to read, not compared (a version bump or
a new parameter whose default changes nothing is no change of results).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iei_sim.run import RunResult
    from iei_sim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
BASELINE_DIR = Path(__file__).resolve().parent

# Every policy instrument on, on the small scenario's structure (the policy block of the
# packaged fingerprint scenario, iei_sim/data/fingerprint.yaml), so that a change to any
# instrument's mechanism shows in the baseline.
ALL_INSTRUMENTS: dict[str, Any] = {
    "policy.practical_share_floor": 0.3,
    "policy.formal_contract_support": 0.2,
    "policy.tax_deduction.enabled": True,
    "policy.tax_deduction.rate": 0.3,
    "policy.tax_deduction.certified_only": True,
    "policy.tax_deduction.certification_strictness": 0.2,
    "policy.tax_deduction.processing_probability": 0.7,
    "policy.subsidies.per_intern": 0.5,
    "policy.subsidies.per_deep_project": 1.0,
    "policy.subsidies.per_dual_teacher": 0.2,
    "policy.risk_sharing.rule": "shared",
    "policy.risk_sharing.firm_share": 0.4,
    "policy.risk_sharing.school_share": 0.2,
    "policy.risk_sharing.fund_share": 0.3,
    "policy.risk_sharing.insurance_share": 0.1,
    "policy.risk_sharing.fund_budget": 20.0,
    "policy.monitoring.intensity": 0.25,
    "policy.monitoring.accuracy": 0.8,
    "policy.monitoring.clawback": True,
    "policy.monitoring.revoke_certification": True,
    "policy.monitoring.evaluation_funding": 1.0,
    "policy.monitoring.education_bonus": 2.0,
    "policy.platform.enabled": True,
    "policy.platform.search_cost_reduction": 0.6,
    "policy.platform.extra_candidates": 5,
    "policy.platform.information_gain": 0.5,
    "policy.platform.cross_region_share": 0.2,
}

# Summary fields that say which run it was, not what came out (they are in the header).
RUN_FIELDS = frozenset({"scenario", "scenario_hash", "seed", "steps", "iei_sim_version"})

# Non-finite floats are written as these strings: strict JSON has no NaN or Infinity.
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


@dataclass(frozen=True)
class Case:
    """One baseline run: ``scenario`` (relative to the repository) with ``overrides``, ``seed``."""

    name: str
    scenario: str
    seed: int
    overrides: Mapping[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        """The committed baseline file."""
        return self.path_in(BASELINE_DIR)

    def path_in(self, folder: Path) -> Path:
        return folder / f"{self.name}.json"

    def load(self, extra_overrides: Mapping[str, Any] | None = None) -> Scenario:
        from iei_sim.scenario import load_scenario

        overrides = {**self.overrides, **(extra_overrides or {})}
        return load_scenario(ROOT / self.scenario, overrides=overrides)

    def definition(self, steps: int) -> dict[str, Any]:
        """The header's case definition (``steps``: as resolved from the file and overrides)."""
        return {
            "scenario": self.scenario,
            "overrides": dict(self.overrides),
            "seed": self.seed,
            "steps": steps,
        }


CASES: tuple[Case, ...] = (
    Case("small-seed0", "scenarios/small.yaml", seed=0),
    Case("small-seed1", "scenarios/small.yaml", seed=1),
    Case("small-all-instruments-seed0", "scenarios/small.yaml", seed=0, overrides=ALL_INSTRUMENTS),
    # The full-size baseline, 5 of its 20 years (a quarter of a second).
    Case("baseline-5-years-seed42", "scenarios/baseline.yaml", seed=42, overrides={"steps": 5}),
)


def case_named(name: str) -> Case:
    return next(case for case in CASES if case.name == name)


def values(result: RunResult) -> dict[str, float]:
    """The compared numbers of one run: summary outcomes and ledger totals, flat and keyed."""
    out: dict[str, float] = {
        f"summary.{key}": value for key, value in result.summary.items() if key not in RUN_FIELDS
    }
    ledger = result.ledger
    for resource, total in ledger.groupby("resource")["amount"].sum().items():
        out[f"ledger.by_resource.{resource}"] = float(total)
    for purpose, total in ledger.groupby("purpose")["amount"].sum().items():
        out[f"ledger.by_purpose.{purpose}"] = float(total)
    money = ledger[ledger["resource"] == "money"]
    for (source, target), total in money.groupby(["from_type", "to_type"])["amount"].sum().items():
        out[f"ledger.money_flow.{source}->{target}"] = float(total)
    return out


def compute(case: Case, extra_overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Run ``case`` and return its baseline record (header and values). ``extra_overrides``
    perturb the run without changing the header (for checking that a change is caught)."""
    from iei_sim import __version__
    from iei_sim.run import run_scenario
    from iei_sim.scenario import scenario_hash

    scenario = case.load(extra_overrides)
    result = run_scenario(scenario, seed=case.seed)
    return {
        "case": case.definition(scenario.steps),
        "iei_sim_version": __version__,
        "scenario_hash": scenario_hash(scenario),
        "values": values(result),
    }


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def dumps(record: Mapping[str, Any]) -> str:
    """The file's text: sorted keys, indent 2, floats as ``repr`` writes them (shortest string
    that reads back to the same float), NaN and infinities as strings."""
    return json.dumps(_encode(dict(record)), sort_keys=True, indent=2, allow_nan=False) + "\n"


def loads(text: str) -> dict[str, Any]:
    """Read a baseline file's text back (``"NaN"``, ``"Infinity"`` in values become floats)."""
    record = json.loads(text)
    record["values"] = {
        key: _NON_FINITE.get(value, value) if isinstance(value, str) else value
        for key, value in record.get("values", {}).items()
    }
    return record


def read(case: Case, folder: Path = BASELINE_DIR) -> dict[str, Any] | None:
    """The committed record of ``case``, or ``None`` if it has no file yet."""
    try:
        return loads(case.path_in(folder).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def compare(name: str, committed: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether ``new`` matches the committed record (the case definition and every value
    within the tolerance), and a readable report: what changed in the header, then the table
    of changed, missing and extra values."""
    from tests.baseline.diff import diff, format_diff

    lines = []
    same_case = committed.get("case") == new["case"]
    if not same_case:
        lines.append(
            f"{name}: the case definition changed:\n"
            f"  committed: {json.dumps(committed.get('case'), sort_keys=True)}\n"
            f"  now:       {json.dumps(new['case'], sort_keys=True)}"
        )
    for key, label in (("iei_sim_version", "iei-sim version"), ("scenario_hash", "scenario hash")):
        if committed.get(key) != new[key]:
            lines.append(f"{name}: {label} {committed.get(key)} → {new[key]} (not compared)")
    result = diff(committed.get("values", {}), new["values"])
    lines.append(format_diff(name, result))
    return same_case and not result, "\n".join(lines)
