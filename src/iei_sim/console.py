"""The ``iei-sim`` console script: start the command line, answering Ctrl-C in one line.

This module imports nothing of iei-sim's until :func:`main` runs, so that a Ctrl-C while the
command line is still loading (its imports) is caught here too, not shown as a traceback.
"""

from __future__ import annotations

import os
import sys

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a command stopped by Ctrl-C


def main() -> None:
    # A command line draws figures into files, never into windows: unless the user chose a
    # backend, use Agg (the library itself never switches backends, so notebooks keep theirs).
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        # Local workers' fork server first, so it imports the model while the command line
        # loads (about a quarter of a second sooner than the command itself would start it).
        from iei_sim.experiments.worker_server import start_for

        start_for(sys.argv[1:])
        from iei_sim.cli import app

        app()
    except KeyboardInterrupt:
        # Commands catch Ctrl-C themselves once running (see iei_sim.cli.common.reported);
        # this is Ctrl-C while the command line was still starting.
        print("\ninterrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
