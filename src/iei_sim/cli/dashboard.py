"""``iei-sim dashboard``: check the scenario file, then serve the page (:mod:`iei_sim.dashboard`).

The server runs as a child process (``python -m iei_sim.dashboard.server``: Solara's app, in
production mode, without Solara's version check and telemetry, behind a guard that refuses
other web sites' requests) that reads the scenario path from an environment variable; Ctrl-C
or SIGTERM stops both. The page has no authentication, so it listens on a loopback address
unless ``--allow-remote`` says otherwise.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from iei_sim.dashboard import SCENARIO_ENV, default_scenario
from iei_sim.dashboard.hosts import (
    LOOPBACK_NAMES,
    checked_host_name,
    is_loopback,
    is_wildcard,
    page_url,
    remote_host_names,
)
from iei_sim.errors import EXIT_BAD_INPUT
from iei_sim.errors import InputError as ScenarioError
from iei_sim.extras import check_extra

SERVER_MODULE = "iei_sim.dashboard.server"


def server_command(host: str, port: int, allowed_hosts: list[str], open_browser: bool) -> list[str]:
    """The server command line (the same interpreter, so the same installed packages)."""
    command = [sys.executable, "-m", SERVER_MODULE, "--host", host, "--port", str(port)]
    for name in allowed_hosts:
        command += ["--allowed-host", name]
    return command + (["--open-browser"] if open_browser else [])


def server_environment(scenario: Path) -> dict[str, str]:
    """Environment of the server: the scenario to show, and no telemetry."""
    return {
        **os.environ,
        SCENARIO_ENV: str(scenario.resolve()),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    }


def _refuse(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


def checked_hosts(host: str, allow_remote: bool, allowed_host: list[str]) -> tuple[str, list[str]]:
    """The address to listen on and the host names other machines may use (exit 2 if refused).

    Only a loopback address keeps the page, which has no authentication, to this machine.
    """
    try:
        host = checked_host_name(host, option="--host")
        if not allow_remote:
            if not is_loopback(host):
                raise _refuse(
                    f"--host {host} lets other machines reach the dashboard, which has no "
                    "authentication; add --allow-remote if you mean that (an SSH tunnel to "
                    "127.0.0.1 is safer)"
                )
            if allowed_host:
                raise _refuse("--allowed-host names other machines may use: add --allow-remote")
        return host, remote_host_names(host, allowed_host)
    except ValueError as exc:
        raise _refuse(str(exc)) from None


def _warn_remote(host: str, port: int, remote_names: list[str]) -> None:
    """Say plainly what --allow-remote exposes, and the safer way."""
    shown = str(port) if port else "PORT"
    where = "any address of this machine" if is_wildcard(host) else host
    names = ", ".join([*LOOPBACK_NAMES, *remote_names])
    for line in (
        f"--allow-remote: the dashboard has no authentication. Anyone who can reach port "
        f"{shown} on {where} can run the model and use this machine's CPU and memory.",
        f"Prefer an SSH tunnel: keep --host 127.0.0.1 and run `ssh -L {shown}:127.0.0.1:{shown} "
        f"THIS-MACHINE` on the machine with the browser, then open http://127.0.0.1:{shown}/.",
        f"The page answers only when addressed as one of: {names}; add names with "
        "--allowed-host NAME.",
    ):
        typer.echo(f"warning: {line}", err=True)


def _warn_if_assets_missing() -> None:
    """The page needs Solara's front end; say how to get it where its CDN is out of reach."""
    from iei_sim.dashboard.assets import missing_packages

    missing = missing_packages()
    if missing:
        typer.echo(
            f"note: Solara's page assets ({', '.join(missing)}) are not installed; the page "
            "fetches them from Solara's CDN on first load. For offline use install the "
            "dashboard extra as the README says (its solara-assets package holds them), or "
            "run `make dashboard-assets` (fetches them with npm).",
            err=True,
        )


def port_in_use(host: str, port: int) -> bool:
    """Whether ``port`` on ``host`` is taken (checked before the page's address is printed)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:  # another error (an address not on this machine) is the server's
            return exc.errno == errno.EADDRINUSE
    return False


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
        str,
        typer.Option(
            help="address to listen on; one other than loopback (127.0.0.1, ::1, localhost) "
            "needs --allow-remote"
        ),
    ] = "127.0.0.1",
    allow_remote: Annotated[
        bool,
        typer.Option(
            help="allow a --host other machines can reach (the page has no authentication; "
            "an SSH tunnel is safer)"
        ),
    ] = False,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME",
            help="with --allow-remote: a host name or address people type to reach the page, "
            "besides --host and the loopback names; others are refused (repeatable)",
            show_default=False,
        ),
    ] = None,
    open_browser: Annotated[bool, typer.Option(help="open the page in a web browser")] = False,
) -> None:
    """Serve the interactive dashboard: policy levers, play / step / reset, live charts."""
    check_extra("dashboard")  # the server process imports Solara and uvicorn
    host, remote_names = checked_hosts(host, allow_remote, allowed_host or [])
    from iei_sim.scenario import load_scenario

    path = scenario if scenario is not None else default_scenario()
    try:
        loaded = load_scenario(path)
    except ScenarioError as exc:
        for problem in exc.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if port and port_in_use(host, port):
        raise _refuse(
            f"port {port} on {host} is in use (another dashboard?): stop it, or pick another "
            "port with --port N (--port 0 takes any free one)"
        )
    _warn_if_assets_missing()
    if allow_remote:
        _warn_remote(host, port, remote_names)
    where = page_url(host, port) if port else page_url(host, "<free port>")
    typer.echo(f"Dashboard of '{loaded.name}' ({path}) at {where} — Ctrl-C stops it.")
    process = subprocess.Popen(
        server_command(host, port, remote_names, open_browser), env=server_environment(path)
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
