"""Errors a user can act on: the command line prints each as one line, never as a traceback.

Raise a subclass of :class:`UserError` with a message that says what went wrong, where (file,
field, folder) and what to do; ``exit_code`` is the command's exit status (2 for bad input, 1
for a failure of the environment such as a full disk or an unreachable cluster).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from iei_sim.validation import Problem

EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


class UserError(Exception):
    """An error reported to the user as ``error: <message>`` with exit status ``exit_code``."""

    exit_code = EXIT_FAILURE


class BadInputError(UserError):
    """Input that is refused before anything is run or written (exit status 2)."""

    exit_code = EXIT_BAD_INPUT


class InputError(BadInputError):
    """An input refused for one or more reasons, each a :class:`~iei_sim.validation.Problem`
    (file: field: what is wrong; what is allowed): a scenario, experiment, game or sensitivity
    plan, or an option that changes one. ``problems`` lists them (the first
    :data:`~iei_sim.validation.MAX_DETAILED_PROBLEMS` in detail); ``omitted`` counts the rest.

    ``iei_sim.scenario.ScenarioError`` is this class under its older name."""

    def __init__(self, problems: list[Problem], omitted: int = 0) -> None:
        self.problems = problems
        self.omitted = omitted
        more = f"\n… and {omitted} more problem(s)" if omitted else ""
        super().__init__("\n".join(str(p) for p in problems) + more)


class ResourceLimitError(BadInputError):
    """A request that would not fit: too much memory, too many runs (the message gives the
    estimate and the limit)."""


_OS_HINTS = {
    errno.ENOSPC: "free some space and run the same command again (finished runs are kept)",
    errno.EDQUOT: "free some space and run the same command again (finished runs are kept)",
    errno.EROFS: "write somewhere else with --out",
    errno.EACCES: "write somewhere you may write, with --out",
    errno.EPERM: "write somewhere you may write, with --out",
}


def describe_os_error(exc: OSError) -> str:
    """One line for a failed file operation: the path, the system's reason and what to do."""
    where = exc.filename if exc.filename is not None else "a file"
    reason = exc.strerror or str(exc)
    hint = _OS_HINTS.get(exc.errno or -1)
    return f"{where}: {reason}" + (f"; {hint}" if hint else "")
