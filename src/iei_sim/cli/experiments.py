"""Experiments in a results store: ``compare``, ``sweep`` and ``results``, with their tables."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from iei_sim.cli.common import (
    MAX_REPLICATES,
    MAX_STEPS,
    DaskOption,
    DpiOption,
    FormatOption,
    StoreOption,
    WorkersOption,
    check_cluster,
    checked,
    console,
    errors,
    execute,
    figure_options,
    load_experiment_or_exit,
    parse_settings,
    report_line,
    settings_option,
    store_folder,
)
from iei_sim.cli.experiment_views import (
    TableFormat,
    comparison_markdown,
    comparison_view,
    cost_markdown,
    cost_view,
    machine_text,
    point_summary_view,
)
from iei_sim.errors import EXIT_BAD_INPUT
from iei_sim.outcomes import OUTCOMES
from iei_sim.plots.saving import DEFAULT_DPI, FigureFormat
from iei_sim.validation import suggestion

RegimeSettingsOption = settings_option("in every regime", "regions.east.firms=40")
VariantSettingsOption = settings_option("in every variant", "regions.east.firms=40")

# Columns of a store's runs table that describe a run rather than measure it.
RUN_COLUMNS = {
    "run_key",
    "scenario",
    "scenario_hash",
    "point",
    "replicate",
    "seed",
    "status",
    "error",
    "duration_s",
}


def check_store(out_dir: Path, identity: dict, tasks: list) -> None:
    """Refuse a store of another experiment, base scenario or model, or a legacy store that
    would need runs added, before any progress bar is drawn (exit 2, one line)."""
    from iei_sim.experiments import ResultsStore

    ResultsStore(out_dir).check_plan(identity, [t.key for t in tasks])


def parse_outcomes(values: list[str] | None) -> list[str] | None:
    """``--outcomes`` (repeatable, or comma-separated) as registry names; an unknown name is
    refused with the allowed ones (exit 2)."""
    if not values:
        return None
    names = [n.strip() for value in values for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in OUTCOMES]
    for name in unknown:
        errors.print(
            f"error: --outcomes: unknown outcome {name!r}{suggestion(name, OUTCOMES)}; allowed: "
            f"{', '.join(OUTCOMES)} (`iei-sim outcomes` describes each)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if unknown:
        raise typer.Exit(EXIT_BAD_INPUT)
    return list(dict.fromkeys(names))


OutcomesOption = Annotated[
    list[str] | None,
    typer.Option(
        "--outcomes",
        metavar="NAMES",
        help="outcomes to show and draw, comma-separated or repeated (default: the headlines; "
        "`iei-sim outcomes` lists them); every outcome is kept in the CSV files",
    ),
]


def compare(
    scenarios: Annotated[
        list[Path], typer.Argument(help="scenario files; the first is the reference")
    ],
    replicates: Annotated[
        int,
        typer.Option(min=2, max=MAX_REPLICATES, help="replicates per scenario (common seeds)"),
    ] = 10,
    steps: Annotated[
        int | None,
        typer.Option(min=1, max=MAX_STEPS, help="years to simulate (default: each scenario's)"),
    ] = None,
    settings: RegimeSettingsOption = None,
    outcomes: OutcomesOption = None,
    table: Annotated[
        TableFormat,
        typer.Option(
            "--table",
            help="printed tables: terminal, md (Markdown), or csv/json (machine-readable on "
            "stdout; messages go to stderr)",
        ),
    ] = TableFormat.TERMINAL,
    format: FormatOption = FigureFormat.PNG,
    dpi: DpiOption = DEFAULT_DPI,
    workers: WorkersOption = 1,
    dask_address: DaskOption = None,
    out: StoreOption = None,
) -> None:
    """Compare regimes side by side with replicates and common random numbers: each outcome's
    mean and paired difference from the first regime, and what each regime buys per unit of
    extra fiscal cost (comparison.csv, cost_effectiveness.csv and figures in the store)."""
    check_cluster(dask_address, workers)
    shown = parse_outcomes(outcomes)
    overrides = parse_settings(settings)
    if steps is not None:
        overrides["steps"] = steps
    figures = figure_options(format, dpi)
    from iei_sim.experiments import compare as run_compare
    from iei_sim.experiments import compare_experiment, default_out, plan_runs
    from iei_sim.experiments.runner import identity

    if len(scenarios) < 2:
        errors.print("error: give at least two scenario files (the first is the reference)")
        raise typer.Exit(EXIT_BAD_INPUT)
    experiment = checked(compare_experiment, scenarios, replicates, None, 0, overrides or None)
    out_dir = store_folder(out or default_out(experiment.name))
    tasks = plan_runs(experiment)
    check_store(out_dir, identity(experiment, tasks), tasks)
    result = execute(
        "[bold]compare[/]",
        len(tasks),
        lambda advance: run_compare(
            experiment,
            out=out_dir,
            workers=workers,
            dask_address=dask_address,
            progress=advance,
            tasks=tasks,
            shown=shown,
            figures=figures,
        ),
    )
    print_comparison(result, table)
    if result.report.failed:
        raise typer.Exit(1)


def print_comparison(result, kind: TableFormat) -> None:
    """The comparison and cost-effectiveness tables in the chosen form; in csv/json only the
    data is on stdout."""
    from iei_sim.experiments.workflows import COMPARISON_CSV, COST_EFFECTIVENESS_CSV

    cost = result.cost_effectiveness
    if kind in (TableFormat.CSV, TableFormat.JSON):
        sys.stdout.write(machine_text(kind, result.table, result.shown, cost, result.caveats))
        sys.stdout.flush()
        report_line(result.report, result.out_dir, errors)
        return
    if kind == TableFormat.MD:
        typer.echo(comparison_markdown(result.table, result.shown, result.caveats, result.early))
        if len(cost) > 1:
            typer.echo(cost_markdown(cost, result.caveats))
    else:
        width = console.width
        console.print(
            comparison_view(result.table, result.shown, result.caveats, width, result.early)
        )
        if len(cost) > 1:
            console.print()
            console.print(cost_view(cost, result.caveats, width))
    for name in (COMPARISON_CSV, COST_EFFECTIVENESS_CSV):
        if (result.out_dir / name).exists():
            console.print(
                f"every kept outcome: {result.out_dir / name}"
                if name == COMPARISON_CSV
                else f"cost-effectiveness: {result.out_dir / name}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    report_line(result.report, result.out_dir)


def ablate(
    scenario: Annotated[Path, typer.Argument(help="scenario file whose mechanisms to knock out")],
    replicates: Annotated[
        int,
        typer.Option(
            min=2,
            max=MAX_REPLICATES,
            help="replicates per variant (common seeds); docs/validation.md gives the smallest "
            "difference each count detects",
        ),
    ] = 10,
    steps: Annotated[
        int | None,
        typer.Option(min=1, max=MAX_STEPS, help="years to simulate (default: the scenario's)"),
    ] = None,
    settings: VariantSettingsOption = None,
    format: FormatOption = FigureFormat.PNG,
    dpi: DpiOption = DEFAULT_DPI,
    workers: WorkersOption = 1,
    dask_address: DaskOption = None,
    out: StoreOption = None,
) -> None:
    """Knock out each mechanism active in SCENARIO in turn (common random numbers) and measure
    what it moves: ablation.csv (each mechanism's paired difference on every outcome) and a heat
    map of the cooperation outcomes, in the store. Mechanisms off in SCENARIO (policy instruments
    at baseline) are named and have no rows: ablate a regime that switches them on."""
    check_cluster(dask_address, workers)
    overrides = parse_settings(settings)
    if steps is not None:
        overrides["steps"] = steps
    figures = figure_options(format, dpi)
    from iei_sim.experiments.ablation import (
        ablate as run_ablate,
    )
    from iei_sim.experiments.ablation import (
        ablation_experiment,
        ablation_tasks,
        inert,
        plan_ablation,
    )
    from iei_sim.experiments.runner import identity
    from iei_sim.experiments.workflows import default_out

    experiment = checked(ablation_experiment, scenario, replicates, overrides or None)
    plan = checked(plan_ablation, experiment.scenario_files[0], overrides or None)
    out_dir = store_folder(out or default_out(experiment.name))
    tasks = checked(ablation_tasks, experiment, plan)
    check_store(out_dir, identity(experiment, tasks), tasks)
    if plan.off:
        console.print(
            f"off in {scenario.name} (no rows; ablate a regime that switches them on): "
            + ", ".join(plan.off),
            markup=False,
            highlight=False,
        )
    result = execute(
        "[bold]ablate[/]",
        len(tasks),
        lambda advance: run_ablate(
            scenario,
            replicates,
            out=out_dir,
            overrides=overrides or None,
            workers=workers,
            dask_address=dask_address,
            progress=advance,
            figures=figures,
        ),
    )
    if len(result.table):
        console.print(ablation_view(result.table, console.width))
        quiet = inert(result.table)
        console.print(
            "moves no cooperation outcome detectably (95% CI excludes 0): "
            + (", ".join(quiet) if quiet else "none"),
            markup=False,
            highlight=False,
        )
        console.print(
            f"every outcome: {result.out_dir / 'ablation.csv'}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    report_line(result.report, result.out_dir)
    if result.report.failed:
        raise typer.Exit(1)


# Short column heads for the ablation table (the registry's labels are in ablation.csv's
# sidecar and in the heat map).
ABLATION_HEADS = {
    "firm_participation_rate": "particip.",
    "school_willingness": "school",
    "mean_partnership_depth": "depth",
    "deep_partnership_share": "deep",
    "education_project_share": "educ.",
    "student_coverage": "cover.",
    "project_gini": "Gini",
}


def ablation_view(table, width: int) -> Table:
    """The cooperation outcomes' differences, a row per mechanism (* where the 95% CI
    excludes 0)."""
    from rich import box

    from iei_sim.experiments.ablation import detected
    from iei_sim.outcomes import COOPERATION

    outcomes = [o for o in COOPERATION if o in set(table["outcome"])]
    view = Table(
        title="Ablation: knocked out − reference (paired by replicate; * its 95% CI excludes 0; "
        "† output-only)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    view.add_column("mechanism", overflow="fold", min_width=12)
    for outcome in outcomes:
        view.add_column(
            ABLATION_HEADS.get(outcome, outcome), justify="right", no_wrap=True, min_width=7
        )
    marks = table.assign(found=detected(table))
    for mechanism, rows in marks.groupby("mechanism", sort=False):
        by = rows.set_index("outcome")
        cells = [f"{by.at[o, 'diff']:+.3f}" + ("*" if by.at[o, "found"] else " ") for o in outcomes]
        mark = " †" if rows["role"].iloc[0] == "output-only" else ""
        view.add_row(f"{mechanism}{mark}", *cells)
    return view


def sweep(
    experiment: Annotated[Path, typer.Argument(help="experiment YAML file (experiments/*.yaml)")],
    outcomes: OutcomesOption = None,
    format: FormatOption = FigureFormat.PNG,
    dpi: DpiOption = DEFAULT_DPI,
    workers: WorkersOption = 1,
    dask_address: DaskOption = None,
    out: StoreOption = None,
) -> None:
    """Run an experiment's design (levers × uncertainties × replicates) into a results store;
    summary.csv and sweep.<format> (every kept outcome, or --outcomes) beside it."""
    check_cluster(dask_address, workers)
    shown = parse_outcomes(outcomes)
    figures = figure_options(format, dpi)
    from iei_sim.experiments import default_out, plan_runs
    from iei_sim.experiments import sweep as run_sweep
    from iei_sim.experiments.runner import identity

    loaded = load_experiment_or_exit(experiment)
    out_dir = store_folder(out or default_out(loaded.name))
    tasks = plan_runs(loaded)
    check_store(out_dir, identity(loaded, tasks), tasks)
    result = execute(
        f"[bold]{loaded.name}[/]",
        len(tasks),
        lambda advance: run_sweep(
            loaded,
            out=out_dir,
            workers=workers,
            dask_address=dask_address,
            progress=advance,
            tasks=tasks,
            shown=shown,
            figures=figures,
        ),
    )
    if len(result.summary):
        kept = loaded.spec.outcome_names
        listed = [o for o in shown if o in kept] if shown else kept
        view = point_summary_view(result.summary, list(loaded.spec.factors), listed, console.width)
        console.print(view)
    report_line(result.report, result.out_dir)
    if result.report.failed:
        raise typer.Exit(1)


def results(
    folder: Annotated[Path, typer.Argument(help="a results folder written by sweep or compare")],
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="set unreadable journal lines or Parquet files aside (nothing is deleted), "
            "keep every other run; rerunning the command recomputes the runs set aside",
        ),
    ] = False,
) -> None:
    """Summarise a results store: runs against its plan, model, run times, outcome means."""
    from iei_sim.experiments import ResultsStore

    if not folder.exists():
        errors.print(f"error: {folder}: the folder does not exist", markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    store = ResultsStore(folder)
    manifest = store.manifest
    if not manifest:
        errors.print(f"error: {folder}: not a results folder (no manifest.json)")
        raise typer.Exit(EXIT_BAD_INPUT)
    if repair:
        print_repair(folder, store.repair())
    store.verify()
    runs = store.runs()
    console.print(
        count_line(manifest, runs, store.planned()), markup=False, highlight=False, soft_wrap=True
    )
    for line in model_lines(manifest):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    run_time = run_time_line(manifest, runs)
    if run_time:
        console.print(run_time, markup=False, highlight=False, soft_wrap=True)
    failed = runs[runs["status"] != "ok"] if len(runs) else runs
    for row in failed.head(5).itertuples():
        console.print(
            f"  failed: point {row.point} replicate {row.replicate}: {row.error}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    factors = design_factors(runs)
    if factors:  # a sweep: one block per design point
        from iei_sim.experiments import point_summary

        outcomes = [c for c in runs.columns if c in OUTCOMES]
        summary = point_summary(runs, outcomes, factors)
        console.print(point_summary_view(summary, factors, outcomes, console.width))
    else:
        means = outcome_means_table(ok)
        if means is not None:
            console.print(means)
    console.print(
        f"query with SQL: duckdb.sql(\"SELECT * FROM '{folder}/runs.parquet'\")",
        markup=False,
        highlight=False,
    )
    pending = store.pending()
    if pending:
        console.print(
            f"{pending} run(s) are not in runs.parquet yet, only in the journal (the run was "
            "killed): rerun the same command, or ResultsStore(folder).compact(), to add them",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def design_factors(runs) -> list[str]:
    """The factors (dotted scenario fields) a store's runs vary over more than one point of
    one scenario: a sweep's levers and uncertainties; none for a comparison."""
    if not len(runs) or runs.groupby("scenario")["point"].nunique().max() < 2:
        return []
    return [c for c in runs.columns if "." in c and c not in RUN_COLUMNS]


def outcome_means_table(ok) -> Table | None:
    """Each outcome's mean over the ok runs, a column per scenario (None: nothing to show)."""
    outcomes = [c for c in ok.columns if c in OUTCOMES and c not in RUN_COLUMNS]
    if not (len(ok) and outcomes):
        return None
    view = Table(title="outcome means by scenario (ok runs)")
    view.add_column("outcome")
    groups = list(ok.groupby("scenario", sort=False))
    for scenario, _ in groups:
        view.add_column(str(scenario), justify="right")
    for outcome in outcomes:
        view.add_row(outcome, *[f"{g[outcome].mean():.4g}" for _, g in groups])
    return view


def print_repair(folder: Path, report) -> None:
    if not report.repaired:
        console.print(f"{folder}: nothing to repair: every file reads", markup=False)
        return
    if report.lines_set_aside:
        console.print(
            f"set aside {report.lines_set_aside} unreadable journal line(s) in "
            f"{report.journal_aside}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    for source, target, why in report.files_set_aside:
        console.print(
            f"set aside {source} as {target.name} ({why})",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        f"repaired: {report.runs} runs kept; run the same command again to recompute the runs "
        "set aside",
        markup=False,
        highlight=False,
    )


def count_line(manifest: dict, runs, planned: list[str] | None) -> str:
    """Runs stored against the store's own plan (the latest invocation's, else the
    manifest's count), never a negative number missing."""
    name = manifest.get("name")
    status = runs["status"] if len(runs) else None
    if planned is not None:
        in_plan = runs["run_key"].isin(set(planned)) if len(runs) else None
        ok = int(((status == "ok") & in_plan).sum()) if len(runs) else 0
        stored = int(in_plan.sum()) if len(runs) else 0
        line = (
            f"{name}: {stored} of {len(planned)} planned runs stored ({ok} ok, "
            f"{stored - ok} failed, {len(planned) - stored} missing)"
        )
        if len(runs) > stored:
            line += f"; {len(runs) - stored} more from an earlier, larger plan"
        return line
    expected = manifest.get("runs", len(runs))
    ok = int((status == "ok").sum()) if len(runs) else 0
    if len(runs) <= expected:
        return (
            f"{name}: {len(runs)} of {expected} runs stored ({ok} ok, {len(runs) - ok} failed, "
            f"{expected - len(runs)} missing)"
        )
    return f"{name}: {len(runs)} runs stored ({ok} ok, {len(runs) - ok} failed); its plan had {expected}"


def model_lines(manifest: dict) -> list[str]:
    """Which model and base scenarios the runs come from, and whether that model is the
    installed one."""
    model = manifest.get("model")
    if not model:
        return [
            "model: not recorded (a store written by an earlier iei-sim: it reads, but no run "
            "can be added to it)"
        ]
    from iei_sim.identity import model_identity

    def describe(m: dict) -> str:
        return f"iei-sim {m.get('iei_sim_version')}, fingerprint {str(m.get('fingerprint'))[:12]}"

    installed = model_identity()
    same = (
        "the installed model"
        if installed == model
        else (f"the installed model is another: {describe(installed)}; no run can be added here")
    )
    bases = ", ".join(
        f"{b.get('label')} ({b.get('file')}, hash {b.get('hash')})"
        for b in manifest.get("base_scenarios") or []
    )
    return [f"model: {describe(model)} ({same})", f"base scenarios: {bases or '-'}"]


def run_time_line(manifest: dict, runs) -> str:
    """Run times from the manifest's invocations (a legacy store's from its runs' column)."""
    invocations = manifest.get("invocations")
    if invocations is None:
        if len(runs) and "duration_s" in runs:
            return (
                f"run time: mean {runs['duration_s'].mean():.2f} s, "
                f"total {runs['duration_s'].sum():.0f} s"
            )
        return ""
    ended = [i for i in invocations if i.get("ended")]
    count = sum(i.get("runs_done", 0) + i.get("runs_failed", 0) for i in ended)
    total = sum(i.get("run_time_s", 0.0) for i in ended)
    line = f"{len(invocations)} invocation(s)"
    if count:
        line += f"; run time of their {count} runs: mean {total / count:.3g} s, total {total:.3g} s"
    unrecorded = len(invocations) - len(ended)
    if unrecorded:
        line += (
            f"; {unrecorded} did not record theirs (killed, stopped by an error such as a full "
            "disk, or still running)"
        )
    return line + " (from manifest.json)"
