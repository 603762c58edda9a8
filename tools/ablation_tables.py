"""The ablation tables of docs/validation.md: ``python -m tools.ablation_tables``

Runs ``iei-sim ablate`` (its Python API, :func:`iei_sim.experiments.ablation.ablate`) on the
baseline and on the regime with every policy on (``scenarios/all_policies.yaml``), at the size
the policy tests use (the small scenario's structure over 20 reported years, after the
baseline's 40-year spin-up: ``tests.sizes.SMALL_20_YEARS``), and copies each ``ablation.csv`` to
``docs/ablation-<scenario>.csv``, its heat map to ``docs/figures/ablation-<scenario>.png`` and
its ``patterns.csv`` (each pattern's verdict under every knock-out; docs/calibration.md) to
``docs/ablation-patterns-<scenario>.csv``;
``tools.validation_report`` (``make validation``) reads them. The stores are kept in
``results/ablation/<scenario>``, so an interrupted run resumes. With 10 replicates and 2 workers
it takes about 3 minutes.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from iei_sim.experiments.ablation import ablate

ROOT = Path(__file__).resolve().parents[1]  # the source checkout
sys.path.insert(0, str(ROOT))
from tests.sizes import SMALL_20_YEARS  # noqa: E402

SCENARIOS = ("baseline", "all_policies")
REPLICATES = 10


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=REPLICATES)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    args = parser.parse_args(argv)
    for name in args.scenarios:
        store = ROOT / "results" / "ablation" / name
        result = ablate(
            ROOT / "scenarios" / f"{name}.yaml",
            args.replicates,
            out=store,
            overrides=dict(SMALL_20_YEARS),
            workers=args.workers,
            progress=lambda done, total, name=name: print(f"\r{name}: {done}/{total} runs", end=""),
        )
        print()
        shutil.copyfile(store / "ablation.csv", ROOT / "docs" / f"ablation-{name}.csv")
        shutil.copyfile(store / "ablation.png", ROOT / "docs" / "figures" / f"ablation-{name}.png")
        shutil.copyfile(store / "patterns.csv", ROOT / "docs" / f"ablation-patterns-{name}.csv")
        print(f"{name}: {result.report.done} runs done; off: {', '.join(result.off) or 'none'}")


if __name__ == "__main__":
    main()
