"""Speed benchmark: one regional run, its peak memory, and vectorised vs per-agent student updates.

Usage::

    python benchmarks/bench_regional.py                 # full benchmark (what `make bench` runs)
    python benchmarks/bench_regional.py --quick         # tiny scenario, a few seconds (smoke test)
    python benchmarks/bench_regional.py --json out.json # also write the figures as JSON

Everything is measured in the same invocation:

(a) wall time of one full regional run, ``run_scenario(load_scenario("scenarios/regional.yaml"),
    seed=...)``, each repeat in a fresh Python subprocess; the best of ``--repeats`` is reported.
    The timed span is scenario loading plus the run (interpreter start-up and imports are
    reported separately as the process wall time);
(b) peak memory of that run: the child process's own peak resident set size (``ru_maxrss``),
    cross-checked with ``RUSAGE_CHILDREN`` in the parent;
(c) student-update throughput on the ~50k students enrolled in the regional model's yearly
    update (the continuing cohorts plus the year's intake, as ``StudentPopulation.step`` sees
    them): the vectorised update of :class:`iei_sim.agents.students.StudentPopulation`
    (``learn`` + ``advance_year``) next to an idiomatic per-agent Mesa loop doing the same
    arithmetic, one ``mesa.Agent`` per student stepped with
    ``model.agents_by_type[StudentAgent].do("step")``. Both start from the
    same state, and the benchmark checks that they give statistically the same skill gains and
    exactly the same year/graduation bookkeeping before it reports the ratio.

Targets (full mode only): one regional run <= 2 s and <= 1 GiB; vectorised >= 30x per-agent.
The exit status is 0 unless something failed (a run crashed or the two student updates
disagree); ``--strict`` also makes a missed target exit 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "regional.yaml"

TARGET_RUN_SECONDS = 2.0
TARGET_PEAK_BYTES = 1 << 30  # 1 GiB
TARGET_SPEEDUP = 30.0

# The size of --quick (tests/sizes.py, shared with the tests): the repository root on the path.
sys.path.insert(0, str(ROOT))
from tests.sizes import BENCH_REGIONAL_QUICK  # noqa: E402

# --quick: the same scenario file cut down to a few schools and firms and 2 steps.
QUICK_OVERRIDES: dict[str, Any] = {"name": "regional-quick", **BENCH_REGIONAL_QUICK}

try:  # run from a checkout without installing the package
    import iei_sim  # noqa: F401
except ImportError:  # pragma: no cover
    sys.path.insert(0, str(ROOT / "src"))


# ---------------------------------------------------------------------------------------------
# (a) + (b): one run in a fresh subprocess


def child_run(scenario_path: str, overrides: dict[str, Any], seed: int) -> dict[str, Any]:
    """Body of the child process: import, load, run; report times and own peak RSS."""
    t_start = time.perf_counter()
    from iei_sim.run import run_scenario
    from iei_sim.scenario import load_scenario

    t_imported = time.perf_counter()
    result = run_scenario(load_scenario(scenario_path, overrides or None), seed=seed)
    t_done = time.perf_counter()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "import_seconds": t_imported - t_start,
        "run_seconds": t_done - t_imported,
        "peak_rss_bytes": peak_kib * 1024,
        "steps": int(result.summary["steps"]),
        "schools": len(result.schools),
        "firms": len(result.firms),
    }


def measure_runs(
    scenario_path: Path, overrides: dict[str, Any], seed: int, repeats: int
) -> dict[str, Any]:
    runs = []
    for _ in range(repeats):
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child-run",
            str(scenario_path),
            "--seed",
            str(seed),
            "--overrides",
            json.dumps(overrides),
        ]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
        process_wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark run failed ({proc.returncode}):\n{proc.stderr}")
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        report["process_wall_seconds"] = process_wall
        runs.append(report)
    children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    run_times = [r["run_seconds"] for r in runs]
    peak = max(r["peak_rss_bytes"] for r in runs)
    return {
        "repeats": repeats,
        "seed": seed,
        "wall_seconds_best": min(run_times),
        "wall_seconds_median": statistics.median(run_times),
        "wall_seconds_all": run_times,
        "process_wall_seconds_best": min(r["process_wall_seconds"] for r in runs),
        "import_seconds_best": min(r["import_seconds"] for r in runs),
        "peak_rss_bytes": peak,
        "peak_rss_mib": peak / 2**20,
        "peak_rss_children_bytes": children_peak,
        "steps": runs[0]["steps"],
        "schools": runs[0]["schools"],
        "firms": runs[0]["firms"],
    }


# ---------------------------------------------------------------------------------------------
# (c): vectorised vs per-agent student update

STATE_FIELDS = ("theory", "practical", "year", "graduation_step")


def make_student_agent_class():
    import mesa

    class StudentAgent(mesa.Agent):
        """One student as an ordinary Mesa agent: the per-agent version of the yearly update.

        Same formulas as ``StudentPopulation.learn`` + ``advance_year``, for one student, with
        its noise drawn from the model's generator.
        """

        def __init__(
            self,
            model,
            school,
            level: int,
            duration: int,
            year: int,
            theory: float,
            practical: float,
        ):
            super().__init__(model)
            self.school = school  # the School agent
            self.level = level  # 0 vocational, 1 undergraduate, 2 graduate
            self.duration = duration
            self.year = year
            self.theory = theory
            self.practical = practical
            self.graduation_step = -1

        def step(self) -> None:
            spec = self.model.config.students
            quality = self.school.teaching_quality
            practical_share = self.school.practical_share
            theory_noise, practical_noise = self.model.rng.normal(
                1.0, spec.skill_noise, size=2
            ).tolist()
            theory_gain = spec.theory_gain * (
                spec.graduate_theory_factor if self.level == 2 else 1.0
            )
            self.theory += theory_gain * quality * 2 * (1 - practical_share) * theory_noise
            self.practical += spec.practical_gain * quality * 2 * practical_share * practical_noise
            self.year += 1
            if self.year >= self.duration:
                self.graduation_step = self.model.steps

    return StudentAgent


def measure_student_updates(
    scenario_path: Path, overrides: dict[str, Any], seed: int, vec_repeats: int, agent_repeats: int
) -> dict[str, Any]:
    import numpy as np

    from iei_sim.model import IEIModel
    from iei_sim.scenario import load_scenario

    model = IEIModel(load_scenario(scenario_path, overrides or None), seed=seed)
    pop = model.students
    initial_students = pop.n
    # The yearly update (StudentPopulation.step) admits the year's intake first, then teaches
    # every enrolled student: measure on that population (existing cohorts + the new intake).
    admit = getattr(pop, "_admit_intake", None)
    if admit is not None:
        admit()
    idx = pop.enrolled()
    n = len(idx)
    # The per-agent version reads quality and practical share from the School agents; they must
    # be the values the vectorised update reads from the model's arrays.
    assert np.array_equal(
        model.schools.teaching_quality, [s.teaching_quality for s in model.school_list]
    ) and np.array_equal(
        model.schools.practical_share, [s.practical_share for s in model.school_list]
    )
    initial = {f: getattr(pop, f)[: pop.n].copy() for f in STATE_FIELDS}

    def restore() -> None:
        for f, values in initial.items():
            getattr(pop, f)[: pop.n] = values

    # Vectorised: find the enrolled students, learn, advance a year.
    vec_times = []
    for r in range(vec_repeats):
        restore()
        t0 = time.perf_counter()
        current = pop.enrolled()
        pop.learn(current)
        pop.advance_year(current)
        vec_times.append(time.perf_counter() - t0)
        if r == 0:
            vec_after = {f: getattr(pop, f)[idx].copy() for f in STATE_FIELDS}
    restore()

    # Per-agent: one Mesa agent per enrolled student, same starting state.
    student_agent = make_student_agent_class()
    t0 = time.perf_counter()
    schools = model.school_list
    agents = [
        student_agent(model, schools[s], int(lv), int(d), int(y), float(t), float(p))
        for s, lv, d, y, t, p in zip(
            pop.school[idx].tolist(),
            pop.level[idx].tolist(),
            pop.duration[idx].tolist(),
            pop.year[idx].tolist(),
            pop.theory[idx].tolist(),
            pop.practical[idx].tolist(),
            strict=True,
        )
    ]
    creation_seconds = time.perf_counter() - t0
    agent_set = model.agents_by_type[student_agent]
    assert len(agent_set) == n

    def agent_state(field: str) -> np.ndarray:
        return np.array([getattr(a, field) for a in agents])

    agent_initial = {f: agent_state(f) for f in STATE_FIELDS}
    agent_times = []
    for r in range(agent_repeats):
        for f, values in agent_initial.items():
            for a, v in zip(agents, values.tolist(), strict=True):
                setattr(a, f, v)
        t0 = time.perf_counter()
        agent_set.do("step")
        agent_times.append(time.perf_counter() - t0)
        if r == 0:
            agent_after = {f: agent_state(f) for f in STATE_FIELDS}

    equivalence = compare_updates(initial, vec_after, agent_after, idx, pop, model)
    vec_best, agent_best = min(vec_times), min(agent_times)
    return {
        "students": n,
        "initial_students": initial_students,
        "vectorised_seconds_best": vec_best,
        "vectorised_repeats": vec_repeats,
        "per_agent_seconds_best": agent_best,
        "per_agent_repeats": agent_repeats,
        "per_agent_creation_seconds": creation_seconds,
        "vectorised_students_per_second": n / vec_best,
        "per_agent_students_per_second": n / agent_best,
        "speedup": agent_best / vec_best,
        "equivalence": equivalence,
    }


def compare_updates(initial, vec_after, agent_after, idx, pop, model) -> dict[str, Any]:
    """Same distribution of skill gains, identical year and graduation bookkeeping."""
    import numpy as np

    spec = model.config.students
    quality = model.schools.teaching_quality[pop.school[idx]]
    share = model.schools.practical_share[pop.school[idx]]
    level_factor = np.where(pop.level[idx] == 2, spec.graduate_theory_factor, 1.0)
    expected = {
        "theory": spec.theory_gain * level_factor * quality * 2 * (1 - share),
        "practical": spec.practical_gain * quality * 2 * share,
    }
    out: dict[str, Any] = {"ok": True}
    n = len(idx)
    for field in ("theory", "practical"):
        gain_vec = vec_after[field] - initial[field][idx]
        gain_agent = agent_after[field] - initial[field][idx]
        diff = gain_vec - gain_agent  # paired: same student, independent noise
        se = float(diff.std(ddof=1) / np.sqrt(n)) if n > 1 else float("inf")
        mean_diff = float(diff.mean())
        # The noise factor each implementation drew: should be N(1, skill_noise) for both.
        noise_vec = gain_vec / expected[field]
        noise_agent = gain_agent / expected[field]
        sd_tol = max(0.1, 5 / np.sqrt(2 * n))  # relative tolerance on the noise spread
        ok = (
            abs(mean_diff) <= 5 * se
            and abs(noise_vec.mean() - 1) <= 5 * spec.skill_noise / np.sqrt(n) + 1e-12
            and abs(noise_agent.mean() - 1) <= 5 * spec.skill_noise / np.sqrt(n) + 1e-12
            and abs(noise_vec.std() - spec.skill_noise) <= sd_tol * spec.skill_noise + 1e-12
            and abs(noise_agent.std() - spec.skill_noise) <= sd_tol * spec.skill_noise + 1e-12
        )
        out[field] = {
            "mean_gain_vectorised": float(gain_vec.mean()),
            "mean_gain_per_agent": float(gain_agent.mean()),
            "mean_paired_difference": mean_diff,
            "standard_error": se,
            "noise_sd_vectorised": float(noise_vec.std()),
            "noise_sd_per_agent": float(noise_agent.std()),
            "ok": bool(ok),
        }
        out["ok"] &= bool(ok)
    for field in ("year", "graduation_step"):
        same = bool(np.array_equal(vec_after[field], agent_after[field]))
        out[f"{field}_identical"] = same
        out["ok"] &= same
    out["graduates"] = int((vec_after["graduation_step"] >= 0).sum())
    return out


# ---------------------------------------------------------------------------------------------
# Reporting


def machine_info() -> dict[str, Any]:
    import mesa
    import numpy as np

    cpu = platform.processor() or "unknown"
    mem_bytes = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_bytes = int(line.split()[1]) * 1024
                break
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "nproc": nproc,
        "cpu_model": cpu,
        "ram_gib": round(mem_bytes / 2**30, 1) if mem_bytes else None,
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
    }


def status(ok: bool, quick: bool) -> str:
    if quick:
        return "n/a"
    return "PASS" if ok else "MISS"


def print_report(data: dict[str, Any]) -> None:
    run, stu, sc, quick = data["run"], data["students"], data["scenario"], data["quick"]
    m = data["machine"]
    print(f"iei-sim speed benchmark ({'QUICK smoke mode' if quick else 'full'}), {data['date']}")
    print(
        f"machine: {m['nproc']} CPU(s), {m['cpu_model']}, {m['ram_gib']} GiB RAM; "
        f"Python {m['python']}, Mesa {m['mesa']}, NumPy {m['numpy']}"
    )
    print(
        f"scenario: {sc['name']} ({sc['path']}): {run['schools']} schools, {run['firms']} firms, "
        f"{stu['initial_students']:,} students at start, {stu['students']:,} enrolled in the "
        f"yearly update, {run['steps']} steps, seed {run['seed']}"
    )
    print()
    rows = [
        (
            f"regional run wall time (best of {run['repeats']})",
            f"{run['wall_seconds_best']:.2f} s",
            f"<= {TARGET_RUN_SECONDS:g} s",
            data["checks"]["run_time"],
        ),
        (
            "regional run peak memory (max RSS)",
            f"{run['peak_rss_mib']:.0f} MiB",
            "<= 1024 MiB",
            data["checks"]["peak_memory"],
        ),
        (
            "student update, vectorised",
            f"{stu['vectorised_students_per_second']:,.0f} students/s",
            "",
            "",
        ),
        (
            "student update, per-agent Mesa loop",
            f"{stu['per_agent_students_per_second']:,.0f} students/s",
            "",
            "",
        ),
        (
            "vectorised / per-agent",
            f"{stu['speedup']:.0f}x",
            f">= {TARGET_SPEEDUP:g}x",
            data["checks"]["speedup"],
        ),
    ]
    widths = [
        max(len(r[i]) for r in [("measure", "value", "target", "result"), *rows]) for i in range(4)
    ]
    header = ("measure", "value", "target", "result")
    line = "  ".join("-" * w for w in widths)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for r in rows:
        print(
            "  ".join(
                c.rjust(w) if i == 1 else c.ljust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    print()
    print(
        f"run details: median {run['wall_seconds_median']:.2f} s over "
        f"{', '.join(f'{t:.2f}' for t in run['wall_seconds_all'])} s; whole process "
        f"(start-up + imports + run) best {run['process_wall_seconds_best']:.2f} s, "
        f"imports {run['import_seconds_best']:.2f} s"
    )
    eq = stu["equivalence"]
    print(
        f"student update: {stu['students']} students; vectorised best "
        f"{stu['vectorised_seconds_best'] * 1e3:.2f} ms (of {stu['vectorised_repeats']}), "
        f"per-agent best {stu['per_agent_seconds_best'] * 1e3:.0f} ms "
        f"(of {stu['per_agent_repeats']}; creating the agents took "
        f"{stu['per_agent_creation_seconds'] * 1e3:.0f} ms, not counted)"
    )
    for field in ("theory", "practical"):
        e = eq[field]
        print(
            f"  same result? {field} gain: mean {e['mean_gain_vectorised']:.5f} (vectorised) vs "
            f"{e['mean_gain_per_agent']:.5f} (per-agent), paired diff "
            f"{e['mean_paired_difference']:+.2e} +/- {e['standard_error']:.1e}; noise sd "
            f"{e['noise_sd_vectorised']:.4f} vs {e['noise_sd_per_agent']:.4f} -> "
            f"{'ok' if e['ok'] else 'DIFFERENT'}"
        )
    print(
        f"  year and graduation bookkeeping identical: "
        f"{eq['year_identical'] and eq['graduation_step_identical']} "
        f"({eq['graduates']} graduate)"
    )
    if quick:
        print("\nquick mode: targets apply to the full regional run only (run without --quick).")
    print("note: timings on shared machines are noisy; compare ratios measured in one run.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny scenario, 2 steps (smoke test)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument("--repeats", type=int, default=None, help="regional runs (best-of-N)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--child-run", metavar="SCENARIO", help=argparse.SUPPRESS)
    parser.add_argument("--overrides", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child_run:
        print(json.dumps(child_run(args.child_run, json.loads(args.overrides), args.seed)))
        return 0

    quick = args.quick
    overrides = QUICK_OVERRIDES if quick else {}
    repeats = args.repeats or (1 if quick else 3)
    scenario_path = args.scenario.resolve()

    from iei_sim.scenario import load_scenario

    scenario = load_scenario(scenario_path, overrides or None)
    run = measure_runs(scenario_path, overrides, args.seed, repeats)
    students = measure_student_updates(
        scenario_path,
        overrides,
        args.seed,
        vec_repeats=5 if quick else 30,
        agent_repeats=1 if quick else 3,
    )
    checks = {
        "run_time": status(run["wall_seconds_best"] <= TARGET_RUN_SECONDS, quick),
        "peak_memory": status(run["peak_rss_bytes"] <= TARGET_PEAK_BYTES, quick),
        "speedup": status(students["speedup"] >= TARGET_SPEEDUP, quick),
        "same_result": "PASS" if students["equivalence"]["ok"] else "FAIL",
    }
    try:
        shown_path = scenario_path.relative_to(ROOT)
    except ValueError:
        shown_path = scenario_path
    data = {
        "date": dt.date.today().isoformat(),  # the day it was measured
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "quick": quick,
        "command": " ".join(["python", "benchmarks/bench_regional.py", *(argv or sys.argv[1:])]),
        "machine": machine_info(),
        "scenario": {
            "path": str(shown_path),
            "name": scenario.name,
            "overrides": overrides,
            "students": students["students"],
            "initial_students": students["initial_students"],
        },
        "targets": {
            "run_wall_seconds_max": TARGET_RUN_SECONDS,
            "run_peak_rss_bytes_max": TARGET_PEAK_BYTES,
            "speedup_min": TARGET_SPEEDUP,
        },
        "figures": {
            "run_wall_seconds": run["wall_seconds_best"],
            "run_peak_rss_mib": run["peak_rss_mib"],
            "vectorised_students_per_second": students["vectorised_students_per_second"],
            "per_agent_students_per_second": students["per_agent_students_per_second"],
            "speedup": students["speedup"],
        },
        "checks": checks,
        "run": run,
        "students": students,
    }
    print_report(data)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2) + "\n")
        print(f"figures written to {args.json}")
    if not students["equivalence"]["ok"]:
        print("error: the vectorised and per-agent updates disagree", file=sys.stderr)
        return 2
    if args.strict and "MISS" in checks.values():
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
