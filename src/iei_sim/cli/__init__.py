"""The ``iei-sim`` command line: a thin layer over the Python API.

:mod:`~iei_sim.cli.common` holds what every command shares (consoles, one-line errors, progress
bars, loaders that exit with status 2); each command group has a module of its own, its tables
beside it: :mod:`~iei_sim.cli.run` (validate, outcomes, run, patterns),
:mod:`~iei_sim.cli.experiments` (compare, sweep, results), :mod:`~iei_sim.cli.sensitivity`
(sensitivity, discover), :mod:`~iei_sim.cli.diagnose` (diagnose crn),
:mod:`~iei_sim.cli.dashboard` and :mod:`~iei_sim.cli.dock`. This module builds the app.
"""

from __future__ import annotations

from typing import Annotated

import typer

from iei_sim import __version__
from iei_sim.cli import dashboard, diagnose, dock, experiments, run, sensitivity
from iei_sim.cli.common import ReportedTyper

app = ReportedTyper(
    add_completion=False,
    no_args_is_help=True,
    help="Simulate school–enterprise cooperation under incentive and risk-sharing policies.",
)


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"iei-sim {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """Simulate school–enterprise cooperation under incentive and risk-sharing policies."""
    from iei_sim.phases import report_phases_with

    report_phases_with(_spinner)


def _spinner(message: str):
    """A command's phases without a count (``drawing figures…``) as a spinner on stderr."""
    from iei_sim.cli.common import status

    return status(message)


# In this order in `iei-sim --help` (command groups such as `diagnose` come last).
app.command()(run.validate)
app.command()(run.outcomes)
app.command()(run.run)
app.command()(run.patterns)
app.command()(experiments.compare)
app.command()(experiments.sweep)
app.command()(experiments.ablate)
app.command()(experiments.results)
app.command()(sensitivity.sensitivity)
app.command()(sensitivity.discover)

diagnose_app = ReportedTyper(no_args_is_help=True, help=diagnose.GROUP_HELP)
diagnose_app.command("crn")(diagnose.diagnose_crn)
app.add_typer(diagnose_app, name="diagnose")

app.command("dashboard")(dashboard.dashboard)
app.command("dock")(dock.dock)

__all__ = ["app", "main"]


def main() -> None:
    """The ``iei-sim`` command (:func:`iei_sim.console.main`: Agg figures, Ctrl-C in one line)."""
    from iei_sim.console import main as console_main

    console_main()
