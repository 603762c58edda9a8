"""What drawing a run's figures costs: the seven figures of ``iei-sim run``, in-process.

Usage::

    python benchmarks/bench_run_figures.py                          # this checkout, best of 5
    python benchmarks/bench_run_figures.py --against /path/to/src   # and another, alternating
    python benchmarks/bench_run_figures.py --quick                  # a tiny run (smoke test)

Each repeat is a fresh process that runs the scenario (untimed) and then times, in CPU
seconds, importing the figure modules and drawing and saving each figure as ``RunResult.write``
does (PNG at the default resolution). ``iei-sim run``'s ``(c) - (d)`` in
``bench_cli_overhead.py`` is the same work measured from outside, with more noise; here each
figure is timed alone, and ``--against`` measures another checkout's ``src`` folder in the
same invocation, its repeats interleaved with this one's so that load hits both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "regional.yaml"
QUICK_STEPS = 4


def child(scenario_path: str, steps: int | None, folder: str) -> dict[str, float]:
    """Body of a repeat: the run untimed, then the imports and each figure, CPU seconds."""
    from iei_sim.run import run_scenario
    from iei_sim.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    result = run_scenario(scenario, steps=steps)
    seconds: dict[str, float] = {}
    start = time.process_time()
    from iei_sim.plots.network import depth_ladder_figure, partnership_network_figure
    from iei_sim.plots.run_figures import RUN_FIGURES, RunContext
    from iei_sim.plots.saving import save_figure

    seconds["imports"] = time.process_time() - start
    run = RunContext(scenario, result.seed, int(result.timeseries["step"].max()))
    drawers = {name: lambda draw=draw: draw(result.timeseries, run) for name, draw in RUN_FIGURES.items()}  # fmt: skip
    drawers["network"] = lambda: partnership_network_figure(
        result.partnerships, result.schools, result.firms, run=run
    )
    drawers["depth_ladder"] = lambda: depth_ladder_figure(
        result.partnerships, result.timeseries["step"], run=run
    )
    for name, draw in drawers.items():
        start = time.process_time()
        save_figure(draw(), folder, name)
        seconds[name] = time.process_time() - start
    seconds["total"] = sum(seconds.values())
    return seconds


def repeat(src: Path, scenario: Path, steps: int | None, folder: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(scenario)]
    if steps is not None:
        command += ["--steps", str(steps)]
    command += ["--folder", str(folder)]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", type=Path, metavar="SRC", help="another checkout's src")
    parser.add_argument("--repeats", type=int, default=None, help="best of N (default 5; 1 quick)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_STEPS} years (smoke test)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument("--child", metavar="SCENARIO", help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.steps, args.folder)))
        return 0

    sources = {"this": ROOT / "src"}
    if args.against:
        sources["against"] = args.against.resolve()
    repeats = args.repeats or (1 if args.quick else 5)
    steps = QUICK_STEPS if args.quick else None
    times: dict[str, list[dict[str, float]]] = {label: [] for label in sources}
    with tempfile.TemporaryDirectory(prefix="iei-run-figures-") as tmp:
        for index in range(repeats):
            for label, src in sources.items():
                folder = Path(tmp) / f"{label}{index}"
                times[label].append(repeat(src, SCENARIO, steps, folder))
    best = {label: {k: min(t[k] for t in runs) for k in runs[0]} for label, runs in times.items()}
    print(f"run figures of {SCENARIO.name}{' (QUICK)' if args.quick else ''}, CPU seconds, "
          f"best of {repeats} fresh processes")  # fmt: skip
    header = f"{'':<18s}" + "".join(f"{label:>10s}" for label in sources)
    print(header + ("  this/against" if args.against else ""))
    for key in best["this"]:
        row = f"{key:<18s}" + "".join(f"{best[label][key]:10.3f}" for label in sources)
        if args.against:
            row += f"  {best['this'][key] / best['against'][key]:12.2f}"
        print(row)
    if args.json:
        data = {"sources": {k: str(v) for k, v in sources.items()}, "best": best, "all": times}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
