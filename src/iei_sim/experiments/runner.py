"""Run an experiment's runs into a results store, skipping the ones already finished."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from iei_sim.experiments.design import RunTask, plan_runs, scenario_label
from iei_sim.experiments.executors import Executor, make_executor
from iei_sim.experiments.spec import LoadedExperiment
from iei_sim.experiments.store import RUN_TIME, ResultsStore
from iei_sim.identity import model_identity
from iei_sim.scenario import load_scenario, scenario_hash

if TYPE_CHECKING:
    from distributed import Security

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
    run_time_s: float = 0.0  # the runs' own wall-clock time, summed (recorded in the manifest)

    @property
    def complete(self) -> bool:
        return self.skipped + self.done == self.total


def identity(experiment: LoadedExperiment, tasks: list[RunTask]) -> dict:
    """What a store of this experiment records and checks: the experiment's content, its base
    scenarios as resolved and the model (a store holds the runs of one of each)."""
    return {
        "name": experiment.name,
        "content_hash": experiment.spec.content_hash(),
        "design_hash": experiment.spec.content_hash(replicates=False),
        "runs": len(tasks),
        "base_scenarios": base_scenarios(experiment),
        "model": model_identity(),
    }


def base_scenarios(experiment: LoadedExperiment) -> list[dict]:
    """Each scenario file as written in the experiment, resolved with its fixed overrides: its
    label, hash and resolved fields (kept in the store to say which fields changed)."""
    spec = experiment.spec
    refs = [spec.base] if spec.base is not None else list(spec.scenarios or [])
    bases = []
    for ref, path in zip(refs, experiment.scenario_files, strict=True):
        scenario = load_scenario(path, overrides=spec.overrides)
        bases.append(
            {
                "file": ref,
                "label": scenario_label(path),
                "hash": scenario_hash(scenario),
                "scenario": scenario.model_dump(mode="json"),
            }
        )
    return bases


def spin_up_order(tasks: list[RunTask]) -> list[RunTask]:
    """Runs that share a seed one after another when scenarios spin up, so that a process
    computes each (structure, seed) spin-up once and copies it for every regime and design
    point that shares it (:func:`iei_sim.model.build_model`); results do not depend on the
    order (every run is keyed by its scenario and seed)."""
    if not any(task.scenario.get("spin_up_years") for task in tasks):
        return tasks
    return sorted(tasks, key=lambda task: task.seed)


def run_tasks(
    tasks: list[RunTask],
    store: ResultsStore,
    executor: Executor,
    progress: Progress | None = None,
) -> RunReport:
    """Run every task whose key the store has not finished; commit each as it completes.

    An interrupt (Ctrl-C) stops submitting, compacts every committed run into the store's
    ``runs.parquet`` / ``steps.parquet`` and re-raises; running the same command again picks up
    where this one stopped. The invocation is recorded in the store's manifest when it starts
    and when it ends (runs done, their run time, how it ended).
    """
    start = time.perf_counter()
    finished = store.finished_keys()
    todo = spin_up_order([t for t in tasks if t.key not in finished])
    skipped = len(tasks) - len(todo)
    done = failed = 0
    run_time = 0.0
    status = "failed"  # an exception (a full disk...) that is not an interrupt
    try:
        store.begin_invocation([t.key for t in tasks], len(todo))
        if progress:
            progress(skipped, len(tasks))
        for result in executor.run(todo):
            row = result["row"]
            store.commit(row, result["steps"])
            run_time += row.get(RUN_TIME, 0.0)
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
            run_time,
        )
        if report.complete:
            store.compact()
        status = "complete" if report.complete else "incomplete"
        return report
    except KeyboardInterrupt:
        status = "interrupted"
        _compact_after_interrupt(store)
        raise
    finally:
        _close(store, done, failed, run_time, status)


def _close(store: ResultsStore, done: int, failed: int, run_time: float, status: str) -> None:
    """Close the journal and complete the invocation's record. After a failure or an
    interrupt that one is best effort: what stopped the run matters more (and nothing is lost
    if the record cannot be written: the runs are in the journal)."""
    if status in ("complete", "incomplete"):
        store.close()
        store.end_invocation(done, failed, run_time, status)
        return
    try:
        store.close()
        store.end_invocation(done, failed, run_time, status)
    except Exception:  # (a full disk: the error being raised already says so)
        pass


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
    dask_security: Security | None = None,
) -> RunReport:
    """Plan (or take) the runs, open the store at ``out_dir`` and run what is missing.

    The executor comes first: an unreachable cluster is refused before the store is created.
    """
    tasks = plan_runs(experiment) if tasks is None else tasks
    executor = make_executor(workers, dask_address, dask_security)
    try:
        store = ResultsStore(out_dir)
        text = yaml.safe_dump(experiment.spec.model_dump(mode="json"), sort_keys=False)
        store.open(identity(experiment, tasks), text)
        return run_tasks(tasks, store, executor, progress)
    finally:
        executor.close()
