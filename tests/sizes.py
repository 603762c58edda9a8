"""The shrunk scenarios that tests and the benchmarks' quick modes run: one named size per purpose.

A size is a dict of scenario overrides in the dotted form that ``load_scenario(overrides=...)``,
``iei-sim run --set`` and an experiment file's ``overrides:`` take (``regions.east.schools``),
``steps`` included. It names no base file: each user applies it to the scenario file its test is
about (the baseline, the small scenario, a regime file, the regional scenario), and may add
levers of its own on top. ``tests.helpers.scenario_text`` writes a size as a scenario file.

The sizes are kept apart because they serve different purposes, and a test's thresholds (a
share, a p-value over a set of seeds) were set on its size: **never change a size in place**
(the results of the tests that use it would change with it); add a new one instead. Two
definitions that were the same are one size here; ones that differed even by one key stay two.

This module imports nothing: the benchmarks' quick modes read it too (``benchmarks/*.py`` put
the repository root, found from their own path, on ``sys.path``, so they run from any folder),
without the tests' fixtures or anything else. The sizes are test sizes, so the package does not
ship them. ``tests/test_baseline.py`` does not use them: its cases are in ``tests/baseline``.

Also defined elsewhere, for now: ``src/iei_sim/docking/report.py`` ``CHECK_SIZE`` (the docking
report's own check) and ``tests/test_docking_bridge.py`` ``SMALL``, and
``tests/test_experiments.py`` ``TINY``, which is :data:`SWEEP`.
"""

from __future__ import annotations

from typing import Any

Size = dict[str, Any]


def per_region(steps: int, spin_up: bool = False, **regions: dict[str, Any]) -> Size:
    """``{"steps": steps, "spin_up_years": 0, "regions.<r>.<key>": value, ...}`` for each
    region's fields (with ``spin_up``, no ``spin_up_years``: the scenario file's own).

    No spin-up by default: most sizes test mechanics and plumbing, whose thresholds were set on runs that
    start from no partnerships. The shipped baseline spins up 40 years (issue 17); a size that
    is about the settled status quo says so itself (:data:`SMALL_20_YEARS`).
    """
    return {
        "steps": steps,
        **({} if spin_up else {"spin_up_years": 0}),
        **{
            f"regions.{region}.{key}": value
            for region, fields in regions.items()
            for key, value in fields.items()
        },
    }


# Mechanism and model behaviour: the shipped baseline at 12 schools, 160 firms and ~2,400
# students over 8 years (``tests.helpers.tiny``, whose ``steps`` argument sets the horizon).
# Used by tests/mechanisms/, tests/agents/, tests/test_model.py, tests/test_mechanism_switches.py,
# tests/test_ledger.py, tests/test_run.py, tests/test_network_plots.py and
# tests/test_sensitivity_model.py. Why this size: every mechanism leaves its trace within a few
# years (partnerships reach the deep rung, interns are placed, graduates hired, risks strike,
# evaluations expose paper projects), both regions have firms in every sector, and a run takes
# well under a tenth of a second, so the tests that compare regimes over 6 to 10 seeds stay fast.
BEHAVIOUR: Size = per_region(
    8,
    east={"schools": 6, "firms": 90, "students_per_school": 200},
    west={"schools": 6, "firms": 70, "students_per_school": 200},
)

# Plumbing: files, commands, run folders, stores and experiment plans, whose numbers no test
# reads. 3 schools, 20 firms and 50 students a school per region, 2 years (the least with a
# year-on-year series): runs of about two hundredths of a second. On the baseline in the
# ``tiny_scenario`` fixture (tests/conftest.py: tests/test_cli.py, tests/test_output_folders.py,
# tests/test_outcomes.py), on the small scenario in ``tests.helpers.tiny_experiment``
# (tests/test_experiments.py, tests/test_sensitivity_discovery.py, tests/test_sensitivity_model.py).
PLUMBING: Size = per_region(
    2,
    east={"schools": 3, "firms": 20, "students_per_school": 50},
    west={"schools": 3, "firms": 20, "students_per_school": 50},
)

# Shipped regimes compared over many seeds (``tests.helpers.small_regime``:
# tests/test_policy_responses.py): the small scenario's structure (scenarios/small.yaml), applied
# to a regime file that extends the baseline, over the baseline's 20 years. The policy responses
# documented in docs/policy-responses.md were measured at this size, after the regime file's own
# spin-up (the baseline's 40 years: the policies act on a settled status quo).
SMALL_20_YEARS: Size = {
    **per_region(
        20,
        spin_up=True,
        east={"schools": 10, "firms": 110, "students_per_school": 250, "government_budget": 400},
        west={"schools": 10, "firms": 90, "students_per_school": 250, "government_budget": 200},
    ),
    "firms.hires_per_year_sme": 3.0,
    "firms.hires_per_year_large": 25.0,
}

# A quick look at the CRN diagnostic (tests/test_crn.py, ``benchmarks/crn.py --quick``) on the
# small scenario: the least size at which every target outcome still varies with the seed
# (3 schools and 30 firms per region, 6 years), runs of a few hundredths of a second. Too small
# for the tax rate to matter: a quick PASS means nothing.
CRN_QUICK: Size = per_region(
    6,
    east={"schools": 3, "firms": 30, "students_per_school": 100},
    west={"schools": 3, "firms": 30, "students_per_school": 100},
)

# Sweeps whose statistics a test checks (tests/test_store_safety.py; tests/test_experiments.py's
# ``TINY`` is the same size): on the small scenario, 4 schools and 40 firms, 3 years, a few
# hundredths of a second a run, so a sweep of points × replicates takes a second or two.
SWEEP: Size = per_region(
    3,
    east={"schools": 2, "firms": 24, "students_per_school": 60},
    west={"schools": 2, "firms": 16, "students_per_school": 60},
)

# The dashboard's model, stepped year by year in tests/test_dashboard.py: the small scenario at 3
# schools and 25 firms per region, a 3-year horizon (stepping stops at its end).
DASHBOARD: Size = per_region(
    3,
    east={"schools": 3, "firms": 25, "students_per_school": 60},
    west={"schools": 3, "firms": 25, "students_per_school": 60},
)

# ``benchmarks/bench_regional.py --quick`` (its smoke test in tests/test_benchmark_smoke.py checks
# the 2 steps): the regional scenario cut down to 3 schools and 20 firms per region.
BENCH_REGIONAL_QUICK: Size = per_region(
    2,
    east={"schools": 3, "firms": 20, "students_per_school": 100},
    west={"schools": 3, "firms": 20, "students_per_school": 100},
)

# ``benchmarks/bench_experiments.py --quick``: the small scenario at 2 schools and 20 firms per
# region (its own 250 students a school), 3 years; the executors' overhead, not the model, is
# what the quick benchmark exercises.
BENCH_EXPERIMENTS_QUICK: Size = per_region(
    3, east={"schools": 2, "firms": 20}, west={"schools": 2, "firms": 20}
)

# ``benchmarks/fingerprint.py`` run twice in fresh processes (tests/test_benchmark_smoke.py): the
# small scenario at 3 schools and 20 firms per region (its own 250 students a school), 2 years.
FINGERPRINT: Size = per_region(
    2, east={"schools": 3, "firms": 20}, west={"schools": 3, "firms": 20}
)
