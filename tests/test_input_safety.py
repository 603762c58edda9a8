"""Mistaken and hostile input is refused fast, with one clear line per problem (reliability §1–3).

Each test names the class of fault it covers; each would fail on iei-sim 0.1, which modelled
these inputs silently, expanded them without bound, or crashed with a traceback.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iei_sim.cli import app
from iei_sim.experiments import load_experiment
from iei_sim.experiments.design import design_points, plan_runs
from iei_sim.resources import check_run_fits, estimate_run
from iei_sim.scenario import Scenario, ScenarioError, load_scenario
from iei_sim.scenario.loading import NewEntry
from iei_sim.validation import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMALL = ROOT / "scenarios" / "small.yaml"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def problems_of(path: Path, **kwargs) -> list:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, **kwargs)
    return caught.value.problems


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("error:")]


# -- keyed collections: a typo must not add a region -----------------------------------------


def test_a_region_typo_in_a_child_file_is_refused_with_a_suggestion(write):
    child = write("typo.yaml", f"extends: {SMALL}\nregions:\n  esat: {{schools: 5}}\n")
    [problem] = problems_of(child)
    assert problem.field == "regions.esat" and problem.file == str(child)
    assert "did you mean 'east'" in problem.message and "!new" in problem.message
    result = invoke("validate", child)
    assert result.exit_code == 2 and "OK" not in result.output


def test_a_sector_typo_is_refused_too(write):
    child = write(
        "typo.yaml",
        f"extends: {SMALL}\nregions:\n  east: {{sector_shares: {{manufacturng: 0.35}}}}\n",
    )
    problems = problems_of(child)  # also: the shares no longer sum to 1
    [problem] = [p for p in problems if p.field == "regions.east.sector_shares.manufacturng"]
    assert "did you mean 'manufacturing'" in problem.message


def test_the_defaults_count_as_the_base_when_the_base_names_no_regions(write):
    base = write("base.yaml", "name: base\nsteps: 3\n")  # regions from the schema: east, west
    child = write("child.yaml", "extends: base.yaml\nregions: {wset: {schools: 2}}\n")
    [problem] = problems_of(child)
    assert "did you mean 'west'" in problem.message and base.exists()


def test_a_new_region_is_accepted_when_marked_and_given_whole(write):
    region = Scenario().regions["west"].model_dump(exclude={"policy"})
    fields = ", ".join(
        f"{k}: {v!r}".replace("'", "") for k, v in region.items() if k != "sector_shares"
    )
    shares = ", ".join(f"{k}: {v}" for k, v in region["sector_shares"].items())
    whole = f"{{{fields}, sector_shares: {{{shares}}}}}"
    child = write("new.yaml", f"extends: {SMALL}\nregions:\n  north: !new {whole}\n")
    scenario = load_scenario(child)
    assert list(scenario.regions) == ["east", "west", "north"]
    assert scenario.regions["north"].schools == region["schools"]


def test_a_new_region_must_give_every_setting(write):
    child = write("new.yaml", f"extends: {SMALL}\nregions:\n  north: !new {{schools: 5}}\n")
    [problem] = problems_of(child)
    assert problem.field == "regions.north" and "missing: kind, firms" in problem.message


def test_new_on_an_existing_region_is_refused(write):
    child = write("new.yaml", f"extends: {SMALL}\nregions:\n  east: !new {{schools: 5}}\n")
    [problem] = problems_of(child)
    assert "already defines it" in problem.message


def test_replace_gives_the_complete_set_and_an_empty_mapping_is_refused(write):
    replaced = write(
        "replace.yaml",
        f"extends: {SMALL}\nregions: !replace\n  solo: {{schools: 3, firms: 20}}\n",
    )
    assert list(load_scenario(replaced).regions) == ["solo"]
    empty = write("empty.yaml", f"extends: {SMALL}\nregions: {{}}\n")
    [problem] = problems_of(empty)
    assert problem.field == "regions" and "changes nothing" in problem.message


def test_a_dotted_override_cannot_add_a_region(write):
    [problem] = problems_of(SMALL, overrides={"regions.esat.schools": 5})
    assert problem.field == "regions.esat" and "did you mean 'east'" in problem.message
    [problem] = problems_of(SMALL, overrides={"regions.east.sector_shares.green": 0.1})
    assert problem.field == "regions.east.sector_shares.green"


def test_an_experiment_override_with_a_region_typo_names_the_experiment_file(write):
    path = write(
        "x.yaml",
        f"name: x\nbase: {SMALL}\noverrides: {{regions.esat.schools: 4}}\nreplicates: 1\n",
    )
    with pytest.raises(ScenarioError) as caught:
        load_experiment(path)
    [problem] = caught.value.problems
    assert problem.file == str(path) and problem.field == "overrides.regions.esat"


def test_new_marks_only_mappings(write):
    path = write("bad.yaml", "name: !new 3\n")
    [problem] = problems_of(path)
    assert "marks a mapping" in problem.message
    assert isinstance(NewEntry(), dict)


# -- numbers: finite, not booleans, not text -----------------------------------------------------


def _numeric_leaves() -> list[tuple[str, object]]:
    """Every numeric leaf field of a resolved scenario (tuples as a whole)."""
    leaves = []

    def walk(node, prefix):
        if isinstance(node, dict) and node:
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else key)
        elif isinstance(node, int | float | list) and not isinstance(node, bool):
            leaves.append((prefix, node))

    walk(load_scenario(SMALL).model_dump(mode="json"), "")
    return leaves


NUMERIC = _numeric_leaves()


def test_every_numeric_field_is_covered():
    assert len(NUMERIC) > 100  # regions × fields, every section


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan], ids=["inf", "-inf", "nan"])
def test_nan_and_infinity_are_refused_in_every_numeric_field(bad):
    accepted = []
    for path, value in NUMERIC:
        wrong = [bad, *value[1:]] if isinstance(value, list) else bad
        try:
            load_scenario(SMALL, overrides={path: wrong})
        except ScenarioError:
            continue
        accepted.append(path)
    assert accepted == []


def test_booleans_and_text_are_not_numbers():
    accepted = []
    for path, value in NUMERIC:
        for wrong in (True, "3"):
            bad = [wrong, *value[1:]] if isinstance(value, list) else wrong
            try:
                load_scenario(SMALL, overrides={path: bad})
            except ScenarioError:
                continue
            accepted.append((path, wrong))
    assert accepted == []


def test_an_integer_is_a_fine_float_and_yaml_1_2_exponents_are_numbers(write):
    path = write(
        "ok.yaml",
        f"extends: {SMALL}\nregions: {{east: {{government_budget: 1e3, wage_level: 1}}}}\n",
    )
    east = load_scenario(path).regions["east"]
    assert east.government_budget == 1000.0 and east.wage_level == 1.0


def test_an_infinite_subsidy_is_refused_not_run(write):
    path = write("inf.yaml", f"extends: {SMALL}\npolicy: {{subsidies: {{per_intern: .inf}}}}\n")
    result = invoke("run", path, "--out", path.parent / "out", "--no-plots")
    assert result.exit_code == 2 and "finite" in result.output
    assert not (path.parent / "out").exists()


def test_experiment_numbers_are_finite_and_typed(write):
    cases = {
        "nan_bound": "levers: {policy.tax_deduction.rate: {low: .nan, high: 0.5}}",
        "inf_high": "levers: {policy.subsidies.per_intern: {low: 0, high: .inf, levels: 3}}",
        "bool_on_float": "levers: {policy.tax_deduction.rate: {values: [true, false]}}",
        "text_point": "design: {kind: explicit, points: [{policy.tax_deduction.rate: abc}]}",
    }
    for name, body in cases.items():
        path = write(f"{name}.yaml", f"name: {name}\nbase: {SMALL}\nreplicates: 1\n{body}\n")
        result = invoke("sweep", path, "--out", path.parent / f"out_{name}")
        assert result.exit_code == 2, (name, result.output)
        assert "Traceback" not in result.output, name
        assert all(line.startswith(f"error: {path}:") for line in error_lines(result.output))
        assert not (path.parent / f"out_{name}").exists(), name


def test_an_explicit_point_is_checked_at_load_and_named(write):
    path = write(
        "x.yaml",
        f"name: x\nbase: {SMALL}\nreplicates: 1\n"
        "design: {kind: explicit, points: [{policy.tax_deduction.rate: 0.2}, "
        "{policy.tax_deduction.rate: 1.5}]}\n",
    )
    with pytest.raises(ScenarioError) as caught:
        load_experiment(path)
    [problem] = caught.value.problems
    assert problem.field == "design.points[1].policy.tax_deduction.rate"


# -- names, empty files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["../escaped", "/abs/path", "a\\b", "..", ".hidden", "red\x1b[31m", "rtl\u202eevil", "x" * 101],
)
def test_unsafe_scenario_names_are_refused(write, name):
    path = write("n.yaml", "steps: 2\n")
    [problem] = problems_of(path, overrides={"name": name})
    assert problem.field == "name"


def test_printable_unicode_names_are_fine():
    scenario = load_scenario(SMALL, overrides={"name": "测试 🚀 naïve"})
    assert scenario.name == "测试 🚀 naïve"


@pytest.mark.parametrize("name", ["..", "a..b", "a/b"])
def test_unsafe_experiment_names_are_refused(write, name):
    path = write("x.yaml", f"name: '{name}'\nbase: {SMALL}\nreplicates: 1\n")
    with pytest.raises(ScenarioError) as caught:
        load_experiment(path)
    assert any(p.field == "name" for p in caught.value.problems)


def test_an_unsafe_game_name_is_refused(write):
    game = (ROOT / "games" / "inspection.yaml").read_text()
    path = write("g.yaml", game.replace("name: inspection", "name: a..b"))
    result = invoke("dock", path, "--agents", "10", "--replicates", "1", "--out", path.parent / "d")
    assert result.exit_code == 2 and "name" in result.output


@pytest.mark.parametrize("kind", ["scenario", "experiment", "game"])
def test_empty_files_of_every_kind_are_refused(write, kind):
    path = write(f"empty_{kind}.yaml", "# nothing here\n")
    command = {"scenario": "validate", "experiment": "sweep", "game": "dock"}[kind]
    result = (
        invoke(command, path, "--out", path.parent / "out")
        if kind != "scenario"
        else (invoke("validate", path))
    )
    assert result.exit_code == 2 and "is empty" in result.output


# -- bounded work --------------------------------------------------------------------------


def _alias_bomb(levels: int, width: int = 9, mapping: bool = True) -> str:
    lines = ["a0: &a0 {x: 1}" if mapping else "a0: &a0 [1]"]
    for level in range(1, levels + 1):
        refs = [f"*a{level - 1}" for _ in range(width)]
        body = ", ".join(f"k{i}: {r}" for i, r in enumerate(refs)) if mapping else ", ".join(refs)
        lines.append(
            f"a{level}: &a{level} {{{body}}}" if mapping else f"a{level}: &a{level} [{body}]"
        )
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("mapping", [True, False], ids=["mappings", "sequences"])
def test_an_alias_bomb_is_refused_in_well_under_a_second(write, mapping):
    path = write("bomb.yaml", _alias_bomb(10, mapping=mapping))
    assert path.stat().st_size < 1_000
    start = time.perf_counter()
    [problem] = problems_of(path)
    assert time.perf_counter() - start < 0.5
    assert problem.field == "<yaml>" and "aliases" in problem.message


def test_a_recursive_alias_is_refused(write):
    path = write("loop.yaml", "a: &a [1, *a]\n")
    [problem] = problems_of(path)
    assert "refers to the mapping or list that contains it" in problem.message


def test_a_huge_file_is_refused_before_it_is_parsed(write):
    path = write("big.yaml", "description: " + "x" * (MAX_FILE_BYTES + 10) + "\n")
    start = time.perf_counter()
    [problem] = problems_of(path)
    assert time.perf_counter() - start < 0.5 and "MB" in problem.message


def test_thousands_of_unknown_keys_are_linear_and_print_few_lines(write):
    path = write("keys.yaml", "".join(f"unknown_key_{i}: 1\n" for i in range(20_000)))
    start = time.perf_counter()
    result = invoke("validate", path)
    elapsed = time.perf_counter() - start
    assert result.exit_code == 2
    lines = error_lines(result.output)
    assert len(lines) <= 21 and "more problem(s)" in lines[-1] and "20000 in all" in lines[-1]
    assert elapsed < 5.0  # 0.1 took 3.5 ms per key: 70 s for these


def test_a_run_too_big_for_memory_is_refused_before_allocating():
    huge = load_scenario(
        SMALL,
        overrides={
            "regions.east.schools": 100_000,
            "regions.east.students_per_school": 100_000,
        },
    )
    estimate = estimate_run(huge)
    assert estimate.student_records > 2**31
    start = time.perf_counter()
    with pytest.raises(Exception) as caught:
        check_run_fits(huge)
    assert time.perf_counter() - start < 0.1
    assert "student records" in str(caught.value)


def test_the_memory_estimate_uses_the_address_space_limit(monkeypatch):
    from iei_sim import resources

    monkeypatch.setattr(resources, "available_memory", lambda: 100 * 2**20)
    big = load_scenario(SMALL, overrides={"regions.east.firms": 100_000})
    with pytest.raises(resources.ResourceLimitError) as caught:
        resources.check_run_fits(big, "this run")
    assert "more than the 100 MiB available" in str(caught.value)
    check_run_fits(load_scenario(SMALL))  # the small scenario fits anywhere


def test_a_run_too_big_exits_2_with_the_estimate(write):
    path = write(
        "huge.yaml",
        f"extends: {SMALL}\nregions:\n  east: {{schools: 100000, students_per_school: 100000}}\n",
    )
    result = invoke("run", path, "--out", path.parent / "out", "--no-plots")
    assert result.exit_code == 2 and "student records" in result.output
    assert "Traceback" not in result.output and not (path.parent / "out").exists()


def test_an_absurd_design_is_refused_before_planning_with_its_numbers(write):
    path = write(
        "ff.yaml",
        f"name: ff\nbase: {SMALL}\nreplicates: 2\n"
        "levers:\n"
        "  policy.tax_deduction.rate: {low: 0, high: 0.5, levels: 1000}\n"
        "  policy.subsidies.per_intern: {low: 0, high: 2, levels: 100}\n"
        "  policy.subsidies.per_deep_project: {low: 0, high: 2, levels: 100}\n",
    )
    experiment = load_experiment(path)
    start = time.perf_counter()
    with pytest.raises(Exception) as caught:
        design_points(experiment)
    assert time.perf_counter() - start < 0.5
    message = str(caught.value)
    assert "10,000,000 points × 2 replicates = 20,000,000 runs" in message
    result = invoke("sweep", path, "--out", path.parent / "out")
    assert result.exit_code == 2 and "runs" in result.output
    assert not (path.parent / "out").exists()


def test_a_huge_latin_hypercube_is_refused_too(write):
    path = write(
        "lhs.yaml",
        f"name: lhs\nbase: {SMALL}\nreplicates: 10\n"
        "levers: {policy.tax_deduction.rate: {low: 0, high: 0.5}}\n"
        "design: {kind: latin_hypercube, samples: 1000000}\n",
    )
    with pytest.raises(Exception, match="1,000,000 points × 10 replicates"):
        plan_runs(load_experiment(path))


@pytest.mark.parametrize(
    "args",
    [
        ("run", SMALL, "--steps", "500"),
        ("compare", SMALL, BASELINE, "--replicates", "100000"),
        ("patterns", SMALL, "--replicates", "100000"),
        ("sensitivity", ROOT / "experiments" / "sobol_levers.yaml", "--samples", "10000000"),
        ("dock", ROOT / "games" / "inspection.yaml", "--agents", "1000000000"),
        ("sweep", ROOT / "experiments" / "tax_deduction_sweep.yaml", "--workers", "100000"),
    ],
    ids=["steps", "compare-replicates", "patterns-replicates", "samples", "agents", "workers"],
)
def test_counts_on_the_command_line_are_bounded_like_counts_in_files(args, tmp_path):
    result = invoke(*args, "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "out").exists()


def test_two_scenarios_with_one_name_are_refused_before_any_run(write, tmp_path):
    a = write("a/regime.yaml", f"extends: {SMALL}\nname: same\n")
    b = write(
        "b/regime.yaml",
        f"extends: {SMALL}\nname: same\npolicy: {{subsidies: {{per_intern: 1.0}}}}\n",
    )
    result = invoke("compare", a, b, "--replicates", "2", "--out", tmp_path / "cmp")
    assert result.exit_code == 2, result.output
    assert "'same' is also the name of" in result.output
    assert not (tmp_path / "cmp").exists()


def test_compare_names_its_store_safely_whatever_the_file_names(write, tmp_path):
    from iei_sim.experiments import compare_experiment

    a = write("my regime (v1).yaml", f"extends: {SMALL}\nname: one\n")
    b = write("other.yaml", f"extends: {SMALL}\nname: two\n")
    experiment = compare_experiment([a, b], replicates=2)
    assert experiment.name == "compare-my_regime_v1_-other"
