"""Do the patterns and the policy ranking survive a swap of decision rule?
``python -m tools.structural_alternatives``

Structural uncertainty (issue 18): each main decision rule has a switchable alternative
(:data:`VARIANTS`): the best response instead of the logit (``learning.choice``), belief learning
alone or strategy imitation alone instead of both (``learning.rule``), deepening on net benefit
instead of the trust ladder (``partnerships.deepening``). For each variant this runs the baseline
and the five shipped policy regimes at the ablation's size (``tests.sizes.SMALL_20_YEARS``) and
replicates (``tools.ablation_tables.REPLICATES``), with common random numbers, and writes

- ``docs/alternatives-patterns.csv``: each pattern's verdict at baseline under each variant
  (``iei_sim.patterns.evaluate_patterns``);
- ``docs/alternatives-policies.csv``: each regime's paired effect on the cooperation outcomes
  under each variant, and its rank among the regimes by its effect on firm participation.

``tools.validation_report`` reads both (docs/validation.md §5). With 2 workers it takes about
4 minutes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from iei_sim.experiments.analysis import comparison_table
from iei_sim.experiments.design import RunTask
from iei_sim.experiments.executors import InlineExecutor, LocalExecutor
from iei_sim.outcomes import COOPERATION, OUTCOMES
from iei_sim.patterns import evaluate_patterns
from iei_sim.scenario import load_scenario, scenario_hash

ROOT = Path(__file__).resolve().parents[1]  # the source checkout
sys.path.insert(0, str(ROOT))
from tests.sizes import SMALL_20_YEARS  # noqa: E402

from tools.ablation_tables import REPLICATES  # noqa: E402

PATTERNS_OUT = ROOT / "docs" / "alternatives-patterns.csv"
POLICIES_OUT = ROOT / "docs" / "alternatives-policies.csv"
RANKED_BY = "firm_participation_rate"

VARIANTS: dict[str, dict[str, Any]] = {
    "as shipped": {},
    "best response": {"learning.choice": "best_response"},
    "belief learning only": {"learning.rule": "reinforcement"},
    "imitation only": {"learning.rule": "imitation"},
    "deepening on net benefit": {"partnerships.deepening": "net_benefit"},
}
REGIMES = ("baseline", "tax_deduction", "intern_subsidy", "risk_sharing", "monitoring", "platform")


def tasks(replicates: int) -> list[RunTask]:
    """Every variant × regime × seed; a variant's regimes are points 0 (baseline) … 5."""
    out = []
    for variant, fields in VARIANTS.items():
        for point, regime in enumerate(REGIMES):
            scenario = load_scenario(
                ROOT / "scenarios" / f"{regime}.yaml", overrides={**SMALL_20_YEARS, **fields}
            )
            data, digest = scenario.model_dump(mode="json"), scenario_hash(scenario)
            for seed in range(replicates):
                out.append(
                    RunTask(
                        f"{variant}|{regime}-{seed}",
                        point,
                        f"{variant}|{regime}",
                        {},
                        seed,
                        seed,
                        data,
                        digest,
                        tuple(OUTCOMES),
                    )
                )
    return out


def run_tasks(planned: list[RunTask], workers: int, label: str = "") -> pd.DataFrame:
    """The runs table of ``planned`` (one row per run; a failed run stops it), with a progress
    count; what tools.dose_response runs too."""
    executor = LocalExecutor(workers) if workers > 1 else InlineExecutor()
    rows = []
    try:
        for k, result in enumerate(executor.run(planned), 1):
            row = result["row"]
            if row["status"] != "ok":
                raise RuntimeError(f"run {row['run_key']} failed: {row['error']}")
            rows.append(row)
            print(f"\r{label}{k}/{len(planned)} runs", end="", flush=True)
    finally:
        executor.close()
    print()
    return pd.DataFrame(rows)


def run(replicates: int, workers: int) -> pd.DataFrame:
    """The runs table: one row per run (``scenario`` = "variant|regime", ``replicate`` = seed)."""
    return run_tasks(tasks(replicates), workers)


def tables(runs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pattern verdicts and the policy effects (with ranks) of every variant."""
    variant_of = runs["scenario"].str.split("|").str[0]
    patterns, policies = [], []
    for variant in VARIANTS:
        own = runs[variant_of == variant]
        baseline = own[own["scenario"] == f"{variant}|baseline"]
        patterns.append(evaluate_patterns(baseline).assign(variant=variant))
        effects = comparison_table(own, list(COOPERATION))
        effects = effects[effects["scenario"] != f"{variant}|baseline"].copy()
        effects["regime"] = effects["scenario"].str.split("|").str[1]
        ranked = effects[effects["outcome"] == RANKED_BY].set_index("regime")["diff"]
        rank = ranked.rank(ascending=False, method="min").astype(int)
        effects["rank_by_participation"] = effects["regime"].map(rank)
        policies.append(effects.assign(variant=variant))
    pattern_table = pd.concat(patterns, ignore_index=True)[
        [
            "variant",
            "pattern",
            "name",
            "mean",
            "ci_low",
            "ci_high",
            "band_low",
            "band_high",
            "holds",
        ]
    ]
    policy_table = pd.concat(policies, ignore_index=True)[
        [
            "variant",
            "regime",
            "outcome",
            "diff",
            "diff_ci_low",
            "diff_ci_high",
            "p_value",
            "rank_by_participation",
        ]
    ]
    return pattern_table, policy_table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=REPLICATES)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    pattern_table, policy_table = tables(run(args.replicates, args.workers))
    pattern_table.to_csv(PATTERNS_OUT, index=False, float_format="%.6g")
    policy_table.to_csv(POLICIES_OUT, index=False, float_format="%.6g")
    print(f"wrote {PATTERNS_OUT.relative_to(ROOT)} and {POLICIES_OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
