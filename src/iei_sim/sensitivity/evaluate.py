"""From a sample matrix to model runs, and from the finished runs back to one output per row.

Every row of the sample becomes a design ``Point`` (the dummy column dropped: the model never
sees it) and ``plan_runs`` expands it into replicates with common random numbers: replicate *i*
of every row uses seed ``first + i``, so two rows that differ in one factor differ by that
factor's effect, not by seed noise. The indices are then computed on each row's replicate mean.

The dummy factor is ignored by the model but not by the random numbers: its value picks the
row's *random stream*, seed ``first + i + 10 000 × stream`` with ``stream = ⌊dummy × 2²⁰⌋``. Rows
that differ only in the dummy (Saltelli's AB_dummy rows, a Morris step along the dummy) therefore
differ only in their seeds, and the dummy's indices measure what replicate noise and the
estimator alone produce: the floor below which a factor's index means nothing. Rows that differ
in a real factor keep the dummy, hence the stream, so common random numbers still pair them.
(With common random numbers and no reseeding, a factor the model ignores would get indices of
exactly 0 and show no floor at all.)

Replicate noise (``noise.csv``), per outcome, from the single runs ``y[p, r]`` of rows ``p`` and
replicates ``r``::

    within      = mean over p of var_r(y[p, r])        (sample variance, rows with ≥ 2 replicates)
    total       = var over all (p, r) of y[p, r]
    noise_share = within / total                       share of a single run's variance that is noise
    mean_noise_share = (within / R) / var_p(mean_r y[p, r])
                                                        share of the analysed means' variance that is noise
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from iei_sim.experiments.design import Point, RunTask, plan_runs, run_key, scenario_label
from iei_sim.experiments.spec import LoadedExperiment
from iei_sim.sensitivity.problem import DUMMY

STREAM_STRIDE = 10_000  # more than the most replicates an experiment may ask for
STREAM_BITS = 20


@dataclass(frozen=True)
class Evaluation:
    """The runs behind a sample matrix: ``tasks`` has one entry per row × replicate (rows whose
    scenario and seed coincide share a run key); ``unique`` is what actually has to run."""

    tasks: list[RunTask]
    replicates: int
    rows: int

    @property
    def unique(self) -> list[RunTask]:
        seen: dict[str, RunTask] = {}
        for task in self.tasks:
            seen.setdefault(task.key, task)
        return list(seen.values())

    @property
    def keys(self) -> set[str]:
        return {t.key for t in self.tasks}


def to_points(experiment: LoadedExperiment, problem: dict[str, Any], x: np.ndarray) -> list[Point]:
    """One design point per sample row, with the model's factors only (no dummy)."""
    label = scenario_label(experiment.scenario_files[0])
    columns = [(j, n) for j, n in enumerate(problem["names"]) if n != DUMMY]
    return [
        Point(i, label, {name: float(row[j]) for j, name in columns}) for i, row in enumerate(x)
    ]


def dummy_stream(value: float) -> int:
    """The random stream a dummy value selects (see the module docstring)."""
    return int(np.floor(float(value) * (1 << STREAM_BITS)))


def plan_evaluation(
    experiment: LoadedExperiment, problem: dict[str, Any], x: np.ndarray, replicates: int
) -> Evaluation:
    """Plan the runs of every sample row (raises ``InputError`` for a value the scenario
    schema refuses)."""
    tasks = plan_runs(experiment, points=to_points(experiment, problem, x), replicates=replicates)
    if DUMMY in problem["names"]:
        column = problem["names"].index(DUMMY)
        tasks = [_restream(task, dummy_stream(x[task.point, column])) for task in tasks]
    return Evaluation(tasks, replicates, len(x))


def _restream(task: RunTask, stream: int) -> RunTask:
    seed = task.seed + STREAM_STRIDE * stream
    return dataclasses.replace(
        task, seed=seed, key=run_key(task.scenario_hash, seed, task.outcomes)
    )


def single_runs(evaluation: Evaluation, runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """One line per row × replicate: ``row, replicate, run_key`` and the outcomes (NaN where the
    run is missing or failed)."""
    plan = pd.DataFrame(
        {
            "row": [t.point for t in evaluation.tasks],
            "replicate": [t.replicate for t in evaluation.tasks],
            "run_key": [t.key for t in evaluation.tasks],
        }
    )
    if runs.empty:
        return plan.assign(**{o: np.nan for o in outcomes})
    ok = runs[runs["status"] == "ok"]
    kept = [o for o in outcomes if o in ok.columns]
    table = plan.merge(ok[["run_key", *kept]], on="run_key", how="left")
    for outcome in outcomes:
        if outcome not in table:
            table[outcome] = np.nan
    return table.sort_values(["row", "replicate"], kind="stable").reset_index(drop=True)


def missing(single: pd.DataFrame, outcomes: list[str]) -> int:
    """Row × replicate entries without a finished run."""
    return int(single[outcomes].isna().any(axis=1).sum())


def outcome_matrix(single: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Replicate means: one line per sample row (index ``row``), one column per outcome."""
    return single.groupby("row", sort=True)[outcomes].mean()


def noise_table(single: pd.DataFrame, outcomes: list[str], replicates: int) -> pd.DataFrame:
    """How much of each outcome's variance is replicate noise (formulas in the module docstring)."""
    rows = []
    means = outcome_matrix(single, outcomes)
    for outcome in outcomes:
        values = single[["row", outcome]].dropna()
        per_row = values.groupby("row")[outcome]
        within_rows = per_row.var(ddof=1).dropna()
        within = float(within_rows.mean()) if len(within_rows) else np.nan
        total = float(values[outcome].var(ddof=1)) if len(values) > 1 else np.nan
        between = float(means[outcome].var(ddof=1)) if len(means) > 1 else np.nan
        rows.append(
            {
                "outcome": outcome,
                "rows": int(means[outcome].notna().sum()),
                "replicates": replicates,
                "within_var": within,
                "total_var": total,
                "noise_share": _ratio(within, total),
                "mean_noise_share": _ratio(within / replicates, between),
            }
        )
    return pd.DataFrame(rows)


def _ratio(a: float, b: float) -> float:
    if not np.isfinite(a) or not np.isfinite(b):
        return np.nan
    if b <= 0:
        return 0.0 if a <= 0 else np.nan
    return a / b
