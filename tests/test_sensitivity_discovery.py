"""Scenario discovery: the target parser accepts conditions and refuses code, PRIM recovers a
known box, and ``iei-sim discover`` runs a design (or reuses a store) and writes its box."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.helpers import tiny_experiment
from typer.testing import CliRunner

from iei_sim.cli import app
from iei_sim.sensitivity import TargetError, parse_target, run_prim

OUTCOMES = ["firm_participation_rate", "fiscal_cost", "student_coverage"]


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_targets_are_parsed_and_evaluated() -> None:
    table = pd.DataFrame(
        {
            "firm_participation_rate": [0.3, 0.45, 0.5, 0.6],
            "fiscal_cost": [100.0, 400.0, 900.0, 300.0],
            "student_coverage": [0.1, 0.2, 0.3, 0.4],
        }
    )
    target = parse_target("firm_participation_rate >= 0.4 and fiscal_cost <= 500", OUTCOMES)
    assert target.outcomes == ("firm_participation_rate", "fiscal_cost")
    assert target.evaluate(table).tolist() == [False, True, False, True]
    chained = parse_target("0.15 < student_coverage <= 0.3 or fiscal_cost < -1e3", OUTCOMES)
    assert chained.evaluate(table).tolist() == [False, True, True, False]
    negated = parse_target("not (fiscal_cost > 350)", OUTCOMES)
    assert negated.evaluate(table).tolist() == [True, False, False, True]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('touch pwned')", "not a condition"),
        ("firm_participation_rate.real > 0", "only outcome names and numbers"),
        ("fiscal_cost > len('abc')", "only outcome names and numbers"),
        ("fiscal_cost > 'a'", "only outcome names and numbers"),
        ("fiscal_cost > fiscal_cost * 2", "only outcome names and numbers"),
        ("(lambda: 1)() > 0", "only outcome names and numbers"),
        ("[x for x in ()] == []", "only outcome names and numbers"),
        ("fiscal_cost > 1 if True else 0", "not a condition"),
        ("fiscal_cost in (1, 2)", "not a comparison operator"),
        ("fiscal_cost", "not a condition"),
        ("1 < 2", "compares no outcome"),
        (
            "firm_participation > 0.4",
            "not an outcome of this experiment [(]did you mean 'firm_participation_rate'[?][)]; "
            "allowed: firm_participation_rate, fiscal_cost, student_coverage",
        ),
        ("fiscal_cost >", "not a condition"),
        ("", "empty target"),
        ("fiscal_cost > 1 and " * 40 + "fiscal_cost > 1", "longer than"),
    ],
)
def test_the_target_parser_refuses_anything_but_conditions(text: str, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        parse_target(text, OUTCOMES)
    assert not Path("pwned").exists()


def test_prim_recovers_a_known_box() -> None:
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.random((600, 3)), columns=["a", "b", "c"])
    x["flag"] = rng.random(600) > 0.5
    y = ((x["a"] > 0.6) & (x["b"] < 0.3)).to_numpy()
    result = run_prim(x, y, min_coverage=0.8)
    limits = result.limits.set_index("factor")
    assert set(limits.index[limits["restricted"]]) == {"a", "b"}
    assert limits.at["a", "low"] == pytest.approx(0.6, abs=0.05)
    assert limits.at["b", "high"] == pytest.approx(0.3, abs=0.05)
    assert result.coverage >= 0.8 and result.density >= 0.8
    assert result.base_rate == pytest.approx(y.mean())
    assert "a ≥" in result.describe() and "b ≤" in result.describe()


TINY = tiny_experiment(
    "discover_tiny",
    """\
levers:
  policy.subsidies.per_intern: {low: 0.0, high: 2.0}
  policy.monitoring.intensity: {low: 0.0, high: 0.4}
uncertainties:
  firms.discount_rate_mean: {low: 0.05, high: 0.3}
method: {name: pawn, samples: 24, seed: 2}
replicates: 1
outcomes: [firm_participation_rate, fiscal_cost]
""",
)


def test_discover_runs_the_design_then_reuses_it(tmp_path: Path) -> None:
    experiment = tmp_path / "tiny.yaml"
    experiment.write_text(TINY)
    out = tmp_path / "store"
    first = invoke("discover", experiment, "--target", "fiscal_cost >= 20", "--out", out)
    assert first.exit_code in (0, 1), first.output
    assert "24 runs done" in " ".join(first.output.split())
    runs = pd.read_parquet(out / "runs.parquet")
    median = float(runs["firm_participation_rate"].median())
    second = invoke(
        "discover", experiment, "--target", f"firm_participation_rate > {median}", "--out", out,
        "--with-uncertainties",
    )  # fmt: skip
    assert second.exit_code == 0, second.output
    assert "runs done" not in second.output  # the store's runs were reused
    folder = out / "discovery"
    for name in ("prim_trajectory.csv", "prim_box.csv", "points.csv", "discovery.txt"):
        assert (folder / name).stat().st_size > 0
    assert (folder / "prim_tradeoff.png").stat().st_size > 0
    box = pd.read_csv(folder / "prim_box.csv")
    assert set(box["factor"]) == {
        "policy.subsidies.per_intern",
        "policy.monitoring.intensity",
        "firms.discount_rate_mean",
    }
    points = pd.read_csv(folder / "points.csv")
    assert len(points) == 24 and 6 <= points["meets_target"].sum() <= 12
    trajectory = pd.read_csv(folder / "prim_trajectory.csv")
    assert trajectory["chosen"].sum() == 1
    assert (trajectory["coverage"].diff().dropna() <= 1e-9).all()  # peeling only loses coverage


def test_a_bad_target_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    experiment = tmp_path / "tiny.yaml"
    experiment.write_text(TINY)
    out = tmp_path / "store"
    result = invoke("discover", experiment, "--target", "__import__('os')", "--out", out)
    assert result.exit_code == 2
    assert "--target" in result.output
    assert not out.exists()
    result = invoke("discover", experiment, "--target", "student_coverage > 0.1", "--out", out)
    assert result.exit_code == 2  # not an outcome this experiment keeps
    assert "not an outcome of this experiment" in " ".join(result.output.split())
    assert not out.exists()
