"""Game files are validated like scenarios: one Problem per mistake, naming file, field, remedy.

Payoff expressions are evaluated by a whitelist walker over Python's ``ast``, never ``eval``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml

from iei_sim.docking.expressions import ExpressionError, evaluate
from iei_sim.docking.game import load_game, validate_game
from iei_sim.scenario import Problem, ScenarioError

ROOT = Path(__file__).resolve().parents[1]
GAMES = sorted((ROOT / "games").glob("*.yaml"))

TWO_BY_TWO = """\
populations:
  school: [cooperate, defect]
  firm: [cooperate, defect]
parameters: {C_f: 3.0, R_f: 2.0, S: 1.5, R_s: 2.5, C_s: 1.0}
payoffs:
  cooperate,cooperate: {school: R_s - C_s, firm: R_f - C_f + S}
  cooperate,defect: {school: -C_s, firm: 0}
  defect,cooperate: {school: 0, firm: -C_f}
  defect,defect: {school: 0, firm: 0}
initial: {school: 0.5, firm: 0.3}
horizon: 40
"""


def write_game(tmp_path: Path, text: str, name: str = "g.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[tuple[str, str, str]]:
    with pytest.raises(ScenarioError) as info:
        load_game(path)
    return [(p.file, p.field, p.message) for p in info.value.problems]


@pytest.mark.parametrize("path", GAMES, ids=[p.stem for p in GAMES])
def test_shipped_games_load(path: Path):
    game = load_game(path)
    assert 2 <= game.n_populations <= 3
    assert game.table.shape == (game.n_populations,) + (2,) * game.n_populations
    assert np.all(np.isfinite(game.table))
    assert game.name == path.stem
    # The resolved form loads back to the same payoffs.
    again = validate_game(yaml.safe_load(game.to_yaml()))
    np.testing.assert_array_equal(again.table, game.table)
    np.testing.assert_array_equal(again.initial, game.initial)


def test_payoffs_follow_profile_order(tmp_path: Path):
    game = load_game(write_game(tmp_path, TWO_BY_TWO))
    school, firm = 0, 1
    assert game.table[school, 0, 0] == pytest.approx(1.5)  # R_s - C_s
    assert game.table[firm, 0, 0] == pytest.approx(0.5)  # R_f - C_f + S
    assert game.table[school, 0, 1] == pytest.approx(-1.0)  # cooperate,defect: school pays C_s
    assert game.table[firm, 1, 0] == pytest.approx(-3.0)  # defect,cooperate: firm pays C_f
    assert game.payoff_range == pytest.approx(3.5)  # firm: 0.5 − (−3)
    # Expected payoffs against shares: the firm's first strategy against 40% cooperating schools.
    payoffs = game.strategy_payoffs(np.array([0.4, 0.9]))
    assert payoffs[firm, 0] == pytest.approx(0.4 * 0.5 + 0.6 * -3.0)
    assert payoffs[firm, 1] == pytest.approx(0.0)


def test_parameter_overrides_re_evaluate_payoffs(tmp_path: Path):
    path = write_game(tmp_path, TWO_BY_TWO)
    game = load_game(path, parameters={"S": 4.0})
    assert game.table[1, 0, 0] == pytest.approx(3.0)
    assert game.with_parameters({"S": 0.0}).table[1, 0, 0] == pytest.approx(-1.0)
    with pytest.raises(ScenarioError) as info:
        load_game(path, parameters={"subsidy": 1.0})
    (problem,) = info.value.problems
    assert problem.field == "parameters.subsidy"
    assert problem.message == "unknown parameter; allowed here: C_f, R_f, S, R_s, C_s"


# One case per kind of mistake: text replacing part of TWO_BY_TWO, field, words the message needs.
BAD = {
    "unknown-name": (
        ("R_f - C_f + S", "R_f - C_ff + S"),
        "payoffs.cooperate,cooperate.firm",
        ["unknown name 'C_ff'", "did you mean 'C_f'?", "allowed: a number, or an arithmetic"],
    ),
    "function-call": (
        ("{school: -C_s, firm: 0}", "{school: -C_s, firm: \"__import__('os').getcwd()\"}"),
        "payoffs.cooperate,defect.firm",
        ["a function call is not allowed", "+ - * / **"],
    ),
    "attribute": (
        ("R_s - C_s", "R_s.real"),
        "payoffs.cooperate,cooperate.school",
        ["attribute access is not allowed"],
    ),
    "operator": (
        ("R_s - C_s", "R_s % C_s"),
        "payoffs.cooperate,cooperate.school",
        ["operator % is not allowed"],
    ),
    "division-by-zero": (
        ("R_s - C_s", "R_s / (C_s - 1)"),
        "payoffs.cooperate,cooperate.school",
        ["division by zero"],
    ),
    "huge-power": (
        ("R_s - C_s", "R_s ** 5000"),
        "payoffs.cooperate,cooperate.school",
        ["exponent 5000 too large"],
    ),
    "syntax": (
        ("R_s - C_s", "R_s -"),
        "payoffs.cooperate,cooperate.school",
        ["not an arithmetic expression"],
    ),
    "true-is-not-a-payoff": (
        ("{school: 0, firm: 0}\ninitial", "{school: 0, firm: true}\ninitial"),
        "payoffs.defect,defect.firm",
        ["must be a number or an expression in quotes"],
    ),
    "missing-profile": (
        ("  defect,defect: {school: 0, firm: 0}\n", ""),
        "payoffs",
        ["missing profile(s): 'defect,defect'", "4 in all"],
    ),
    "unknown-strategy": (
        ("defect,cooperate:", "defect,coop:"),
        "payoffs.defect,coop",
        ["'coop' is not a strategy of firm (allowed: cooperate, defect)"],
    ),
    "profile-arity": (
        ("defect,defect:", "defect:"),
        "payoffs.defect",
        ["names 1 strategies", "in the order school, firm"],
    ),
    "missing-payoff": (
        ("{school: -C_s, firm: 0}", "{school: -C_s}"),
        "payoffs.cooperate,defect",
        ["missing payoff for firm"],
    ),
    "unknown-population-in-payoff": (
        ("{school: -C_s, firm: 0}", "{school: -C_s, firm: 0, goverment: 1}"),
        "payoffs.cooperate,defect.goverment",
        ["unknown population; allowed here: school, firm"],
    ),
    "share-above-1": (
        ("firm: 0.3}", "firm: 1.5}"),
        "initial.firm",
        ["less than or equal to 1", "(got 1.5)", "in [0, 1]"],
    ),
    "share-missing": (
        ("initial: {school: 0.5, firm: 0.3}", "initial: {school: 0.5}"),
        "initial",
        ["missing share for firm"],
    ),
    "unknown-field": (
        ("horizon: 40", "horizn: 40"),
        "horizn",
        ["unknown field (did you mean 'horizon'?)", "allowed here: name, description, populations"],
    ),
    "missing-horizon": (("horizon: 40", ""), "horizon", ["required field missing", "> 0"]),
    "negative-horizon": (("horizon: 40", "horizon: -1"), "horizon", ["greater than 0"]),
    "three-strategies": (
        ("firm: [cooperate, defect]", "firm: [cooperate, defect, shirk]"),
        "populations.firm",
        ["needs exactly 2 strategies"],
    ),
    "quoted-parameter": (
        ("C_f: 3.0,", "C_f: '3.0',"),
        "parameters.C_f",
        ["must be a number"],
    ),
    "name-is-a-folder-name": (
        ("populations:\n", "name: ../../elsewhere\npopulations:\n"),
        "name",
        ["must not contain", "it names the output folder"],
    ),
    "yaml-syntax": (("horizon: 40", "horizon: [40"), "<yaml>", ["YAML syntax error"]),
    "duplicate-key": (
        ("horizon: 40", "horizon: 40\nhorizon: 30"),
        "<yaml>",
        ["appears twice"],
    ),
}


# A mistyped key also leaves its real counterpart missing: that second problem is reported too.
CONSEQUENCES = {
    "unknown-strategy": ["payoffs"],
    "profile-arity": ["payoffs"],
    "unknown-field": ["horizon"],
}


@pytest.mark.parametrize("case", BAD)
def test_bad_game_names_file_field_and_what_is_allowed(tmp_path: Path, case: str):
    (old, new), field, words = BAD[case]
    assert old in TWO_BY_TWO, "the case must change something"
    path = write_game(tmp_path, TWO_BY_TWO.replace(old, new, 1))
    problems = problems_of(path)
    assert sorted(p[1] for p in problems) == sorted([field, *CONSEQUENCES.get(case, [])])
    _, _, message = next(p for p in problems if p[1] == field)
    assert all(p[0] == str(path) for p in problems)
    for word in words:
        assert word in message, message
    assert all("\n" not in str(Problem(*p)) for p in problems)  # the CLI prints one line each


def test_every_bad_expression_is_reported_at_once(tmp_path: Path):
    text = TWO_BY_TWO.replace("R_s - C_s", "R_s - nope").replace("R_f - C_f + S", "open(1)")
    problems = problems_of(write_game(tmp_path, text))
    assert [p[1] for p in problems] == [
        "payoffs.cooperate,cooperate.school",
        "payoffs.cooperate,cooperate.firm",
    ]


def test_missing_and_non_mapping_files(tmp_path: Path):
    assert problems_of(tmp_path / "none.yaml") == [
        (str(tmp_path / "none.yaml"), "<file>", "file not found")
    ]
    path = write_game(tmp_path, "- a\n- b\n")
    [(_, field, message)] = problems_of(path)
    assert field == "<document>" and "allowed top-level fields: name, description" in message


def test_expressions_are_arithmetic_only():
    values = {"a": 1.0, "b": 4.0}
    assert evaluate("-(a + 2) ** 2 / b", values) == pytest.approx(-2.25)
    assert evaluate("2 ** -1 + +a", values) == pytest.approx(1.5)
    assert evaluate(" 3 ", {}) == 3.0
    for text in (
        "__import__('os')",
        "a.__class__",
        "[a]",
        "a if b else 0",
        "a and b",
        "lambda: 0",
        "(a := 2)",
        "'text'",
        "a < b",
        "a // b",
        "a @ b",
        "__builtins__",
    ):
        with pytest.raises(ExpressionError):
            evaluate(text, values)
