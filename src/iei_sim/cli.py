"""The ``iei-sim`` command line: a thin layer over the Python API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from iei_sim.dashboard.command import dashboard
from iei_sim.scenario import ScenarioError, load_scenario, scenario_hash

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Simulate school–enterprise cooperation under incentive and risk-sharing policies.",
)
console = Console()
errors = Console(stderr=True)

EXIT_BAD_INPUT = 2

HEADLINE = [
    ("firm_participation_rate", "Firm participation rate"),
    ("school_willingness", "School willingness"),
    ("firm_willingness", "Firm willingness"),
    ("deep_partnership_share", "Deep partnerships (share)"),
    ("education_project_share", "Education-oriented projects (share)"),
    ("project_gini", "Concentration of projects (Gini)"),
    ("student_coverage", "Student coverage"),
    ("graduate_employment_rate", "Graduate employment rate"),
    ("intern_retention_rate", "Intern retention rate"),
    ("lagging_region_outflow", "Lagging-region net outflow"),
    ("fiscal_cost", "Fiscal cost, whole run (10k CNY)"),
]


@contextmanager
def _progress(label: str, unit: str, total: int) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (done / total, ETA); yields the callback the API calls."""
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeRemainingColumn(),
        console=errors,
        transient=True,
    ) as progress:
        task = progress.add_task(unit, total=total)
        yield lambda done, _total: progress.update(task, completed=done)


def _load_or_exit(path: Path):
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        for problem in exc.problems:
            errors.print(f"error: {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="scenario YAML file")]) -> None:
    """Check a scenario file without running it."""
    loaded = _load_or_exit(scenario)
    typer.echo(f"{scenario}: OK (scenario '{loaded.name}', hash {scenario_hash(loaded)})")


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    seed: Annotated[
        int | None, typer.Option(min=0, help="random seed (default: the scenario's)")
    ] = None,
    steps: Annotated[
        int | None, typer.Option(min=1, help="years to simulate (default: the scenario's)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="output folder (default: results/<name>/<hash>-seed<seed>)")
    ] = None,
    plots: Annotated[bool, typer.Option(help="draw the PNG figures")] = True,
) -> None:
    """Run one scenario and write its results folder."""
    loaded = _load_or_exit(scenario)
    from iei_sim.run import default_out_dir, run_scenario

    seed = loaded.seed if seed is None else seed
    steps = loaded.steps if steps is None else steps
    out_dir = out or default_out_dir(loaded, seed)
    with _progress(f"[bold]{loaded.name}[/] seed {seed}", "years", steps) as advance:
        result = run_scenario(loaded, seed=seed, steps=steps, progress=advance)
    written = result.write(out_dir, plots=plots)
    table = Table(title=f"{loaded.name}: {steps} years, seed {seed}", show_header=True)
    table.add_column("outcome")
    table.add_column("value", justify="right")
    for key, label in HEADLINE:
        value = result.summary[key]
        table.add_row(label, f"{value:,.1f}" if key == "fiscal_cost" else f"{value:.3f}")
    console.print(table)
    typer.echo(f"Results written to {written}/")


@app.command()
def patterns(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    replicates: Annotated[int, typer.Option(min=2, help="replicate runs (seeds 0 … R-1)")] = 20,
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
    out: Annotated[Path | None, typer.Option(help="write the table as CSV here")] = None,
    strict: Annotated[bool, typer.Option(help="exit 1 if any pattern does not hold")] = False,
) -> None:
    """Check the seeds' patterns (MODEL.md §5) over replicates of a scenario."""
    loaded = _load_or_exit(scenario)
    from iei_sim.patterns import evaluate_patterns, run_replicates

    with _progress(f"[bold]{loaded.name}[/]", "replicates", replicates) as advance:
        summaries = run_replicates(loaded, replicates, workers, progress=advance)
    table = evaluate_patterns(summaries)
    view = Table(title=f"{loaded.name}: patterns over {replicates} replicates (95% CI)")
    for column in ("pattern", "mean", "95% CI", "band", "holds"):
        view.add_column(column, justify="left" if column == "pattern" else "right")
    for row in table.itertuples():
        view.add_row(
            row.name,
            f"{row.mean:.3f}",
            f"[{row.ci_low:.3f}, {row.ci_high:.3f}]",
            f"[{row.band_low:g}, {row.band_high:g}]",
            "yes" if row.holds else "[red]NO[/]",
        )
    console.print(view)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(out, index=False, float_format="%.6g")
        typer.echo(f"Pattern table written to {out}")
    if strict and not table["holds"].all():
        raise typer.Exit(1)


app.command("dashboard")(dashboard)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
