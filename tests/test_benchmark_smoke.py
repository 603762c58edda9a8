"""Smoke tests of the benchmarks: a quick run of each exits 0 and writes the expected figures.

Speed targets are checked by the benchmark itself (`make bench`), never here.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from tests.helpers import scenario_text
from tests.sizes import FINGERPRINT

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks" / "bench_regional.py"

FIGURES = (
    "run_wall_seconds",
    "run_peak_rss_mib",
    "vectorised_students_per_second",
    "per_agent_students_per_second",
    "speedup",
)


def test_quick_benchmark_runs_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "vectorised / per-agent" in proc.stdout

    data = json.loads(out.read_text())
    assert data["quick"] is True
    for key in ("date", "command", "machine", "scenario", "targets", "figures", "checks"):
        assert key in data, key
    for name in FIGURES:
        value = data["figures"][name]
        assert isinstance(value, int | float) and value > 0, (name, value)
    assert data["run"]["steps"] == 2
    assert data["students"]["students"] > 0
    assert data["students"]["equivalence"]["ok"] is True
    assert data["checks"]["same_result"] == "PASS"
    assert set(data["checks"]) == {"run_time", "peak_memory", "speedup", "same_result"}


def _bench_figures(script: str, tmp_path: Path, *args: str) -> dict:
    """Run ``benchmarks/<script>`` with ``args`` and ``--json``; return the figures it wrote."""
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


def test_quick_experiment_benchmark_runs_every_executor(tmp_path: Path) -> None:
    figures = _bench_figures("bench_experiments.py", tmp_path, "--quick")
    for key in ("runs_per_s_1_worker", "runs_per_s_2_workers", "runs_per_s_dask_2_workers"):
        assert figures[key] > 0


def test_smoke_sensitivity_benchmark_runs_the_shipped_file_end_to_end(tmp_path: Path) -> None:
    """The shipped Sobol' file at N = 4 (the least it takes), one replicate: 4 × 15 = 60 runs."""
    figures = _bench_figures(
        "bench_sensitivity.py", tmp_path, "--samples", "4", "--replicates", "1"
    )
    assert (figures["method"], figures["samples"], figures["factors"]) == ("sobol", 4, 12)
    assert figures["dummy"] is True
    assert figures["runs"] == figures["rows"] == 4 * (12 + 1 + 2)
    assert figures["runs_per_s"] > 0
    # one sample size: nothing to compare, so nothing may be called converged
    assert figures["target"] == "MISS"


def test_quick_crn_benchmark_reports_every_case_and_outcome(tmp_path: Path) -> None:
    """3 seeds of a tiny structure: 3 cases × 2 values × 3 seeds = 18 runs, a ratio for each
    case × outcome (none negative), and a verdict on the target either way (exit 0)."""
    figures = _bench_figures("crn.py", tmp_path, "--quick")
    assert (figures["quick"], figures["seeds"], figures["runs"]) == (True, 3, 18)
    assert figures["target"] in ("PASS", "FAIL")
    outcomes = {
        "firm_participation_rate",
        "mean_partnership_depth",
        "education_project_share",
        "student_coverage",
    }
    ratios = figures["ratios"]
    assert list(ratios) == ["tax_deduction_rate", "intern_subsidy_+10%", "discount_rate_+10%"]
    for case in ratios.values():
        assert set(case) == outcomes
        assert all(r is None or r >= 0 for r in case.values())
    assert any(r is not None and r > 0 for r in ratios["discount_rate_+10%"].values())
    assert len(figures["rows"]) == 12 and figures["run_time_s"] > 0


def test_fingerprint_is_the_same_in_two_processes_and_tells_seeds_apart(tmp_path: Path) -> None:
    """Same scenario and seeds in two fresh processes → one hash; other seeds → another."""
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(scenario_text(ROOT / "scenarios" / "small.yaml", "tiny", FINGERPRINT))

    def run(*args: str) -> str:
        script = str(ROOT / "benchmarks" / "fingerprint.py")
        proc = subprocess.run(
            [sys.executable, script, str(scenario), *args], capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    first = run("--seeds", "2")
    assert len(first) == 64 and run("--seeds", "2") == first
    assert run("--seeds", "1") != first


def test_quick_comparison_with_ema_workbench_times_both_sides(tmp_path: Path) -> None:
    figures = _bench_figures("bench_vs_ema.py", tmp_path, "--quick")
    (result,) = figures["results"]
    assert result["runs"] == 10 and result["iei_sim_s"] > 0 and result["ema_s"] > 0
    assert result["throughput_ratio"] == result["ema_s"] / result["iei_sim_s"]


def test_quick_start_up_benchmark_times_the_help_and_its_references(tmp_path: Path) -> None:
    figures = _bench_figures("bench_cli_startup.py", tmp_path, "--quick")
    assert {"iei-sim --help", "python -c pass"} <= set(figures["median_s"])
    assert all(len(values) == 2 for values in figures["all_s"].values())


def test_quick_cli_overhead_benchmark_measures_every_process(tmp_path: Path) -> None:
    """One repeat of each process on a tiny regional run; the verdict is left to the full run."""
    data = _bench_figures("bench_cli_overhead.py", tmp_path, "--quick")
    assert (data["quick"], data["check"]) == (True, "n/a")
    for clock in ("wall", "cpu"):
        figures = data["figures"][clock]
        for key in ("imports_seconds", "run_seconds", "cli_seconds", "cli_no_plots_seconds"):
            assert figures[key] > 0, (clock, key)
        assert figures["overhead_seconds"] == figures["cli_seconds"] - figures["run_seconds"]


def test_dashboard_step_benchmark_smoke(tmp_path: Path) -> None:
    figures = _bench_figures("bench_dashboard.py", tmp_path, "--quick")
    assert len(figures["years"]) == 2
    assert figures["step_s"] == figures["model_s"] + figures["charts_s"] > 0


def test_quick_run_figures_benchmark_times_every_figure_of_both_checkouts(tmp_path: Path) -> None:
    """This checkout against itself: each of the run's figures is timed on both sides."""
    data = _bench_figures(
        "bench_run_figures.py", tmp_path, "--quick", "--against", str(ROOT / "src")
    )
    figures = {"participation", "depth", "project_mix", "student_outcomes", "fiscal_cost"}
    figures |= {"network", "depth_ladder", "imports"}
    for side in ("this", "against"):
        best = data["best"][side]
        assert set(best) == figures | {"total"} and all(best[k] > 0 for k in figures), side
        assert math.isclose(best["total"], sum(best[k] for k in figures)), side  # one repeat


def test_quick_spin_up_benchmark_times_single_runs_and_reused_regimes() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_spin_up.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    rows = [line for line in done.stdout.splitlines() if line.startswith("| one run")]
    assert len(rows) == 1 and "reused" in done.stdout, done.stdout
