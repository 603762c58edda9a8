"""Where runs execute: in this process, in a local process pool, or on a Dask cluster.

Every executor maps the same pure function (``execute_run``) over the same tasks and yields the
results as they finish, in whatever order. A run's result depends only on its task (scenario and
seed), so the results are identical run for run whichever executor and however many workers.
"""

from __future__ import annotations

import math
import os
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TYPE_CHECKING, Any, Protocol

from iei_sim.errors import BadInputError, UserError
from iei_sim.experiments.design import RunTask
from iei_sim.experiments.worker_server import worker_context
from iei_sim.extras import needs_extra

if TYPE_CHECKING:
    from distributed import Security

# How often a pool worker checks that the process that started it is still alive.
PARENT_POLL_S = 0.5
# How long to wait for a Dask scheduler (seconds); the environment variable overrides it.
DEFAULT_DASK_TIMEOUT_S = 10.0
DASK_TIMEOUT_ENV = "IEI_SIM_DASK_TIMEOUT"


def execute_run(task: RunTask) -> dict[str, Any]:
    """Run one task; never raises: a failure comes back as a row with its error.

    Returns ``{"row": {...}, "steps": {"step": [...], "<outcome>": [...]} or None}``: the run's
    summary row (its outcomes, and the counts and fiscal split that cost-effectiveness reads:
    :class:`~iei_sim.experiments.cost_effectiveness.RunTally`) and its per-step outcomes as
    columns of plain Python values.
    """
    from iei_sim import run
    from iei_sim.experiments.cost_effectiveness import RunTally
    from iei_sim.scenario import Scenario

    start = time.perf_counter()
    row: dict[str, Any] = {
        "run_key": task.key,
        "scenario": task.scenario_label,
        "scenario_hash": task.scenario_hash,
        "point": task.point,
        "replicate": task.replicate,
        "seed": task.seed,
        **task.values,
    }
    try:
        scenario = Scenario.model_validate(task.scenario)
        tally = RunTally()
        outcomes = list(task.outcomes)
        # Only what the store keeps is computed each year: the kept outcomes and the tally's.
        computed = {*outcomes, *RunTally.OUTCOMES_READ}
        timeseries, summary = run.simulate_outcomes(scenario, task.seed, tally.record, computed)
        row.update({name: float(summary[name]) for name in outcomes})
        row.update(tally.columns())
        # plain lists: cheap to pickle back from a worker and to write as a journal line
        steps = {name: timeseries[name].tolist() for name in ("step", *outcomes)}
        row.update(status="ok", error="")
    except Exception as exc:  # recorded, never fatal to the sweep
        steps = None
        row.update(status="failed", error=_one_line(exc))
    row["duration_s"] = time.perf_counter() - start
    return {"row": row, "steps": steps}


def execute_runs(tasks: list[RunTask], seconds: float) -> list[dict[str, Any]]:
    """:func:`execute_run` for ``tasks`` in turn, in one worker, so that runs sharing a spin-up
    compute it once there (:func:`iei_sim.model.build_model` keeps it); returns early, with the
    results of the first runs only, once ``seconds`` have passed (the caller submits the rest),
    so a worker never holds more than that much finished work back from the store."""
    start = time.perf_counter()
    results = []
    for task in tasks:
        results.append(execute_run(task))
        if time.perf_counter() - start >= seconds:
            break
    return results


# The most runs a local worker takes at once when they share a spin-up (see spin_up_batches),
# and the longest it works on a batch before it returns what it has finished.
MOST_RUNS_PER_BATCH = 32
BATCH_SECONDS = 5.0


def spin_up_batches(
    tasks: Iterable[RunTask], most: int = MOST_RUNS_PER_BATCH
) -> Iterator[list[RunTask]]:
    """``tasks`` in batches for the local pool's workers: consecutive runs that spin up from
    the same seed go to one worker together (in as few batches of at most ``most`` as hold
    them, of even sizes), so that each worker spins up only the seeds it is given instead of
    every seed of the design; every other run is a batch of its own. The runner orders a
    design's runs by seed (:func:`iei_sim.experiments.runner.spin_up_order`)."""
    block: list[RunTask] = []

    def split(block: list[RunTask]) -> Iterator[list[RunTask]]:
        parts = -(-len(block) // most)
        size, extra = divmod(len(block), parts)
        start = 0
        for part in range(parts):
            end = start + size + (part < extra)
            yield block[start:end]
            start = end

    for task in tasks:
        if not task.scenario.get("spin_up_years"):
            yield from split(block) if block else ()
            block = []
            yield [task]
        elif block and block[0].seed != task.seed:
            yield from split(block)
            block = [task]
        else:
            block.append(task)
    if block:
        yield from split(block)


def _words(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _one_line(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" at {last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno}" if last else ""
    return f"{type(exc).__name__}: {_words(exc)}{where}"


class Executor(Protocol):
    workers: int

    def run(self, tasks: Iterable[RunTask]) -> Iterator[dict[str, Any]]: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Runs in this process, one after another (workers = 1: no pool start-up, easy to debug)."""

    workers = 1

    def run(self, tasks: Iterable[RunTask]) -> Iterator[dict[str, Any]]:
        for task in tasks:
            yield execute_run(task)

    def close(self) -> None:
        pass


def _exit_with_parent(parent: int) -> None:
    """Pool initializer: end this worker as soon as ``parent`` (the sweep) is gone.

    A hard-killed sweep (``kill -9``, the OOM killer, a lost batch job) cannot shut its pool
    down, and a worker blocked on the task queue never sees end-of-file (it holds the queue's
    write end itself), so without this it would idle on, adopted by PID 1, for ever. A daemon
    thread polls whether the sweep's PID still exists (the worker is the fork server's child,
    not the sweep's, so its own parent PID says nothing): portable, and immune to the pitfall of
    ``PR_SET_PDEATHSIG``, which fires when the *thread* that started the worker exits. The fork
    server itself ends once the sweep and every worker are gone (they hold its "alive" pipe).
    """

    def alive() -> bool:
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # the PID now belongs to another user's process
            return False
        return True

    def watch() -> None:
        while alive():
            time.sleep(PARENT_POLL_S)
        os._exit(1)  # no cleanup: the parent that could use it is gone

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A local pool whose workers start at once and end when this process dies.

    ``forkserver``, with the model preloaded (:data:`~iei_sim.experiments.worker_server.WORKER_MODULES`): the workers are forked
    from a clean server process that imported the model once, never from this process (forking
    a process that holds threads, as a sweep with its progress bar does, can deadlock). Each
    worker watches this process (:func:`_exit_with_parent`), so none outlives a hard kill.
    """
    return ProcessPoolExecutor(
        workers,
        mp_context=worker_context(),
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    )


class LocalExecutor:
    """A local process pool (see :func:`process_pool`: no worker outlives a killed sweep).

    Runs go to the workers in batches that share a spin-up (:func:`spin_up_batches`); a worker
    returns a batch's finished runs after at most ``batch_seconds`` (and the rest goes back to
    the queue's front), and at most ``2 × workers`` batches are queued at a time, so an
    interrupted sweep loses at most a few seconds of each worker's work, progress is reported
    at least that often, and memory stays flat however long the design.
    """

    batch_seconds = BATCH_SECONDS

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = process_pool(workers)

    def run(self, tasks: Iterable[RunTask]) -> Iterator[dict[str, Any]]:
        pending: dict[Future, list[RunTask]] = {}
        queue = spin_up_batches(tasks)
        unfinished: list[list[RunTask]] = []  # the rest of batches returned early, first
        try:
            while True:
                while len(pending) < 2 * self.workers:
                    batch = unfinished.pop() if unfinished else next(queue, None)
                    if batch is None:
                        break
                    future = self.pool.submit(execute_runs, batch, self.batch_seconds)
                    pending[future] = batch
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    batch = pending.pop(future)
                    results = future.result()
                    if len(results) < len(batch):
                        unfinished.append(batch[len(results) :])
                    yield from results
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class ExecutorUnavailableError(UserError):
    """The cluster cannot be used (unreachable, or TLS without certificates): exit 1, raised
    before anything is written."""


class DaskAddressError(BadInputError):
    """``--dask-address`` is not a scheduler address (exit 2)."""


def dask_timeout() -> float:
    """Seconds to wait for the scheduler: ``IEI_SIM_DASK_TIMEOUT`` or
    :data:`DEFAULT_DASK_TIMEOUT_S` (a wrong address should fail fast, a busy scheduler on a
    slow network may need longer)."""
    text = os.environ.get(DASK_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_DASK_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise BadInputError(f"{DASK_TIMEOUT_ENV}={text!r} is not a number of seconds above 0")
    return value


def check_dask_address(address: str) -> None:
    """Refuse what Dask cannot connect to at all (``foo``, ``http://…``, a missing port)
    before any wait, with the form to use."""
    with needs_extra("cluster"):
        from distributed.comm import get_address_host_port

    try:
        host, port = get_address_host_port(address)
    except ValueError as exc:
        reason = str(exc)
    else:
        if host and host == host.strip() and 0 < port < 65536:
            return
        reason = "bad host or port"
    raise DaskAddressError(
        f"{address!r} is not a Dask scheduler address ({reason}); give --dask-address as "
        "tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786"
    )


def _check_tls(address: str, security: Security | None) -> None:
    """Refuse a TLS address without certificates before a ``Client`` exists: Dask's own
    refusal (a ``TypeError`` from inside ``Client()``) leaves a half-made client whose
    finaliser can deadlock a later ``Client()`` in this process."""
    with needs_extra("cluster"):
        import dask.config
        from distributed import Security

    if not address.startswith(("tls://", "wss://")):
        return
    if security is None and dask.config.get("distributed.client.security-loader", None):
        return  # the configured loader supplies them
    try:
        context = (security or Security()).get_connection_args("client")["ssl_context"]
    except OSError as exc:  # a certificate file that is missing or unreadable
        raise ExecutorUnavailableError(
            f"cannot read the TLS certificates for {address} ({_words(exc)}); check the files "
            "given to Security or in Dask's distributed.comm.tls configuration"
        ) from None
    if context is None:
        raise ExecutorUnavailableError(
            f"cannot connect to the Dask scheduler at {address}: TLS needs certificates; "
            "give them with dask_security= (Python) or in Dask's distributed.comm.tls "
            "configuration (command line)"
        )


class DaskExecutor:
    """Sends the runs to an existing Dask distributed scheduler (``tcp://host:port``).

    The workers need iei-sim installed (same version). Runs are submitted in a bounded window
    like the local pool, so a large design does not flood the scheduler. ``security`` (a
    ``distributed.Security``: TLS certificates) is what a shared cluster needs, since whoever
    can reach the scheduler runs code on it; None uses Dask's configuration
    (``distributed.comm.tls``). An unreachable scheduler raises
    :class:`ExecutorUnavailableError` after ``timeout`` seconds (default: :func:`dask_timeout`);
    without Dask installed, :class:`~iei_sim.extras.MissingExtraError` (the cluster extra).
    """

    def __init__(
        self,
        address: str,
        window: int | None = None,
        security: Security | None = None,
        timeout: float | None = None,
    ) -> None:
        with needs_extra("cluster"):
            from distributed import Client

        check_dask_address(address)
        _check_tls(address, security)
        timeout = dask_timeout() if timeout is None else timeout
        try:
            self.client = Client(address, timeout=f"{timeout}s", security=security)
        except (OSError, TimeoutError) as exc:  # refused, unresolvable, firewalled, bad TLS
            why = _words(exc)
            hint = ""
            if "timed out" in why.lower():  # Dask retries a refused connection until then
                why = f"timed out after {timeout:g} s"
                hint = f" ({DASK_TIMEOUT_ENV}=SECONDS waits longer)"
            raise ExecutorUnavailableError(
                f"cannot reach the Dask scheduler at {address} ({why}); check the address, "
                f"that the scheduler is running and that this machine may connect to it{hint}"
            ) from None
        info = self.client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))
        self.window = window or 4 * self.workers

    def run(self, tasks: Iterable[RunTask]) -> Iterator[dict[str, Any]]:
        from distributed import as_completed

        queue = iter(tasks)
        first = [self.client.submit(execute_run, t, pure=False) for t in _take(queue, self.window)]
        if not first:
            return
        stream = as_completed(first)
        try:
            for future in stream:
                result = future.result()
                future.release()
                task = next(queue, None)
                if task is not None:
                    stream.add(self.client.submit(execute_run, task, pure=False))
                yield result
        finally:
            stream.clear() if hasattr(stream, "clear") else None

    def close(self) -> None:
        self.client.close()


def _take(iterator: Iterator[RunTask], n: int) -> list[RunTask]:
    out = []
    for _ in range(n):
        item = next(iterator, None)
        if item is None:
            break
        out.append(item)
    return out


def make_executor(
    workers: int = 1, dask_address: str | None = None, dask_security: Security | None = None
) -> Executor:
    """The executor for a command's options; a Dask one is connected (or refused) here, so
    callers make it before they write anything."""
    if dask_address:
        return DaskExecutor(dask_address, security=dask_security)
    return InlineExecutor() if workers <= 1 else LocalExecutor(workers)
