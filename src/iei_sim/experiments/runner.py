"""Run an experiment's runs into a results store, skipping the ones already finished."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from iei_sim import __version__
from iei_sim.experiments.design import RunTask, plan_runs
from iei_sim.experiments.executors import Executor, make_executor
from iei_sim.experiments.spec import LoadedExperiment
from iei_sim.experiments.store import ResultsStore

Progress = Callable[[int, int], None]


@dataclass
class RunReport:
    """What one invocation did (the store holds the complete results)."""

    total: int
    skipped: int  # finished in an earlier invocation
    done: int  # finished now
    failed: int  # failed now (recorded in the store with their errors)
    elapsed_s: float
    keys: tuple[str, ...] = field(default=(), repr=False)  # the planned runs' keys, in order

    @property
    def complete(self) -> bool:
        return self.skipped + self.done == self.total


def identity(experiment: LoadedExperiment, tasks: list[RunTask]) -> dict:
    return {
        "name": experiment.name,
        "content_hash": experiment.spec.content_hash(),
        "runs": len(tasks),
        "iei_sim_version": __version__,
    }


def run_tasks(
    tasks: list[RunTask],
    store: ResultsStore,
    executor: Executor,
    progress: Progress | None = None,
) -> RunReport:
    """Run every task whose key the store has not finished; commit each as it completes.

    An interrupt (Ctrl-C) stops submitting, compacts every committed run into the store's
    ``runs.parquet`` / ``steps.parquet`` and re-raises; running the same command again picks up
    where this one stopped.
    """
    start = time.perf_counter()
    finished = store.finished_keys()
    todo = [t for t in tasks if t.key not in finished]
    skipped = len(tasks) - len(todo)
    done = failed = 0
    try:
        if progress:
            progress(skipped, len(tasks))
        for result in executor.run(todo):
            row = result["row"]
            store.commit(row, result["steps"])
            if row["status"] == "ok":
                done += 1
            else:
                failed += 1
            if progress:
                progress(skipped + done + failed, len(tasks))
        report = RunReport(
            len(tasks),
            skipped,
            done,
            failed,
            time.perf_counter() - start,
            tuple(t.key for t in tasks),
        )
        if report.complete:
            store.compact()
        return report
    except KeyboardInterrupt:
        _compact_after_interrupt(store)
        raise
    finally:
        store.close()


def _compact_after_interrupt(store: ResultsStore) -> None:
    """Make the committed runs queryable in runs.parquet; on failure they stay in the journal
    (nothing is lost) and the interrupt still propagates."""
    try:
        store.compact()
    except Exception as exc:  # the interrupt matters more than the compaction
        warnings.warn(
            f"could not compact {store.root} after the interrupt ({exc}); its finished runs "
            "are kept in the journal",
            RuntimeWarning,
            stacklevel=3,
        )


def run_experiment(
    experiment: LoadedExperiment,
    out_dir: str | Path,
    workers: int = 1,
    dask_address: str | None = None,
    progress: Progress | None = None,
    tasks: list[RunTask] | None = None,
) -> RunReport:
    """Plan (or take) the runs, open the store at ``out_dir`` and run what is missing."""
    tasks = plan_runs(experiment) if tasks is None else tasks
    store = ResultsStore(out_dir)
    text = yaml.safe_dump(experiment.spec.model_dump(mode="json"), sort_keys=False)
    store.open(identity(experiment, tasks), text)
    executor = make_executor(workers, dask_address)
    try:
        return run_tasks(tasks, store, executor, progress)
    finally:
        executor.close()
