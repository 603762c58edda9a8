"""Typed column tables: a population's state as NumPy arrays, one per declared field.

Firms, schools and students each keep their per-agent state in one table (like mesa-frames'
agent sets and Starsim's declared state arrays), so a mechanism can read or update a whole
population at once. The Mesa agents (:class:`~iei_sim.agents.firm.Firm`, …) are views: each
tabular attribute of an agent is a :class:`Column` that reads and writes its row, so no fact is
held twice. Reads return Python scalars (``ndarray.item``), so per-agent code computes exactly
what it computed when agents held plain attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np


def column(dtype: type | np.dtype, default: int | float | bool, doc: str) -> Any:
    """Declare a table field: its dtype, the value a new row starts with, and what it is."""
    return field(metadata={"dtype": np.dtype(dtype), "default": default, "doc": doc})


@dataclass(eq=False)
class Table:
    """Columns of equal length; subclasses declare them with :func:`column`."""

    @classmethod
    def empty(cls, n: int):
        """A table of ``n`` rows, each column filled with its default."""
        return cls(**cls.empty_columns(n))

    @classmethod
    def empty_columns(cls, n: int) -> dict[str, np.ndarray]:
        """The declared columns of ``n`` rows, filled with their defaults, by name."""
        return {
            f.name: np.full(n, f.metadata["default"], dtype=f.metadata["dtype"])
            for f in cls.declared()
        }

    @classmethod
    def declared(cls) -> tuple[Any, ...]:
        """The declared columns (dataclass fields carrying a dtype), in declaration order."""
        return tuple(f for f in fields(cls) if "dtype" in f.metadata)

    def grow(self, capacity: int, keep: int) -> None:
        """Give every column ``capacity`` rows, keeping the first ``keep`` values."""
        for f in self.declared():
            old = getattr(self, f.name)
            grown = np.full(capacity, f.metadata["default"], dtype=f.metadata["dtype"])
            grown[:keep] = old[:keep]
            setattr(self, f.name, grown)


class Column[T]:
    """An agent attribute stored in its population's table: ``agent.x`` is
    ``agent.table.x[agent.index]`` (read as a Python scalar).

    A declaration: :class:`TableView` turns each into a plain ``property`` doing the same read
    and write, which CPython's specialising interpreter serves faster than any other descriptor
    (per-agent code reads columns tens of thousands of times a simulated year)."""

    __slots__ = ("name",)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    if TYPE_CHECKING:  # what the property reads and writes, for type checkers

        def __get__(self, agent: Any, owner: type | None = None) -> T: ...

        def __set__(self, agent: Any, value: T) -> None: ...

    def as_property(self) -> property:
        """The attribute: reads ``table.<name>[index]`` as a Python scalar, writes it back."""
        name = self.name

        def read(agent: Any) -> T:
            return getattr(agent.table, name).item(agent.index)

        def write(agent: Any, value: T) -> None:
            getattr(agent.table, name)[agent.index] = value

        return property(read, write, doc=f"this agent's row of ``table.{name}``")


class TableView:
    """Mixin for an agent backed by one row (``index``) of a ``table``; ``table_type`` names
    the table class, and every :class:`Column` the view declares must be one of its fields."""

    table_type: ClassVar[type[Table]]
    table: Table
    index: int

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        known = {f.name for f in cls.table_type.declared()}
        declared = {name: value for name, value in vars(cls).items() if isinstance(value, Column)}
        unknown = [name for name in declared if name not in known]
        if unknown:
            raise TypeError(
                f"{cls.__name__} declares columns {unknown} that "
                f"{cls.table_type.__name__} does not have"
            )
        for name, declaration in declared.items():
            setattr(cls, name, declaration.as_property())
