"""``iei-sim dock GAME.yaml``: replicator ODE and docking-mode ABM of one game, side by side,
with its tables.

Bad input (an invalid game file or option) prints one line per problem, exits with status 2 and
writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from iei_sim.cli.common import (
    DpiOption,
    FormatOption,
    console,
    errors,
    figure_options,
    progress_bar,
)
from iei_sim.docking import DEFAULT_REVISION_PROBABILITY
from iei_sim.errors import EXIT_BAD_INPUT
from iei_sim.errors import InputError as ScenarioError
from iei_sim.plots.saving import DEFAULT_DPI, FigureFormat
from iei_sim.validation import MAX_AGENTS, MAX_DOCK_REPLICATES, finite_option


def final_shares_table(loaded, result) -> Table:
    """Each population's share playing its first strategy at the horizon: ODE, ABM mean and
    the ABM replicates' central 95% band."""
    final = Table(
        title=f"{loaded.name}: share playing the first strategy at t = {loaded.horizon:g}"
    )
    for column in ("population", "ODE", "ABM mean", "ABM 95% band"):
        final.add_column(column, justify="left" if column == "population" else "right")
    mean, lower, upper = result.abm_mean[-1], result.lower[-1], result.upper[-1]
    for p, name in enumerate(loaded.populations):
        final.add_row(
            f"{name} ({loaded.strategies[p][0]})",
            f"{result.ode[-1, p]:.3f}",
            f"{mean[p]:.3f}",
            f"[{lower[p]:.3f}, {upper[p]:.3f}]",
        )
    return final


def corners_table(loaded, result) -> Table:
    """The pure-strategy corners: the replicator Jacobian's eigenvalues and stability."""
    corners = Table(title="pure-strategy corners (replicator Jacobian eigenvalues)")
    corners.add_column("profile", overflow="fold")
    corners.add_column("eigenvalues", justify="right")
    corners.add_column("stability")
    for row in result.corners_table().itertuples(index=False):
        eig = [getattr(row, f"eigenvalue_{name}") for name in loaded.populations]
        corners.add_row(row.profile, ", ".join(f"{v:+.3f}" for v in eig), row.stability)
    return corners


def dock(
    game: Annotated[Path, typer.Argument(help="game YAML file (see games/)")],
    agents: Annotated[
        int, typer.Option(min=10, max=MAX_AGENTS, help="agents per population")
    ] = 2000,
    replicates: Annotated[
        int,
        typer.Option(min=1, max=MAX_DOCK_REPLICATES, help="ABM replicates (band: central 95%)"),
    ] = 10,
    out: Annotated[
        Path | None, typer.Option(help="output folder (default: results/dock/<game name>)")
    ] = None,
    seed: Annotated[
        int, typer.Option(min=0, max=2**32 - 1, help="base seed of the ABM replicates")
    ] = 0,
    revision_probability: Annotated[
        float,
        typer.Option(
            min=1e-4,
            callback=finite_option,
            max=1.0,
            help="largest chance an agent revises per ABM step (one step = ρ/Δ ODE time; "
            "smaller is closer to the ODE and slower)",
        ),
    ] = DEFAULT_REVISION_PROBABILITY,
    plots: Annotated[bool, typer.Option(help="draw the trajectories figure")] = True,
    format: FormatOption = FigureFormat.PNG,
    dpi: DpiOption = DEFAULT_DPI,
    force: Annotated[
        bool,
        typer.Option(
            help="write into a non-empty folder that is not an earlier docking folder, beside "
            "its files (they are never removed or overwritten)"
        ),
    ] = False,
) -> None:
    """Dock the ABM with the replicator ODE of a game: trajectories, equilibrium, stability.

    An earlier docking folder at --out is replaced (atomically); any other non-empty folder is
    refused unless --force, and the current folder or one above it always is.
    """
    from iei_sim.docking.game import load_game

    try:
        loaded = load_game(game)
    except ScenarioError as exc:
        for problem in exc.problems:
            errors.print(f"error: {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    from iei_sim.docking.experiment import run_docking

    out_dir = out or Path("results") / "dock" / loaded.name
    figures = figure_options(format, dpi)
    from iei_sim.output_folders import check_output_folder

    check_output_folder(out_dir, "dock", force)  # before the work: a refusal costs nothing
    with progress_bar(f"[bold]{loaded.name}[/] N={agents}", "replicates", replicates) as advance:
        result = run_docking(
            loaded,
            agents=agents,
            replicates=replicates,
            seed=seed,
            max_revision_probability=revision_probability,
            progress=advance,
        )
    written = result.write(out_dir, plots=plots, force=force, figures=figures)
    console.print(final_shares_table(loaded, result))
    console.print(corners_table(loaded, result))
    typer.echo(f"ODE: {result.ode_outcome.describe(loaded)}")
    typer.echo(
        f"ABM vs ODE: max |mean − ODE| = {result.deviation():.4f}; ODE inside the 95% band "
        f"(± 1 agent) at {100 * result.band_coverage():.0f}% of points; one step = "
        f"{result.dt:.4g} ODE time (ρ = {result.revision_probability:.4g}, "
        f"Δ = {loaded.payoff_range:.4g})"
    )
    typer.echo(f"Docking results written to {written}/")
