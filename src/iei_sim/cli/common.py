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
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from typer import _click as click
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from iei_sim.errors import EXIT_BAD_INPUT, EXIT_FAILURE, UserError, describe_os_error
from iei_sim.errors import InputError as ScenarioError
from iei_sim.extras import check_extra
from iei_sim.plots.saving import FigureFormat, FigureOptions
from iei_sim.validation import MAX_SEED as MAX_SEED  # the commands' bounds, re-exported
from iei_sim.validation import MAX_STEPS as MAX_STEPS
from iei_sim.validation import MAX_WORKERS

# Command-line counts are bounded like the same counts in files (MAX_STEPS and MAX_SEED are the
# scenario schema's own bounds). Nothing here imports the schema, Mesa, NumPy or matplotlib:
# `iei-sim --help` must answer at once, so each command loads what it needs when it runs.
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


# -- help in the conventions of most command-line tools --------------------------------------------

# Typer's type labels, as the metavars a reader of other tools' help expects.
METAVARS = {
    "int": "N",
    "int range": "N",
    "float": "NUMBER",
    "float range": "NUMBER",
    "str": "TEXT",
    "path": "PATH",
    "file": "FILE",
    "dir": "FOLDER",
}

# Examples closing each main command's help (by command name); the files are the shipped ones.
EXAMPLES = {
    "validate": [
        "iei-sim validate scenarios/small.yaml",
        "iei-sim validate experiments/tax_deduction_sweep.yaml --estimate",
        "iei-sim validate games/school_firm.yaml",
    ],
    "outcomes": ["iei-sim outcomes --headlines"],
    "run": [
        "iei-sim run scenarios/baseline.yaml",
        "iei-sim run scenarios/tax_deduction.yaml --seed 7 --steps 10 --out runs/td7",
    ],
    "patterns": [
        "iei-sim patterns scenarios/baseline.yaml --replicates 20 --workers 2",
        "iei-sim patterns scenarios/baseline.yaml --out patterns.csv --strict",
    ],
    "compare": [
        "iei-sim compare scenarios/baseline.yaml scenarios/tax_deduction.yaml "
        "scenarios/intern_subsidy.yaml --replicates 10 --workers 2",
    ],
    "sweep": ["iei-sim sweep experiments/tax_deduction_sweep.yaml --workers 2"],
    "ablate": [
        "iei-sim ablate scenarios/small.yaml --replicates 10 --workers 2",
        "iei-sim ablate scenarios/all_policies.yaml --steps 20 --out results/ablation/all",
    ],
    "results": ["iei-sim results results/experiments/tax_deduction_sweep"],
    "sensitivity": [
        "iei-sim sensitivity experiments/morris_screening.yaml --samples 8 --replicates 1",
        "iei-sim sensitivity experiments/sobol_levers.yaml --workers 2",
    ],
    "discover": [
        'iei-sim discover experiments/morris_screening.yaml --target "firm_participation_rate '
        '>= 0.35 and fiscal_cost <= 150"',
    ],
    "dashboard": ["iei-sim dashboard"],
    "dock": ["iei-sim dock games/school_firm.yaml"],
}


def examples_epilog(lines: list[str]) -> str:
    """An epilog of examples, one command a line (each line its own paragraph, so that the help
    keeps it whole)."""
    return "Examples:\n\n" + "\n\n".join(f"  $ {line}" for line in lines)


def conventional_metavar(label: str) -> str:
    """``<int range>`` → ``N``, ``<path>`` → ``PATH``, ``<a|b>`` → ``[a|b]``."""
    bare = label.strip("<>")
    if "|" in bare:
        return f"[{bare}]"
    if bare.startswith("list[") and bare.endswith("]"):
        return conventional_metavar(bare[5:-1]) + "..."
    return METAVARS.get(bare, bare.upper())


class _ConventionalArgument(TyperArgument):
    """An argument shown by its name in capitals (``SCENARIO``, ``SCENARIOS...``), without the
    braces and type labels Typer adds."""

    @property
    def display_name_raw(self) -> str:
        return self.metavar or (self.name or "").upper()

    def display_type_rich(self, ctx: click.Context) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")


class _ConventionalOption(TyperOption):
    """An option shown with a conventional metavar (``--steps N``, ``--out PATH``) and flags
    with none (no ``<bool>``)."""

    def display_type_rich(self, ctx: click.Context) -> str | None:
        if self.is_flag or self.count:
            return None
        return self.metavar or conventional_metavar(self.display_type(ctx))


def _conventional(params: list) -> list:
    for param in params:
        if type(param) is TyperArgument:
            param.__class__ = _ConventionalArgument  # same data, other presentation
        elif type(param) is TyperOption:
            param.__class__ = _ConventionalOption
    return params


def reflowed(text: str | None) -> str | None:
    """Docstring paragraphs as one line each: Rich help keeps a docstring's line breaks, which
    then break mid-sentence at any terminal width."""
    if not text:
        return text
    paragraphs = [" ".join(block.split()) for block in text.split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


class ConventionalCommand(TyperCommand):
    """A command whose help reads like most tools' (see :func:`conventional_metavar`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.help = reflowed(self.help)

    def get_params(self, ctx: click.Context) -> list:
        return _conventional(super().get_params(ctx))


class ConventionalGroup(TyperGroup):
    """A command group whose own help reads like most tools'."""

    def get_params(self, ctx: click.Context) -> list:
        return _conventional(super().get_params(ctx))


class ReportedTyper(typer.Typer):
    """Every command registered on it reports errors through :func:`reported`, and its help uses
    conventional metavars and closes with the command's :data:`EXAMPLES`."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("cls", ConventionalGroup)
        super().__init__(*args, **kwargs)

    def command(self, name: str | None = None, **kwargs):
        def register(function: Callable) -> Callable:
            examples = EXAMPLES.get(name or function.__name__)
            if examples and "epilog" not in kwargs:
                kwargs["epilog"] = examples_epilog(examples)
            kwargs.setdefault("cls", ConventionalCommand)
            return super(ReportedTyper, self).command(name, **kwargs)(reported(function))

        return register


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
def status(message: str) -> Iterator[None]:
    """A one-line spinner on stderr while a step without a count runs (``drawing figures…``),
    gone when it ends; nothing when stderr is not a terminal."""
    if not errors.is_terminal:
        yield
        return
    with errors.status(message, spinner="dots"):
        yield


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


def parse_settings(settings: list[str] | None) -> dict[str, Any]:
    """``--set key=value`` options as dotted scenario overrides (values are YAML: numbers,
    true/false, lists); a malformed one is refused naming it (exit 2)."""
    import yaml

    from iei_sim.scenario.loading import YamlTooLargeError, parse_yaml_text

    overrides: dict[str, Any] = {}
    for entry in settings or []:
        key, sep, raw = entry.partition("=")
        key = key.strip()
        if not sep or not key or any(not part for part in key.split(".")):
            errors.print(
                f"error: --set {entry!r}: expected dotted.field=value "
                "(e.g. --set policy.tax_deduction.rate=0.4)",
                markup=False,
                highlight=False,
            )
            raise typer.Exit(EXIT_BAD_INPUT)
        try:
            overrides[key] = parse_yaml_text(raw) if raw.strip() else None
        except (yaml.YAMLError, YamlTooLargeError) as exc:
            errors.print(
                f"error: --set {key}: not a value: {' '.join(str(exc).split())}",
                markup=False,
                highlight=False,
            )
            raise typer.Exit(EXIT_BAD_INPUT) from None
    return overrides


def settings_option(where: str = "", example: str = "policy.tax_deduction.rate=0.4") -> Any:
    """The repeatable ``--set FIELD=VALUE`` option; ``where`` says which scenarios it reaches."""
    scope = f" {where}" if where else ""
    return Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="FIELD=VALUE",
            help=f"override a scenario field{scope}, as dotted.field=value (repeatable; e.g. "
            f"--set {example})",
            show_default=False,
        ),
    ]


SettingsOption = settings_option()


def load_scenario_or_exit(path: Path, overrides: dict[str, Any] | None = None):
    from iei_sim.scenario import load_scenario

    return checked(load_scenario, path, overrides or None)


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
StoreOption = Annotated[
    Path | None,
    typer.Option(
        help="results folder, reused to resume (default: results/experiments/<experiment name>; "
        "for compare, compare-<file stems>)"
    ),
]
DaskOption = Annotated[
    str | None,
    typer.Option(
        "--dask-address",
        help="run on an existing Dask scheduler (tcp://host:port) instead of local processes",
    ),
]


def check_cluster(dask_address: str | None, workers: int = 1) -> None:
    """With ``--dask-address``, refuse at once (before any progress bar) if Dask is not
    installed (the executor would refuse too, but only once the bar is drawn). With local
    workers, start their fork server now: it imports the model while this process reads and
    plans the experiment."""
    if dask_address:
        check_extra("cluster")
    elif workers > 1:
        from iei_sim.experiments.worker_server import start_worker_server

        start_worker_server()


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
