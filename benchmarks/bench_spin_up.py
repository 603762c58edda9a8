"""What the spin-up costs: ``python benchmarks/bench_spin_up.py [--quick]``.

Issue 17's rule: a spin-up costs at most as much as the reported horizon, or it is computed once
per (structure, seed) and reused by every regime that shares it. Measured side by side in one
process, best of ``--repeat``:

- a single run of 20 reported years with the shipped spin-up against the same run without one
  (``spin_up_years: 0``), for the small scenario and the full baseline;
- the six shipped regime files (baseline and the five regimes) on ``--seeds`` seeds at the
  small size, seed by seed as experiments run them (``iei_sim.experiments.runner.spin_up_order``),
  so each seed's spin-up is computed once and copied for the other five regimes.

``--quick`` runs a tiny size once (the smoke test in tests/test_benchmark_smoke.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.sizes import SMALL_20_YEARS  # noqa: E402

from iei_sim import model as model_module  # noqa: E402
from iei_sim.run import simulate_outcomes  # noqa: E402
from iei_sim.scenario import Scenario, load_scenario  # noqa: E402

REGIMES = (
    "baseline",
    "tax_deduction",
    "intern_subsidy",
    "risk_sharing",
    "monitoring",
    "platform",
)
QUICK = {
    "steps": 3,
    "spin_up_years": 3,
    "regions.east.schools": 2,
    "regions.east.firms": 20,
    "regions.west.schools": 2,
    "regions.west.firms": 20,
}


def best_of(repeat: int, work: Callable[[], None]) -> float:
    """Least wall time of ``repeat`` calls, the spin-up cache emptied before each."""
    times = []
    for _ in range(repeat):
        model_module._SPUN_UP.clear()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def regimes(size: dict, spin_up: int | None) -> list[Scenario]:
    extra = {} if spin_up is None else {"spin_up_years": spin_up}
    return [
        load_scenario(ROOT / "scenarios" / f"{name}.yaml", overrides={**size, **extra})
        for name in REGIMES
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny size, once")
    parser.add_argument("--repeat", type=int, default=3, help="best of N (3)")
    parser.add_argument("--seeds", type=int, default=4, help="seeds for the regimes (4)")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    seeds = range(1 if args.quick else args.seeds)
    singles = (
        [("tiny", ROOT / "scenarios" / "small.yaml", QUICK)]
        if args.quick
        else [
            ("small, 20 years", ROOT / "scenarios" / "small.yaml", {"steps": 20}),
            ("baseline, 20 years", ROOT / "scenarios" / "baseline.yaml", {}),
        ]
    )
    print("| runs | without spin-up (s) | with spin-up (s) | ratio |")
    print("|---|---|---|---|")
    for label, path, size in singles:
        spun = load_scenario(path, overrides=size)
        cold = load_scenario(path, overrides={**size, "spin_up_years": 0})
        plain = best_of(repeat, lambda s=cold: simulate_outcomes(s, 0))
        spun_time = best_of(repeat, lambda s=spun: simulate_outcomes(s, 0))
        print(
            f"| one run, {label} (S = {spun.spin_up_years}) | {plain:.2f} | {spun_time:.2f} "
            f"| {spun_time / plain:.2f}× |"
        )
    size = QUICK if args.quick else SMALL_20_YEARS
    spun_regimes, cold_regimes = regimes(size, None), regimes(size, 0)

    def run_all(scenarios: list[Scenario]) -> None:
        for seed in seeds:  # seed by seed, as experiments order runs that spin up
            for scenario in scenarios:
                simulate_outcomes(scenario, seed)

    plain = best_of(repeat, lambda: run_all(cold_regimes))
    spun_time = best_of(repeat, lambda: run_all(spun_regimes))
    label = f"{len(REGIMES)} regimes × {len(seeds)} seeds, small size, reused"
    print(
        f"| {label} (S = {spun_regimes[0].spin_up_years}) | {plain:.2f} | {spun_time:.2f} "
        f"| {spun_time / plain:.2f}× |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
