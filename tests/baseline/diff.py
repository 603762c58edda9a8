"""Key-by-key comparison of a committed baseline with freshly computed values, as a table.

Kept free of the model (no ``iei_sim`` import), so that the comparison itself is tested on
synthetic dicts and the table reads the same in the test and in ``make rebaseline``.

Runs are deterministic for a scenario and seed, so the tolerance is not there to hide changes:
it absorbs only the floating-point differences between platforms and BLAS builds. Two values
are equal when ``|new - committed| <= max(REL_TOL * max(|new|, |committed|), ABS_TOL)``
(:func:`math.isclose`). The absolute floor exists because the summary outcomes are rounded to
10 decimal places (``iei_sim.outcomes.summarise``): a last-bit difference that tips the
rounding moves a value by 1e-10, which for an outcome of 0.008 is a relative change of 1e-8.
NaN equals NaN here (an outcome that is undefined in both is unchanged); infinities equal
infinities of the same sign.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

REL_TOL = 1e-9
ABS_TOL = 1e-9

REBASELINE_HINT = "a deliberate change of results? run `make rebaseline` and give the reason in the commit message"


@dataclass(frozen=True)
class Change:
    """One key whose value differs beyond the tolerance."""

    key: str
    committed: Any
    new: Any
    relative: float  # (new - committed) / |committed|: ±inf from 0 or to ±inf, NaN if undefined


@dataclass
class Diff:
    """What differs between a committed baseline and new values."""

    compared: int = 0  # keys present in both
    changed: list[Change] = field(default_factory=list)  # sorted: see _rank
    missing: dict[str, Any] = field(default_factory=dict)  # committed, not computed any more
    extra: dict[str, Any] = field(default_factory=dict)  # computed, not in the baseline

    def __bool__(self) -> bool:
        return bool(self.changed or self.missing or self.extra)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def same(committed: Any, new: Any, rel_tol: float = REL_TOL, abs_tol: float = ABS_TOL) -> bool:
    """Whether two baseline values are equal for this purpose (NaN equals NaN)."""
    if _is_number(committed) and _is_number(new):
        a, b = float(committed), float(new)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol)
    return type(committed) is type(new) and committed == new


def relative_change(committed: Any, new: Any) -> float:
    """``(new - committed) / |committed|``; ±inf from zero or to an infinity, NaN when one
    side is NaN or not a number (no meaningful ratio)."""
    if not (_is_number(committed) and _is_number(new)):
        return math.nan
    a, b = float(committed), float(new)
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == b:
        return 0.0
    if math.isinf(a) or math.isinf(b) or a == 0.0:
        return math.copysign(math.inf, b - a)
    return (b - a) / abs(a)


def _rank(change: Change) -> tuple[bool, float, str]:
    """Sort key: undefined relative changes (to or from NaN, non-numbers) first, then the
    largest relative change (infinite ones first), then by key."""
    undefined = math.isnan(change.relative)
    return (not undefined, 0.0 if undefined else -abs(change.relative), change.key)


def diff(
    committed: Mapping[str, Any],
    new: Mapping[str, Any],
    rel_tol: float = REL_TOL,
    abs_tol: float = ABS_TOL,
) -> Diff:
    """Compare two flat ``{key: value}`` dicts key by key."""
    result = Diff()
    for key in sorted(committed.keys() | new.keys()):
        if key not in new:
            result.missing[key] = committed[key]
        elif key not in committed:
            result.extra[key] = new[key]
        else:
            result.compared += 1
            if not same(committed[key], new[key], rel_tol, abs_tol):
                change = Change(
                    key, committed[key], new[key], relative_change(committed[key], new[key])
                )
                result.changed.append(change)
    result.changed.sort(key=_rank)
    return result


def _value(value: Any) -> str:
    return repr(value) if not isinstance(value, str) else f'"{value}"'


def _signed(number: float, spec: str) -> str:
    if math.isnan(number):
        return "n/a"
    if math.isinf(number):
        return "+inf" if number > 0 else "-inf"
    return format(number, spec)


def _absolute(change: Change) -> float:
    if _is_number(change.committed) and _is_number(change.new):
        return float(change.new) - float(change.committed)
    return math.nan


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def format_diff(name: str, result: Diff, rel_tol: float = REL_TOL, abs_tol: float = ABS_TOL) -> str:
    """The differences as a readable table: every changed key (largest relative change first)
    with its committed and new values, then the missing and the extra keys. Nothing is cut,
    however many keys changed."""
    if not result:
        return f"{name}: all {result.compared} values as committed"
    counts = [f"{len(result.changed)} of {result.compared} values changed"]
    if result.missing:
        counts.append(f"{len(result.missing)} missing")
    if result.extra:
        counts.append(f"{len(result.extra)} extra")
    lines = [f"{name}: {', '.join(counts)} (tolerance: relative {rel_tol:g}, absolute {abs_tol:g})"]
    if result.changed:
        rows = [
            (
                c.key,
                _value(c.committed),
                _value(c.new),
                _signed(_absolute(c), "+.6g"),
                _signed(c.relative, "+.3e"),
            )
            for c in result.changed
        ]
        lines += _table(("key", "committed", "new", "change", "rel. change"), rows)
    if result.missing:
        lines.append("missing (in the committed baseline, no longer computed):")
        lines += _table(("key", "committed"), [(k, _value(v)) for k, v in result.missing.items()])
    if result.extra:
        lines.append("extra (computed now, not in the committed baseline):")
        lines += _table(("key", "new"), [(k, _value(v)) for k, v in result.extra.items()])
    return "\n".join(lines)
