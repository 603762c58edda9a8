"""What a request will cost, estimated before anything is allocated or planned.

A scenario of 10⁹ students validates (each count is within its bound) but cannot run; a design
of 10⁷ points validates but cannot be planned. Both are refused here with the estimate and the
limit, in well under a second, instead of ending in a ``MemoryError`` after minutes.

The per-entity costs come from measuring runs of ``scenarios/small.yaml`` scaled in firms,
schools, students and years (``tracemalloc`` peak of ``run_scenario``); they are rounded up, and
the estimate is compared with the memory available to this process (free memory, and the
address-space limit if one is set, e.g. by ``prlimit`` or a batch scheduler).
"""

from __future__ import annotations

import math
import os
import resource
from dataclasses import dataclass

from iei_sim.errors import ResourceLimitError

# Measured (peak traced memory of one run, per unit; rounded up):
BYTES_PER_STUDENT_RECORD = 64  # 52 bytes of arrays per record, plus the working copies
BYTES_PER_FIRM = 3_000  # the firm, its beliefs and partnerships, its ledger account
BYTES_PER_SCHOOL = 20_000  # the school, its programmes and capacity caches
BYTES_PER_FIRM_YEAR = 200  # ledger transfers and outcome rows that grow with the years
BASE_BYTES = 50_000_000  # the model's fixed tables, result frames, interpreter slack
INT32_LIMIT = 2**31 - 1  # student ids and school indices are int32

# An experiment's plan holds each point's resolved scenario (about 11 kB) and each run's task.
BYTES_PER_POINT = 12_000
BYTES_PER_RUN = 400
SECONDS_PER_POINT = 0.004  # resolving and validating one point's scenario
MAX_DESIGN_POINTS = 200_000
MAX_RUNS = 2_000_000


def available_memory() -> int:
    """Bytes this process may still allocate: the system's available memory, lowered by an
    address-space limit (``RLIMIT_AS``) if one is set."""
    free = _meminfo_available()
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft not in (resource.RLIM_INFINITY, -1):
        free = min(free, max(0, soft - _address_space_in_use()))
    return free


def _meminfo_available() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 2**62  # unknown: do not refuse on a guess


def _address_space_in_use() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**28 else f"{n / 2**20:.0f} MiB"


@dataclass(frozen=True)
class RunEstimate:
    """The size of one run of a scenario, and the memory it needs."""

    schools: int
    firms: int
    student_records: int  # everyone enrolled at the start plus every later intake
    steps: int

    @property
    def bytes(self) -> int:
        return (
            BASE_BYTES
            + BYTES_PER_SCHOOL * self.schools
            + BYTES_PER_FIRM * self.firms
            + BYTES_PER_FIRM_YEAR * self.firms * self.steps
            + BYTES_PER_STUDENT_RECORD * self.student_records
        )


def estimate_run(scenario) -> RunEstimate:
    """Estimate a run of ``scenario`` from its counts (no model is built)."""
    schools = sum(r.schools for r in scenario.regions.values())
    firms = sum(r.firms for r in scenario.regions.values())
    enrolled = sum(r.schools * r.students_per_school for r in scenario.regions.values())
    students = scenario.students
    shortest = max(1, min(students.duration_vocational, students.duration_undergraduate))
    # School sizes are log-normal with mean 1 (×1.1 for the tail); intake is enrolment/duration.
    years = scenario.simulated_years
    records = math.ceil(1.1 * enrolled * (1 + (years + 1) / shortest))
    return RunEstimate(schools, firms, records, years)


def check_run_fits(scenario, what: str = "the scenario", limit: int | None = None) -> RunEstimate:
    """Refuse a run that cannot fit in memory (or in the model's int32 ids), with the numbers;
    ``limit`` (bytes) caps the memory further (the dashboard serves a shared page)."""
    estimate = estimate_run(scenario)
    if estimate.student_records > INT32_LIMIT:
        raise ResourceLimitError(
            f"{what} would create about {estimate.student_records:,} student records over "
            f"{estimate.steps} years, more than the model's ids hold ({INT32_LIMIT:,}); make it "
            "smaller (fewer schools, students_per_school or steps)"
        )
    free = available_memory() if limit is None else min(limit, available_memory())
    if estimate.bytes > free:
        raise ResourceLimitError(
            f"{what} needs about {gib(estimate.bytes)} of memory ({estimate.schools:,} schools, "
            f"{estimate.firms:,} firms, {estimate.student_records:,} student records over "
            f"{estimate.steps} years), more than the {gib(free)} available; make it smaller "
            "(fewer schools, firms, students_per_school or steps)"
        )
    return estimate


def check_design_size(points: int, replicates: int, what: str = "the design") -> None:
    """Refuse a design too large to plan or run, before planning it, with the numbers."""
    runs = points * replicates
    plan_bytes = points * BYTES_PER_POINT + runs * BYTES_PER_RUN
    free = available_memory()
    reasons = []
    if points > MAX_DESIGN_POINTS:
        reasons.append(f"more than {MAX_DESIGN_POINTS:,} points")
    if runs > MAX_RUNS:
        reasons.append(f"more than {MAX_RUNS:,} runs")
    if plan_bytes > free:
        reasons.append(f"its plan needs about {gib(plan_bytes)}, more than the {gib(free)} free")
    if reasons:
        hours = points * SECONDS_PER_POINT / 3600
        raise ResourceLimitError(
            f"{what} has {points:,} points × {replicates:,} replicates = {runs:,} runs: "
            f"{'; '.join(reasons)} (planning alone would take about {hours:,.1f} h and "
            f"{gib(plan_bytes)}); use fewer levels, samples or replicates, or split the design"
        )
