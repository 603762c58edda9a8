"""What the command line adds to a run: ``iei-sim run`` against the same run in-process.

Usage::

    python benchmarks/bench_cli_overhead.py                 # the regional scenario, best of 3
    python benchmarks/bench_cli_overhead.py --quick         # a tiny regional run (smoke test)
    python benchmarks/bench_cli_overhead.py --json out.json # also write the figures as JSON

Measured side by side in one invocation, each repeat in fresh processes, best of ``--repeats``:

(a) ``python -c 'import numpy, pandas, matplotlib.pyplot'``: the process time of the libraries
    any plotting script pays for, the unit the overhead is counted in;
(b) ``run_scenario`` of the scenario in-process (its seed and steps, as the command's defaults),
    timed around the call only, after the imports and the scenario's loading;
(c) the whole ``iei-sim run SCENARIO --out <tmp>`` process (start-up, imports, loading, the run,
    the result tables and the figures);
(d) the same process with ``--no-plots``, so that (c) - (d) is what drawing the figures costs;
(e) a process that only imports every module (c) ends up with (listed by running the command
    in a child and reading ``sys.modules``), in the order (c) imported them: the part of the
    overhead no work of iei-sim's own can remove short of importing fewer libraries.

Each is measured as wall time and as CPU time (user + system, of the process and the threads it
started; for (b) the call's own CPU time). The overhead is (c) - (b); the target is
overhead <= 2 x (a), checked on CPU time, which other work on a shared machine moves far less
than wall time. The exit status is 0 unless a process failed; ``--strict`` also makes a missed
target exit 1 (never in ``--quick`` mode).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "regional.yaml"
TARGET_OVERHEAD_IN_IMPORTS = 2.0
LIBRARIES = "import numpy, pandas, matplotlib.pyplot"
CLOCKS = ("wall", "cpu")

# The size of --quick (tests/sizes.py, shared with the tests): the repository root on the path.
sys.path.insert(0, str(ROOT))
from tests.sizes import BENCH_REGIONAL_QUICK  # noqa: E402

# Every child imports the checkout's package, as the parent does.
ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
}
sys.path.insert(0, str(ROOT / "src"))


def child_run(scenario_path: str) -> dict[str, Any]:
    """Body of (b)'s child: import and load untimed, then time ``run_scenario`` alone."""
    from iei_sim.run import run_scenario
    from iei_sim.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    wall, cpu = time.perf_counter(), time.process_time()
    run_scenario(scenario)
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}


def child_modules(scenario_path: str, out_dir: str) -> list[str]:
    """Body of the child that lists what ``iei-sim run`` imports: the command in-process,
    then ``sys.modules`` in import order."""
    from iei_sim.cli import main as cli_main

    sys.argv = ["iei-sim", "run", scenario_path, "--out", out_dir]
    try:
        cli_main()
    except SystemExit as stop:
        if stop.code not in (0, None):
            raise
    return list(sys.modules)


def import_only_command(modules_file: Path) -> list[str]:
    """(e): import the listed modules, in order, and nothing else (a module that cannot be
    imported by name, such as ``__main__``, is skipped)."""
    body = (
        "import importlib, json, sys\n"
        f"for name in json.load(open({str(modules_file)!r})):\n"
        "    if name not in sys.modules:\n"
        "        try:\n"
        "            importlib.import_module(name)\n"
        "        except Exception:\n"
        "            pass\n"
    )
    return [sys.executable, "-c", body]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_seconds(command: list[str]) -> tuple[dict[str, float], str]:
    """Wall and CPU time of one fresh process running ``command`` (which must succeed), and
    what it printed. CPU time is the growth of the finished children's total."""
    wall, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=ENV, check=False)
    times = {"wall": time.perf_counter() - wall, "cpu": _children_cpu() - cpu}
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stderr}")
    return times, proc.stdout


def in_process_run_seconds(scenario: Path) -> dict[str, float]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child-run", str(scenario)]
    _, out = process_seconds(command)
    return json.loads(out.strip().splitlines()[-1])


def quick_scenario(folder: Path) -> Path:
    """The regional scenario cut down to ``BENCH_REGIONAL_QUICK``, as a scenario file."""
    import yaml

    nested: dict[str, Any] = {}
    for dotted, value in BENCH_REGIONAL_QUICK.items():
        *parents, leaf = dotted.split(".")
        node = nested
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    path = folder / "regional-quick.yaml"
    text = {"extends": str(SCENARIO), "name": "regional-quick", **nested}
    path.write_text(yaml.safe_dump(text, sort_keys=False))
    return path


def measure(scenario: Path, repeats: int, folder: Path) -> dict[str, Any]:
    """Best of ``repeats`` of (a)-(e), the five interleaved so that load hits them alike."""
    cli = [sys.executable, "-m", "iei_sim.cli", "run", str(scenario)]
    lister = [sys.executable, str(Path(__file__).resolve()), "--child-modules", str(scenario)]
    _, listed = process_seconds([*lister, str(folder / "listing")])
    modules_file = folder / "modules.json"
    modules_file.write_text(listed.strip().splitlines()[-1])
    times: dict[str, list[dict[str, float]]] = {
        "imports": [],
        "run": [],
        "cli": [],
        "cli_no_plots": [],
        "cli_imports": [],
    }
    for repeat in range(repeats):
        times["imports"].append(process_seconds([sys.executable, "-c", LIBRARIES])[0])
        times["run"].append(in_process_run_seconds(scenario))
        times["cli"].append(process_seconds([*cli, "--out", str(folder / f"plots{repeat}")])[0])
        bare = [*cli, "--out", str(folder / f"bare{repeat}"), "--no-plots"]
        times["cli_no_plots"].append(process_seconds(bare)[0])
        times["cli_imports"].append(process_seconds(import_only_command(modules_file))[0])
    figures: dict[str, Any] = {"repeats": repeats, "all_seconds": times}
    for clock in CLOCKS:
        best = {name: min(t[clock] for t in values) for name, values in times.items()}
        overhead = best["cli"] - best["run"]
        figures[clock] = {
            "imports_seconds": best["imports"],
            "run_seconds": best["run"],
            "cli_seconds": best["cli"],
            "cli_no_plots_seconds": best["cli_no_plots"],
            "figures_seconds": best["cli"] - best["cli_no_plots"],
            "overhead_seconds": overhead,
            "overhead_in_imports": overhead / best["imports"],
            "cli_imports_seconds": best["cli_imports"],
            "cli_imports_in_imports": best["cli_imports"] / best["imports"],
        }
    return figures


def print_report(figures: dict[str, Any], scenario: Path, quick: bool, check: str) -> None:
    print(f"iei-sim CLI overhead ({'QUICK smoke mode' if quick else 'full'}), best of "
          f"{figures['repeats']}; scenario {scenario.name}; seconds, wall / CPU")  # fmt: skip
    wall, cpu = figures["wall"], figures["cpu"]

    def row(label: str, key: str) -> None:
        print(f"{label:<52s} {wall[key]:6.2f} / {cpu[key]:6.2f}")

    row(f"(a) python -c '{LIBRARIES}'", "imports_seconds")
    row("(b) run_scenario in-process", "run_seconds")
    row("(c) iei-sim run (whole process)", "cli_seconds")
    row("(d) iei-sim run --no-plots", "cli_no_plots_seconds")
    row("figures: (c) - (d)", "figures_seconds")
    row("overhead: (c) - (b)", "overhead_seconds")
    row("(e) importing only what (c) imports", "cli_imports_seconds")
    print(
        f"overhead / (a): {wall['overhead_in_imports']:.2f} wall, {cpu['overhead_in_imports']:.2f} "
        f"CPU; target <= {TARGET_OVERHEAD_IN_IMPORTS:g} (CPU): {check}"
    )
    print(
        f"of which the imports alone, (e) / (a): {wall['cli_imports_in_imports']:.2f} wall, "
        f"{cpu['cli_imports_in_imports']:.2f} CPU"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny regional run (smoke test)")
    parser.add_argument("--repeats", type=int, default=None, help="best of N (default 3; 1 quick)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument("--strict", action="store_true", help="exit 1 if the target is missed")
    parser.add_argument("--child-run", metavar="SCENARIO", help=argparse.SUPPRESS)
    parser.add_argument(
        "--child-modules", nargs=2, metavar=("SCENARIO", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child_run:
        print(json.dumps(child_run(args.child_run)))
        return 0
    if args.child_modules:
        modules = child_modules(*args.child_modules)
        print(json.dumps(modules))
        return 0

    repeats = args.repeats or (1 if args.quick else 3)
    with tempfile.TemporaryDirectory(prefix="iei-cli-overhead-") as tmp:
        folder = Path(tmp)
        scenario = quick_scenario(folder) if args.quick else SCENARIO
        figures = measure(scenario, repeats, folder)
    met = figures["cpu"]["overhead_in_imports"] <= TARGET_OVERHEAD_IN_IMPORTS
    check = "n/a" if args.quick else ("PASS" if met else "MISS")
    print_report(figures, scenario, args.quick, check)
    if args.json:
        data = {
            "quick": args.quick,
            "scenario": scenario.name,
            "target_overhead_in_imports": TARGET_OVERHEAD_IN_IMPORTS,
            "check": check,
            "figures": figures,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2) + "\n")
        print(f"figures written to {args.json}")
    return 1 if args.strict and check == "MISS" else 0


if __name__ == "__main__":
    sys.exit(main())
