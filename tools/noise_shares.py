"""Replicate noise of every outcome: ``python -m tools.noise_shares``

Runs ``iei-sim sensitivity experiments/noise_screening.yaml`` (the Morris screening's design over
every outcome of the registry) into ``results/noise_screening`` (an interrupted run resumes) and
writes its ``noise.csv`` to ``docs/noise-shares.csv`` with a ``noise_dominated`` column: true when
replicate noise is at least :data:`iei_sim.outcomes.NOISE_DOMINATED_SHARE` of a single run's
variance across the design (``noise_share``). The registry's ``noise_dominated`` flags must
agree with it (``tests/test_outcomes.py``). With 2 workers it takes about 10 minutes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from iei_sim.outcomes import NOISE_DOMINATED_SHARE

ROOT = Path(__file__).resolve().parents[1]  # the source checkout
EXPERIMENT = ROOT / "experiments" / "noise_screening.yaml"
STORE = ROOT / "results" / "noise_screening"
OUT = ROOT / "docs" / "noise-shares.csv"


def flagged(noise: pd.DataFrame) -> pd.DataFrame:
    """``noise.csv`` with the verdict: noise-dominated when ``noise_share`` ≥ the threshold (an
    outcome that never varies has no share and is not flagged)."""
    return noise.assign(noise_dominated=noise["noise_share"].fillna(0.0) >= NOISE_DOMINATED_SHARE)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    iei_sim = Path(sys.executable).with_name("iei-sim")
    subprocess.run(
        [
            iei_sim,
            "sensitivity",
            EXPERIMENT,
            "--workers",
            str(args.workers),
            "--out",
            STORE,
            "--no-plots",
        ],
        check=True,
    )
    flagged(pd.read_csv(STORE / "noise.csv")).to_csv(OUT, index=False, float_format="%.6g")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
