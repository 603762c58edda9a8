"""Scenario loading: every malformed file ends in ScenarioError problems a researcher can act on.

Each problem must name the file the bad value came from, the dotted field path, and what is
allowed there.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from iei_sim.scenario import Problem, Scenario, ScenarioError, load_scenario

WriteFile = Callable[[str, str], Path]
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


def problems_of(path: Path, **kwargs) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, **kwargs)
    problems = info.value.problems
    assert problems, "a ScenarioError must carry at least one problem"
    return problems


def only_problem(path: Path, **kwargs) -> Problem:
    problems = problems_of(path, **kwargs)
    assert len(problems) == 1, problems
    return problems[0]


# ---------------------------------------------------------------------------------------------
# Shipped and good files


def test_scenarios_folder_is_not_empty():
    assert BASELINE in SHIPPED


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_scenario_validates(path: Path):
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert scenario.name
    for name, region in scenario.regions.items():
        assert sum(region.sector_shares.values()) == pytest.approx(1.0), name


def test_baseline_values_are_read_from_the_file():
    scenario = load_scenario(BASELINE)
    assert scenario.name == "baseline"
    assert scenario.seed == 42
    assert set(scenario.regions) == {"east", "west"}
    assert scenario.regions["east"].firms == 550
    assert scenario.regions["west"].kind == "lagging"
    assert scenario.regions["west"].sector_shares["digital"] == pytest.approx(0.15)


def test_extends_deep_merges_child_over_base(write: WriteFile):
    child = write(
        "child.yaml",
        f"""\
        extends: {BASELINE}
        name: child
        regions:
          east: {{schools: 3}}
        partnerships: {{interns: [1, 2, 3]}}
        """,
    )
    scenario = load_scenario(child)
    assert scenario.name == "child"
    assert scenario.seed == 42  # from the base
    assert scenario.regions["east"].schools == 3  # from the child
    assert scenario.regions["east"].firms == 550  # sibling kept from the base
    assert scenario.regions["west"].firms == 450
    assert scenario.partnerships.interns == (1.0, 2.0, 3.0)


def test_extends_is_relative_to_the_file_not_the_working_directory(
    write: WriteFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    write("deep/base.yaml", "seed: 7\n")
    child = write("deep/child.yaml", "extends: base.yaml\nname: rel\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    scenario = load_scenario(child)
    assert (scenario.name, scenario.seed) == ("rel", 7)
    # ... also when the child itself is given relative to the working directory.
    scenario = load_scenario(Path(os.path.relpath(child, elsewhere)))
    assert scenario.seed == 7


def test_three_level_chain_merges_in_order(write: WriteFile):
    write("a.yaml", "seed: 1\nsteps: 5\nname: a\n")
    write("b.yaml", "extends: a.yaml\nseed: 2\nname: b\n")
    c = write("c.yaml", "extends: b.yaml\nseed: 3\n")
    scenario = load_scenario(c)
    assert (scenario.seed, scenario.steps, scenario.name) == (3, 5, "b")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_an_empty_file_is_refused_not_read_as_the_defaults(write: WriteFile, text: str):
    """A truncated or empty file must not silently become the full-size default scenario."""
    problem = only_problem(write("empty.yaml", text))
    assert problem.field == "<file>" and "is empty" in problem.message


def test_a_file_of_defaults_needs_only_one_field(write: WriteFile):
    assert load_scenario(write("name.yaml", "name: defaults\n")) == Scenario(name="defaults")


def test_overrides_apply_after_merge(write: WriteFile):
    path = write("s.yaml", "steps: 5\npolicy: {subsidies: {per_intern: 1.0}}\n")
    scenario = load_scenario(path, overrides={"steps": 3, "policy.subsidies.per_deep_project": 2})
    assert scenario.steps == 3
    assert scenario.policy.subsidies.per_intern == 1.0  # sibling untouched
    assert scenario.policy.subsidies.per_deep_project == 2.0


def test_bad_override_is_attributed_to_the_override(write: WriteFile):
    path = write("s.yaml", "steps: 5\n")
    problem = only_problem(path, overrides={"steps": 0})
    assert (problem.file, problem.field) == ("override", "steps")
    assert "[1, 200]" in problem.message


def test_bad_override_of_a_base_value_is_attributed_to_the_override(write: WriteFile):
    base = write("base.yaml", "policy: {subsidies: {per_intern: 1.0}}\n")
    child = write("child.yaml", f"extends: {base.name}\nsteps: 5\n")
    problem = only_problem(child, overrides={"policy.subsidies.per_intern": -1.0})
    assert (problem.file, problem.field) == ("override", "policy.subsidies.per_intern")


def test_repeated_loads_with_overrides_do_not_leak_into_each_other(write: WriteFile):
    """The parsed file is reused across loads (a sensitivity plan loads it per point): one
    load's overrides and merges must not change what the next load reads."""
    base = write("base.yaml", "steps: 5\npolicy: {subsidies: {per_intern: 1.0}}\n")
    child = write(
        "child.yaml", f"extends: {base.name}\npolicy: {{subsidies: {{per_deep_project: 3}}}}\n"
    )
    first = load_scenario(child, overrides={"policy.subsidies.per_intern": 2.0, "steps": 7})
    second = load_scenario(child)
    assert (first.steps, first.policy.subsidies.per_intern) == (7, 2.0)
    assert (second.steps, second.policy.subsidies.per_intern) == (5, 1.0)
    assert second.policy.subsidies.per_deep_project == 3.0
    assert load_scenario(base) == load_scenario(base)


def test_an_edited_file_is_read_afresh(write: WriteFile):
    path = write("s.yaml", "steps: 5\n")
    assert load_scenario(path).steps == 5
    path.write_text("steps: 6\n", encoding="utf-8")
    assert load_scenario(path).steps == 6


# ---------------------------------------------------------------------------------------------
# Reading the file


def test_yaml_syntax_error_names_file_and_line(write: WriteFile):
    path = write("bad.yaml", "name: ok\nsteps: [1, 2\nseed: 3\n")
    problem = only_problem(path)
    assert problem.file == str(path)
    assert problem.field == "<yaml>"
    assert "YAML syntax error at line" in problem.message


def test_yaml_syntax_error_line_number_is_one_based(write: WriteFile):
    path = write("bad.yaml", "name: ok\nsteps: 3\n  seed: 4\n")
    problem = only_problem(path)
    assert "line 3" in problem.message


def test_yaml_error_in_base_names_the_base(write: WriteFile):
    base = write("base.yaml", "name: [unclosed\n")
    child = write("child.yaml", "extends: base.yaml\nsteps: 3\n")
    problem = only_problem(child)
    assert Path(problem.file).resolve() == base.resolve()
    assert problem.field == "<yaml>"


def test_duplicate_key_is_an_error_not_a_silent_override(write: WriteFile):
    path = write("dup.yaml", "steps: 5\nseed: 1\nsteps: 50\n")
    problem = only_problem(path)
    assert (problem.file, problem.field) == (str(path), "<yaml>")
    assert "'steps'" in problem.message
    assert "twice" in problem.message
    assert "line 3" in problem.message


def test_yaml_merge_keys_are_not_duplicates(write: WriteFile):
    path = write(
        "merge.yaml",
        """\
        regions:
          east: &common {schools: 3, firms: 20, kind: leading}
          west:
            <<: *common
            kind: lagging
        """,
    )
    scenario = load_scenario(path)
    assert scenario.regions["west"].schools == 3
    assert scenario.regions["west"].kind == "lagging"


def test_unprintable_character_is_one_line(write: WriteFile):
    path = write("ctrl.yaml", 'name: "a\x07b"\n')
    problem = only_problem(path)
    assert problem.field == "<yaml>"
    assert "\n" not in problem.message
    assert "\n" not in str(problem)
    assert "#x0007" in problem.message


def test_file_that_is_not_utf8(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Zürich\n".encode("latin-1"))
    problem = only_problem(path)
    assert (problem.file, problem.field) == (str(path), "<file>")
    assert "UTF-8" in problem.message


def test_missing_file(tmp_path: Path):
    path = tmp_path / "nope.yaml"
    problem = only_problem(path)
    assert (problem.file, problem.field) == (str(path), "<file>")
    assert "not found" in problem.message


def test_folder_instead_of_file(tmp_path: Path):
    problem = only_problem(tmp_path)
    assert (problem.file, problem.field) == (str(tmp_path), "<file>")
    assert "folder" in problem.message


@pytest.mark.parametrize(
    ("text", "kind"),
    [("- a\n- b\n", "a list"), ("just text\n", "text"), ("42\n", "a number")],
    ids=["list", "string", "number"],
)
def test_top_level_document_must_be_a_mapping(write: WriteFile, text: str, kind: str):
    path = write("doc.yaml", text)
    problem = only_problem(path)
    assert (problem.file, problem.field) == (str(path), "<document>")
    assert "must be a mapping" in problem.message
    assert f"got {kind}" in problem.message
    assert "steps" in problem.message  # says which fields are allowed


def test_base_document_not_a_mapping_names_the_base(write: WriteFile):
    base = write("base.yaml", "- 1\n")
    child = write("child.yaml", "extends: base.yaml\n")
    problem = only_problem(child)
    assert problem.file == str(base)
    assert problem.field == "<document>"


# ---------------------------------------------------------------------------------------------
# extends


def test_missing_extends_target(write: WriteFile):
    child = write("child.yaml", "extends: no_such_base.yaml\nsteps: 3\n")
    problem = only_problem(child)
    assert (problem.file, problem.field) == (str(child), "extends")
    assert "not found" in problem.message
    assert "no_such_base.yaml" in problem.message
    assert "relative to this file" in problem.message


def test_missing_extends_target_deeper_in_chain_names_the_middle_file(write: WriteFile):
    middle = write("middle.yaml", "extends: gone.yaml\n")
    child = write("child.yaml", "extends: middle.yaml\n")
    problem = only_problem(child)
    assert (problem.file, problem.field) == (str(middle), "extends")
    assert "gone.yaml" in problem.message


@pytest.mark.parametrize("value", ["5", "[a.yaml]", "{file: a.yaml}"])
def test_extends_must_be_a_path(write: WriteFile, value: str):
    path = write("s.yaml", f"extends: {value}\n")
    problem = only_problem(path)
    assert (problem.file, problem.field) == (str(path), "extends")
    assert "path to a scenario file" in problem.message


def test_extends_cycle(write: WriteFile):
    a = write("a.yaml", "extends: b.yaml\nsteps: 3\n")
    b = write("b.yaml", "extends: a.yaml\nseed: 4\n")
    problem = only_problem(a)
    assert problem.field == "extends"
    assert "cycle" in problem.message
    assert str(a.resolve()) in problem.message
    assert str(b.resolve()) in problem.message


def test_extends_itself_is_a_cycle(write: WriteFile):
    path = write("self.yaml", "extends: self.yaml\n")
    problem = only_problem(path)
    assert problem.field == "extends"
    assert "cycle" in problem.message


def test_diamond_is_not_a_cycle(write: WriteFile):
    # Two files extending the same base in different branches of one chain is fine.
    write("root.yaml", "seed: 9\n")
    write("mid.yaml", "extends: root.yaml\nsteps: 4\n")
    top = write("top.yaml", "extends: mid.yaml\n")
    assert load_scenario(top).seed == 9


# ---------------------------------------------------------------------------------------------
# Unknown keys


@pytest.mark.parametrize(
    ("text", "field", "suggestion"),
    [
        ("stpes: 3\n", "stpes", "steps"),
        ("regions: {east: {shcools: 3}}\n", "regions.east.shcools", "schools"),
        ("policy: {tax_deduction: {enabeld: true}}\n", "policy.tax_deduction.enabeld", "enabled"),
        ("firms: {hires_per_yer_sme: 2}\n", "firms.hires_per_yer_sme", "hires_per_year_sme"),
        ("labour_markets: {}\n", "labour_markets", "labour_market"),
    ],
)
def test_unknown_key_suggests_nearest(write: WriteFile, text: str, field: str, suggestion: str):
    path = write("typo.yaml", text)
    problem = only_problem(path)
    assert (problem.file, problem.field) == (str(path), field)
    assert "unknown field" in problem.message
    assert f"did you mean '{suggestion}'?" in problem.message
    assert "allowed here:" in problem.message


def test_unknown_key_lists_only_the_keys_of_its_own_section(write: WriteFile):
    path = write("typo.yaml", "regions: {east: {shcools: 3}}\n")
    message = only_problem(path).message
    allowed = message.split("allowed here:")[1]
    assert "students_per_school" in allowed
    assert "steps" not in allowed  # a top-level key, not a region key


def test_unknown_key_without_close_match_still_lists_allowed(write: WriteFile):
    path = write("typo.yaml", "zzzqqq: 1\n")
    problem = only_problem(path)
    assert problem.field == "zzzqqq"
    assert "did you mean" not in problem.message
    assert "allowed here: name, description, steps" in problem.message


# ---------------------------------------------------------------------------------------------
# Wrong types and out-of-range values


@pytest.mark.parametrize(
    ("text", "field", "allowed"),
    [
        ("seed: abc\n", "seed", "an integer in [0, 4294967295]"),
        ("steps: 2.5\n", "steps", "an integer in [1, 200]"),
        ("steps:\n", "steps", "an integer in [1, 200]"),
        (
            "policy: {tax_deduction: {enabled: maybe}}\n",
            "policy.tax_deduction.enabled",
            "true or false",
        ),
        ("learning: {rule: foo}\n", "learning.rule", "one of 'reinforcement_imitation'"),
        ("regions: {east: {kind: central}}\n", "regions.east.kind", "one of 'leading', 'lagging'"),
        ("firms: 5\n", "firms", "a mapping with keys: hires_per_year_sme"),
        ("regions: {east: 5}\n", "regions.east", "a mapping with keys: kind, schools"),
        ("regions: [east, west]\n", "regions", "a mapping of name: settings (keys: kind"),
        ("name: [a, b]\n", "name", "non-empty text"),
        ("name: ''\n", "name", "non-empty text"),
        ("labour_market: {base_wage: lots}\n", "labour_market.base_wage", "a number > 0"),
    ],
)
def test_wrong_type(write: WriteFile, text: str, field: str, allowed: str):
    path = write("s.yaml", text)
    problem = only_problem(path)
    assert (problem.file, problem.field) == (str(path), field)
    assert f"allowed: {allowed}" in problem.message


@pytest.mark.parametrize(
    ("text", "field", "got", "allowed"),
    [
        (
            "labour_market: {retention_probability: 1.5}\n",
            "labour_market.retention_probability",
            "1.5",
            "a number in [0, 1]",
        ),
        (
            "associations: {pooled_overhead_saving: -0.1}\n",
            "associations.pooled_overhead_saving",
            "-0.1",
            "a number in [0, 1]",
        ),
        (
            "regions: {east: {schools: -1}}\n",
            "regions.east.schools",
            "-1",
            "an integer in [1, 100000]",
        ),
        ("regions: {east: {firms: 0}}\n", "regions.east.firms", "0", "an integer in [1, 10000000]"),
        (
            "firms: {max_partnerships_sme: -2}\n",
            "firms.max_partnerships_sme",
            "-2",
            "an integer in [0, 1000]",
        ),
        (
            "schools: {budget_per_student: -0.5}\n",
            "schools.budget_per_student",
            "-0.5",
            "a number >= 0",
        ),
        ("regions: {west: {wage_level: 0}}\n", "regions.west.wage_level", "0", "a number > 0"),
        ("steps: 500\n", "steps", "500", "an integer in [1, 200]"),
        (
            "regions: {east: {sector_shares: {a: 1.5, b: -0.5}}}\n",
            "regions.east.sector_shares.a",
            "1.5",
            "a number in [0, 1]",
        ),
    ],
)
def test_out_of_range(write: WriteFile, text: str, field: str, got: str, allowed: str):
    path = write("s.yaml", text)
    problems = [p for p in problems_of(path) if p.field == field]
    assert len(problems) == 1
    problem = problems[0]
    assert problem.file == str(path)
    assert f"(got {got})" in problem.message
    assert f"allowed: {allowed}" in problem.message


# ---------------------------------------------------------------------------------------------
# Shares


def test_sector_shares_must_sum_to_one(write: WriteFile):
    path = write(
        "s.yaml",
        """\
        regions:
          west: {sector_shares: {manufacturing: 0.5, digital: 0.2, services: 0.2}}
        """,
    )
    problem = only_problem(path)
    assert (problem.file, problem.field) == (str(path), "regions.west.sector_shares")
    assert "must sum to 1" in problem.message
    assert "0.9" in problem.message
    assert "allowed: a mapping of name: a number in [0, 1]" in problem.message


def test_shares_within_tolerance_are_accepted(write: WriteFile):
    path = write("s.yaml", "regions: {east: {sector_shares: {a: 0.1, b: 0.2, c: 0.7}}}\n")
    assert load_scenario(path).regions["east"].sector_shares == {"a": 0.1, "b": 0.2, "c": 0.7}


def test_empty_sector_shares(write: WriteFile):
    path = write("s.yaml", "regions: {east: {sector_shares: {}}}\n")
    problem = only_problem(path)
    assert problem.field == "regions.east.sector_shares"
    assert "at least one sector" in problem.message


def test_no_regions_points_at_regions(write: WriteFile):
    path = write("s.yaml", "regions: {}\n")
    problem = only_problem(path)
    assert (problem.file, problem.field) == (str(path), "regions")
    assert "at least one region" in problem.message


def test_share_sum_broken_by_child_names_child_and_base(write: WriteFile):
    child = write(
        "child.yaml",
        f"""\
        extends: {BASELINE}
        regions: {{east: {{sector_shares: {{services: 0.5}}}}}}
        """,
    )
    problem = only_problem(child)
    assert (problem.file, problem.field) == (str(child), "regions.east.sector_shares")
    assert "sum to 1.2" in problem.message  # 0.35 + 0.35 (base) + 0.5 (child)
    assert str(BASELINE) in problem.message  # the other file the shares came from


def test_share_sum_wrong_in_base_names_base(write: WriteFile):
    base = write("base.yaml", "regions: {east: {sector_shares: {a: 0.5, b: 0.2}}}\n")
    child = write("child.yaml", "extends: base.yaml\nregions: {east: {schools: 3}}\n")
    problem = only_problem(child)
    assert (problem.file, problem.field) == (str(base), "regions.east.sector_shares")


def test_risk_sharing_shares_must_sum_to_one(write: WriteFile):
    path = write("s.yaml", "policy: {risk_sharing: {rule: shared, firm_share: 0.9}}\n")
    problem = only_problem(path)
    assert (problem.file, problem.field) == (str(path), "policy.risk_sharing")
    assert "must sum to 1 (they sum to 1.5)" in problem.message
    assert "allowed: a mapping with keys" not in problem.message  # the message says it all


def test_risk_sharing_sum_broken_by_child_names_child(write: WriteFile):
    base = write(
        "base.yaml",
        """\
        policy:
          risk_sharing: {firm_share: 0.25, school_share: 0.25, fund_share: 0.25, insurance_share: 0.25}
        """,
    )
    child = write("child.yaml", "extends: base.yaml\npolicy: {risk_sharing: {firm_share: 0.5}}\n")
    problem = only_problem(child)
    assert (problem.file, problem.field) == (str(child), "policy.risk_sharing")
    assert "they sum to 1.25" in problem.message
    assert f"merged with values from {base}" in problem.message


# ---------------------------------------------------------------------------------------------
# Which file a bad value came from


def test_bad_value_in_base_names_base(write: WriteFile):
    base = write("base.yaml", "labour_market: {retention_probability: 1.5}\nsteps: 5\n")
    child = write("child.yaml", "extends: base.yaml\nsteps: 3\nlabour_market: {base_wage: 7}\n")
    problem = only_problem(child)
    assert (problem.file, problem.field) == (str(base), "labour_market.retention_probability")


def test_bad_value_in_child_names_child(write: WriteFile):
    write("base.yaml", "labour_market: {retention_probability: 0.5}\n")
    child = write("child.yaml", "extends: base.yaml\nlabour_market: {retention_probability: 2}\n")
    problem = only_problem(child)
    assert (problem.file, problem.field) == (str(child), "labour_market.retention_probability")


def test_child_can_fix_a_bad_base_value(write: WriteFile):
    write("base.yaml", "labour_market: {retention_probability: 1.5}\n")
    child = write("child.yaml", "extends: base.yaml\nlabour_market: {retention_probability: 0.5}\n")
    assert load_scenario(child).labour_market.retention_probability == 0.5


def test_unknown_key_in_grandparent_names_grandparent(write: WriteFile):
    root = write("root.yaml", "stpes: 3\n")
    write("mid.yaml", "extends: root.yaml\nseed: 1\n")
    top = write("top.yaml", "extends: mid.yaml\nname: top\n")
    problem = only_problem(top)
    assert (problem.file, problem.field) == (str(root), "stpes")


def test_problems_from_base_and_child_each_name_their_file(write: WriteFile):
    base = write("base.yaml", "seed: -1\n")
    child = write("child.yaml", "extends: base.yaml\nsteps: 0\n")
    by_field = {p.field: p.file for p in problems_of(child)}
    assert by_field == {"seed": str(base), "steps": str(child)}


def test_child_replacing_a_section_with_a_scalar_names_child(write: WriteFile):
    write("base.yaml", "firms: {hires_per_year_sme: 3}\n")
    child = write("child.yaml", "extends: base.yaml\nfirms: 3\n")
    problem = only_problem(child)
    assert (problem.file, problem.field) == (str(child), "firms")


# ---------------------------------------------------------------------------------------------
# Depth triples (tuple fields)


@pytest.mark.parametrize(("value", "count"), [("[1, 2]", 2), ("[1]", 1), ("[]", 0)])
def test_depth_triple_too_short_is_one_problem_on_the_field(
    write: WriteFile, value: str, count: int
):
    path = write("s.yaml", f"partnerships: {{interns: {value}}}\n")
    problem = only_problem(path)
    assert (problem.file, problem.field) == (str(path), "partnerships.interns")
    assert "needs 3 values (shallow, medium, deep)" in problem.message
    assert f"got {count}" in problem.message
    assert "Field required" not in problem.message


def test_depth_triple_too_long(write: WriteFile):
    path = write("s.yaml", "firms: {rnd_value: [1, 2, 3, 4]}\n")
    problem = only_problem(path)
    assert problem.field == "firms.rnd_value"
    assert "needs 3 values (shallow, medium, deep), got 4" in problem.message


def test_depth_triple_scalar(write: WriteFile):
    path = write("s.yaml", "partnerships: {interns: 5}\n")
    problem = only_problem(path)
    assert problem.field == "partnerships.interns"
    assert "must be a list" in problem.message
    assert "(got 5)" in problem.message


def test_depth_triple_bad_element_names_the_depth(write: WriteFile):
    path = write("s.yaml", "partnerships: {mentor_hours: [10, -2, 30]}\n")
    problem = only_problem(path)
    assert problem.field == "partnerships.mentor_hours"
    assert problem.message.startswith("medium value:")
    assert "(got -2)" in problem.message
    assert "allowed: a list of 3 numbers >= 0" in problem.message


def test_depth_triple_error_in_base_names_base(write: WriteFile):
    base = write("base.yaml", "partnerships: {interns: [1, 2]}\n")
    child = write("child.yaml", "extends: base.yaml\nsteps: 3\n")
    problem = only_problem(child)
    assert (problem.file, problem.field) == (str(base), "partnerships.interns")


# ---------------------------------------------------------------------------------------------
# Many problems at once, and their formatting


def test_every_problem_is_reported_at_once(write: WriteFile):
    path = write(
        "many.yaml",
        """\
        stpes: 3
        seed: -1
        regions:
          east: {schools: -1, sector_shares: {a: 0.5, b: 0.1}}
        labour_market: {retention_probability: 1.5}
        partnerships: {interns: [1, 2]}
        """,
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    problems = info.value.problems
    assert {p.field for p in problems} == {
        "stpes",
        "seed",
        "regions.east.schools",
        "regions.east.sector_shares",
        "labour_market.retention_probability",
        "partnerships.interns",
    }
    assert all(p.file == str(path) for p in problems)
    lines = str(info.value).splitlines()
    assert len(lines) == len(problems) == 6
    for line, problem in zip(lines, problems, strict=True):
        assert line == f"{path}: {problem.field}: {problem.message}"


def test_problem_str_is_always_one_line():
    problem = Problem("f.yaml", "a.b", "first\nsecond   third")
    assert str(problem) == "f.yaml: a.b: first second third"


def test_loading_writes_nothing(write: WriteFile, tmp_path: Path):
    write("base.yaml", "seed: -1\n")
    child = write("child.yaml", "extends: base.yaml\nstpes: 3\n")
    before = sorted(tmp_path.rglob("*"))
    problems_of(child)
    load_scenario(BASELINE)
    assert sorted(tmp_path.rglob("*")) == before
