"""What every command shares: the consoles, one-line error reporting, progress bars, the loaders
that exit with status 2 on refused input, and the options and limits several commands take.

Imports stay light (Typer, Rich and the scenario schema): ``iei-sim --help`` loads this module
and every command module, so a command imports what it runs inside its own body.
"""

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

from iei_sim.errors import EXIT_BAD_INPUT, EXIT_FAILURE, UserError, describe_os_error
from iei_sim.extras import check_extra
from iei_sim.plots.saving import FigureFormat, FigureOptions
from iei_sim.scenario import Scenario, ScenarioError, load_scenario
from iei_sim.scenario.constraints import field_bounds
from iei_sim.validation import MAX_WORKERS

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


def one_line(text: str) -> str:
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
            errors.print(f"error: {one_line(exc)}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except OSError as exc:
            errors.print(
                f"error: {one_line(describe_os_error(exc))}",
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


class ReportedTyper(typer.Typer):
    """Every command registered on it reports errors through :func:`reported`."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)
        return lambda function: register(reported(function))


@contextmanager
def progress_bar(label: str, unit: str, total: int) -> Iterator[Callable[[int, int], None]]:
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


@contextmanager
def run_progress(label: str, total: int) -> Iterator[Callable[[int, int], None]]:
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


def execute(label, total, action):
    """Run ``action(progress)`` under a :func:`run_progress` bar; on Ctrl-C or SIGTERM say what
    was kept and how to resume."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if in_main_thread else None
    try:
        with run_progress(label, total) as advance:
            return action(advance)
    except KeyboardInterrupt as stop:
        how = "terminated" if isinstance(stop, Terminated) else "interrupted"
        errors.print(f"{how}: every finished run is saved; run the same command again to resume.")
        raise typer.Exit(143 if isinstance(stop, Terminated) else 130) from None
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def checked(load: Callable, *args):
    """``load(*args)``, or print every problem (file: field: message) and exit 2."""
    try:
        return load(*args)
    except ScenarioError as exc:
        print_problems(exc.problems, exc.omitted)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def load_scenario_or_exit(path: Path):
    return checked(load_scenario, path)


def load_experiment_or_exit(path: Path):
    from iei_sim.experiments import load_experiment

    return checked(load_experiment, path)


def store_folder(out_dir: Path) -> Path:
    """Refuse a store folder that would mix results with a user's files (before any work)."""
    from iei_sim.output_folders import check_output_folder

    check_output_folder(out_dir, "store")
    return out_dir


def report_line(report, out_dir: Path, to: Console = console) -> None:
    """The closing line of a command that ran into a results store (and where failures are);
    ``to`` stderr when stdout carries data."""
    line = (
        f"{report.done} runs done, {report.skipped} already finished, "
        f"{report.failed} failed, of {report.total}; results in {out_dir}"
    )
    to.print(line, markup=False, highlight=False)
    if report.failed:
        errors.print(
            f"{report.failed} run(s) failed; their errors are in the store "
            f"(iei-sim results {out_dir}); run the command again to retry them."
        )


WorkersOption = Annotated[int, typer.Option(min=1, max=MAX_WORKERS, help="local worker processes")]
StoreOption = Annotated[Path | None, typer.Option(help="results folder")]
DaskOption = Annotated[
    str | None,
    typer.Option(
        "--dask-address",
        help="run on an existing Dask scheduler (tcp://host:port) instead of local processes",
    ),
]


def check_cluster(dask_address: str | None) -> None:
    """With ``--dask-address``, refuse at once (before any progress bar) if Dask is not
    installed (the executor would refuse too, but only once the bar is drawn)."""
    if dask_address:
        check_extra("cluster")


# Every command that draws figures takes these two (figures only; tables stay CSV); the values
# are checked here so a bad one is refused before any work.
FormatOption = Annotated[
    FigureFormat,
    typer.Option("--format", help="figure file format (figures only)", show_default=True),
]
DpiOption = Annotated[
    int,
    typer.Option(min=50, max=1200, help="figure resolution, dots per inch", show_default=True),
]


def figure_options(format: FigureFormat, dpi: int) -> FigureOptions:
    """The :class:`~iei_sim.plots.saving.FigureOptions` of a command's ``--format``/``--dpi``."""
    return FigureOptions(format=format, dpi=dpi)
