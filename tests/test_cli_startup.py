"""The command line answers at once: `iei-sim --help` loads none of the heavy libraries, `--version`
works, and Ctrl-C while the command line is still loading ends in one line (exit 130)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import iei_sim
from iei_sim.console import EXIT_INTERRUPTED

SRC = Path(iei_sim.__file__).resolve().parent.parent

# What `iei-sim --help` must not import (each costs tenths of a second); commands load them when
# they run. NumPy is allowed: the outcome registry's module needs it.
HEAVY = ("pydantic", "yaml", "mesa", "pandas", "matplotlib", "scipy", "SALib", "dask", "solara")


def python(code: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_help_loads_no_heavy_library():
    done = python(
        """
        import json, sys
        from iei_sim.console import main
        sys.argv = ["iei-sim", "--help"]
        try:
            main()
        except SystemExit:
            pass
        loaded = sorted({m.split(".")[0] for m in sys.modules})
        print(json.dumps(loaded), file=sys.stderr)
        """
    )
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert "validate" in done.stdout and "sweep" in done.stdout
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_commands_help_load_no_heavy_library():
    """Each command's help is as light as the top level (its imports happen when it runs)."""
    done = python(
        """
        import json, sys
        from typer.testing import CliRunner
        from iei_sim.cli import app
        names = ["validate", "run", "compare", "sweep", "sensitivity", "discover", "dock"]
        for name in names:
            result = CliRunner().invoke(app, [name, "--help"])
            assert result.exit_code == 0, (name, result.output)
        print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
        """
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    # Typer itself parses a command's parameters with pydantic; the rest stay unloaded.
    heavy = set(HEAVY) - {"pydantic"}
    assert loaded.isdisjoint(heavy), sorted(loaded & heavy)


def test_version():
    done = python(
        "import sys; from iei_sim.console import main; sys.argv = ['iei-sim', '--version']; main()"
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"iei-sim {iei_sim.__version__}"


def test_ctrl_c_while_loading_prints_one_line():
    """A Ctrl-C that arrives while the command modules import (simulated by an import hook that
    raises KeyboardInterrupt on the first command module) ends in one line, not a traceback."""
    done = python(
        """
        import sys

        class CtrlC:
            def find_spec(self, name, path=None, target=None):
                if name == "iei_sim.cli.run":
                    raise KeyboardInterrupt
                return None

        sys.meta_path.insert(0, CtrlC())
        sys.argv = ["iei-sim", "--help"]
        from iei_sim.console import main
        main()
        """
    )
    assert done.returncode == EXIT_INTERRUPTED
    assert done.stderr.strip() == "interrupted"
    assert "Traceback" not in done.stderr


def test_cli_bounds_are_the_schema_bounds():
    """`--steps` and `--seed` accept exactly what a scenario file may hold."""
    from iei_sim.scenario import Scenario
    from iei_sim.scenario.constraints import field_bounds
    from iei_sim.validation import MAX_SEED, MAX_STEPS

    assert field_bounds(Scenario, "steps").hi == MAX_STEPS
    assert field_bounds(Scenario, "seed").hi == MAX_SEED
    assert field_bounds(Scenario, "summary_window").hi == MAX_STEPS


def test_a_pool_worker_loads_the_model_but_not_scipy_stats_the_store_or_the_plots():
    """What a local pool's fork server preloads, and a worker running its first task, is the
    model: not SciPy's statistics, the results store or the plots."""
    done = python(
        """
        import json, pickle, sys
        from iei_sim.experiments.design import RunTask
        task = pickle.dumps(RunTask("k", 0, "s", {}, 0, 1, {"steps": "bad"}, "h", ("fiscal_cost",)))
        for name in [m for m in sys.modules if m.startswith("iei_sim")]:
            del sys.modules[name]
        from iei_sim.experiments.worker_server import WORKER_MODULES
        import importlib
        for module in WORKER_MODULES:
            importlib.import_module(module)
        from iei_sim.experiments.executors import execute_run
        result = execute_run(pickle.loads(task))  # fails (a bad scenario), after its imports
        assert result["row"]["status"] == "failed"
        print(json.dumps(sorted(sys.modules)))
        """
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "mesa" in loaded and "iei_sim.model" in loaded
    unwanted = {"scipy.stats", "matplotlib", "iei_sim.experiments.store"}
    assert loaded.isdisjoint(unwanted), sorted(loaded & unwanted)


def test_the_console_starts_the_workers_server_before_the_command_line_loads():
    """`--workers N` (N > 1) on the command line starts the fork server before the command
    line's own imports, so the model is being imported while they run; nothing else does."""
    done = python(
        """
        import sys
        import iei_sim.experiments.worker_server as server
        started = []
        server.start_worker_server = lambda: started.append(sorted(
            m for m in sys.modules if m.startswith("iei_sim.cli") or m == "typer"))
        from iei_sim.console import main
        sys.argv = ["iei-sim", "sweep", "--help", "--workers", "2"]
        try:
            main()
        except SystemExit:
            pass
        print(started, file=sys.stderr)
        """
    )
    assert done.stderr.strip().splitlines()[-1] == "[[]]", done.stderr  # once, before the CLI


def test_only_a_request_for_local_workers_starts_the_server_early():
    from iei_sim.experiments.worker_server import local_workers_asked

    assert local_workers_asked(["sweep", "x.yaml", "--workers", "2"])
    assert local_workers_asked(["compare", "a.yaml", "--workers=4", "--out", "o"])
    assert not local_workers_asked(["sweep", "x.yaml", "--workers", "1"])
    assert not local_workers_asked(["sweep", "x.yaml"])
    assert not local_workers_asked(["sweep", "x.yaml", "--workers", "two"])
    assert not local_workers_asked(["sweep", "x.yaml", "--workers"])
    assert not local_workers_asked(["sweep", "x.yaml", "--workers", "2", "--dask-address", "t"])
    assert not local_workers_asked(["sweep", "--dask-address=tcp://h:1", "--workers", "2"])
