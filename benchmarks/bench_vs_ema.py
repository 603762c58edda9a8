"""``iei-sim sweep`` against EMA Workbench's ``MultiprocessingEvaluator`` on the same design.

Usage::

    python benchmarks/bench_vs_ema.py                   # 240 and 40 runs, 2 workers (make bench)
    python benchmarks/bench_vs_ema.py --runs 240 --repeats 3
    python benchmarks/bench_vs_ema.py --quick           # 8 runs of a 3-year small scenario (smoke)

The design: ``scenarios/small.yaml`` (20 schools, 200 firms, ~5,000 students, 10 years), one lever
(``policy.subsidies.per_intern`` at evenly spaced values) × common seeds, three outcomes kept.
Each side is a whole process timed from outside, start-up and imports included, as a user
meets it:

- **iei-sim**: ``iei-sim sweep EXPERIMENT --workers 2 --out STORE`` (a fresh store);
- **EMA**: a Python process that builds an EMA ``Model`` around ``iei_sim.run_scenario`` (the
  lever and the seed as its parameters, the three outcomes as ``ScalarOutcome``) and runs the
  same lever values × seeds with ``MultiprocessingEvaluator(n_processes=2)``, the way the EMA
  Workbench documentation connects a Python model.

The two alternate (iei-sim first, then EMA, then again), and the throughput ratio is
EMA's time / iei-sim's time for the same runs (> 1: iei-sim is faster). Target (issue 16):
>= 1.2 at 240 runs on 2 workers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small.yaml"
LEVER = "policy.subsidies.per_intern"
OUTCOMES = ["firm_participation_rate", "fiscal_cost", "student_coverage"]
REPLICATES = 10  # seeds per lever value; the number of lever values makes up the run count
QUICK_STEPS = 3


def design(runs: int, quick: bool) -> dict:
    """The lever values and seeds whose product has ``runs`` runs (common seeds 0..R-1)."""
    replicates = min(REPLICATES, runs)
    if runs % replicates:
        raise SystemExit(f"error: --runs must be a multiple of {replicates}, got {runs}")
    points = runs // replicates
    values = [round(1.5 * i / max(points - 1, 1), 6) for i in range(points)]
    return {
        "values": values,
        "seeds": list(range(replicates)),
        "overrides": {"steps": QUICK_STEPS} if quick else {},
    }


def experiment_file(folder: Path, plan: dict) -> Path:
    import yaml

    path = folder / "experiment.yaml"
    data = {
        "name": "bench-vs-ema",
        "base": str(SMALL),
        "overrides": plan["overrides"],
        "levers": {LEVER: {"values": plan["values"]}},
        "replicates": len(plan["seeds"]),
        "seeds": {"policy": "common", "first": plan["seeds"][0]},
        "outcomes": OUTCOMES,
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def iei_sim_command(experiment: Path, store: Path, workers: int) -> list[str]:
    cli = Path(sys.executable).with_name("iei-sim")
    prefix = [str(cli)] if cli.exists() else [sys.executable, "-m", "iei_sim.cli"]
    return [*prefix, "sweep", str(experiment), "--workers", str(workers), "--out", str(store)]


def ema_command(plan_file: Path, workers: int) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--ema-side", str(plan_file),
            "--workers", str(workers)]  # fmt: skip


def timed(command: list[str]) -> float:
    """Wall time of a whole process (it must succeed)."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=_environment())
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"error: {' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return elapsed


def _environment() -> dict[str, str]:
    # A source checkout without an install still runs: the package from src/.
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "src"), path) if p)}


# --- the EMA side: what an EMA Workbench user writes around iei-sim's Python API --------------

_BASE_OVERRIDES: dict = {}


def iei_model(per_intern: float, seed: int) -> dict[str, float]:
    """One run for EMA: the scenario with the lever set, simulated from ``seed``."""
    from iei_sim import load_scenario, run_scenario

    scenario = load_scenario(SMALL, overrides={**_BASE_OVERRIDES, LEVER: per_intern})
    summary = run_scenario(scenario, seed=int(seed)).summary
    return {name: float(summary[name]) for name in OUTCOMES}


def ema_side(plan_file: Path, workers: int) -> int:
    import logging

    from ema_workbench import (
        IntegerParameter,
        Model,
        MultiprocessingEvaluator,
        RealParameter,
        Sample,
        ScalarOutcome,
    )

    logging.getLogger("EMA").setLevel(logging.WARNING)
    plan = json.loads(plan_file.read_text())
    _BASE_OVERRIDES.update(plan["overrides"])  # inherited by the forked workers
    model = Model("iei", function=iei_model)
    model.levers = [RealParameter("per_intern", 0.0, 1.5)]
    model.uncertainties = [IntegerParameter("seed", 0, 2**31 - 1)]
    model.outcomes = [ScalarOutcome(name) for name in OUTCOMES]
    policies = [Sample(f"p{i}", per_intern=v) for i, v in enumerate(plan["values"])]
    scenarios = [Sample(f"s{seed}", seed=seed) for seed in plan["seeds"]]
    with MultiprocessingEvaluator(model, n_processes=workers) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(
            scenarios=scenarios, policies=policies
        )
    expected = len(plan["values"]) * len(plan["seeds"])
    if len(experiments) != expected or any(len(v) != expected for v in outcomes.values()):
        raise SystemExit(f"error: EMA returned {len(experiments)} experiments, not {expected}")
    return 0


# --- the comparison ------------------------------------------------------------------------


def compare(runs: int, workers: int, repeats: int, quick: bool, folder: Path) -> dict:
    plan = design(runs, quick)
    plan_file = folder / f"plan-{runs}.json"
    plan_file.write_text(json.dumps(plan))
    experiment = experiment_file(folder, plan)
    ours, theirs = [], []
    for repeat in range(repeats):
        store = folder / f"store-{runs}-{repeat}"
        ours.append(timed(iei_sim_command(experiment, store, workers)))
        theirs.append(timed(ema_command(plan_file, workers)))
    iei, ema = statistics.median(ours), statistics.median(theirs)
    return {
        "runs": runs,
        "workers": workers,
        "repeats": repeats,
        "iei_sim_s": iei,
        "ema_s": ema,
        "iei_sim_runs_per_s": runs / iei,
        "ema_runs_per_s": runs / ema,
        "throughput_ratio": ema / iei,
        "iei_sim_all_s": ours,
        "ema_all_s": theirs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[240, 40])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--ema-side", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ema_side:
        return ema_side(args.ema_side, args.workers)
    runs = [10] if args.quick else args.runs
    repeats = 1 if args.quick else args.repeats
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for count in runs:
            results.append(compare(count, args.workers, repeats, args.quick, Path(tmp)))
    print(f"iei-sim sweep vs EMA Workbench MultiprocessingEvaluator (cpus: {os.cpu_count()})")
    for r in results:
        print(
            f"  {r['runs']:4d} runs, {r['workers']} workers: iei-sim {r['iei_sim_s']:.1f} s "
            f"({r['iei_sim_runs_per_s']:.1f} runs/s), EMA {r['ema_s']:.1f} s "
            f"({r['ema_runs_per_s']:.1f} runs/s): throughput ratio {r['throughput_ratio']:.2f}"
            f" (median of {r['repeats']})"
        )
    if args.json:
        args.json.write_text(json.dumps({"results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
