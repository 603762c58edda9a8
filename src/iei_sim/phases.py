"""Named phases of long library work without a count (``drawing figures``), for front ends.

The library marks a phase with ``with phase("drawing figures"):``; nothing is shown unless a
front end has installed a reporter (the command line shows a spinner on a terminal, see
:func:`iei_sim.cli.common.status`). Standard library only: any module may import this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

Reporter = Callable[[str], AbstractContextManager[None]]
DRAWING_FIGURES = "drawing figures…"

_reporter: ContextVar[Reporter | None] = ContextVar("iei_sim_phase_reporter", default=None)


@contextmanager
def phase(message: str) -> Iterator[None]:
    """Mark a phase of work; the installed reporter (if any) shows ``message`` while it runs."""
    reporter = _reporter.get()
    if reporter is None:
        yield
        return
    with reporter(message):
        yield


def report_phases_with(reporter: Reporter | None) -> None:
    """Show phases with ``reporter`` from now on in this context (None: show nothing again)."""
    _reporter.set(reporter)
