"""How fast the command line answers: ``iei-sim --help``, ``--version`` and ``validate``.

Usage::

    python benchmarks/bench_cli_startup.py            # 7 timings of each (make bench)
    python benchmarks/bench_cli_startup.py --quick    # 2 of each (smoke)

Each command is a whole process, timed from outside (the median of several), side by side with
two references measured in the same loop: ``python -c pass`` (the interpreter alone) and
``python -c 'import numpy, pandas, matplotlib.pyplot'`` (what a plotting script pays before it
starts). Target (issue 16): ``iei-sim --help`` in <= 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_HELP_S = 0.5


def cli() -> list[str]:
    script = Path(sys.executable).with_name("iei-sim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "iei_sim.cli"]


def commands() -> dict[str, list[str]]:
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import numpy, pandas, matplotlib.pyplot": [
            sys.executable,
            "-c",
            "import numpy, pandas, matplotlib.pyplot",
        ],
        "iei-sim --help": [*cli(), "--help"],
        "iei-sim --version": [*cli(), "--version"],
        "iei-sim validate scenarios/small.yaml": [
            *cli(),
            "validate",
            str(ROOT / "scenarios" / "small.yaml"),
        ],
    }


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env={**os.environ, "COLUMNS": "80"})
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"error: {' '.join(command)} failed:\n{done.stderr.decode()[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    repeats = 2 if args.quick else args.repeats
    timings: dict[str, list[float]] = {name: [] for name in commands()}
    for _ in range(repeats):  # interleaved, so that a busy moment hits every command alike
        for name, command in commands().items():
            timings[name].append(wall(command))
    medians = {name: statistics.median(values) for name, values in timings.items()}
    print(f"command-line start-up, median of {repeats} (cpus: {os.cpu_count()})")
    for name, value in medians.items():
        print(f"  {name:42s} {value:5.2f} s")
    help_s = medians["iei-sim --help"]
    print(
        f"  iei-sim --help: {help_s:.2f} s, target <= {TARGET_HELP_S} s "
        f"({'met' if help_s <= TARGET_HELP_S else 'NOT met'}); "
        f"{help_s / medians['import numpy, pandas, matplotlib.pyplot']:.2f}x the plotting imports"
    )
    if args.json:
        args.json.write_text(json.dumps({"median_s": medians, "all_s": timings}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
