"""A hash of everything a run reports: check that a speed-up changes no result, bit for bit.

Usage::

    python benchmarks/fingerprint.py [SCENARIO.yaml ...] [--seeds 3]
    python benchmarks/fingerprint.py --model     # the fingerprint results stores record

Hashes the per-step outcomes and summaries of seeds 0 … n-1 of each scenario (default
``scenarios/small.yaml``) and the ledger of seed 0 (``iei_sim.identity.outcomes_digest``). Run
it on the old and the new code (e.g. a ``git worktree`` of the old commit, with
``PYTHONPATH=<worktree>/src``; for a commit older than ``iei_sim.identity``, that commit's own
``benchmarks/fingerprint.py``, which computes the same hash): equal hashes mean the change is
invisible in the results. ``--model`` prints the installed model's fingerprint instead (the
packaged scenario with every policy instrument on, as recorded in results-store manifests).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fingerprint(paths: list[Path], seeds: int) -> str:
    from iei_sim.identity import outcomes_digest
    from iei_sim.scenario import load_scenario

    return outcomes_digest([load_scenario(path) for path in paths], seeds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", type=Path, default=[ROOT / "scenarios/small.yaml"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--model", action="store_true", help="the model fingerprint results stores record"
    )
    args = parser.parse_args()
    if args.model:
        from iei_sim.identity import compute_fingerprint

        print(compute_fingerprint())
    else:
        print(fingerprint(args.scenarios, args.seeds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
