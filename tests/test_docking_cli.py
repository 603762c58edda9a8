"""``iei-sim dock``: writes the docking folder; bad input exits 2, prints one line per problem
and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from iei_sim.cli import app

ROOT = Path(__file__).resolve().parents[1]
GAME = ROOT / "games" / "inspection.yaml"
FAST = ["--agents", "60", "--replicates", "3", "--revision-probability", "0.2"]


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_dock_writes_both_trajectories_stability_and_plot(tmp_path: Path):
    out = tmp_path / "dock"
    result = invoke("dock", GAME, *FAST, "--out", out, "--seed", "4")
    assert result.exit_code == 0, result.output
    assert f"Docking results written to {out}/" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "corners.csv",
        "equilibrium.json",
        "game.resolved.yaml",
        "manifest.json",
        "trajectories.csv",
        "trajectories.png",
    ]
    table = pd.read_csv(out / "trajectories.csv")
    assert list(table.columns) == ["time", "population", "share", "source", "lower", "upper"]
    assert set(table["source"]) == {"ode", "abm"}
    assert set(table["population"]) == {"government", "firm"}
    ode, abm = table[table.source == "ode"], table[table.source == "abm"]
    assert ode[["lower", "upper"]].isna().all().all()  # empty for the ODE
    assert (abm["lower"] <= abm["share"] + 1e-9).all() and (
        abm["share"] <= abm["upper"] + 1e-9
    ).all()
    assert ode["time"].min() == 0 and ode["time"].max() == pytest.approx(20.0)
    assert list(ode["time"]) == list(abm["time"])  # one time axis, ODE units, for both
    corners = pd.read_csv(out / "corners.csv")
    assert len(corners) == 4 and (corners["stability"] == "unstable (saddle)").all()
    summary = json.loads((out / "equilibrium.json").read_text())
    assert summary["replicates"] == 3 and summary["agents_per_population"] == 60
    assert summary["ode_time_per_step"] == pytest.approx(
        summary["revision_probability"] / summary["payoff_range"]
    )
    interior = [r for r in summary["rest_points"] if r["kind"] == "interior"]
    assert interior and interior[0]["stability"].startswith("neutral")
    # Same seed, same numbers.
    again = tmp_path / "again"
    assert invoke("dock", GAME, *FAST, "--out", again, "--seed", "4", "--no-plots").exit_code == 0
    assert (again / "trajectories.csv").read_bytes() == (out / "trajectories.csv").read_bytes()


def test_dock_default_folder_is_results_dock_game_name(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("dock", GAME, *FAST, "--no-plots")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "results" / "dock" / "inspection" / "trajectories.csv").is_file()
    assert [p.name for p in (tmp_path / "results" / "dock").iterdir()] == ["inspection"]


BAD_GAME = """\
populations: {school: [cooperate, defect], firm: [cooperate, defect]}
parameters: {C: 1.0}
payoffs:
  cooperate,cooperate: {school: "C * 2", firm: "exec('x')"}
  cooperate,defect: {school: 0, firm: 0}
  defect,cooperate: {school: 0, firm: 0}
initial: {school: 0.5, firm: 1.5}
horizon: 10
"""


def test_bad_game_exits_2_with_one_line_per_problem_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    game = tmp_path / "bad.yaml"
    game.write_text(BAD_GAME, encoding="utf-8")
    existing = tmp_path / "out"
    existing.mkdir()
    (existing / "trajectories.csv").write_text("old\n")
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    result = invoke("dock", game, "--out", existing)
    assert result.exit_code == 2
    assert "Traceback" not in result.output and result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"error: {game}: initial.firm: " + lines[0].split("initial.firm: ")[1]]
    assert "less than or equal to 1" in lines[0]
    # Once the shares are fixed, the expression and the missing profile are reported together.
    game.write_text(BAD_GAME.replace("firm: 1.5", "firm: 0.5"), encoding="utf-8")
    result = invoke("dock", game, "--out", existing)
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"error: {game}: payoffs: missing profile(s): 'defect,defect'")
    assert lines[1].startswith(f"error: {game}: payoffs.cooperate,cooperate.firm: a function call")
    after = snapshot(tmp_path)
    after.pop("bad.yaml"), before.pop("bad.yaml")  # the test itself edited the game
    assert after == before  # old results untouched, no results/ folder, no staging folder
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    "args",
    [["--agents", "1"], ["--replicates", "0"], ["--revision-probability", "1.5"]],
)
def test_bad_option_exits_2_and_writes_nothing(tmp_path: Path, args: list[str]):
    out = tmp_path / "out"
    result = invoke("dock", GAME, *args, "--out", out)
    assert result.exit_code == 2
    assert not out.exists()


def test_missing_game_file(tmp_path: Path):
    path = tmp_path / "none.yaml"
    result = invoke("dock", path, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert [line for line in result.stderr.splitlines() if line] == [
        f"error: {path}: <file>: file not found"
    ]
    assert not (tmp_path / "out").exists()
