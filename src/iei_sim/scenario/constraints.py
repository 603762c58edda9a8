"""Reading a field's numeric bounds from its pydantic metadata, and saying them in words.

Shared by the error messages (``loading``) and the generated field reference
(``tools/scenario_reference.py``), so both describe a field's allowed values the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic.fields import FieldInfo


@dataclass(frozen=True)
class Bounds:
    lo: float | None = None
    lo_open: bool = False
    hi: float | None = None
    hi_open: bool = False
    min_length: int = 0


def flatten(metadata: Any) -> list[Any]:
    """Constraint objects, also those nested in FieldInfo objects inside ``Annotated``."""
    out: list[Any] = []
    for item in metadata:
        out.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return out


def bounds_of(metadata: Any) -> Bounds:
    found: dict[str, Any] = {}
    for m in flatten(metadata):
        if isinstance(m, annotated_types.Ge):
            found.update(lo=m.ge, lo_open=False)
        elif isinstance(m, annotated_types.Gt):
            found.update(lo=m.gt, lo_open=True)
        elif isinstance(m, annotated_types.Le):
            found.update(hi=m.le, hi_open=False)
        elif isinstance(m, annotated_types.Lt):
            found.update(hi=m.lt, hi_open=True)
        elif isinstance(m, annotated_types.MinLen):
            found.update(min_length=m.min_length)
    return Bounds(**found)


def number_text(value: float) -> str:
    """A bound as a reader writes it: ``200``, ``4294967295``, ``0.5``, ``1e-06``."""
    if float(value).is_integer() and abs(value) < 1e16:
        return str(int(value))
    return f"{value:g}"


def bounds_text(bounds: Bounds, ascii_only: bool = False) -> str:
    """' in [0, 1]', ' >= 1', ' ≤ 5' … (empty when unbounded)."""
    ge, le = (">=", "<=") if ascii_only else ("≥", "≤")
    lo, hi = bounds.lo, bounds.hi
    if lo is None and hi is None:
        return ""
    if hi is None:
        return f" {'>' if bounds.lo_open else ge} {number_text(lo)}"
    if lo is None:
        return f" {'<' if bounds.hi_open else le} {number_text(hi)}"
    left, right = "(" if bounds.lo_open else "[", ")" if bounds.hi_open else "]"
    return f" in {left}{number_text(lo)}, {number_text(hi)}{right}"


def field_bounds(model: Any, name: str) -> Bounds:
    """The bounds of field ``name`` of a pydantic ``model`` (for command-line options that set
    the same quantity, so the two cannot drift)."""
    return bounds_of(model.model_fields[name].metadata)
