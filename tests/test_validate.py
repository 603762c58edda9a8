"""``iei-sim validate`` takes scenario, experiment and game files, tells them apart by their
keys, lists every problem at once and summarises what a sound file would run; ``run`` refuses
an experiment or game file in one line naming the command that takes it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from iei_sim.cli import app
from iei_sim.cli.common import MAX_STEPS
from iei_sim.cli.input_files import changed_fields, duration_text
from iei_sim.docking.game import load_game
from iei_sim.experiments import load_experiment
from iei_sim.experiments.design import plan_runs
from iei_sim.input_kinds import InputKind, kind_of_data
from iei_sim.scenario import Scenario, load_scenario, scenario_hash
from iei_sim.scenario.constraints import field_bounds
from iei_sim.sensitivity import prepare

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small.yaml"
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.yaml"))
GAMES = sorted((ROOT / "games").glob("*.yaml"))


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args])


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# -- telling kinds apart -------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXPERIMENTS, ids=[p.name for p in EXPERIMENTS])
def test_shipped_experiments_are_read_as_experiments(path: Path):
    assert kind_of_data(yaml.safe_load(path.read_text())) is InputKind.EXPERIMENT


@pytest.mark.parametrize("path", GAMES, ids=[p.name for p in GAMES])
def test_shipped_games_are_read_as_games(path: Path):
    assert kind_of_data(yaml.safe_load(path.read_text())) is InputKind.GAME


def test_a_scenario_with_typos_or_only_shared_keys_stays_a_scenario():
    """Only keys no scenario has make another kind; a misspelt scenario is validated (and its
    typos named) as a scenario."""
    assert kind_of_data({"stpes": 3, "name": "x"}) is InputKind.SCENARIO
    assert kind_of_data({"name": "x", "description": "y"}) is InputKind.SCENARIO
    assert kind_of_data({"extends": "a.yaml", "levers": {}}) is InputKind.SCENARIO  # a tie


# -- experiments ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXPERIMENTS, ids=[p.name for p in EXPERIMENTS])
def test_validate_an_experiment_counts_the_runs_sweep_plans(path: Path):
    result = invoke("validate", path)
    assert result.exit_code == 0, result.output
    loaded = load_experiment(path)
    assert f"OK (experiment '{loaded.name}', hash {loaded.spec.content_hash()})" in result.stdout
    for factor in loaded.spec.factors:
        assert factor in result.stdout
    assert ", ".join(loaded.spec.outcome_names) in " ".join(result.stdout.split())
    if path.name == "tax_deduction_sweep.yaml":  # cheap enough to plan for real
        runs = len(plan_runs(loaded))
        assert f"= {runs} runs (iei-sim sweep)" in result.stdout


def test_validate_counts_the_runs_a_sensitivity_analysis_plans(tmp_path: Path):
    path = write_yaml(
        tmp_path / "sobol.yaml",
        {
            "name": "tiny_sobol",
            "base": str(SMALL),
            "overrides": {"steps": 2},
            "levers": {
                "policy.tax_deduction.rate": {"low": 0.0, "high": 0.5},
                "policy.subsidies.per_intern": {"low": 0.0, "high": 2.0},
            },
            "include_dummy": True,
            "method": {"name": "sobol", "samples": 4},
            "replicates": 3,
        },
    )
    result = invoke("validate", path)
    assert result.exit_code == 0, result.output
    plan = prepare(path)
    assert f"= {len(plan.evaluation.tasks)} runs (iei-sim sensitivity)" in result.stdout


def test_every_problem_of_an_experiment_is_reported_at_once(tmp_path: Path):
    """Bounds, a misspelt lever path and a misspelt outcome, in one pass (not one per fix)."""
    path = write_yaml(
        tmp_path / "bad.yaml",
        {
            "name": "bad",
            "base": str(SMALL),
            "levers": {
                "policy.tax_deduction.rat": {"low": 0.0, "high": 0.5, "levels": 1},
                "policy.subsidies.per_intern": {"low": 2.0, "high": 1.0, "levels": 3},
            },
            "replicates": 0,
            "outcomes": ["firm_participaton_rate"],
        },
    )
    result = invoke("validate", path)
    assert result.exit_code == 2, result.output
    fields = [line.split(": ")[2] for line in error_lines(result.stderr)]
    assert sorted(fields) == sorted(
        [
            "levers.policy.tax_deduction.rat.levels",
            "levers.policy.subsidies.per_intern",
            "replicates",
            "outcomes.firm_participaton_rate",
            "levers.policy.tax_deduction.rat",
        ]
    )
    assert "did you mean 'policy.tax_deduction.rate'" in result.stderr
    assert "did you mean 'firm_participation_rate'" in result.stderr


def test_a_refused_experiment_still_names_its_base_scenarios_problems(tmp_path: Path):
    bad = tmp_path / "base.yaml"
    bad.write_text(f"extends: {SMALL}\nregions: {{esat: {{schools: 3}}}}\n", encoding="utf-8")
    path = write_yaml(tmp_path / "e.yaml", {"name": "e", "base": str(bad), "replicates": -1})
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert f"{path}: replicates:" in result.stderr
    assert f"{bad}: regions.esat: " in result.stderr and "did you mean 'east'" in result.stderr


# -- games and scenarios ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", GAMES, ids=[p.name for p in GAMES])
def test_validate_a_game_lists_its_populations_and_parameters(path: Path):
    result = invoke("validate", path)
    assert result.exit_code == 0, result.output
    game = load_game(path)
    assert f"{path}: OK (game '{game.name}')" in result.stdout
    for population, strategies in zip(game.populations, game.strategies, strict=True):
        assert f"{population} ({' / '.join(strategies)})" in result.stdout
    assert f"{len(game.parameters)} parameters" in result.stdout


def test_validate_a_scenario_shows_its_regions_and_its_diff_from_the_parent(tmp_path: Path):
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {SMALL}\nregions: {{east: {{schools: 3}}}}\n", encoding="utf-8")
    result = invoke("validate", child)
    assert result.exit_code == 0, result.output
    scenario, parent = load_scenario(child), load_scenario(SMALL)
    assert f"OK (scenario '{scenario.name}', hash {scenario_hash(scenario)})" in result.stdout
    for name, region in scenario.regions.items():
        assert f"{name} ({region.kind}): {region.schools} schools, {region.firms} firms" in (
            result.stdout
        )
    assert "1 change:" in result.stdout
    assert f"regions.east.schools: {parent.regions['east'].schools} -> 3" in result.stdout


def test_changed_fields_are_exactly_the_leaves_that_differ():
    base = load_scenario(SMALL)
    changed = base.model_copy(update={"steps": base.steps + 1, "seed": base.seed + 1})
    assert changed_fields(base, changed) == [
        ("steps", base.steps, base.steps + 1),
        ("seed", base.seed, base.seed + 1),
    ]
    assert changed_fields(base, base) == []


# -- the wrong kind for the command -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "hint"),
    [(EXPERIMENTS[0], "iei-sim sweep"), (GAMES[0], "iei-sim dock")],
    ids=["experiment", "game"],
)
def test_run_refuses_another_kind_of_file_in_one_line(path: Path, hint: str, tmp_path: Path):
    result = invoke("run", path, "--out", tmp_path / "out")
    assert result.exit_code == 2
    lines = error_lines(result.stderr)
    assert len(lines) == 1, lines
    assert hint in lines[0] and str(path) in lines[0]
    assert not (tmp_path / "out").exists()


def test_steps_are_bounded_alike_on_the_command_line_and_in_files(tmp_path: Path):
    assert field_bounds(Scenario, "steps").hi == MAX_STEPS
    result = invoke("run", SMALL, "--steps", MAX_STEPS + 1, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert str(MAX_STEPS) in result.output


def test_estimate_times_one_run_and_scales_it_by_each_commands_runs(tmp_path: Path):
    path = write_yaml(
        tmp_path / "e.yaml",
        {
            "name": "e",
            "base": str(SMALL),
            "overrides": {"steps": 2},
            "levers": {"policy.tax_deduction.rate": {"low": 0.0, "high": 0.5, "levels": 3}},
            "replicates": 4,
        },
    )
    assert "one run of the base" not in invoke("validate", path).stdout  # only when asked
    result = invoke("validate", path, "--estimate")
    assert result.exit_code == 0, result.output
    seconds = float(re.search(r"one run of the base took ([\d.]+) s", result.stdout).group(1))
    total = float(re.search(r"sweep: about ([\d.]+) s for 12 runs", result.stdout).group(1))
    assert seconds > 0
    assert abs(total - 12 * seconds) <= 0.5 + 12 * 0.005  # both printed rounded


@pytest.mark.parametrize(("seconds", "text"), [(42.4, "42 s"), (210, "3.5 min"), (7560, "2.1 h")])
def test_durations_read_in_the_unit_that_fits(seconds: float, text: str):
    assert duration_text(seconds) == text


@pytest.mark.parametrize(
    ("command", "path", "hint"),
    [
        ("sweep", SMALL, "iei-sim run"),
        ("sensitivity", SMALL, "iei-sim run"),
        ("dock", SMALL, "iei-sim run"),
        ("dock", EXPERIMENTS[0], "iei-sim sweep"),
        ("sweep", GAMES[0], "iei-sim dock"),
    ],
    ids=[
        "sweep-scenario",
        "sensitivity-scenario",
        "dock-scenario",
        "dock-experiment",
        "sweep-game",
    ],
)
def test_other_commands_name_the_kind_of_a_wrong_file_in_one_line(
    command: str, path: Path, hint: str, tmp_path: Path
):
    result = invoke(command, path, "--out", tmp_path / "out")
    assert result.exit_code == 2
    lines = error_lines(result.stderr)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {path}: <file>: is a") and hint in lines[0]
    assert not (tmp_path / "out").exists()


def test_a_misspelt_experiment_is_still_checked_field_by_field(tmp_path: Path):
    """One key only experiments have is enough to be read as an experiment with mistakes."""
    path = write_yaml(tmp_path / "e.yaml", {"name": "e", "bse": str(SMALL), "replicates": 2})
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert f"{path}: bse: unknown field (did you mean 'base'?)" in result.stderr
    assert "is a scenario file" not in result.stderr


def test_an_empty_file_is_one_clear_error(tmp_path: Path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("# only a comment\n", encoding="utf-8")
    result = invoke("validate", empty)
    assert result.exit_code == 2
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and f"{empty}: <file>: is empty" in lines[0], lines


def test_a_region_typo_in_an_extends_child_is_refused_with_a_suggestion(tmp_path: Path):
    """A key the parent does not define would silently add a region of default size."""
    child = tmp_path / "typo.yaml"
    child.write_text(f"extends: {SMALL}\nregions: {{esat: {{schools: 5}}}}\n", encoding="utf-8")
    result = invoke("validate", child)
    assert result.exit_code == 2
    assert f"{child}: regions.esat: the base defines no 'esat' here (did you mean 'east'?)" in (
        result.stderr
    )
