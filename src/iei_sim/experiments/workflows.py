"""The two workflows analysts use: compare regimes side by side, and sweep a design.

Both run into a results store (resumable), then write their tables and figures next to it.
Tables and figures are rewritten from the store on every invocation, so they always describe
every finished run.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from iei_sim.caveats import Caveat, caveats_for
from iei_sim.experiments.analysis import comparison_table, effects_table, point_summary
from iei_sim.experiments.cost_effectiveness import COST, cost_effectiveness_table
from iei_sim.experiments.design import RunTask, plan_runs
from iei_sim.experiments.runner import Progress, RunReport, run_experiment
from iei_sim.experiments.spec import LoadedExperiment, experiment_from_data, load_experiment
from iei_sim.experiments.store import ResultsStore, tables_in, write_tables
from iei_sim.outcomes import HEADLINES
from iei_sim.phases import DRAWING_FIGURES, phase
from iei_sim.plots.saving import FigureOptions

if TYPE_CHECKING:
    from distributed import Security

COMPARISON_CSV = "comparison.csv"
COST_EFFECTIVENESS_CSV = "cost_effectiveness.csv"
EFFECTS_CSV = "effects.csv"


@dataclass
class CompareOutput:
    report: RunReport
    table: pd.DataFrame  # comparison.csv: every kept outcome
    out_dir: Path
    cost_effectiveness: pd.DataFrame = field(default_factory=pd.DataFrame)
    shown: list[str] = field(default_factory=list)  # the outcomes shown and drawn
    caveats: list[Caveat] = field(default_factory=list)  # those the shown results need
    # shown outcomes whose summary reaches back before their first meaningful year: that year
    early: dict[str, int] = field(default_factory=dict)
    effects: pd.DataFrame = field(default_factory=pd.DataFrame)  # effects.csv: at horizons


@dataclass
class SweepOutput:
    report: RunReport
    summary: pd.DataFrame
    out_dir: Path


def planned(runs: pd.DataFrame, report: RunReport) -> pd.DataFrame:
    """The store's rows for this plan only (a sensitivity store may also hold runs of a larger
    sample run earlier)."""
    return runs[runs["run_key"].isin(report.keys)] if len(runs) else runs


def default_out(name: str, root: str | Path = "results") -> Path:
    return Path(root) / "experiments" / name


def compare_experiment(
    scenario_files: list[str | Path],
    replicates: int = 10,
    outcomes: list[str] | None = None,
    first_seed: int = 0,
    overrides: dict | None = None,
) -> LoadedExperiment:
    """An experiment comparing scenario files with common random numbers (``overrides``:
    dotted-field values applied to every scenario, e.g. a smaller size for a quick look)."""
    paths = [str(Path(p).resolve()) for p in scenario_files]
    stems = (re.sub(r"[^A-Za-z0-9_-]+", "_", Path(p).stem) for p in scenario_files)
    name = ("compare-" + "-".join(stems))[:120]  # a safe folder name whatever the file names
    if overrides:  # its own default store: one with other overrides is another experiment
        text = json.dumps(overrides, sort_keys=True, default=str)
        name += "-set-" + hashlib.sha256(text.encode()).hexdigest()[:8]
    data = {
        "name": name,
        "scenarios": paths,
        "replicates": replicates,
        "seeds": {"policy": "common", "first": first_seed},
    }
    if outcomes:
        data["outcomes"] = outcomes
    if overrides:
        data["overrides"] = overrides
    return experiment_from_data(data, Path.cwd() / f"{name}.yaml")


def shown_outcomes(outcomes: list[str], chosen: list[str] | None = None) -> list[str]:
    """The outcomes a comparison shows and draws: those chosen (in their order), else the
    headlines it keeps, else its first six."""
    if chosen:
        return [o for o in chosen if o in outcomes]
    return [o for o in HEADLINES if o in outcomes] or outcomes[:6]


def compare(
    scenarios: list[str | Path] | LoadedExperiment,
    replicates: int = 10,
    out: str | Path | None = None,
    workers: int = 1,
    dask_address: str | None = None,
    progress: Progress | None = None,
    plots: bool = True,
    tasks: list[RunTask] | None = None,
    dask_security: Security | None = None,
    shown: list[str] | None = None,
    figures: FigureOptions | None = None,
) -> CompareOutput:
    """Run each scenario ``replicates`` times (replicate i with the same seed everywhere) and
    write ``comparison.csv``, ``effects.csv`` (each regime's effect 5 and 10 years after the
    policies start and in the long run), ``cost_effectiveness.csv`` and figures (``shown``: the
    outcomes to draw, default the headlines; ``figures``: their format and resolution)."""
    experiment = (
        scenarios
        if isinstance(scenarios, LoadedExperiment)
        else compare_experiment(list(scenarios), replicates)
    )
    out_dir = Path(out) if out is not None else default_out(experiment.name)
    tasks = plan_runs(experiment) if tasks is None else tasks
    report = run_experiment(
        experiment, out_dir, workers, dask_address, progress, tasks, dask_security=dask_security
    )
    store = ResultsStore(out_dir)
    runs = planned(store.runs(), report)
    outcomes = experiment.spec.outcome_names
    table = comparison_table(runs, outcomes)
    chosen = shown_outcomes(outcomes, shown)
    regimes = list({t.point: t.scenario for t in tasks}.values())
    steps = store.steps()
    effects = effects_table(steps, runs, outcomes)
    cost = cost_effectiveness_table(runs) if COST in runs else pd.DataFrame()
    caveats = caveats_for([*chosen, *([COST] if len(cost) else [])], regimes)
    first_years = {o: first_meaningful_year(o, regimes) for o in chosen}
    with tables_in(out_dir):
        written = {COMPARISON_CSV: table, EFFECTS_CSV: effects}
        if len(cost):
            written[COST_EFFECTIVENESS_CSV] = cost
        write_tables(out_dir, written, outcomes)
        if plots and (runs["status"] == "ok").any():
            with phase(DRAWING_FIGURES):
                from iei_sim.plots.experiment_figures import (
                    cost_effectiveness_figure,
                    forest_figure,
                    timeseries_bands_figure,
                )
                from iei_sim.plots.saving import save_figure

                notes = caveats_for(chosen, regimes)
                save_figure(
                    timeseries_bands_figure(steps, runs, chosen, first_years, notes),
                    out_dir,
                    "timeseries",
                    figures,
                )
                order = {name: k for k, name in enumerate(chosen)}
                diffs = table[table["outcome"].isin(chosen)].sort_values(
                    "outcome", key=lambda names: names.map(order), kind="stable"
                )
                save_figure(forest_figure(diffs, notes), out_dir, "differences", figures)
                if len(cost) > 1:
                    save_figure(
                        cost_effectiveness_figure(cost, caveats),
                        out_dir,
                        "cost_effectiveness",
                        figures,
                    )
    early = {
        o: y
        for o, y in first_years.items()
        if y > 1 and y > min(summary_start(o, s) for s in regimes)
    }
    return CompareOutput(report, table, out_dir, cost, chosen, caveats, early, effects)


def summary_start(outcome: str, scenario: dict) -> int:
    """The first year a run's summary of ``outcome`` averages (the last, for ``final``;
    none for ``total``, a sum that early zeros do not bias)."""
    from iei_sim.outcomes import OUTCOMES

    steps = int(scenario["steps"])
    known = OUTCOMES.get(outcome)
    if known is None or known.summary == "total":
        return steps + 1
    if known.summary == "final":
        return steps
    return max(1, steps - int(scenario["summary_window"]) + 1)


def first_meaningful_year(outcome: str, regimes: list[dict]) -> int:
    """The latest of the regimes' first meaningful years of ``outcome`` (1 if unknown)."""
    from iei_sim.outcomes import OUTCOMES, START
    from iei_sim.scenario import Scenario

    known = OUTCOMES.get(outcome)
    if known is None or known.meaningful_from == START or not regimes:
        return 1
    return max(known.first_meaningful_year(Scenario.model_validate(s)) for s in regimes)


def sweep(
    experiment: str | Path | LoadedExperiment,
    out: str | Path | None = None,
    workers: int = 1,
    dask_address: str | None = None,
    progress: Progress | None = None,
    plots: bool = True,
    tasks: list[RunTask] | None = None,
    dask_security: Security | None = None,
    shown: list[str] | None = None,
    figures: FigureOptions | None = None,
) -> SweepOutput:
    """Run an experiment's design and write ``summary.csv`` (one row per point) and a figure
    of every kept outcome, or of those in ``shown`` (``tasks``: the runs, if already planned
    with ``plan_runs``, so a design is planned once; ``figures``: format and resolution)."""
    loaded = experiment if isinstance(experiment, LoadedExperiment) else load_experiment(experiment)
    out_dir = Path(out) if out is not None else default_out(loaded.name)
    report = run_experiment(
        loaded, out_dir, workers, dask_address, progress, tasks, dask_security=dask_security
    )
    runs = planned(ResultsStore(out_dir).runs(), report)
    outcomes = loaded.spec.outcome_names
    factors = list(loaded.spec.factors)
    summary = point_summary(runs, outcomes, factors)
    with tables_in(out_dir):
        write_tables(out_dir, {"summary.csv": summary}, summary.columns)
        if plots and factors and (runs["status"] == "ok").any():
            from iei_sim.plots.experiment_figures import sweep_figure
            from iei_sim.plots.saving import save_figure

            drawn = [o for o in shown if o in outcomes] if shown else outcomes
            with phase(DRAWING_FIGURES):
                save_figure(sweep_figure(summary, factors, drawn), out_dir, "sweep", figures)
    return SweepOutput(report, summary, out_dir)
