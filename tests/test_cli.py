"""The ``iei-sim`` command line: bad input exits 2 with one line per problem and writes nothing.

Most cases run in-process through Typer's CliRunner; two go through the installed console script
to prove no traceback reaches a real stderr.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from tests.helpers import RUN_FILES
from typer.testing import CliRunner

from iei_sim.cli import app
from iei_sim.scenario import load_scenario, scenario_hash

WriteFile = Callable[[str, str], Path]
ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
CONSOLE_SCRIPT = Path(sys.executable).parent / "iei-sim"


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args])


def squash(text: str) -> str:
    """``text`` without whitespace: rich wraps ordinary output at the terminal width (80 here)."""
    return "".join(text.split())


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` with its bytes and modification time."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    } | {str(p.relative_to(folder)) + "/": (b"", 0) for p in folder.rglob("*") if p.is_dir()}


# One case per kind of malformed scenario: files to write (the first is the one passed to the
# CLI), which file the problem must name, the dotted field, and text saying what is allowed.
BAD_CASES = {
    "yaml-syntax": ({"s.yaml": "name: x\nsteps: [1, 2\n"}, "s.yaml", "<yaml>", "line 3"),
    "unknown-key": ({"s.yaml": "stpes: 3\n"}, "s.yaml", "stpes", "did you mean 'steps'?"),
    "wrong-type": (
        {"s.yaml": "policy: {tax_deduction: {enabled: maybe}}\n"},
        "s.yaml",
        "policy.tax_deduction.enabled",
        "allowed: true or false",
    ),
    "probability-above-1": (
        {"s.yaml": "labour_market: {retention_probability: 1.5}\n"},
        "s.yaml",
        "labour_market.retention_probability",
        "allowed: a number in [0, 1]",
    ),
    "negative-count": (
        {"s.yaml": "regions: {east: {firms: -5}}\n"},
        "s.yaml",
        "regions.east.firms",
        "allowed: an integer in [1, 10000000]",
    ),
    "shares-not-summing": (
        {"s.yaml": "regions: {west: {sector_shares: {manufacturing: 0.5, digital: 0.1}}}\n"},
        "s.yaml",
        "regions.west.sector_shares",
        "must sum to 1",
    ),
    "missing-extends": (
        {"s.yaml": "extends: nowhere.yaml\n"},
        "s.yaml",
        "extends",
        "nowhere.yaml (paths are relative to this file)",
    ),
    "extends-cycle": (
        {"a.yaml": "extends: b.yaml\n", "b.yaml": "extends: a.yaml\n"},
        "a.yaml",
        "extends",
        "extends cycle",
    ),
    "bad-value-in-base": (
        {"child.yaml": "extends: base.yaml\nsteps: 3\n", "base.yaml": "seed: -4\n"},
        "base.yaml",
        "seed",
        "allowed: an integer in [0, 4294967295]",
    ),
    "tuple-length": (
        {"s.yaml": "partnerships: {interns: [1, 2]}\n"},
        "s.yaml",
        "partnerships.interns",
        "needs 3 values (shallow, medium, deep)",
    ),
    "not-a-mapping": ({"s.yaml": "- steps\n- seed\n"}, "s.yaml", "<document>", "must be a mapping"),
}


def write_case(tmp_path: Path, case: str) -> tuple[Path, str, str, str]:
    files, named, field, allowed = BAD_CASES[case]
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / next(iter(files)), str(tmp_path / named), field, allowed


def assert_bad_input(result, named: str, field: str, allowed: str) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    assert "Traceback" not in result.output
    assert result.stdout == ""  # no results table, no "Results written"
    lines = error_lines(result.stderr)
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith(f"error: {named}: {field}: "), line
    assert allowed in line


@pytest.mark.parametrize("case", BAD_CASES)
def test_validate_bad_scenario_exits_2(tmp_path: Path, case: str):
    scenario, named, field, allowed = write_case(tmp_path, case)
    assert_bad_input(invoke("validate", scenario), named, field, allowed)


@pytest.mark.parametrize("case", BAD_CASES)
def test_run_bad_scenario_exits_2_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
):
    scenario, named, field, allowed = write_case(tmp_path, case)
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    out = tmp_path / "out" / "run1"
    assert_bad_input(invoke("run", scenario, "--out", out, "--no-plots"), named, field, allowed)
    assert not out.exists()
    assert not out.parent.exists()
    assert snapshot(tmp_path) == before  # no default results/ folder, no staging folder


@pytest.mark.parametrize("case", ["unknown-key", "shares-not-summing", "extends-cycle"])
def test_run_bad_scenario_leaves_existing_results_untouched(tmp_path: Path, case: str):
    scenario, named, field, allowed = write_case(tmp_path, case)
    out = tmp_path / "results" / "earlier"
    (out / "plots").mkdir(parents=True)
    (out / "summary.json").write_text('{"steps": 20}\n')
    (out / "timeseries.csv").write_text("step,x\n1,0.5\n")
    (out / "plots" / "depth.png").write_bytes(b"\x89PNG\r\n\x1a\nnot-really")
    before = snapshot(tmp_path / "results")
    assert_bad_input(invoke("run", scenario, "--out", out), named, field, allowed)
    assert snapshot(tmp_path / "results") == before


def test_several_problems_one_line_each(write: WriteFile, tmp_path: Path):
    path = write(
        "many.yaml",
        """\
        stpes: 3
        regions: {east: {schools: -1, sector_shares: {a: 0.5}}}
        partnerships: {interns: [1]}
        learning: {rule: guess}
        """,
    )
    out = tmp_path / "out"
    result = invoke("run", path, "--out", out)
    assert result.exit_code == 2
    lines = error_lines(result.stderr)
    fields = [line.removeprefix(f"error: {path}: ").split(": ")[0] for line in lines]
    assert sorted(fields) == sorted(
        [
            "stpes",
            "regions.east.schools",
            "regions.east.sector_shares",
            "partnerships.interns",
            "learning.rule",
        ]
    )
    assert all(line.startswith(f"error: {path}: ") for line in lines)
    assert not out.exists()


def test_missing_scenario_file(tmp_path: Path):
    path = tmp_path / "nope.yaml"
    result = invoke("run", path, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert error_lines(result.stderr) == [f"error: {path}: <file>: file not found"]
    assert not (tmp_path / "out").exists()


def test_bad_option_exits_2_and_writes_nothing(tiny_scenario: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = invoke("run", tiny_scenario, "--seed", "-1", "--out", out)
    assert result.exit_code == 2
    assert not out.exists()


@pytest.mark.parametrize(
    ("command", "text"),
    [("validate", "regions: {east: {schools: -1}}\n"), ("run", "name: [unclosed\n")],
    ids=["validate-out-of-range", "run-yaml-syntax"],
)
def test_console_script_prints_no_traceback(tmp_path: Path, command: str, text: str):
    assert CONSOLE_SCRIPT.exists(), CONSOLE_SCRIPT
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    args = [str(CONSOLE_SCRIPT), command, str(path)]
    if command == "run":
        args += ["--out", str(out)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout == ""
    lines = error_lines(proc.stderr)
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {path}: ")
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_the_command_line_starts_without_the_model_libraries():
    """``iei-sim --help`` and ``validate`` load every command module: none of them may import
    Mesa, pandas, SciPy or Matplotlib at the top (each takes a large share of a second)."""
    heavy = ["mesa", "pandas", "scipy", "matplotlib"]
    code = f"import sys, iei_sim.cli; print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.split() == []


# ---------------------------------------------------------------------------------------------
# Good input


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_validate_shipped_scenarios(path: Path):
    result = invoke("validate", path)
    assert result.exit_code == 0, result.output
    scenario = load_scenario(path)
    assert squash(f"{path}: OK (scenario '{scenario.name}'") in squash(result.stdout)
    assert scenario_hash(scenario) in squash(result.stdout)
    assert result.stderr == ""


def test_validate_good_tiny_scenario(tiny_scenario: Path, tmp_path: Path):
    before = snapshot(tmp_path)
    result = invoke("validate", tiny_scenario)
    assert result.exit_code == 0, result.output
    assert squash(f"{tiny_scenario}: OK (scenario 'tiny'") in squash(result.stdout)
    assert snapshot(tmp_path) == before  # validate never writes


def test_run_tiny_scenario_writes_results_folder(tiny_scenario: Path, tmp_path: Path):
    out = tmp_path / "results" / "tiny"
    result = invoke("run", tiny_scenario, "--out", out)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert squash(f"Results written to {out}/") in squash(result.stdout)
    for name in RUN_FILES:
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name
    pngs = sorted((out / "plots").glob("*.png"))
    assert pngs
    assert all(p.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for p in pngs)

    summary = json.loads((out / "summary.json").read_text())
    scenario = load_scenario(tiny_scenario)
    assert summary["scenario"] == "tiny"
    assert summary["seed"] == 42  # the baseline's seed, inherited through extends
    assert summary["steps"] == 2
    assert summary["scenario_hash"] == scenario_hash(scenario)
    assert len(pd.read_csv(out / "timeseries.csv")) == 2
    # The resolved scenario is complete: loading it back gives the same scenario.
    assert load_scenario(out / "scenario.resolved.yaml") == scenario
    # Nothing left behind next to the folder (the write is staged then renamed).
    assert sorted(p.name for p in out.parent.iterdir()) == ["tiny"]


def test_run_options_override_scenario(tiny_scenario: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = invoke("run", tiny_scenario, "--seed", "7", "--steps", "1", "--out", out, "--no-plots")
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["seed"], summary["steps"]) == (7, 1)
    assert len(pd.read_csv(out / "timeseries.csv")) == 1
    assert not (out / "plots").exists()
    for name in RUN_FILES:
        assert (out / name).is_file(), name


def test_run_takes_scenario_overrides_with_set(tiny_scenario: Path, tmp_path: Path) -> None:
    """`run --set` as `compare --set`: the override is in effect (and in the resolved
    scenario), a malformed one is refused naming it, an unknown field names the field."""
    import json

    from typer.testing import CliRunner

    from iei_sim.cli import app

    out = tmp_path / "run"
    args = ["run", str(tiny_scenario), "--out", str(out), "--no-plots"]
    result = CliRunner().invoke(
        app, [*args, "--set", "steps=1", "--set", "policy.subsidies.per_intern=2"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 1
    assert "per_intern: 2" in (out / "scenario.resolved.yaml").read_text()
    bad = CliRunner().invoke(app, [*args, "--set", "steps"])
    assert bad.exit_code == 2 and "--set 'steps': expected dotted.field=value" in bad.output
    unknown = CliRunner().invoke(app, [*args, "--set", "policy.subsidies.per_intren=2"])
    assert unknown.exit_code == 2 and "per_intren" in unknown.output
