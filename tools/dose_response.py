"""Dose-response of the mechanisms the ablation does not detect: ``python -m tools.dose_response``

A knock-out that moves no cooperation outcome detectably can mean a mechanism that does nothing
or one that is too weak, or slack, at its shipped setting. This separates the two: each entry of
:data:`DOSES` runs the baseline (at the ablation's size, ``tests.sizes.SMALL_20_YEARS``) with the
mechanism off and at rising settings (the shipped or seed-given one first), with common random
numbers and the ablation's replicates (``tools.ablation_tables.REPLICATES``, whose detectable
differences docs/validation.md states), and writes ``docs/dose-response.csv``: per mechanism,
setting and cooperation outcome the paired difference from "off" with its 95% CI, as
``comparison.csv`` computes it. ``tools.validation_report`` reads it (docs/validation.md §4).
With 2 workers it takes about a minute.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from iei_sim.experiments.analysis import comparison_table
from iei_sim.experiments.design import RunTask
from iei_sim.outcomes import COOPERATION
from iei_sim.scenario import load_scenario, scenario_hash

ROOT = Path(__file__).resolve().parents[1]  # the source checkout
sys.path.insert(0, str(ROOT))
from tests.sizes import SMALL_20_YEARS  # noqa: E402

from tools.ablation_tables import REPLICATES  # noqa: E402
from tools.structural_alternatives import run_tasks  # noqa: E402

OUT = ROOT / "docs" / "dose-response.csv"


@dataclass(frozen=True)
class Dose:
    """A mechanism, its setting when off, and the settings to try (the shipped one first)."""

    mechanism: str
    off: dict[str, Any]
    settings: tuple[tuple[str, dict[str, Any]], ...]


def _evaluated(funding: float) -> dict[str, Any]:
    """Evaluation funding at monitoring.yaml's evaluation intensity: in every arm of its dose
    only the funding changes."""
    return {"policy.monitoring.intensity": 0.25, "policy.monitoring.evaluation_funding": funding}


DOSES: tuple[Dose, ...] = (
    Dose(
        "policy.practical_share_floor",
        {"policy.practical_share_floor": 0.0},
        (
            ("0.5 (seed 002 §3.3)", {"policy.practical_share_floor": 0.5}),
            ("0.65", {"policy.practical_share_floor": 0.65}),
            ("0.8", {"policy.practical_share_floor": 0.8}),
        ),
    ),
    Dose(
        "incentives.dual_teacher_subsidy",
        {"policy.subsidies.per_dual_teacher": 0.0},
        (
            ("0.5 (all_policies)", {"policy.subsidies.per_dual_teacher": 0.5}),
            ("2.0", {"policy.subsidies.per_dual_teacher": 2.0}),
            ("5.0", {"policy.subsidies.per_dual_teacher": 5.0}),
        ),
    ),
    Dose(
        "associations.pooled_training_bases",
        {"associations.pooled_training_bases": False},
        (
            ("saving 0.5 (default)", {"associations.pooled_training_bases": True}),
            (
                "saving 1.0",
                {
                    "associations.pooled_training_bases": True,
                    "associations.pooled_overhead_saving": 1.0,
                },
            ),
        ),
    ),
    Dose(
        "schools.budget_limit",
        {"schools.cooperation_reserve_share": 1.0},
        (
            ("reserve 0.02 (default)", {"schools.cooperation_reserve_share": 0.02}),
            ("reserve 0.002", {"schools.cooperation_reserve_share": 0.002}),
            ("reserve 0.0002", {"schools.cooperation_reserve_share": 0.0002}),
        ),
    ),
    Dose(
        "monitoring.evaluation_funding",
        _evaluated(0.0),
        (
            ("1.0 (monitoring.yaml)", _evaluated(1.0)),
            ("5.0", _evaluated(5.0)),
            ("20.0", _evaluated(20.0)),
        ),
    ),
)


def tasks_for(dose: Dose, point0: int, replicates: int) -> list[RunTask]:
    """The off arm and each setting, replicate ``i`` on seed ``i`` in every arm."""
    tasks = []
    arms = (("off", dose.off), *dose.settings)
    for offset, (label, fields) in enumerate(arms):
        scenario = load_scenario(
            ROOT / "scenarios" / "baseline.yaml", overrides={**SMALL_20_YEARS, **fields}
        )
        data, digest = scenario.model_dump(mode="json"), scenario_hash(scenario)
        name = f"{dose.mechanism}={label}"
        for seed in range(replicates):
            tasks.append(
                RunTask(
                    f"{name}-{seed}",
                    point0 + offset,
                    name,
                    {},
                    seed,
                    seed,
                    data,
                    digest,
                    tuple(COOPERATION),
                )
            )
    return tasks


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=REPLICATES)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    tables = []
    for dose in DOSES:
        runs = run_tasks(tasks_for(dose, 0, args.replicates), args.workers, f"{dose.mechanism}: ")
        table = comparison_table(runs, list(COOPERATION))
        table = table[~table["scenario"].str.endswith("=off")]
        setting = table["scenario"].str.split("=", n=1).str[1]
        tables.append(
            table.assign(mechanism=dose.mechanism, setting=setting)[
                ["mechanism", "setting", "outcome", "diff", "diff_ci_low", "diff_ci_high"]
            ]
        )
    pd.concat(tables, ignore_index=True).to_csv(OUT, index=False, float_format="%.6g")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
