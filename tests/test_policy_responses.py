"""Policy responses the seeds argue for must emerge (MODEL.md §5), tested directionally.

The comparisons (regime, reference, outcome, expected direction, smallest effect of interest)
are data in ``tools/policy_responses.py`` ``COMPARISONS``; each test's replicates come from the
power analysis that tool stored in ``tests/policy_power.json`` (pilot on seeds disjoint from
these), never from the result. Each regime runs on seeds 0 … n − 1 with its reference (common
random numbers), at the small scenario's size over 20 years, and the long-run (run summary)
difference must be significant in a one-sided paired t-test at p < 0.05. A response the tool
reports as not emerging is a strict expected failure: it must not pass silently, nor be claimed.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from scipy import stats
from tools.policy_responses import ALPHA, COMPARISONS, POWER_FILE, Comparison, arm_scenario, main

from iei_sim.patterns import run_replicates

# Long-run verdicts of docs/policy-responses.md that are "does not emerge" (regenerate it with
# `python -m tools.policy_responses --workers 2` after a model change and update these).
NOT_EMERGING: dict[str, str] = {
    "platform_coverage": (
        "on the settled status quo the platform does not widen coverage (long run -0.006 "
        "[-0.027, +0.015] at n = 20, docs/policy-responses.md); the +0.033 measured on the "
        "20-year climb from an empty start does not hold, and why is not yet analysed"
    ),
    "risk_sharing_depth": (
        "since firms value a rung's interns by the school's record (intern quality), the "
        "baseline already deepens more and risk sharing adds no detectable depth (long run "
        "+0.006 [-0.023, +0.034] at n = 8, below its SESOI of 0.05, with secrecy's exposure "
        "cost; before: +0.040, detected but below the SESOI too); it still shifts the mix "
        "toward education"
    ),
    "monitoring_depth": (
        "since the associations' forecasts were removed (schools follow regional labour demand), "
        "monitoring on top of the tax deduction adds no detectable long-run depth (+0.014 "
        "[-0.007, +0.035] at n = 8, p = 0.08, below its SESOI of 0.05; detected at 5 years, "
        "+0.014 [+0.008, +0.020]); it still shifts the mix toward education"
    ),
}


def replicates_for(name: str) -> int:
    """The comparison's replicates from the stored power analysis (fails clearly without it)."""
    if not POWER_FILE.exists():
        pytest.fail(f"{POWER_FILE} is missing: run `python -m tools.policy_responses`")
    plan = json.loads(POWER_FILE.read_text())["comparisons"]
    if name not in plan:
        pytest.fail(f"{POWER_FILE} has no power analysis for {name!r}: rerun the tool")
    return int(plan[name]["replicates"])


@pytest.fixture(scope="module")
def arm_runs():
    """Each arm's run summaries on seeds 0 … n − 1, n the most any comparison needs of it."""
    needed: dict[str, int] = {}
    for comparison in COMPARISONS:
        for arm in comparison.arms:
            needed[arm] = max(needed.get(arm, 0), replicates_for(comparison.name))
    cache: dict[str, pd.DataFrame] = {}

    def get(arm: str, replicates: int) -> pd.DataFrame:
        if arm not in cache:
            cache[arm] = run_replicates(arm_scenario(arm), needed[arm], workers=2)
        return cache[arm].iloc[:replicates]

    return get


def _case(comparison: Comparison):
    marks = []
    if comparison.name in NOT_EMERGING:
        # a known negative result (docs/policy-responses.md): re-checked by `make test-slow`
        marks += [pytest.mark.xfail(strict=True, reason=NOT_EMERGING[comparison.name])]
        marks += [pytest.mark.slow]
    return pytest.param(comparison, id=comparison.name, marks=marks)


@pytest.mark.parametrize("comparison", [_case(c) for c in COMPARISONS])
def test_policy_response_emerges(arm_runs, comparison: Comparison) -> None:
    n = replicates_for(comparison.name)
    outcome = comparison.outcome
    regime = sum(
        weight * arm_runs(arm, n)[outcome].to_numpy() for arm, weight in comparison.regime.items()
    )
    reference = arm_runs(comparison.reference, n)[outcome].to_numpy()
    test = stats.ttest_rel(regime, reference, alternative=comparison.direction)
    assert test.pvalue < ALPHA, (comparison.name, float((regime - reference).mean()), test.pvalue)


def test_tool_writes_power_file_table_and_doc(tmp_path) -> None:
    """The tool end to end on 2 seeds, 3 years, one comparison (plumbing; numbers unread)."""
    power, doc, csv = tmp_path / "power.json", tmp_path / "doc.md", tmp_path / "effects.csv"
    args = ["--pilot", "2", "--floor", "2", "--cap", "2", "--steps", "3"]
    args += ["--only", "tax_deduction_participation"]
    assert main([*args, "--power-file", str(power), "--doc", str(doc), "--csv", str(csv)]) == 0
    plan = json.loads(power.read_text())
    entry = plan["comparisons"]["tax_deduction_participation"]
    assert entry["pilot_seeds"] == [1000, 1001] and entry["replicates"] == 2
    assert set(entry["scenario_hashes"]) == {"tax_deduction", "baseline"}
    assert plan["model"]["iei_sim_version"]
    table = pd.read_csv(csv)
    assert set(table["horizon"]) == {"long run"}  # 3 years reach neither 5 nor 10
    assert set(table["replicates"]) == {2}
    text = doc.read_text()
    assert "tax_deduction vs baseline" in text and "## Power analysis" in text


def _horizon_rows(diffs: dict[str, float], p_one_sided: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "horizon": list(diffs),
            "diff": list(diffs.values()),
            "p_one_sided": list(p_one_sided.values()),
        }
    )


def test_verdict_flags_a_detected_effect_below_the_sesoi() -> None:
    """p < α alone is "emerges"; a detected effect smaller than the SESOI says so, per horizon."""
    from tools.policy_responses import verdict

    horizons = ["5 years", "10 years", "long run"]
    large = _horizon_rows(
        dict(zip(horizons, [0.08, 0.09, 0.10], strict=True)), dict.fromkeys(horizons, 0.001)
    )
    assert verdict(large, False, 12, sesoi=0.05) == "emerges"
    small = _horizon_rows(
        dict(zip(horizons, [0.08, 0.03, 0.02], strict=True)), dict.fromkeys(horizons, 0.001)
    )
    text = verdict(small, False, 12, sesoi=0.05)
    assert text == "emerges, but below its SESOI of 0.05 at 10 years and in the long run"
    absent = _horizon_rows(
        dict(zip(horizons, [0.01, 0.0, 0.01], strict=True)), dict.fromkeys(horizons, 0.4)
    )
    assert verdict(absent, False, 12, sesoi=0.05) == "does not emerge"
