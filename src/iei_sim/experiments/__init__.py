"""Experiments at scale: regime comparisons and sweeps with replicates, local or Dask execution,
and a resumable results store (a journal of finished runs, compacted to Parquet).

The functional API mirrors the command line::

    from iei_sim.experiments import compare, sweep
    table = compare(["scenarios/baseline.yaml", "scenarios/tax_deduction.yaml"], replicates=10)
    summary = sweep("experiments/tax_deduction_sweep.yaml", workers=2)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what the names are, for type checkers and editors
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

# Each name loads its module on first use: a pool worker imports iei_sim.experiments.executors
# (and with it this package) and must not pay for the analysis, the store or SciPy.
_WHERE = {
    "comparison_table": "analysis",
    "mean_ci": "analysis",
    "point_summary": "analysis",
    "CrnCase": "crn",
    "crn_diagnostic": "crn",
    "Point": "design",
    "RunTask": "design",
    "design_points": "design",
    "plan_runs": "design",
    "RunReport": "runner",
    "run_experiment": "runner",
    "run_tasks": "runner",
    "Experiment": "spec",
    "Factor": "spec",
    "LoadedExperiment": "spec",
    "experiment_from_data": "spec",
    "load_experiment": "spec",
    "ResultsStore": "store",
    "StoreMismatchError": "store",
    "CompareOutput": "workflows",
    "SweepOutput": "workflows",
    "compare": "workflows",
    "compare_experiment": "workflows",
    "default_out": "workflows",
    "sweep": "workflows",
}


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


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"iei_sim.experiments.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'iei_sim.experiments' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
