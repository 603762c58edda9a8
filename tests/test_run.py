"""run_scenario and the run folder: contents, reproducibility, atomic writes."""

import json

import pandas as pd
import pytest
from tests.helpers import RUN_FILES, tiny

from iei_sim.outcomes import OUTCOMES
from iei_sim.run import default_out_dir, run_scenario
from iei_sim.scenario import scenario_hash

REQUIRED_SUMMARY_KEYS = {
    "firm_participation_rate",
    "school_willingness",
    "deep_partnership_share",
    "education_project_share",
    "project_gini",
    "student_coverage",
    "graduate_employment_rate",
    "intern_retention_rate",
    "lagging_region_outflow",
    "fiscal_cost",
    "seed",
    "iei_sim_version",
    "scenario_hash",
}


@pytest.fixture(scope="module")
def scenario():
    return tiny({"policy.tax_deduction.enabled": True, "policy.subsidies.per_intern": 0.5}, steps=5)


def test_run_folder_holds_every_output(tmp_path, scenario):
    result = run_scenario(scenario, seed=7)
    out = result.write(tmp_path / "run")
    names = {p.name for p in out.iterdir()}
    assert {*RUN_FILES, "partnerships.csv", "plots"} <= names
    assert len(list((out / "plots").glob("*.png"))) >= 5
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) >= REQUIRED_SUMMARY_KEYS
    assert summary["seed"] == 7 and summary["scenario_hash"] == scenario_hash(scenario)
    ts = pd.read_csv(out / "timeseries.csv")
    assert len(ts) == scenario.steps and set(OUTCOMES) <= set(ts.columns)
    ledger = pd.read_csv(out / "ledger.csv")
    assert {"step", "from_type", "to_type", "resource", "amount"} <= set(ledger.columns)
    assert set(ledger["step"]) == set(range(1, scenario.steps + 1))
    firms = pd.read_csv(out / "firms.csv")
    assert len(firms) == sum(r.firms for r in scenario.regions.values())
    assert {"region", "sector", "size", "participating", "certified", "net_benefit_total"} <= set(
        firms.columns
    )
    schools = pd.read_csv(out / "schools.csv")
    assert len(schools) == sum(r.schools for r in scenario.regions.values())


def test_resolved_scenario_reloads_to_the_same_scenario(tmp_path, scenario):
    from iei_sim.scenario import load_scenario

    out = run_scenario(scenario, seed=1).write(tmp_path / "run", plots=False)
    again = load_scenario(out / "scenario.resolved.yaml")
    assert again == scenario and scenario_hash(again) == scenario_hash(scenario)


def test_same_scenario_and_seed_give_byte_identical_outputs(tmp_path, scenario):
    a = run_scenario(scenario, seed=3).write(tmp_path / "a", plots=False)
    b = run_scenario(scenario, seed=3).write(tmp_path / "b", plots=False)
    for name in (
        "timeseries.csv",
        "summary.json",
        "ledger.csv",
        "firms.csv",
        "schools.csv",
        "partnerships.csv",
        "scenario.resolved.yaml",
    ):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_a_different_seed_gives_a_different_run(scenario):
    a = run_scenario(scenario, seed=3).timeseries
    b = run_scenario(scenario, seed=4).timeseries
    assert not a.equals(b)


def test_progress_is_reported_every_year(scenario):
    seen = []
    run_scenario(scenario, seed=0, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, scenario.steps) for i in range(1, scenario.steps + 1)]


def test_a_failed_write_leaves_the_earlier_run_folder_untouched(tmp_path, scenario, monkeypatch):
    result = run_scenario(scenario, seed=2)
    out = result.write(tmp_path / "run", plots=False)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("iei_sim.plots.write_run_plots", broken)
    with pytest.raises(RuntimeError):
        run_scenario(scenario, seed=9).write(out, plots=True)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no staging folder left behind


def test_default_output_folder_is_keyed_by_name_hash_and_seed(scenario):
    path = default_out_dir(scenario, 5)
    assert path.parts[-2] == scenario.name
    assert path.name == f"{scenario_hash(scenario)[:10]}-seed5"


def test_steps_argument_overrides_the_scenario(scenario):
    assert len(run_scenario(scenario, seed=0, steps=2).timeseries) == 2
    with pytest.raises(ValueError):
        run_scenario(scenario, seed=0, steps=0)
