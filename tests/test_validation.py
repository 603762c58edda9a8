"""The shared checks of iei_sim.validation: the did-you-mean helper, the Problem record and the
one translator of pydantic's errors into problems, whatever model was validated."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from iei_sim.docking.game import load_game
from iei_sim.errors import BadInputError, InputError
from iei_sim.experiments import load_experiment
from iei_sim.scenario import ScenarioError, load_scenario
from iei_sim.validation import (
    MAX_DETAILED_PROBLEMS,
    Problem,
    did_you_mean,
    suggestion,
    translate_validation_error,
)

# ---------------------------------------------------------------------------------------------
# did_you_mean


@pytest.mark.parametrize(
    ("word", "choices", "expected"),
    [
        ("stpes", ["name", "steps", "seed"], "steps"),
        ("esat", ["east", "west"], "east"),  # a swap is one edit: east, not west
        ("C_ff", ["C_f", "R_f", "S"], "C_f"),
        ("replicate", ["replicates", "outcomes"], "replicates"),
        (
            "policy.tax_deduction.rat",
            ["policy.tax_deduction.rate", "seed"],
            "policy.tax_deduction.rate",
        ),
        (
            "firm_participation",
            ["firm_participation_rate", "fiscal_cost"],
            "firm_participation_rate",
        ),
        ("zzzqqq", ["name", "steps"], None),
        ("x", ["S", "T"], None),  # one letter is no near miss of another
        ("anything", [], None),
    ],
)
def test_did_you_mean(word: str, choices: list[str], expected: str | None) -> None:
    assert did_you_mean(word, choices) == expected


def test_suggestion_is_the_one_wording() -> None:
    assert suggestion("stpes", ["steps"]) == " (did you mean 'steps'?)"
    assert suggestion("zzzqqq", ["steps"]) == ""


# ---------------------------------------------------------------------------------------------
# Problem and InputError


def test_a_problem_is_one_line() -> None:
    problem = Problem("a.yaml", "steps", "too\nmany   spaces")
    assert str(problem) == "a.yaml: steps: too many spaces"


def test_input_error_carries_its_problems_and_scenario_error_is_its_old_name() -> None:
    problems = [Problem("a.yaml", "steps", "bad"), Problem("a.yaml", "seed", "worse")]
    error = InputError(problems, omitted=3)
    assert error.problems == problems and error.omitted == 3
    assert str(error) == "a.yaml: steps: bad\na.yaml: seed: worse\n… and 3 more problem(s)"
    assert isinstance(error, BadInputError) and error.exit_code == 2
    assert ScenarioError is InputError  # old callers catch every refused input as before
    with pytest.raises(ScenarioError):
        raise InputError(problems)


# ---------------------------------------------------------------------------------------------
# translate_validation_error, on a small model of its own


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Leaf(_Strict):
    share: float = Field(0.5, ge=0, le=1)
    kind: Literal["a", "b"] = "a"


class Root(_Strict):
    name: str = Field("x", min_length=1)
    count: Annotated[int, Field(ge=1, le=10)] = 1
    leaf: Leaf = Field(default_factory=Leaf)
    leaves: dict[str, Leaf] = Field(default_factory=dict)
    triple: tuple[float, float, float] = (0.0, 0.0, 0.0)
    required: int


def problems(data: dict, **options) -> list[Problem]:
    with pytest.raises(ValidationError) as info:
        Root.model_validate({"required": 1, **data})
    error = translate_validation_error(info.value, Root, "f.yaml", **options)
    assert isinstance(error, InputError)
    return error.problems


def only(data: dict, **options) -> Problem:
    (problem,) = problems(data, **options)
    return problem


def test_unknown_key_names_the_keys_allowed_beside_it() -> None:
    problem = only({"cuont": 2})
    assert (problem.file, problem.field) == ("f.yaml", "cuont")
    assert problem.message == (
        "unknown field (did you mean 'count'?); allowed here: "
        "name, count, leaf, leaves, triple, required"
    )


def test_unknown_key_in_a_nested_model_and_in_a_keyed_collection() -> None:
    assert only({"leaf": {"shaer": 1}}).message.startswith(
        "unknown field (did you mean 'share'?); allowed here: share, kind"
    )
    problem = only({"leaves": {"east": {"knid": "a"}}})
    assert problem.field == "leaves.east.knid"
    assert problem.message == "unknown field (did you mean 'kind'?); allowed here: share, kind"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"count": 0},
            "count",
            "Input should be greater than or equal to 1 (got 0); allowed: an integer in [1, 10]",
        ),
        (
            {"leaf": {"share": 2}},
            "leaf.share",
            "Input should be less than or equal to 1 (got 2); allowed: a number in [0, 1]",
        ),
        (
            {"leaves": {"e": {"kind": "c"}}},
            "leaves.e.kind",
            "Input should be 'a' or 'b' (got 'c'); allowed: one of 'a', 'b'",
        ),
        ({"name": ""}, "name", "(got ''); allowed: non-empty text"),
        (
            {"leaf": 5},
            "leaf",
            "must be a mapping of field: value pairs (got 5); allowed: a mapping with keys: "
            "share, kind",
        ),
    ],
)
def test_bad_value_says_what_was_given_and_what_is_allowed(
    data: dict, field: str, message: str
) -> None:
    problem = only(data)
    assert problem.field == field
    assert problem.message.endswith(message)


def test_missing_field() -> None:
    with pytest.raises(ValidationError) as info:
        Root.model_validate({})
    (problem,) = translate_validation_error(info.value, Root, "f.yaml").problems
    assert problem.field == "required"
    assert problem.message == "required field missing; allowed: an integer"


def test_tuples_are_one_problem_named_by_their_labels() -> None:
    labels = ("low", "mid", "high")
    problem = only({"triple": [1, 2]}, tuple_labels=labels)
    assert problem.field == "triple"
    assert problem.message.startswith("needs 3 values (low, mid, high), got 2: [1, 2]")
    assert problem.message.endswith("allowed: a list of 3 numbers for (low, mid, high)")
    assert only({"triple": [1, "x", 3]}, tuple_labels=labels).message.startswith("mid value:")
    assert only({"triple": [1, 2]}).message.startswith("needs 3 values, got 2")


def test_origins_name_the_file_a_value_came_from() -> None:
    origins = {("count",): "base.yaml", ("leaf", "share"): "child.yaml"}
    by_field = {
        p.field: p.file for p in problems({"count": 0, "leaf": {"share": 2}}, origins=origins)
    }
    assert by_field == {"count": "base.yaml", "leaf.share": "child.yaml"}


def test_described_fields_say_what_the_schema_cannot() -> None:
    described = {"leaves": "a mapping of region: its settings"}
    problem = only({"leaves": {"e": {"share": 3}}}, described=described)
    assert problem.message.endswith("(got 3); allowed: a mapping of region: its settings")


def test_many_errors_are_counted_not_translated() -> None:
    data = {f"unknown_{i}": i for i in range(MAX_DETAILED_PROBLEMS + 7)}
    with pytest.raises(ValidationError) as info:
        Root.model_validate({"required": 1, **data})
    error = translate_validation_error(info.value, Root, "f.yaml")
    assert len(error.problems) == MAX_DETAILED_PROBLEMS
    assert error.omitted == 7


# ---------------------------------------------------------------------------------------------
# One style for every loader: scenario, experiment and game files


REPO = Path(__file__).resolve().parents[1]
SMALL = REPO / "scenarios" / "small.yaml"
GAME = REPO / "games" / "school_firm.yaml"


def refused(load, path: Path, **kwargs) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load(path, **kwargs)
    return info.value.problems


def test_scenario_problems_in_the_shared_style(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("stpes: 3\nseed: -1\n")
    by_field = {p.field: p for p in refused(load_scenario, path)}
    assert by_field["stpes"].file == str(path)
    assert by_field["stpes"].message.startswith(
        "unknown field (did you mean 'steps'?); allowed here: name, description, steps, seed"
    )
    assert by_field["seed"].message.endswith("(got -1); allowed: an integer in [0, 4294967295]")


def test_experiment_problems_in_the_shared_style(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    data = {"name": "e", "base": str(SMALL), "replicate": 3, "seeds": {"first": -1}}
    path.write_text(yaml.safe_dump(data))
    by_field = {p.field: p for p in refused(load_experiment, path)}
    assert by_field["replicate"].file == str(path)
    assert by_field["replicate"].message.startswith(
        "unknown field (did you mean 'replicates'?); allowed here: name, description, base"
    )
    assert by_field["seeds.first"].message.endswith(
        "(got -1); allowed: an integer in [0, 4294967295]"
    )


def test_game_problems_in_the_shared_style(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    text = GAME.read_text().replace("horizon: 10.0", "horizn: 10.0\nhorizon: -1")
    path.write_text(text)
    by_field = {p.field: p for p in refused(load_game, path)}
    assert by_field["horizn"].file == str(path)
    assert by_field["horizn"].message.startswith(
        "unknown field (did you mean 'horizon'?); allowed here: name, description, populations"
    )
    assert by_field["horizon"].message.startswith("Input should be greater than 0 (got -1)")
    assert "; allowed: a number > 0" in by_field["horizon"].message


def test_game_names_get_the_shared_did_you_mean(tmp_path: Path) -> None:
    (problem,) = refused(load_game, GAME, parameters={"C_ff": 1.0})
    assert (problem.file, problem.field) == (str(GAME), "parameters.C_ff")
    assert problem.message.startswith("unknown parameter (did you mean 'C_f'?); allowed here: R_f")
    path = tmp_path / "g.yaml"
    path.write_text(GAME.read_text().replace("initial: {school:", "initial: {schol:"))
    by_field = {p.field: p.message for p in refused(load_game, path)}
    assert by_field["initial.schol"] == (
        "unknown population (did you mean 'school'?); allowed here: school, firm"
    )


def test_the_readme_shows_the_messages_as_printed(tmp_path: Path, monkeypatch) -> None:
    shown = [
        line.removeprefix("error: ").removesuffix("...")
        for line in (REPO / "README.md").read_text().splitlines()
        if line.startswith("error: my.yaml: ")
    ]
    assert len(shown) == 2
    monkeypatch.chdir(tmp_path)
    Path("my.yaml").write_text("policy: {tax_deduction: {rate: 1.5}}\nstpes: 3\n")
    printed = [str(p) for p in refused(load_scenario, Path("my.yaml"))]
    for line in shown:
        assert any(p.startswith(line) for p in printed), (line, printed)
