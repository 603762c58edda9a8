"""Global sensitivity analysis and scenario discovery: ``sensitivity`` and ``discover``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from iei_sim.cli.common import (
    MAX_REPLICATES,
    MAX_SAMPLES,
    DaskOption,
    DpiOption,
    FormatOption,
    WorkersOption,
    check_cluster,
    checked,
    console,
    errors,
    execute,
    figure_options,
    load_experiment_or_exit,
    report_line,
    store_folder,
)
from iei_sim.extras import check_extra
from iei_sim.plots.saving import DEFAULT_DPI, FigureFormat
from iei_sim.validation import finite_option

# Below these sample sizes an analysis is a quick look: indices and rankings still move with
# more samples (Morris: 10 trajectories is the usual minimum; Sobol' and the Latin hypercube
# methods: a few hundred model evaluations per factor are typical).
SMALL_SAMPLES = {"sobol": 64, "morris": 10, "delta": 200, "pawn": 200}


def small_sample_warning(method: str, samples: int) -> str | None:
    """A warning when ``samples`` is below :data:`SMALL_SAMPLES` for the method."""
    smallest = SMALL_SAMPLES.get(method)
    if smallest is None or samples >= smallest:
        return None
    return (
        f"warning: {method} with samples {samples} is a quick look (below {smallest}): indices "
        "are noisy, factors may fall below the dummy and rankings can change with more samples"
    )


def noise_text(share: float, replicates: int) -> str:
    """The replicate noise share in percent, or why there is none."""
    if replicates < 2:
        return "n/a (1 replicate)"
    return "n/a" if share != share else f"{share:.0%}"  # NaN: no variance to split


def sensitivity_table(name: str, ranked, noise, method_index: str, replicates: int = 2) -> Table:
    """Per outcome: the three levers with the largest index (± its confidence), the dummy
    factor's index (the noise floor) and the replicate noise share (none with 1 replicate)."""
    view = Table(title=f"{name}: {method_index} by outcome (95% CI); noise = replicate share")
    for column in ("outcome", "top levers", "dummy", "noise"):
        view.add_column(column, justify="left" if column != "noise" else "right")
    noise = noise.set_index("outcome")["mean_noise_share"]
    for outcome, rows in ranked.groupby("outcome", sort=False):
        levers = rows[rows["kind"] == "lever"].head(3)
        top = "\n".join(
            f"{r.factor.removeprefix('policy.')} {r.value:.3g} ± {r.conf:.2g}"
            for r in levers.itertuples()
        )
        dummy = rows[rows["kind"] == "dummy"]
        view.add_row(
            outcome,
            top,
            f"{dummy['value'].iloc[0]:.3g}" if len(dummy) else "-",
            noise_text(noise.get(outcome, float("nan")), replicates),
        )
    return view


def convergence_line(verdict: dict) -> str | None:
    """How many outcomes' rankings and values settled over the last doubling (None: no
    convergence table)."""
    table = verdict.get("outcomes")
    if table is None or not len(table):
        return None
    return (
        f"convergence of {verdict['index']} over the last doubling: rankings settled for "
        f"{int(table['ranking_converged'].sum())} of {len(table)} outcomes, values "
        f"(change ≤ {verdict['tolerance']}) for {int(table['converged'].sum())}; largest "
        f"change {verdict['max_change']:.3g} ({verdict['where']})"
    )


def sensitivity(
    experiment: Annotated[
        Path, typer.Argument(help="experiment YAML file with a `method` section")
    ],
    samples: Annotated[
        int | None,
        typer.Option(min=1, max=MAX_SAMPLES, help="override method.samples (e.g. a quick look)"),
    ] = None,
    replicates: Annotated[
        int | None,
        typer.Option(min=1, max=MAX_REPLICATES, help="override the replicates per point"),
    ] = None,
    workers: WorkersOption = 1,
    dask_address: DaskOption = None,
    out: Annotated[
        Path | None, typer.Option(help="results folder (default: results/sensitivity/<name>)")
    ] = None,
    plots: Annotated[bool, typer.Option(help="draw the figures")] = True,
    format: FormatOption = FigureFormat.PNG,
    dpi: DpiOption = DEFAULT_DPI,
) -> None:
    """Global sensitivity analysis (Sobol', Morris, delta, PAWN) of the experiment's factors."""
    check_cluster(dask_address, workers)
    figures = figure_options(format, dpi)
    from iei_sim.sensitivity import workflow

    loaded = load_experiment_or_exit(experiment)
    plan = checked(workflow.prepare, loaded, samples, replicates)
    out_dir = store_folder(out or workflow.default_out(loaded.name))
    workflow.check_store(plan, out_dir)
    method = plan.method
    result = execute(
        f"[bold]{loaded.name}[/] {method.name}",
        len(plan.evaluation.unique),
        lambda advance: workflow.run_sensitivity(
            plan,
            out_dir,
            workers=workers,
            dask_address=dask_address,
            progress=advance,
            plots=plots,
            figures=figures,
        ),
    )
    if result.analysed:
        ranked = workflow.ranking(result.indices, method, plan.kinds)
        index = ranked["index"].iloc[0]
        console.print(
            sensitivity_table(loaded.name, ranked, result.noise, index, plan.evaluation.replicates)
        )
        line = convergence_line(result.verdict)
        if line is not None:
            console.print(line, markup=False)
        warning = small_sample_warning(method.name, method.samples)
        if warning is not None:
            errors.print(warning, markup=False)
        console.print(f"indices, convergence, summary and figures in {out_dir}", markup=False)
    else:
        errors.print(f"{result.missing} sample runs are missing: no indices yet.")
    report_line(result.report, out_dir)
    if result.report.failed or not result.analysed:
        raise typer.Exit(1)


def discover(
    experiment: Annotated[Path, typer.Argument(help="experiment YAML file")],
    target: Annotated[
        str,
        typer.Option(
            help='condition on outcomes, e.g. "firm_participation_rate >= 0.4 and '
            'fiscal_cost <= 500"'
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(help="results folder to reuse or fill (default: the experiment's)"),
    ] = None,
    with_uncertainties: Annotated[
        bool,
        typer.Option(
            "--uncertainties/--levers-only",
            help="let boxes restrict uncertainties too, not only levers",
        ),
    ] = False,
    old_with_uncertainties: Annotated[
        bool | None,
        typer.Option("--with-uncertainties/--no-with-uncertainties", hidden=True),
    ] = None,  # the earlier spelling, kept for scripts
    min_coverage: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            callback=finite_option,
            help="smallest coverage of the box reported",
        ),
    ] = 0.5,
    density_slack: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            callback=finite_option,
            help="report the simplest box this close to the densest's density",
        ),
    ] = 0.05,
    peel_alpha: Annotated[
        float,
        typer.Option(min=0.001, max=0.5, callback=finite_option, help="PRIM peeling step"),
    ] = 0.05,
    mass_min: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, callback=finite_option, help="PRIM smallest box mass"),
    ] = 0.05,
    workers: WorkersOption = 1,
    dask_address: DaskOption = None,
    plots: Annotated[bool, typer.Option(help="draw the trade-off figure")] = True,
    format: FormatOption = FigureFormat.PNG,
    dpi: DpiOption = DEFAULT_DPI,
) -> None:
    """Scenario discovery: the lever boxes (PRIM) in which a target on the outcomes holds."""
    check_extra("discovery")  # before the design's runs, which could take long
    if old_with_uncertainties is not None:
        with_uncertainties = old_with_uncertainties
    check_cluster(dask_address, workers)
    figures = figure_options(format, dpi)
    from iei_sim.sensitivity import workflow

    loaded = load_experiment_or_exit(experiment)
    parsed = checked(workflow.prepare_target, loaded, target)
    out_dir = store_folder(out or workflow.discovery_out(loaded))
    workflow.check_discovery_store(loaded, out_dir)

    def action(advance=None):
        return workflow.discover(
            loaded,
            parsed,
            out_dir,
            workers=workers,
            dask_address=dask_address,
            progress=advance,
            with_uncertainties=with_uncertainties,
            min_coverage=min_coverage,
            density_slack=density_slack,
            peel_alpha=peel_alpha,
            mass_min=mass_min,
            plots=plots,
            figures=figures,
        )

    runs = workflow.discovery_runs_needed(loaded, out_dir)
    result = execute(f"[bold]{loaded.name}[/] design", runs, action) if runs else action()
    if result.report is not None:
        report_line(result.report, out_dir)
    if result.result is None:
        errors.print(f"{result.message}: {result.hits} of {result.points} points", markup=False)
        raise typer.Exit(1)
    box = result.result
    console.print(
        f"{result.hits} of {result.points} points meet {parsed.text!r}; chosen box: coverage "
        f"{box.coverage:.2f}, density {box.density:.2f}",
        markup=False,
    )
    console.print(f"  {box.describe()}", markup=False, highlight=False)
    console.print(f"trade-off, box and trajectory in {out_dir / 'discovery'}", markup=False)
