"""A hash of everything a run reports: check that a speed-up changes no result, bit for bit.

Usage::

    python benchmarks/fingerprint.py [SCENARIO.yaml ...] [--seeds 3]

Hashes the per-step outcomes and summaries of seeds 0 … n-1 of each scenario (default
``scenarios/small.yaml``) and the ledger of seed 0. Run it on the old and the new code (e.g. a
``git worktree`` of the old commit, with ``PYTHONPATH=<worktree>/src``): equal hashes mean the
change is invisible in the results.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fingerprint(paths: list[Path], seeds: int) -> str:
    from iei_sim.run import run_scenario, simulate_outcomes
    from iei_sim.scenario import load_scenario

    digest = hashlib.sha256()
    for path in paths:
        scenario = load_scenario(path)
        for seed in range(seeds):
            timeseries, summary = simulate_outcomes(scenario, seed)
            digest.update(timeseries.to_csv(index=False).encode())
            summary = {k: v for k, v in summary.items() if k != "iei_sim_version"}
            digest.update(json.dumps(summary, sort_keys=True, default=str).encode())
        digest.update(run_scenario(scenario, seed=0).ledger.to_csv(index=False).encode())
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", type=Path, default=[ROOT / "scenarios/small.yaml"])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    print(fingerprint(args.scenarios, args.seeds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
