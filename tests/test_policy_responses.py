"""Policy responses the seeds argue for must emerge (MODEL.md §5), tested directionally.

Criterion, stated once: each regime is run on the same 16 seeds as its reference (common random
numbers), and the difference must be significant in a one-sided paired t-test at p < 0.05.
Regimes are the shipped scenario files, at the small scenario's size over 20 years.
"""

import pytest
from scipy import stats
from tests.helpers import small_regime

from iei_sim.patterns import run_replicates

REPLICATES = 16
ALPHA = 0.05


@pytest.fixture(scope="module")
def runs():
    cache = {}

    def get(name, **overrides):
        key = (name, tuple(sorted(overrides.items())))
        if key not in cache:
            cache[key] = run_replicates(small_regime(name, overrides), REPLICATES, workers=2)
        return cache[key]

    return get


def _significant(a, b, outcome, alternative):
    test = stats.ttest_rel(a[outcome], b[outcome], alternative=alternative)
    return test.pvalue < ALPHA, (outcome, float((a[outcome] - b[outcome]).mean()), test.pvalue)


def test_intern_subsidy_raises_participation_with_diminishing_returns(runs):
    none = runs("baseline")
    one = runs("baseline", **{"policy.subsidies.per_intern": 1.0})
    two = runs("baseline", **{"policy.subsidies.per_intern": 2.0})
    ok, info = _significant(one, none, "firm_participation_rate", "greater")
    assert ok, info
    ok, info = _significant(two, one, "firm_participation_rate", "greater")
    assert ok, info
    first = one["firm_participation_rate"] - none["firm_participation_rate"]
    second = two["firm_participation_rate"] - one["firm_participation_rate"]
    assert stats.ttest_rel(first, second, alternative="greater").pvalue < ALPHA, (
        first.mean(),
        second.mean(),
    )


def test_tax_deduction_raises_participation(runs):
    ok, info = _significant(
        runs("tax_deduction"), runs("baseline"), "firm_participation_rate", "greater"
    )
    assert ok, info


REGIMES_AGAINST_REFERENCE = [("risk_sharing", "baseline"), ("monitoring", "tax_deduction")]


@pytest.mark.parametrize(("regime", "reference"), REGIMES_AGAINST_REFERENCE)
def test_risk_sharing_and_monitoring_favour_education_oriented_projects(runs, regime, reference):
    ok, info = _significant(runs(regime), runs(reference), "education_project_share", "greater")
    assert ok, info


@pytest.mark.xfail(
    strict=True,
    reason="known gap (MODEL.md §5): in this model depth is set by the trust of ordinary years; "
    "risk sharing and monitoring move the shallow share by < 0.01 (p > 0.3 at 40 replicates)",
)
@pytest.mark.parametrize(("regime", "reference"), REGIMES_AGAINST_REFERENCE)
def test_risk_sharing_and_monitoring_deepen_cooperation(runs, regime, reference):
    ok, info = _significant(runs(regime), runs(reference), "shallow_partnership_share", "less")
    assert ok, info


def test_platform_widens_student_coverage(runs):
    ok, info = _significant(runs("platform"), runs("baseline"), "student_coverage", "greater")
    assert ok, info
