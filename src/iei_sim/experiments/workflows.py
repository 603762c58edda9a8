"""The two workflows analysts use: compare regimes side by side, and sweep a design.

Both run into a results store (resumable), then write their tables and figures next to it.
Tables and figures are rewritten from the store on every invocation, so they always describe
every finished run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from iei_sim.experiments.analysis import comparison_table, point_summary
from iei_sim.experiments.design import RunTask
from iei_sim.experiments.runner import Progress, RunReport, run_experiment
from iei_sim.experiments.spec import LoadedExperiment, experiment_from_data, load_experiment
from iei_sim.experiments.store import ResultsStore, tables_in
from iei_sim.outcomes import HEADLINES, OUTCOMES_SIDECAR, outcome_table

if TYPE_CHECKING:
    from distributed import Security


@dataclass
class CompareOutput:
    report: RunReport
    table: pd.DataFrame
    out_dir: Path


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
    name = "compare-" + "-".join(stems)  # a safe folder name whatever the file names
    data = {
        "name": name[:120],
        "scenarios": paths,
        "replicates": replicates,
        "seeds": {"policy": "common", "first": first_seed},
    }
    if outcomes:
        data["outcomes"] = outcomes
    if overrides:
        data["overrides"] = overrides
    return experiment_from_data(data, Path.cwd() / f"{name}.yaml")


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
) -> CompareOutput:
    """Run each scenario ``replicates`` times (replicate i with the same seed everywhere) and
    write ``comparison.csv`` and figures; return the comparison table."""
    experiment = (
        scenarios
        if isinstance(scenarios, LoadedExperiment)
        else compare_experiment(list(scenarios), replicates)
    )
    out_dir = Path(out) if out is not None else default_out(experiment.name)
    report = run_experiment(
        experiment, out_dir, workers, dask_address, progress, tasks, dask_security=dask_security
    )
    store = ResultsStore(out_dir)
    runs = planned(store.runs(), report)
    outcomes = experiment.spec.outcome_names
    table = comparison_table(runs, outcomes)
    with tables_in(out_dir):
        table.to_csv(out_dir / "comparison.csv", index=False, float_format="%.6g")
        outcome_table(outcomes).to_csv(out_dir / OUTCOMES_SIDECAR, index=False)
        if plots and (runs["status"] == "ok").any():
            from iei_sim.plots.experiment_figures import (
                forest_figure,
                save,
                timeseries_bands_figure,
            )

            shown = [o for o in HEADLINES if o in outcomes] or outcomes[:6]
            save(timeseries_bands_figure(store.steps(), runs, shown), out_dir / "timeseries.png")
            save(forest_figure(table[table["outcome"].isin(shown)]), out_dir / "differences.png")
    return CompareOutput(report, table, out_dir)


def sweep(
    experiment: str | Path | LoadedExperiment,
    out: str | Path | None = None,
    workers: int = 1,
    dask_address: str | None = None,
    progress: Progress | None = None,
    plots: bool = True,
    tasks: list[RunTask] | None = None,
    dask_security: Security | None = None,
) -> SweepOutput:
    """Run an experiment's design and write ``summary.csv`` (one row per point) and a figure
    (``tasks``: the runs, if already planned with ``plan_runs``, so a design is planned once)."""
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
        summary.to_csv(out_dir / "summary.csv", index=False, float_format="%.6g")
        outcome_table(summary.columns).to_csv(out_dir / OUTCOMES_SIDECAR, index=False)
        if plots and factors and (runs["status"] == "ok").any():
            from iei_sim.plots.experiment_figures import save, sweep_figure

            save(sweep_figure(summary, factors, outcomes), out_dir / "sweep.png")
    return SweepOutput(report, summary, out_dir)
