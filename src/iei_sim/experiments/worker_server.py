"""The local workers' fork server: started as early as a command knows it will need it.

Local workers are forked from a server process that imported the model once
(:data:`WORKER_MODULES`), so each worker starts at once. Importing the model takes the server
about a second (Mesa alone, with the SciPy and networkx modules its package imports, is half
of it), and the workers can start only after that: the sooner the server starts, the sooner
the first run does. This module imports nothing of iei-sim's, so the console script can start
the server before it loads the command line itself (:func:`start_for`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.context
from collections.abc import Sequence

# What a worker needs, imported once by the fork server, so that each worker starts at once
# (with ``spawn`` each one imported Mesa, pandas and the model anew: a second or more apiece).
WORKER_MODULES = ["iei_sim.run", "iei_sim.experiments.executors"]


def worker_context() -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_MODULES)
    return context


def start_worker_server() -> None:
    """Start the fork server now, so that it imports the model while this process still reads
    and plans the experiment (a command calls this first when it will use local workers)."""
    from multiprocessing import forkserver

    worker_context()
    forkserver.ensure_running()


def local_workers_asked(args: Sequence[str]) -> bool:
    """Whether a command line asks for more than one local worker (``--workers N`` or
    ``--workers=N`` with N > 1, and no ``--dask-address``). A guess made before the command
    line is parsed: a wrong one only starts a server that the command does not use or starts
    itself (the command checks its options as always)."""
    if any(a == "--dask-address" or a.startswith("--dask-address=") for a in args):
        return False
    for i, arg in enumerate(args):
        value = None
        if arg == "--workers" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--workers="):
            value = arg.partition("=")[2]
        if value is not None:
            return value.isdigit() and int(value) > 1
    return False


def start_for(args: Sequence[str]) -> None:
    """Start the fork server if ``args`` ask for local workers (see :func:`local_workers_asked`);
    never fails a command: if it cannot start here, the command starts it or reports why."""
    if local_workers_asked(args):
        with contextlib.suppress(Exception):  # the command's own start reports the problem
            start_worker_server()
