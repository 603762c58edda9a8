"""Experiment throughput: small-scenario runs per second with 1 and 2 local workers, and the
per-run overhead of the Dask path against the local pool.

Usage::

    python benchmarks/bench_experiments.py            # full (what `make bench` runs)
    python benchmarks/bench_experiments.py --quick    # a few runs of a tiny scenario (smoke)

Each configuration runs the same experiment (``scenarios/small.yaml``: 20 schools, 200 firms,
~5,000 students, 10 years; one lever, common seeds) into a fresh results store, so the figures
include what a sweep really does: planning, shipping the scenario to workers, the run, and
committing one journal line per run (compacted to Parquet at the end). Pools are started before
the clock starts (a sweep pays that once). Targets (full mode): >= 10 runs/s with 2 workers,
parallel efficiency >= 80%.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests.sizes: the quick size

from tests.sizes import BENCH_EXPERIMENTS_QUICK  # noqa: E402

from iei_sim.experiments import ResultsStore, load_experiment, plan_runs  # noqa: E402
from iei_sim.experiments.executors import (  # noqa: E402
    DaskExecutor,
    InlineExecutor,
    LocalExecutor,
)
from iei_sim.experiments.runner import run_tasks  # noqa: E402


def experiment(folder: Path, runs: int, quick: bool):
    data = {
        "name": "bench",
        "base": str(ROOT / "scenarios" / "small.yaml"),
        "overrides": BENCH_EXPERIMENTS_QUICK if quick else {},
        "levers": {"policy.subsidies.per_intern": {"values": [0.0, 0.5, 1.0, 1.5]}},
        "replicates": max(1, runs // 4),
        "outcomes": ["firm_participation_rate", "fiscal_cost", "student_coverage"],
    }
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_experiment(path)


def timed(tasks, executor, folder: Path) -> float:
    store = ResultsStore(folder)
    store.open({"content_hash": "bench"})
    # Warm the pool (start workers, import the model) outside the clock.
    list(executor.run(tasks[: executor.workers]))
    start = time.perf_counter()
    report = run_tasks(tasks, store, executor)
    elapsed = time.perf_counter() - start
    assert report.failed == 0 and report.done == len(tasks), report
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=80)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    runs = 8 if args.quick else args.runs
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        tasks = plan_runs(experiment(tmp, runs, args.quick))
        figures["runs"] = len(tasks)
        one = timed(tasks, InlineExecutor(), tmp / "one")
        figures["runs_per_s_1_worker"] = len(tasks) / one
        pool = LocalExecutor(2)
        try:
            two = timed(tasks, pool, tmp / "two")
        finally:
            pool.close()
        figures["runs_per_s_2_workers"] = len(tasks) / two
        figures["parallel_efficiency_2"] = one / (2 * two)
        if not args.no_dask:
            from distributed import LocalCluster

            with LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster:
                dask = DaskExecutor(cluster.scheduler_address)
                try:
                    dask_time = timed(tasks, dask, tmp / "dask")
                finally:
                    dask.close()
            figures["runs_per_s_dask_2_workers"] = len(tasks) / dask_time
            figures["dask_overhead_ms_per_run"] = 1000 * (dask_time - two) / len(tasks) * 2
    print(f"small-scenario runs: {figures['runs']} (cpus: {os.cpu_count()})")
    print(f"  1 worker (in process): {figures['runs_per_s_1_worker']:.2f} runs/s")
    print(f"  2 local workers:       {figures['runs_per_s_2_workers']:.2f} runs/s")
    print(f"  parallel efficiency:   {100 * figures['parallel_efficiency_2']:.0f}%")
    if "runs_per_s_dask_2_workers" in figures:
        print(f"  Dask, 2 workers:       {figures['runs_per_s_dask_2_workers']:.2f} runs/s")
        print(
            f"  Dask overhead:         {figures['dask_overhead_ms_per_run']:.1f} ms per run "
            "(worker time, against the local pool)"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
