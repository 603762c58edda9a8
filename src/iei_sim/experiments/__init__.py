"""Experiments at scale: regime comparisons and sweeps with replicates, local or Dask execution,
and a resumable results store (a journal of finished runs, compacted to Parquet).

The functional API mirrors the command line::

    from iei_sim.experiments import compare, sweep
    table = compare(["scenarios/baseline.yaml", "scenarios/tax_deduction.yaml"], replicates=10)
    summary = sweep("experiments/tax_deduction_sweep.yaml", workers=2)
"""

from iei_sim.experiments.analysis import comparison_table, mean_ci, point_summary
from iei_sim.experiments.crn import CrnCase, crn_diagnostic
from iei_sim.experiments.design import Point, RunTask, design_points, plan_runs
from iei_sim.experiments.runner import RunReport, run_experiment, run_tasks
from iei_sim.experiments.spec import (
    Experiment,
    Factor,
    LoadedExperiment,
    experiment_from_data,
    load_experiment,
)
from iei_sim.experiments.store import ResultsStore, StoreMismatchError
from iei_sim.experiments.workflows import (
    CompareOutput,
    SweepOutput,
    compare,
    compare_experiment,
    default_out,
    sweep,
)

__all__ = [
    "CompareOutput",
    "CrnCase",
    "Experiment",
    "Factor",
    "LoadedExperiment",
    "Point",
    "ResultsStore",
    "RunReport",
    "RunTask",
    "StoreMismatchError",
    "SweepOutput",
    "compare",
    "compare_experiment",
    "comparison_table",
    "crn_diagnostic",
    "default_out",
    "design_points",
    "experiment_from_data",
    "load_experiment",
    "mean_ci",
    "plan_runs",
    "point_summary",
    "run_experiment",
    "run_tasks",
    "sweep",
]
