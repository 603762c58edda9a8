"""The model's domain vocabulary, defined once: partnership depth and orientation, firm size,
school type, student status and level.

String categories are ``StrEnum`` members, so they compare equal to (and are written to CSV
as) the plain strings users' scripts already read (``"education"``, ``"sme"``); numeric ones
are ``IntEnum`` members, equal to the integers the arrays and tables hold. Names follow
docs/ODD.md §2 (entities) and §7.2–7.3 (the depth ladder; seeds 001 §3.3, 002 §3.2).
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Depth(IntEnum):
    """The depth ladder of a partnership: 1 shallow (visits, donations, talks), 2 medium
    (internships, joint courses), 3 deep (industry college, co-taught courses)."""

    SHALLOW = 1
    MEDIUM = 2
    DEEP = 3

    @property
    def label(self) -> str:
        """The rung's name as outcomes, tables and figures spell it (``"shallow"``, …)."""
        return self.name.lower()


class Orientation(StrEnum):
    """What a project is for: teaching (internships, courses) or joint research."""

    EDUCATION = "education"
    RND = "rnd"

    @property
    def label(self) -> str:
        return {"education": "education-oriented", "rnd": "R&D-oriented"}[self.value]


class FirmSize(StrEnum):
    """Firm size class: small and medium enterprises meet higher relative costs (seed 002)."""

    SME = "sme"
    LARGE = "large"


class SchoolType(StrEnum):
    """Vocational colleges teach one level; applied universities teach undergraduate and some
    graduate students."""

    VOCATIONAL = "vocational"
    UNIVERSITY = "university"


class StudentStatus(IntEnum):
    """Where a student is: still at school, employed after graduating, or not employed."""

    ENROLLED = 0
    EMPLOYED = 1
    UNEMPLOYED = 2

    @property
    def label(self) -> str:
        return self.name.lower()


# The depth rungs' names, lowest first (shallow, medium, deep): schema tuples are read in
# this order.
DEPTH_LABELS: tuple[str, ...] = tuple(depth.label for depth in Depth)
# Study levels, by the code the student arrays hold (0, 1, 2).
LEVELS: tuple[str, ...] = ("vocational", "undergraduate", "graduate")
