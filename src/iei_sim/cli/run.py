"""One scenario: ``validate``, ``run``, ``outcomes`` and ``patterns``, with their tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from iei_sim.cli.common import (
    MAX_REPLICATES,
    MAX_SEED,
    MAX_STEPS,
    DpiOption,
    FormatOption,
    SettingsOption,
    console,
    figure_options,
    load_scenario_or_exit,
    parse_settings,
    progress_bar,
)
from iei_sim.outcomes import HEADLINES, OUTCOMES
from iei_sim.plots.saving import DEFAULT_DPI, FigureFormat
from iei_sim.validation import MAX_WORKERS

ForceHelp = typer.Option(
    help="write into a non-empty folder that is not an earlier run folder, beside its files "
    "(they are never removed or overwritten)"
)


def validate(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="scenario, experiment or game YAML file")
    ],
    estimate: Annotated[
        bool,
        typer.Option(
            "--estimate",
            help="experiments: time one run of the base scenario and estimate how long sweep "
            "and sensitivity would take",
        ),
    ] = False,
) -> None:
    """Check a scenario, experiment or game file without running it, and summarise it.

    The kind is read from the file's keys. Every problem is listed at once. A scenario shows
    its years, regions and sizes and what it changes in the file it extends; an experiment
    its factors, outcomes and how many runs `sweep` and `sensitivity` would make (with
    --estimate, how long they would take).
    """
    from iei_sim.cli.input_files import summarise

    for line in summarise(file, estimate).lines():
        typer.echo(line)


def outcomes_table(headlines: bool = False) -> Table:
    """The outcome registry: name (``*`` for a headline, ``~`` when noise-dominated), label,
    unit, summary rule, first meaningful year; only the headlines if ``headlines``."""
    table = Table(title="Outcomes (every result table's columns; labels in outcomes.csv)")
    table.add_column("name", no_wrap=True)
    for column in ("label", "unit", "summary", "meaningful from"):
        table.add_column(column)
    for outcome in OUTCOMES.values():
        if headlines and not outcome.headline:
            continue
        table.add_row(
            outcome.name
            + (" *" if outcome.headline else "")
            + (" ~" if outcome.noise_dominated else ""),
            outcome.label,
            outcome.unit.name,
            outcome.summary,
            outcome.meaningful_from,
        )
    table.caption = (
        "* headline outcome; ~ noise-dominated: replicate noise is most of its variance "
        "(docs/noise-shares.csv)"
    )
    return table


def outcomes(
    headlines: Annotated[
        bool, typer.Option("--headlines", help="only the outcomes every display leads with")
    ] = False,
) -> None:
    """List the outcomes a run reports: name, label, unit and how the summary aggregates it."""
    console.print(outcomes_table(headlines))


def run_table(loaded, summary, seed: int, steps: int) -> Table:
    """A run's headline outcomes; a value from before the year it means something is starred."""
    spin_up = getattr(loaded, "spin_up_years", 0)
    after = f" after a {spin_up}-year spin-up" if spin_up else ""
    table = Table(title=f"{loaded.name}: {steps} years{after}, seed {seed}", show_header=True)
    table.add_column("outcome")
    table.add_column("value", justify="right")
    table.add_column("unit")
    early = 0
    for key in HEADLINES:
        outcome = OUTCOMES[key]
        value = outcome.format(summary[key])
        first = outcome.first_meaningful_year(loaded)
        if steps < first:
            value, early = f"{value} *", first
        table.add_row(outcome.label, value, outcome.unit.shown_as)
    if early:
        table.caption = (
            f"* means little before year {early}: no cohort that could meet a partnership "
            "has graduated yet"
        )
    return table


def run(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    seed: Annotated[
        int | None,
        typer.Option(min=0, max=MAX_SEED, help="random seed (default: the scenario's)"),
    ] = None,
    steps: Annotated[
        int | None,
        typer.Option(min=1, max=MAX_STEPS, help="years to simulate (default: the scenario's)"),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="output folder (default: results/<name>/<hash>-seed<seed>)")
    ] = None,
    settings: SettingsOption = None,
    plots: Annotated[bool, typer.Option(help="draw the figures (into plots/)")] = True,
    format: FormatOption = FigureFormat.PNG,
    dpi: DpiOption = DEFAULT_DPI,
    force: Annotated[bool, ForceHelp] = False,
) -> None:
    """Run one scenario and write its results folder.

    An earlier run folder at --out is replaced (atomically); any other non-empty folder is
    refused unless --force, and the current folder or one above it always is.
    """
    from iei_sim.cli.input_files import InputKind, refuse_other_kind

    refuse_other_kind(scenario, InputKind.SCENARIO)
    loaded = load_scenario_or_exit(scenario, parse_settings(settings))
    from iei_sim.output_folders import check_output_folder
    from iei_sim.run import default_out_dir, run_scenario

    seed = loaded.seed if seed is None else seed
    steps = loaded.steps if steps is None else steps
    out_dir = out or default_out_dir(loaded, seed)
    figures = figure_options(format, dpi)
    check_output_folder(out_dir, "run", force)  # before the work: a refusal costs nothing
    with progress_bar(f"[bold]{loaded.name}[/] seed {seed}", "years", steps) as advance:
        result = run_scenario(loaded, seed=seed, steps=steps, progress=advance)
    written = result.write(out_dir, plots=plots, force=force, figures=figures)
    console.print(run_table(loaded, result.summary, seed, steps))
    typer.echo(f"Results written to {written}/")


def patterns_table(name: str, replicates: int, table) -> Table:
    """Each pattern's mean and 95% CI against its band, and whether it holds (the rule in the
    caption)."""
    from iei_sim.patterns import HOLDS_RULE

    view = Table(title=f"{name}: patterns over {replicates} replicates (95% CI)")
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
    view.caption = HOLDS_RULE
    return view


def patterns(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    replicates: Annotated[
        int, typer.Option(min=2, max=MAX_REPLICATES, help="replicate runs (seeds 0 … R-1)")
    ] = 20,
    workers: Annotated[int, typer.Option(min=1, max=MAX_WORKERS, help="worker processes")] = 1,
    out: Annotated[
        Path | None,
        typer.Option(
            help="CSV file to write the table to, and its figure beside it (same name; a file, "
            "unlike other commands' --out)"
        ),
    ] = None,
    strict: Annotated[bool, typer.Option(help="exit 1 if any pattern does not hold")] = False,
    plots: Annotated[bool, typer.Option(help="with --out, draw the figure too")] = True,
    format: FormatOption = FigureFormat.PNG,
    dpi: DpiOption = DEFAULT_DPI,
) -> None:
    """Check the source studies' patterns over replicates of a scenario; with --out, the table
    as CSV and a figure of each pattern's CI against its band beside it.

    The patterns and their bands are described in docs/ODD.md §1 and docs/calibration.md; they
    are calibrated for scenarios/baseline.yaml (a smaller scenario may miss some).
    """
    from iei_sim.cli.input_files import InputKind, refuse_other_kind

    refuse_other_kind(scenario, InputKind.SCENARIO)
    loaded = load_scenario_or_exit(scenario)
    from iei_sim.patterns import PATTERN_TABLE_HEADER, evaluate_patterns, run_replicates

    figures = figure_options(format, dpi)
    figure_path = None
    if out is not None:
        from iei_sim.output_folders import check_output_file
        from iei_sim.plots.pattern_figures import figure_beside

        table_path = check_output_file(out, PATTERN_TABLE_HEADER)
        if plots:
            figure_path = figure_beside(table_path, figures.name(table_path.stem))

    with progress_bar(f"[bold]{loaded.name}[/]", "replicates", replicates) as advance:
        summaries = run_replicates(loaded, replicates, workers, progress=advance)
    table = evaluate_patterns(summaries)
    console.print(patterns_table(loaded.name, replicates, table))
    if out is not None:
        from iei_sim.atomic import atomic_write_text

        atomic_write_text(out, table.to_csv(index=False, float_format="%.6g"))
        typer.echo(f"Pattern table written to {out}")
    if figure_path is not None:
        from iei_sim.cli.common import status
        from iei_sim.phases import DRAWING_FIGURES
        from iei_sim.plots.pattern_figures import patterns_figure
        from iei_sim.plots.saving import save_figure

        with status(DRAWING_FIGURES):
            fig = patterns_figure(table, loaded.name, replicates)
            title = f"{loaded.name}: patterns over {replicates} replicates"
            save_figure(fig, figure_path.parent, figure_path.stem, figures, title=title)
        typer.echo(f"Pattern figure written to {figure_path}")
    if strict and not table["holds"].all():
        raise typer.Exit(1)
