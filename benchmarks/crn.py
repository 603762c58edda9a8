"""Common random numbers: how well the same seed pairs two values of a lever (the CRN ratio).

Usage::

    python benchmarks/crn.py                # the three shipped cases, 12 seeds (what `make bench` runs)
    python benchmarks/crn.py --quick        # 3 seeds of a tiny structure (the smoke test)
    python benchmarks/crn.py --workers 2 --json /tmp/crn.json

Per case and outcome: ratio = SD(paired differences) / (√2 × pooled SD across seeds); about 1
when the seed pairs nothing (independent runs), 0 when the runs are perfectly paired. The target
(issue 14): the tax-deduction case (small scenario, deduction on, rate 0.30 vs 0.31, 12 seeds)
has ratio ≤ 0.25 for firm participation, partnership depth, education-project share and student
coverage. The intern-subsidy and discount-rate cases (each lever +10%) are reported without a
target. The script reports PASS or FAIL and exits 0 either way (`iei-sim diagnose crn` is the
check that fails).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests.sizes: the quick size, shared with tests/test_crn.py

from tests.sizes import CRN_QUICK  # noqa: E402

from iei_sim.experiments.crn import (  # noqa: E402
    TARGET_SEEDS,
    failed_targets,
    plan_diagnostic,
    run_diagnostic,
    shipped_cases,
)


def _plain(value):
    """JSON-safe: NaN becomes null, NumPy scalars plain numbers."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds of a tiny structure")
    parser.add_argument("--seeds", type=int, default=None, help=f"default {TARGET_SEEDS}")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    seeds = args.seeds or (3 if args.quick else TARGET_SEEDS)
    plan = plan_diagnostic(shipped_cases(), seeds, overrides=CRN_QUICK if args.quick else None)
    start = time.perf_counter()
    table = run_diagnostic(plan, workers=args.workers)
    elapsed = time.perf_counter() - start
    failed = failed_targets(table)
    verdict = "FAIL" if len(failed) else "PASS"

    size = "tiny structure" if args.quick else "small scenario"
    print(
        f"CRN ratio = SD(paired difference) / (√2 × pooled SD): {seeds} seeds, {size}, "
        f"{len(plan.runs)} runs in {elapsed:.1f} s ({args.workers} worker(s), "
        f"cpus: {os.cpu_count()})"
    )
    for case in plan.cases:
        print(f"\n{case.name}: {case.lever} {case.values[0]} → {case.values[1]}")
        print(f"  {'outcome':<26}{'ratio':>8}  {'target':>7}  verdict")
        for row in table[table["case"] == case.name].itertuples():
            ratio = "n/a" if math.isnan(row.ratio) else f"{row.ratio:.3f}"
            if row.passed is None:
                goal, mark = "-", "-"
            else:
                goal, mark = f"≤ {row.target:g}", "PASS" if row.passed else "FAIL"
            print(f"  {row.outcome:<26}{ratio:>8}  {goal:>7}  {mark}")
    print(
        f"\ntarget: {verdict}"
        + (f" ({len(failed)} outcome(s) above it or not computable)" if len(failed) else "")
    )

    if args.json:
        figures = {
            "quick": args.quick,
            "seeds": seeds,
            "runs": len(plan.runs),
            "workers": args.workers,
            "run_time_s": elapsed,
            "target": verdict,
            "ratios": {
                case: {r.outcome: _plain(r.ratio) for r in rows.itertuples()}
                for case, rows in table.groupby("case", sort=False)
            },
            "rows": [{k: _plain(v) for k, v in row.items()} for row in table.to_dict("records")],
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
