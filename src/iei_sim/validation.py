"""Checks shared by scenario, experiment and game files, and by command-line options.

The message style is the scenario loader's: file, dotted field, what is wrong, what is allowed,
and a "did you mean" for a near miss. Bounds here keep every input to work that fits the
machine: file sizes, names that are safe as folder names, counts.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from typing import Any

# A scenario, experiment or game file is a few kilobytes; an explicit design of thousands of
# points is a few hundred. Anything much larger is a mistake (or an attack) and is refused
# before it is parsed.
MAX_FILE_BYTES = 1_000_000
# Values a YAML file may stand for once its aliases are expanded (``&a`` / ``*a``): a few
# hundred bytes of nested aliases can stand for billions, and every later step (merging,
# validation) walks the expanded tree.
MAX_YAML_VALUES = 250_000
# Longest name (scenario, experiment, game): it becomes a folder name.
MAX_NAME_LENGTH = 100
# Longest free text (descriptions).
MAX_TEXT_LENGTH = 10_000
# Problems translated into full messages (with did-you-mean and origins) for one refused
# input; the rest are counted. Keeps thousands of unknown keys linear and the output short.
MAX_DETAILED_PROBLEMS = 50


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.5) -> str | None:
    """The closest of ``choices`` to ``word``, if any is close enough: fewest typing edits
    (a swap of two letters counts as one, so ``esat`` is ``east``, not ``west``), then
    difflib's similarity; None when nothing is within about a third of the word."""
    word = str(word)
    options = [str(c) for c in choices]
    if not options:
        return None
    best = min(options, key=lambda c: (_edits(word, c), -_ratio(word, c)))
    close = _edits(word, best) <= max(1, len(word) // 3)
    return best if close or _ratio(word, best) >= cutoff else None


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _edits(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    adjacent letters."""
    if abs(len(a) - len(b)) > 10:
        return abs(len(a) - len(b))
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def check_name(value: str) -> str:
    """A name that is safe as one folder name: printable, no path separator, no ``..``, not
    hidden, at most :data:`MAX_NAME_LENGTH` characters. Raises ``ValueError`` otherwise."""
    if not value.strip():
        raise ValueError("must not be empty")
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(f"is {len(value)} characters long; at most {MAX_NAME_LENGTH}")
    bad = sorted({repr(c) for c in value if not c.isprintable()})
    if bad:
        raise ValueError(f"contains characters that cannot be printed ({', '.join(bad)})")
    if "/" in value or "\\" in value:
        raise ValueError("must not contain / or \\ (it names a folder, not a path)")
    if ".." in value:
        raise ValueError("must not contain '..'")
    if value.startswith(".") or value != value.strip():
        raise ValueError("must not start with '.' or with or end in spaces")
    return value


NAME_RULE = (
    f"printable text of at most {MAX_NAME_LENGTH} characters, without / \\ or '..', "
    "not starting with '.'"
)


def is_finite_number(value: Any) -> bool:
    """A real number (not a boolean) that is neither NaN nor infinite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


# Counts given on the command line are bounded like counts in files.
MAX_WORKERS = 512
MAX_AGENTS = 1_000_000  # agents per population of a docking game
MAX_DOCK_REPLICATES = 1_000


def finite_option(value: float | None) -> float | None:
    """A command-line number must be finite (``nan`` passes a plain range check)."""
    if value is not None and not math.isfinite(value):
        import typer

        raise typer.BadParameter(f"must be a finite number, got {value}")
    return value
