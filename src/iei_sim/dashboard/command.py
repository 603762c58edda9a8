"""``iei-sim dashboard``: check the scenario file, then serve the page with Solara's server.

The server runs as a child process (``python -m solara run iei_sim.dashboard.app``) that reads
the scenario path from an environment variable; Ctrl-C or SIGTERM stops both. It runs in
production mode (no file watcher, no developer checks), without Solara's version check and
telemetry, so it makes no request beyond localhost.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from iei_sim.dashboard import SCENARIO_ENV, default_scenario
from iei_sim.scenario import ScenarioError, load_scenario

EXIT_BAD_INPUT = 2
APP_MODULE = "iei_sim.dashboard.app"


def solara_command(host: str, port: int, open_browser: bool) -> list[str]:
    """The server command line (the same interpreter, so the same installed packages)."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        APP_MODULE,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-check-version",
        "--open" if open_browser else "--no-open",
    ]


def server_environment(scenario: Path) -> dict[str, str]:
    """Environment of the server: the scenario to show, and no telemetry."""
    return {
        **os.environ,
        SCENARIO_ENV: str(scenario.resolve()),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    }


def _warn_if_assets_missing() -> None:
    """The page needs Solara's front end; say how to get it where its CDN is out of reach."""
    from iei_sim.dashboard.assets import missing_packages

    missing = missing_packages()
    if missing:
        typer.echo(
            f"note: Solara's page assets ({', '.join(missing)}) are not cached; the page fetches "
            "them from Solara's CDN on first load. Without internet access run "
            "`make dashboard-assets` (needs npm) first.",
            err=True,
        )


def dashboard(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="scenario YAML file (default: scenarios/small.yaml)", show_default=False
        ),
    ] = None,
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="port to serve on (0: any free port)")
    ] = 8765,
    host: Annotated[
        str, typer.Option(help="address to listen on (keep 127.0.0.1 unless you mean to share it)")
    ] = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option(help="open the page in a web browser")] = False,
) -> None:
    """Serve the interactive dashboard: policy levers, play / step / reset, live charts."""
    path = scenario if scenario is not None else default_scenario()
    try:
        loaded = load_scenario(path)
    except ScenarioError as exc:
        for problem in exc.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _warn_if_assets_missing()
    where = f"http://{host}:{port}/" if port else f"http://{host}:<free port>/"
    typer.echo(f"Dashboard of '{loaded.name}' ({path}) at {where} — Ctrl-C stops it.")
    process = subprocess.Popen(
        solara_command(host, port, open_browser), env=server_environment(path)
    )

    def stop(_signum: int, _frame: object) -> None:
        process.terminate()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        code = process.wait()
    except KeyboardInterrupt:  # the server got the same Ctrl-C; let it finish
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        code = 0
    finally:
        signal.signal(signal.SIGTERM, previous)
    raise typer.Exit(code if code > 0 else 0)
