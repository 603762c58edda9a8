"""Spin-up (``spin_up_years``): the status quo is run under the baseline policy before the reported
years, the scenario's policy comes into force at ``policy_start``, and the spin-up is neither
reported nor different between regimes (docs/stationarity.md)."""

from __future__ import annotations

import numpy as np
import pytest
from tests.helpers import SCENARIOS, tiny
from tests.sizes import BEHAVIOUR
from tools.stationarity import HEADLINE, TOLERANCE, diagnose

from iei_sim import model as model_module
from iei_sim.model import IEIModel, build_model
from iei_sim.outcomes import OUTCOMES
from iei_sim.run import collect_result, run_scenario
from iei_sim.scenario import load_scenario
from iei_sim.scenario.schema import PolicySpec

# Every firm may claim the deduction, so a regime's payments start in its first year.
DEDUCTION_FOR_ALL = {"policy.tax_deduction.certified_only": False}


def tiny_regime(name: str, spin_up_years: int, steps: int = 3, **overrides):
    """A shipped regime file at the BEHAVIOUR size, with a spin-up."""
    return load_scenario(
        SCENARIOS / f"{name}.yaml",
        overrides={**BEHAVIOUR, "steps": steps, "spin_up_years": spin_up_years, **overrides},
    )


def test_the_baseline_policy_is_what_the_baseline_scenario_runs():
    """The spin-up runs the schema's default policy; that is the status quo only while
    scenarios/baseline.yaml sets no instrument."""
    baseline = load_scenario(SCENARIOS / "baseline.yaml")
    assert baseline.policy == PolicySpec()
    assert all(region.policy is None for region in baseline.regions.values())
    regime = load_scenario(SCENARIOS / "tax_deduction.yaml")
    assert regime.under_baseline_policy().policy == baseline.policy


def test_spin_up_years_are_not_reported():
    scenario = tiny({"spin_up_years": 6}, steps=4)
    result = run_scenario(scenario, seed=1)
    assert list(result.timeseries["step"]) == [1, 2, 3, 4]
    assert result.summary["steps"] == 4
    assert result.ledger["step"].between(1, 4).all()
    assert (result.partnerships["start_step"] <= 0).any()  # formed during the spin-up
    # Without a spin-up no student has met a partnership in year 1; after one, some have.
    cold = run_scenario(tiny(steps=4), seed=1)
    assert cold.timeseries["student_coverage"].iloc[0] == 0
    assert result.timeseries["student_coverage"].iloc[0] > 0


def test_regimes_share_their_spin_up_and_differ_from_policy_start():
    baseline = IEIModel(tiny_regime("baseline", 5), seed=2)
    regime = IEIModel(tiny_regime("tax_deduction", 5, **DEDUCTION_FOR_ALL), seed=2)
    assert baseline.steps == regime.steps == 5
    np.testing.assert_array_equal(baseline.firms.belief, regime.firms.belief)
    assert [(p.id, p.trust, p.depth) for p in baseline.partnerships] == [
        (p.id, p.trust, p.depth) for p in regime.partnerships
    ]
    spun_up = regime.ledger.flows()
    assert not (spun_up["purpose"] == "tax_deduction").any()  # no deduction before the start
    regime.step()
    assert regime.config.policy.tax_deduction.enabled
    assert regime.outcomes["fiscal_cost"] > 0


def test_a_reused_spin_up_runs_as_a_fresh_one(monkeypatch):
    """build_model (what run_scenario and experiments use) spins up once per structure and
    seed and copies the result for every regime; the copy must run exactly as a fresh build."""
    monkeypatch.setattr(model_module, "_SPUN_UP", type(model_module._SPUN_UP)())
    regime = tiny_regime("tax_deduction", 5, **DEDUCTION_FOR_ALL)
    run_scenario(tiny_regime("baseline", 5), seed=2)  # computes the spin-up
    assert len(model_module._SPUN_UP) == 1
    reused = run_scenario(regime, seed=2)
    assert len(model_module._SPUN_UP) == 1  # the regime found the baseline's spin-up
    fresh_model = IEIModel(regime, seed=2)
    for _ in range(regime.steps):
        fresh_model.step()
    fresh = collect_result(fresh_model, regime, 2)
    for table in ("timeseries", "ledger", "partnerships", "firms", "schools"):
        assert getattr(reused, table).equals(getattr(fresh, table)), table
    assert reused.summary == fresh.summary
    assert reused.timeseries["fiscal_cost"].sum() > 0


def test_the_spin_up_cache_keeps_within_its_bound(monkeypatch):
    monkeypatch.setattr(model_module, "_SPUN_UP", type(model_module._SPUN_UP)())
    monkeypatch.setattr(model_module, "SPIN_UP_CACHE_RECORDS", 0)
    for seed in (0, 1):
        build_model(tiny_regime("baseline", 2), seed)
    assert [seed for _, seed in model_module._SPUN_UP] == [1]  # the latest one is kept


def test_demand_grows_from_policy_start():
    """Exogenous demand growth holds through the spin-up, so the first reported year meets the
    demand it meets without one."""
    cold, warm = IEIModel(tiny(steps=2), seed=0), IEIModel(tiny({"spin_up_years": 4}, 2), seed=0)
    cold.step()
    warm.step()
    np.testing.assert_array_equal(cold.demand_index, warm.demand_index)
    assert cold.demand_index.max() > 1


def test_cohort_outcomes_are_meaningful_from_year_one_after_a_spin_up():
    cohort = [o for o in OUTCOMES.values() if o.first_meaningful_year(tiny()) > 1]
    assert cohort, "some outcome waits for the first cohort without a spin-up"
    assert all(o.first_meaningful_year(tiny({"spin_up_years": 10})) == 1 for o in cohort)


@pytest.mark.slow
def test_shipped_baseline_status_quo_is_stationary():
    """The issue's measure on ``scenarios/baseline.yaml`` as shipped (its spin-up included):
    with no policy, 16 paired seeds, the headline summaries change by at most 0.03 when the
    horizon grows from the reported 20 years to 40 (about a minute)."""
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    assert scenario.spin_up_years > 0
    result = diagnose(scenario, list(range(16)), years=40, extend=20, horizons=[20])
    changes = {name: result.change[name][20] for name in HEADLINE}
    assert all(abs(change) <= TOLERANCE for change in changes.values()), changes


def spin_up_task(point: int, seed: int, spin_up: int):
    from iei_sim.experiments.design import RunTask

    return RunTask(
        key=f"{point}-{seed}",
        point=point,
        scenario_label="s",
        values={},
        replicate=seed,
        seed=seed,
        scenario={"spin_up_years": spin_up},
        scenario_hash="h",
        outcomes=(),
    )


def test_runs_sharing_a_seed_follow_each_other_when_scenarios_spin_up():
    """So a process computes each spin-up once for every point that shares it."""
    from iei_sim.experiments.runner import spin_up_order

    task = spin_up_task
    planned = [task(point, seed, 40) for point in range(3) for seed in range(2)]
    assert [t.seed for t in spin_up_order(planned)] == [0, 0, 0, 1, 1, 1]
    assert [t.point for t in spin_up_order(planned)] == [0, 1, 2, 0, 1, 2]
    cold = [task(point, seed, 0) for point in range(3) for seed in range(2)]
    assert spin_up_order(cold) == cold


def test_a_local_worker_takes_the_runs_of_one_spin_up_together():
    """The local pool's batches: one seed's runs in even batches of at most ``most``, never
    two seeds in one batch, every run exactly once, in order; runs without a spin-up alone."""
    from iei_sim.experiments.executors import spin_up_batches
    from iei_sim.experiments.runner import spin_up_order

    planned = spin_up_order([spin_up_task(p, s, 40) for p in range(7) for s in range(3)])
    batches = list(spin_up_batches(planned, most=3))
    assert [len(b) for b in batches] == [3, 2, 2] * 3
    assert all(len({t.seed for t in b}) == 1 for b in batches)
    assert [t for b in batches for t in b] == planned
    assert [len(b) for b in spin_up_batches(planned, most=32)] == [7, 7, 7]
    cold = [spin_up_task(p, s, 0) for p in range(3) for s in range(2)]
    assert [b for b in spin_up_batches(cold)] == [[t] for t in cold]


def test_the_spin_up_computes_no_outcomes_and_the_reported_years_every_one(monkeypatch):
    """Outcomes of spin-up years are never reported, so none is computed; the first reported
    year computes them all again (or an experiment's kept ones)."""
    asked: list = []
    original = model_module.compute_outcomes

    def recording(model, names=None):
        asked.append(names)
        return original(model, names)

    monkeypatch.setattr(model_module, "compute_outcomes", recording)
    model = IEIModel(tiny_regime("baseline", 4), seed=1)
    assert asked == [frozenset()] * 4 and model.records == [] and model.outcomes == {}
    assert model.kept_outcomes is None
    model.step()
    assert asked[-1] is None and set(model.records[0]) == set(OUTCOMES)
