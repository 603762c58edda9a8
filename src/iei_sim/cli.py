"""The ``iei-sim`` command line: a thin layer over the Python API."""

from __future__ import annotations

import functools
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from iei_sim.dashboard.command import dashboard
from iei_sim.docking.command import dock
from iei_sim.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    BadInputError,
    UserError,
    describe_os_error,
)
from iei_sim.outcomes import HEADLINES
from iei_sim.outcomes import OUTCOMES as OUTCOMES_ALL
from iei_sim.scenario import Scenario, ScenarioError, load_scenario, scenario_hash
from iei_sim.scenario.constraints import field_bounds
from iei_sim.validation import MAX_WORKERS, finite_option

# Command-line counts are bounded like the same counts in files.
MAX_STEPS = int(field_bounds(Scenario, "steps").hi or 200)
MAX_SEED = int(field_bounds(Scenario, "seed").hi or 2**32 - 1)
MAX_REPLICATES = 10_000  # as an experiment file's `replicates`
MAX_SAMPLES = 1_000_000  # as an experiment file's `method.samples`

console = Console()
errors = Console(stderr=True)

# Problems printed for one refused input; the rest are counted (thousands of unknown keys must
# not become thousands of lines).
MAX_PROBLEMS_SHOWN = 20


def print_problems(problems: list, omitted: int = 0) -> None:
    """One ``error:`` line per problem, at most :data:`MAX_PROBLEMS_SHOWN` of them; ``omitted``
    counts problems found but not spelled out."""
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        errors.print(f"error: {problem}", markup=False, highlight=False, soft_wrap=True)
    total = len(problems) + omitted
    if total > MAX_PROBLEMS_SHOWN:
        errors.print(
            f"error: … and {total - MAX_PROBLEMS_SHOWN} more problem(s) ({total} in all)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def reported(command: Callable) -> Callable:
    """Wrap a command so that what a user can act on ends in one line, never a traceback:
    refused input (exit 2), a failed file operation or environment (exit 1), Ctrl-C (130)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except ScenarioError as exc:
            print_problems(exc.problems, exc.omitted)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except UserError as exc:
            errors.print(f"error: {_one_line(exc)}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except OSError as exc:
            errors.print(
                f"error: {_one_line(describe_os_error(exc))}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(EXIT_FAILURE) from None
        except MemoryError:
            errors.print("error: out of memory; make the scenario or design smaller", markup=False)
            raise typer.Exit(EXIT_FAILURE) from None
        except KeyboardInterrupt:
            errors.print("interrupted", markup=False)
            raise typer.Exit(130) from None

    return wrapper


class _Typer(typer.Typer):
    """Every command registered on the app reports errors through :func:`reported`."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)
        return lambda function: register(reported(function))


app = _Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Simulate school–enterprise cooperation under incentive and risk-sharing policies.",
)


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


def _checked(load: Callable, *args):
    """``load(*args)``, or print every problem (file: field: message) and exit 2."""
    try:
        return load(*args)
    except ScenarioError as exc:
        print_problems(exc.problems, exc.omitted)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _load_or_exit(path: Path):
    return _checked(load_scenario, path)


ForceHelp = typer.Option(
    help="write into a non-empty folder that is not an earlier run folder, beside its files "
    "(they are never removed or overwritten)"
)


def _store_folder(out_dir: Path) -> Path:
    """Refuse a store folder that would mix results with a user's files (before any work)."""
    from iei_sim.output_folders import check_output_folder

    check_output_folder(out_dir, "store")
    return out_dir


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="scenario YAML file")]) -> None:
    """Check a scenario file without running it."""
    loaded = _load_or_exit(scenario)
    typer.echo(f"{scenario}: OK (scenario '{loaded.name}', hash {scenario_hash(loaded)})")


@app.command()
def outcomes(
    headlines: Annotated[
        bool, typer.Option("--headlines", help="only the outcomes every display leads with")
    ] = False,
) -> None:
    """List the outcomes a run reports: name, label, unit and how the summary aggregates it."""
    table = Table(title="Outcomes (every result table's columns; labels in outcomes.csv)")
    table.add_column("name", no_wrap=True)
    for column in ("label", "unit", "summary", "meaningful from"):
        table.add_column(column)
    for outcome in OUTCOMES_ALL.values():
        if headlines and not outcome.headline:
            continue
        table.add_row(
            outcome.name + (" *" if outcome.headline else ""),
            outcome.label,
            outcome.unit.name,
            outcome.summary,
            outcome.meaningful_from,
        )
    table.caption = "* headline outcome"
    console.print(table)


@app.command()
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
    plots: Annotated[bool, typer.Option(help="draw the PNG figures")] = True,
    force: Annotated[bool, ForceHelp] = False,
) -> None:
    """Run one scenario and write its results folder.

    An earlier run folder at --out is replaced (atomically); any other non-empty folder is
    refused unless --force, and the current folder or one above it always is.
    """
    loaded = _load_or_exit(scenario)
    from iei_sim.output_folders import check_output_folder
    from iei_sim.run import default_out_dir, run_scenario

    seed = loaded.seed if seed is None else seed
    steps = loaded.steps if steps is None else steps
    out_dir = out or default_out_dir(loaded, seed)
    check_output_folder(out_dir, "run", force)  # before the work: a refusal costs nothing
    with _progress(f"[bold]{loaded.name}[/] seed {seed}", "years", steps) as advance:
        result = run_scenario(loaded, seed=seed, steps=steps, progress=advance)
    written = result.write(out_dir, plots=plots, force=force)
    table = Table(title=f"{loaded.name}: {steps} years, seed {seed}", show_header=True)
    table.add_column("outcome")
    table.add_column("value", justify="right")
    table.add_column("unit")
    early = 0
    for key in HEADLINES:
        outcome = OUTCOMES_ALL[key]
        value = outcome.format(result.summary[key])
        first = outcome.first_meaningful_year(loaded)
        if steps < first:
            value, early = f"{value} *", first
        table.add_row(outcome.label, value, outcome.unit.shown_as)
    if early:
        table.caption = (
            f"* means little before year {early}: no cohort that could meet a partnership "
            "has graduated yet"
        )
    console.print(table)
    typer.echo(f"Results written to {written}/")


@app.command()
def patterns(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    replicates: Annotated[
        int, typer.Option(min=2, max=MAX_REPLICATES, help="replicate runs (seeds 0 … R-1)")
    ] = 20,
    workers: Annotated[int, typer.Option(min=1, max=MAX_WORKERS, help="worker processes")] = 1,
    out: Annotated[Path | None, typer.Option(help="write the table as CSV here")] = None,
    strict: Annotated[bool, typer.Option(help="exit 1 if any pattern does not hold")] = False,
) -> None:
    """Check the seeds' patterns (MODEL.md §5) over replicates of a scenario."""
    loaded = _load_or_exit(scenario)
    from iei_sim.patterns import PATTERN_TABLE_HEADER, evaluate_patterns, run_replicates

    if out is not None:
        from iei_sim.output_folders import check_output_file

        check_output_file(out, PATTERN_TABLE_HEADER)

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
        from iei_sim.atomic import atomic_write_text

        atomic_write_text(out, table.to_csv(index=False, float_format="%.6g"))
        typer.echo(f"Pattern table written to {out}")
    if strict and not table["holds"].all():
        raise typer.Exit(1)


def _load_experiment_or_exit(path: Path):
    from iei_sim.experiments import load_experiment

    return _checked(load_experiment, path)


@contextmanager
def _run_progress(label: str, total: int) -> Iterator[Callable[[int, int], None]]:
    """Runs done / total, rate and ETA (the rate counts only this invocation's runs)."""
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=errors,
        transient=False,
    ) as progress:
        task = progress.add_task("runs", total=total, rate="")
        start = {"time": None, "done": 0}

        def advance(done: int, _total: int) -> None:
            now = time.perf_counter()
            if start["time"] is None:
                start["time"], start["done"] = now, done
            elapsed = now - start["time"]
            fresh = done - start["done"]
            rate = f"{fresh / elapsed:.1f} runs/s" if elapsed > 0 and fresh else ""
            progress.update(task, completed=done, rate=rate)

        yield advance


class Terminated(KeyboardInterrupt):
    """SIGTERM (a batch scheduler's pre-emption or time limit, ``timeout``, plain ``kill``):
    stopped like Ctrl-C, so the runs committed so far are compacted before the process ends."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


def _execute(label, total, action):
    """Run ``action(progress)``; on Ctrl-C or SIGTERM say what was kept and how to resume."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if in_main_thread else None
    try:
        with _run_progress(label, total) as advance:
            return action(advance)
    except KeyboardInterrupt as stop:
        how = "terminated" if isinstance(stop, Terminated) else "interrupted"
        errors.print(f"{how}: every finished run is saved; run the same command again to resume.")
        raise typer.Exit(143 if isinstance(stop, Terminated) else 130) from None
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _report_line(report, out_dir: Path) -> None:
    line = (
        f"{report.done} runs done, {report.skipped} already finished, "
        f"{report.failed} failed, of {report.total}; results in {out_dir}"
    )
    console.print(line, markup=False, highlight=False)
    if report.failed:
        errors.print(
            f"{report.failed} run(s) failed; their errors are in the store "
            f"(iei-sim results {out_dir}); run the command again to retry them."
        )


def _check_store(out_dir: Path, identity: dict, tasks: list) -> None:
    """Refuse a store of another experiment, base scenario or model, or a legacy store that
    would need runs added, before any progress bar is drawn (exit 2, one line)."""
    from iei_sim.experiments import ResultsStore

    ResultsStore(out_dir).check_plan(identity, [t.key for t in tasks])


DaskOption = Annotated[
    str | None,
    typer.Option(
        "--dask-address",
        help="run on an existing Dask scheduler (tcp://host:port) instead of local processes",
    ),
]


@app.command()
def compare(
    scenarios: Annotated[
        list[Path], typer.Argument(help="scenario files; the first is the reference")
    ],
    replicates: Annotated[
        int,
        typer.Option(min=2, max=MAX_REPLICATES, help="replicates per scenario (common seeds)"),
    ] = 10,
    workers: Annotated[
        int, typer.Option(min=1, max=MAX_WORKERS, help="local worker processes")
    ] = 1,
    dask_address: DaskOption = None,
    out: Annotated[Path | None, typer.Option(help="results folder")] = None,
) -> None:
    """Compare regimes side by side with replicates and common random numbers."""
    from iei_sim.experiments import compare as run_compare
    from iei_sim.experiments import compare_experiment, default_out, plan_runs
    from iei_sim.experiments.runner import identity

    if len(scenarios) < 2:
        errors.print("error: give at least two scenario files (the first is the reference)")
        raise typer.Exit(EXIT_BAD_INPUT)
    experiment = _checked(compare_experiment, scenarios, replicates)
    out_dir = _store_folder(out or default_out(experiment.name))
    tasks = plan_runs(experiment)
    _check_store(out_dir, identity(experiment, tasks), tasks)
    result = _execute(
        "[bold]compare[/]",
        len(tasks),
        lambda advance: run_compare(
            experiment,
            out=out_dir,
            workers=workers,
            dask_address=dask_address,
            progress=advance,
            tasks=tasks,
        ),
    )
    table = result.table
    reference = table["scenario"].iloc[0]
    view = Table(title=f"Regimes vs {reference}: mean (95% CI); difference, paired p")
    view.add_column("outcome")
    for scenario in dict.fromkeys(table["scenario"]):
        view.add_column(scenario, justify="right")
    shown = (
        table[table["outcome"].isin(HEADLINES)] if table["outcome"].isin(HEADLINES).any() else table
    )
    for outcome, rows in shown.groupby("outcome", sort=False):
        cells = []
        for row in rows.itertuples():
            cell = f"{row.mean:.3g} [{row.ci_low:.3g}, {row.ci_high:.3g}]"
            if row.scenario != reference:
                star = "*" if row.p_value < 0.05 else ""
                cell += f"\n{row.diff:+.3g}, p={row.p_value:.2g}{star}"
            cells.append(cell)
        known = OUTCOMES_ALL.get(outcome)
        view.add_row(f"{known.label}\n[dim]{outcome}[/]" if known else outcome, *cells)
    console.print(view)
    console.print(f"every kept outcome: {result.out_dir / 'comparison.csv'}", markup=False)
    _report_line(result.report, result.out_dir)
    if result.report.failed:
        raise typer.Exit(1)


@app.command()
def sweep(
    experiment: Annotated[Path, typer.Argument(help="experiment YAML file (experiments/*.yaml)")],
    workers: Annotated[
        int, typer.Option(min=1, max=MAX_WORKERS, help="local worker processes")
    ] = 1,
    dask_address: DaskOption = None,
    out: Annotated[Path | None, typer.Option(help="results folder")] = None,
) -> None:
    """Run an experiment's design (levers × uncertainties × replicates) into a results store."""
    from iei_sim.experiments import default_out, plan_runs
    from iei_sim.experiments import sweep as run_sweep
    from iei_sim.experiments.runner import identity

    loaded = _load_experiment_or_exit(experiment)
    out_dir = _store_folder(out or default_out(loaded.name))
    tasks = plan_runs(loaded)
    _check_store(out_dir, identity(loaded, tasks), tasks)
    result = _execute(
        f"[bold]{loaded.name}[/]",
        len(tasks),
        lambda advance: run_sweep(
            loaded,
            out=out_dir,
            workers=workers,
            dask_address=dask_address,
            progress=advance,
            tasks=tasks,
        ),
    )
    _report_line(result.report, result.out_dir)
    if result.report.failed:
        raise typer.Exit(1)


@app.command()
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

    store = ResultsStore(folder)
    manifest = store.manifest
    if not manifest:
        errors.print(f"error: {folder}: not a results folder (no manifest.json)")
        raise typer.Exit(EXIT_BAD_INPUT)
    if repair:
        _print_repair(folder, store.repair())
    store.verify()
    runs = store.runs()
    console.print(
        _count_line(manifest, runs, store.planned()), markup=False, highlight=False, soft_wrap=True
    )
    for line in _model_lines(manifest):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    run_time = _run_time_line(manifest, runs)
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
    meta = {
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
    outcomes = [c for c in ok.columns if c in OUTCOMES_ALL and c not in meta]
    if len(ok) and outcomes:
        view = Table(title="outcome means by scenario (ok runs)")
        view.add_column("outcome")
        groups = list(ok.groupby("scenario", sort=False))
        for scenario, _ in groups:
            view.add_column(str(scenario), justify="right")
        for outcome in outcomes:
            view.add_row(outcome, *[f"{g[outcome].mean():.4g}" for _, g in groups])
        console.print(view)
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


def _print_repair(folder: Path, report) -> None:
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


def _count_line(manifest: dict, runs, planned: list[str] | None) -> str:
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


def _model_lines(manifest: dict) -> list[str]:
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


def _run_time_line(manifest: dict, runs) -> str:
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


@app.command()
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
    workers: Annotated[
        int, typer.Option(min=1, max=MAX_WORKERS, help="local worker processes")
    ] = 1,
    dask_address: DaskOption = None,
    out: Annotated[
        Path | None, typer.Option(help="results folder (default: results/sensitivity/<name>)")
    ] = None,
    plots: Annotated[bool, typer.Option(help="draw the PNG figures")] = True,
) -> None:
    """Global sensitivity analysis (Sobol', Morris, delta, PAWN) of the experiment's factors."""
    from iei_sim.sensitivity import workflow

    loaded = _load_experiment_or_exit(experiment)
    plan = _checked(workflow.prepare, loaded, samples, replicates)
    out_dir = _store_folder(out or workflow.default_out(loaded.name))
    workflow.check_store(plan, out_dir)
    method = plan.method
    result = _execute(
        f"[bold]{loaded.name}[/] {method.name}",
        len(plan.evaluation.unique),
        lambda advance: workflow.run_sensitivity(
            plan,
            out_dir,
            workers=workers,
            dask_address=dask_address,
            progress=advance,
            plots=plots,
        ),
    )
    if result.analysed:
        ranked = workflow.ranking(result.indices, method, plan.kinds)
        index = ranked["index"].iloc[0]
        view = Table(title=f"{loaded.name}: {index} by outcome (95% CI); noise = replicate share")
        for column in ("outcome", "top levers", "dummy", "noise"):
            view.add_column(column, justify="left" if column != "noise" else "right")
        noise = result.noise.set_index("outcome")["mean_noise_share"]
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
                f"{noise.get(outcome, float('nan')):.0%}",
            )
        console.print(view)
        verdict = result.verdict
        table = verdict.get("outcomes")
        if table is not None and len(table):
            console.print(
                f"convergence of {verdict['index']} over the last doubling: rankings settled for "
                f"{int(table['ranking_converged'].sum())} of {len(table)} outcomes, values "
                f"(change ≤ {verdict['tolerance']}) for {int(table['converged'].sum())}; largest "
                f"change {verdict['max_change']:.3g} ({verdict['where']})",
                markup=False,
            )
        console.print(f"indices, convergence, summary and figures in {out_dir}", markup=False)
    else:
        errors.print(f"{result.missing} sample runs are missing: no indices yet.")
    _report_line(result.report, out_dir)
    if result.report.failed or not result.analysed:
        raise typer.Exit(1)


@app.command()
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
        bool, typer.Option(help="let boxes restrict uncertainties too, not only levers")
    ] = False,
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
    workers: Annotated[
        int, typer.Option(min=1, max=MAX_WORKERS, help="local worker processes")
    ] = 1,
    dask_address: DaskOption = None,
) -> None:
    """Scenario discovery: the lever boxes (PRIM) in which a target on the outcomes holds."""
    from iei_sim.sensitivity import workflow

    loaded = _load_experiment_or_exit(experiment)
    parsed = _checked(workflow.prepare_target, loaded, target)
    out_dir = _store_folder(out or workflow.discovery_out(loaded))
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
        )

    runs = workflow.discovery_runs_needed(loaded, out_dir)
    result = _execute(f"[bold]{loaded.name}[/] design", runs, action) if runs else action()
    if result.report is not None:
        _report_line(result.report, out_dir)
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


diagnose = _Typer(
    no_args_is_help=True,
    help="Diagnostics of the model's machinery (how well common random numbers pair runs).",
)
app.add_typer(diagnose, name="diagnose")


def _two_values(text: str) -> tuple:
    """``A,B`` as two YAML scalars (0.3, true, a name), refused (exit 2) unless exactly two."""
    import yaml

    items = [item.strip() for item in text.split(",")]
    if len(items) != 2 or not all(items):
        raise BadInputError(f"--values: give two values as A,B, e.g. 0.30,0.31 (got {text!r})")
    values = []
    for item in items:
        try:
            value = yaml.safe_load(item)
        except yaml.YAMLError:
            value = item
        values.append(value if isinstance(value, bool | int | float | str) else item)
    return tuple(values)


def _outcome_list(text: str | None) -> list[str]:
    from iei_sim.experiments.crn import TARGET_OUTCOMES, check_outcomes

    if text is None:
        return list(TARGET_OUTCOMES)
    if text.strip() == "all":
        return list(OUTCOMES_ALL)
    return check_outcomes([name.strip() for name in text.split(",") if name.strip()])


@diagnose.command("crn")
def diagnose_crn(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="scenario YAML file (default: scenarios/small.yaml with the tax deduction on)",
            show_default=False,
        ),
    ] = None,
    lever: Annotated[
        str | None,
        typer.Option(
            help="dotted scenario field changed between the two runs of a pair "
            "(default: policy.tax_deduction.rate)",
            show_default=False,
        ),
    ] = None,
    values: Annotated[
        str | None,
        typer.Option(
            help="the lever's reference value and the other, as A,B (default: 0.30,0.31)",
            show_default=False,
        ),
    ] = None,
    seeds: Annotated[
        int, typer.Option(min=2, max=MAX_REPLICATES, help="paired seeds 0 … N-1 per case")
    ] = 12,
    outcomes: Annotated[
        str | None,
        typer.Option(
            help="comma-separated outcomes, or 'all' (default: firm_participation_rate, "
            "mean_partnership_depth, education_project_share, student_coverage)",
            show_default=False,
        ),
    ] = None,
    target: Annotated[
        float,
        typer.Option(min=0.0, max=10.0, callback=finite_option, help="largest ratio that passes"),
    ] = 0.25,
    workers: Annotated[
        int, typer.Option(min=1, max=MAX_WORKERS, help="local worker processes")
    ] = 1,
    dask_address: DaskOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="write the table as CSV here (only a file this command wrote is replaced)"
        ),
    ] = None,
) -> None:
    """How well common random numbers pair two values of a lever, outcome by outcome.

    Runs the lever at A and at B with each of seeds 0 … N-1 and reports, per outcome, the
    ratio SD(paired differences) / (√2 × pooled SD across seeds): about 1 when the same seed
    does not pair the runs at all (independent runs), 0 when they are perfectly paired.

    Without SCENARIO, --lever or --values it runs the three shipped cases: the target case
    (scenarios/small.yaml, tax deduction on, rate 0.30 vs 0.31), then a 10% rise of the intern
    subsidy (intern_subsidy.yaml's per-intern value on small.yaml) and of firms' mean
    discount rate (0.15 vs 0.165), these two reported without a target. With --values only,
    the target case runs at those values; with SCENARIO or --lever, that one case runs,
    SCENARIO as its file sets it (default scenarios/small.yaml, deduction as written there).

    Exit status: 0 if every outcome with a target has a ratio at most --target, 1 if any
    exceeds it (or cannot be computed: an outcome that does not vary with the seed) or a run
    fails, 2 on bad input.
    """
    from iei_sim.experiments.crn import (
        CRN_TABLE_HEADER,
        CrnCase,
        failed_targets,
        plan_diagnostic,
        run_diagnostic,
        scenarios_folder,
        shipped_cases,
        target_case,
    )

    names = _outcome_list(outcomes)
    pair = _two_values(values) if values is not None else None
    if scenario is None and lever is None and pair is None:
        cases = shipped_cases()
        cases[0] = target_case(cases[0].values, target)
    elif scenario is None and lever is None:
        cases = [target_case(pair, target)]
    else:
        path = scenario if scenario is not None else scenarios_folder() / "small.yaml"
        if not path.is_file():
            raise BadInputError(f"{path}: no such scenario file")
        cases = [
            CrnCase(
                lever or "policy.tax_deduction.rate",
                path,
                lever or "policy.tax_deduction.rate",
                pair or (0.30, 0.31),
                target=target,
            )
        ]
    if out is not None:
        from iei_sim.output_folders import check_output_file

        check_output_file(out, CRN_TABLE_HEADER)
    plan = plan_diagnostic(cases, seeds, names)  # bad input is refused before any bar
    started = time.perf_counter()
    with _run_progress("[bold]diagnose crn[/]", len(plan.runs)) as advance:
        table = run_diagnostic(plan, workers=workers, dask_address=dask_address, progress=advance)
    elapsed = time.perf_counter() - started
    console.print(
        f"Common random numbers over {seeds} paired seeds: ratio = SD(paired difference) / "
        "(√2 × pooled SD across seeds); 1 = no pairing, 0 = perfect",
        markup=False,
        highlight=False,
    )
    for case in cases:
        rows = table[table["case"] == case.name]
        view = Table(
            title=("" if case.name == case.lever else f"{case.name}: ")
            + f"{case.lever} {case.values[0]} → {case.values[1]} ({case.scenario.name})"
        )
        for column in ("outcome", "ratio", "target", "verdict", "difference ± 95% CI"):
            view.add_column(column, justify="left" if column == "outcome" else "right")
        for row in rows.itertuples():
            if row.passed is None or row.target != row.target:
                verdict, goal = "-", "-"
            else:
                verdict, goal = ("PASS" if row.passed else "[red]FAIL[/]"), f"≤ {row.target:g}"
            half = (row.diff_ci_high - row.diff_ci_low) / 2
            view.add_row(
                row.outcome,
                "n/a" if row.ratio != row.ratio else f"{row.ratio:.3f}",
                goal,
                verdict,
                f"{row.diff_mean:+.3g} ± {half:.2g}",
            )
        console.print(view)
    for case in cases:
        rows = table[table["case"] == case.name]
        if (
            case.values[0] != case.values[1]
            and (rows["sd_paired"] == 0).all()
            and (rows["diff_mean"] == 0).all()
        ):
            errors.print(
                f"note: {case.name}: {case.lever} changed none of these outcomes in any run; "
                "is it in force in this scenario?",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    console.print(f"{len(plan.runs)} runs in {elapsed:.1f} s", markup=False)
    if out is not None:
        from iei_sim.atomic import atomic_write_text

        atomic_write_text(out, table.to_csv(index=False, float_format="%.6g"))
        console.print(f"CRN table written to {out}", markup=False, highlight=False)
    failed = failed_targets(table)
    judged = int(table["target"].notna().sum())
    if len(failed):
        console.print(
            f"FAIL: {len(failed)} of {judged} outcomes above their target "
            f"({', '.join(failed['outcome'])})",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(1)
    if judged:
        console.print(f"PASS: all {judged} outcomes with a target meet it", markup=False)


app.command("dashboard")(dashboard)

app.command("dock")(dock)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
