"""iei-sim without its extras: the core works, and what needs an extra says which to install.

Each check runs in a fresh interpreter in which the extras' modules cannot be imported (a
finder at the front of ``sys.meta_path`` refuses them, as if they were not installed), so the
test needs no second environment.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tests.helpers import RUN_FILES, SCENARIOS, tiny_experiment

from iei_sim.errors import UserError
from iei_sim.extras import EXTRAS, MissingExtraError, check_extra, missing_extra, needs_extra

# Every module an extra provides, and Mesa's visualisation (in Mesa, but it needs mesa[viz]).
BLOCKED = sorted({m for _, modules in EXTRAS.values() for m in modules} | {"mesa.visualization"})

BLOCKER = f"""
import sys

BLOCKED = {BLOCKED!r}


class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in BLOCKED):
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, NotInstalled())
"""

TINY_SCENARIO = f"""\
extends: {SCENARIOS / "baseline.yaml"}
name: tiny
steps: 2
regions:
  east: {{schools: 3, firms: 20, students_per_school: 50}}
  west: {{schools: 3, firms: 20, students_per_school: 50}}
"""
TINY_SWEEP = tiny_experiment(
    "tiny_sweep", "levers:\n  policy.subsidies.per_intern: {values: [0.0, 2.0]}\nreplicates: 1\n"
)
TINY_SA = tiny_experiment(
    "tiny_sa",
    "levers:\n  policy.subsidies.per_intern: {low: 0.0, high: 2.0}\n"
    "  policy.monitoring.intensity: {low: 0.0, high: 0.4}\ninclude_dummy: true\n"
    "method: {name: sobol, samples: 4, seed: 1, resamples: 20}\nreplicates: 2\n"
    "outcomes: [firm_participation_rate, fiscal_cost]\n",
)


def without_extras(code: str, cwd: Path) -> subprocess.CompletedProcess:
    """``code`` run by a fresh Python in which no extra's module can be imported."""
    return subprocess.run(
        [sys.executable, "-c", BLOCKER + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=None,
    )


def cli_without_extras(cwd: Path, *args: str | Path) -> subprocess.CompletedProcess:
    """``iei-sim ARGS`` in a fresh Python in which no extra's module can be imported."""
    argv = ["iei-sim", *map(str, args)]
    return without_extras(f"from iei_sim.cli import main\nsys.argv = {argv!r}\nmain()\n", cwd)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_the_blocker_hides_every_extra_and_the_package_still_imports(tmp_path: Path):
    proc = without_extras(
        """
        import importlib, json

        hidden = []
        for name in BLOCKED:
            try:
                importlib.import_module(name)
            except ImportError:
                hidden.append(name)
        import iei_sim, iei_sim.cli, iei_sim.dashboard, iei_sim.experiments, iei_sim.sensitivity
        import iei_sim.sensitivity.workflow, iei_sim.docking, iei_sim.plots
        from iei_sim.dashboard import DashboardModel  # the model needs no Solara

        loaded = [name for name in BLOCKED if sys.modules.get(name) is not None]
        print(json.dumps({"hidden": hidden, "loaded": loaded}))
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen == {"hidden": BLOCKED, "loaded": []}


def test_the_python_api_runs_a_scenario_without_extras(tmp_path: Path):
    (tmp_path / "tiny.yaml").write_text(TINY_SCENARIO)
    proc = without_extras(
        """
        import iei_sim

        result = iei_sim.run_scenario(iei_sim.load_scenario("tiny.yaml"), seed=3)
        result.write("out", plots=True)
        print(len(result.timeseries), result.summary["firm_participation_rate"])
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    steps, _participation = proc.stdout.split()
    assert int(steps) == 2  # two years
    for name in RUN_FILES:
        assert (tmp_path / "out" / name).is_file(), name


def test_validate_and_run_work_without_extras(tmp_path: Path):
    (tmp_path / "tiny.yaml").write_text(TINY_SCENARIO)
    validate = cli_without_extras(tmp_path, "validate", "tiny.yaml")
    assert validate.returncode == 0, validate.stderr
    assert "tiny.yaml: OK (scenario 'tiny'" in validate.stdout
    run = cli_without_extras(tmp_path, "run", "tiny.yaml", "--out", "run")
    assert run.returncode == 0, run.stderr
    assert "Results written to run/" in run.stdout
    assert (tmp_path / "run" / "plots").is_dir()
    for proc in (validate, run):
        assert "Traceback" not in proc.stdout + proc.stderr


def test_the_other_core_commands_work_without_extras(tmp_path: Path):
    """compare, sweep, results, sensitivity (SALib) and patterns, in one process (CliRunner)."""
    (tmp_path / "tiny.yaml").write_text(TINY_SCENARIO)
    (tmp_path / "other.yaml").write_text("extends: tiny.yaml\nname: other\n")
    (tmp_path / "sweep.yaml").write_text(TINY_SWEEP)
    (tmp_path / "sa.yaml").write_text(TINY_SA)
    commands = {
        "compare": ["compare", "tiny.yaml", "other.yaml", "--replicates", "2", "--out", "cmp"],
        "sweep": ["sweep", "sweep.yaml", "--out", "sweep"],
        "results": ["results", "sweep"],
        "sensitivity": ["sensitivity", "sa.yaml", "--out", "sa", "--no-plots"],
        "patterns": ["patterns", "tiny.yaml", "--replicates", "2"],
    }
    proc = without_extras(
        f"""
        import json
        from typer.testing import CliRunner
        from iei_sim.cli import app

        commands = {commands!r}
        outcome = {{}}
        for name, args in commands.items():
            result = CliRunner().invoke(app, args)
            outcome[name] = [result.exit_code, result.stdout, result.stderr, repr(result.exception)]
        print(json.dumps(outcome))
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    outcome = json.loads(proc.stdout)
    for name, (code, stdout, stderr, exception) in outcome.items():
        assert code == 0, (name, stdout, stderr, exception)
        assert "Traceback" not in stdout + stderr, name
    assert "2 runs done, 0 already finished, 0 failed, of 2" in outcome["sweep"][1]
    assert (tmp_path / "cmp" / "comparison.csv").is_file()
    assert (tmp_path / "sa" / "indices.csv").is_file()


def _refusal(proc: subprocess.CompletedProcess, extra: str) -> str:
    """The one line a command needing ``extra`` printed; no traceback, exit status 1."""
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout == ""
    (line,) = lines(proc.stderr)
    assert line == f"error: {missing_extra(extra)}"
    assert f"pip install 'iei-sim[{extra}]'" in line
    return line


def test_the_dashboard_names_its_extra(tmp_path: Path):
    (tmp_path / "tiny.yaml").write_text(TINY_SCENARIO)
    line = _refusal(cli_without_extras(tmp_path, "dashboard", "tiny.yaml"), "dashboard")
    assert line.startswith("error: `iei-sim dashboard` needs the dashboard extra")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.yaml"]


def test_discover_names_its_extra_before_any_run(tmp_path: Path):
    (tmp_path / "sa.yaml").write_text(TINY_SA)
    proc = cli_without_extras(
        tmp_path, "discover", "sa.yaml", "--target", "fiscal_cost >= 0", "--out", "found"
    )
    assert "discovery extra" in _refusal(proc, "discovery")
    assert not (tmp_path / "found").exists()


@pytest.mark.parametrize("command", ["sweep", "compare", "sensitivity", "discover", "crn"])
def test_a_dask_address_names_the_cluster_extra(tmp_path: Path, command: str):
    (tmp_path / "sweep.yaml").write_text(TINY_SWEEP)
    (tmp_path / "sa.yaml").write_text(TINY_SA)
    (tmp_path / "tiny.yaml").write_text(TINY_SCENARIO)
    args = {
        "sweep": ["sweep", "sweep.yaml"],
        "compare": ["compare", "tiny.yaml", "tiny.yaml"],
        "sensitivity": ["sensitivity", "sa.yaml"],
        "discover": ["discover", "sa.yaml", "--target", "fiscal_cost >= 0"],
        "crn": ["diagnose", "crn", "tiny.yaml", "--seeds", "2"],
    }[command]
    if command != "crn":
        args += ["--out", "out"]
    proc = cli_without_extras(tmp_path, *args, "--dask-address", "tcp://127.0.0.1:8786")
    expected = "discovery" if command == "discover" else "cluster"  # the first one missing
    assert f"{expected} extra" in _refusal(proc, expected)
    assert not (tmp_path / "out").exists()


def test_the_python_api_names_the_extras_too(tmp_path: Path):
    (tmp_path / "sa.yaml").write_text(TINY_SA)
    proc = without_extras(
        """
        import json
        from iei_sim.experiments import load_experiment
        from iei_sim.experiments.executors import DaskExecutor, make_executor
        from iei_sim.extras import MissingExtraError
        from iei_sim.sensitivity import workflow
        import iei_sim.dashboard

        experiment = load_experiment("sa.yaml")
        attempts = {
            "executor": lambda: make_executor(1, "tcp://127.0.0.1:8786"),
            "dask": lambda: DaskExecutor("tcp://127.0.0.1:8786"),
            "discover": lambda: workflow.discover(
                experiment, workflow.prepare_target(experiment, "fiscal_cost >= 0"), "found"
            ),
            "page": lambda: iei_sim.dashboard.make_page,
        }
        messages = {}
        for name, attempt in attempts.items():
            try:
                attempt()
            except MissingExtraError as exc:
                messages[name] = str(exc)
        print(json.dumps(messages))
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    messages = json.loads(proc.stdout)
    assert messages == {
        "executor": str(missing_extra("cluster")),
        "dask": str(missing_extra("cluster")),
        "discover": str(missing_extra("discovery")),
        "page": str(missing_extra("dashboard")),
    }
    assert not (tmp_path / "found").exists()  # refused before any run


def test_a_missing_extra_is_a_user_error_and_an_import_error():
    error = missing_extra("store")
    assert isinstance(error, UserError) and isinstance(error, ImportError)
    assert error.exit_code == 1
    assert (
        str(error) == "SQL over a results store needs the store extra: pip install 'iei-sim[store]'"
    )
    refused = pytest.raises(MissingExtraError, match=r"iei-sim\[discovery\]'$")
    with refused, needs_extra("discovery"):
        raise ModuleNotFoundError("No module named 'ema_workbench'", name="ema_workbench")
    # an extra installed in part: the dependency that is missing is named
    partly = pytest.raises(MissingExtraError, match=r"\(statsmodels_missing is missing\)$")
    with partly, needs_extra("discovery"):
        raise ModuleNotFoundError(
            "No module named 'statsmodels_missing'", name="statsmodels_missing"
        )


def test_the_extras_are_installed_here():
    """The development environment (``make``: every extra) passes every check."""
    for extra in EXTRAS:
        check_extra(extra)
