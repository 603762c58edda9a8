"""Students: a vectorised population (typed NumPy columns), with a Mesa agent view for inspection.

Tens of thousands of students are updated each year without a per-student Python loop: every
operation below works on whole columns. :class:`Student` is a read-only Mesa agent view whose
attributes read the population's columns, so one student can be inspected like any other agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np
from numpy.typing import NDArray

from iei_sim.agents.tables import Table, column
from iei_sim.arrays import order_by_group_then_draw, pack_pairs, rank_within_runs
from iei_sim.random_streams import entity_key, entity_keys
from iei_sim.vocabulary import LEVELS, StudentStatus

if TYPE_CHECKING:
    from iei_sim.model import IEIModel

ENROLLED, EMPLOYED, UNEMPLOYED = StudentStatus  # the codes the status array holds
GRADUATE = 2


@dataclass(eq=False)
class StudentColumns(Table):
    """Every student's state, one row per student for life (index ``i`` is student ``i``)."""

    key: NDArray[np.uint64] = column(np.uint64, 0, "stable id for keyed draws (cohort cell, rank)")
    school: NDArray[np.int32] = column(np.int32, -1, "school (model.school_list index)")
    sector: NDArray[np.int16] = column(np.int16, -1, "programme's sector (model.sectors index)")
    level: NDArray[np.int8] = column(np.int8, 0, "study level (vocabulary.LEVELS index)")
    home_region: NDArray[np.int8] = column(np.int8, -1, "region of the school")
    region: NDArray[np.int8] = column(np.int8, -1, "region where the student lives now")
    year: NDArray[np.int8] = column(np.int8, 0, "years of the programme completed")
    duration: NDArray[np.int8] = column(np.int8, 0, "years of the programme")
    theory: NDArray[np.float64] = column(np.float64, 0.0, "theory skill")
    practical: NDArray[np.float64] = column(np.float64, 0.0, "practical skill")
    internships: NDArray[np.int16] = column(np.int16, 0, "internships taken")
    intern_firm: NDArray[np.int32] = column(np.int32, -1, "last internship's host firm")
    co_taught: NDArray[np.bool_] = column(np.bool_, False, "took a co-taught course")
    status: NDArray[np.int8] = column(np.int8, int(ENROLLED), "vocabulary.StudentStatus code")
    employer: NDArray[np.int32] = column(np.int32, -1, "employing firm after graduation")
    wage: NDArray[np.float64] = column(np.float64, 0.0, "first-year wage (10k CNY)")
    in_sector_job: NDArray[np.bool_] = column(np.bool_, False, "employed in the programme's sector")
    enrol_step: NDArray[np.int16] = column(np.int16, 0, "year of enrolment")
    graduation_step: NDArray[np.int16] = column(np.int16, -1, "year of graduation")


class StudentPopulation(StudentColumns):
    """All students of the model as typed columns, stepped together (not a Mesa agent: a
    student is inspected through a :class:`Student` view)."""

    def __init__(self, model: IEIModel, capacity: int) -> None:
        super().__init__(**StudentColumns.empty_columns(capacity))
        self.model = model
        self.n = 0
        self.graduates = np.empty(0, dtype=np.int64)
        self._views: dict[int, Student] = {}

    # -- storage -------------------------------------------------------------------------------
    @property
    def capacity(self) -> int:
        return len(self.school)

    def _reserve(self, extra: int) -> None:
        needed = self.n + extra
        if needed <= self.capacity:
            return
        new_capacity = max(needed, int(self.capacity * 1.5) + 1)
        self.grow(new_capacity, keep=self.n)

    def enrol(
        self,
        school: np.ndarray,
        sector: np.ndarray,
        level: np.ndarray,
        region: np.ndarray,
        duration: np.ndarray,
        key: np.ndarray,
        year: np.ndarray | None = None,
        theory: np.ndarray | None = None,
        practical: np.ndarray | None = None,
    ) -> np.ndarray:
        """Append new students; return their indices."""
        k = len(school)
        self._reserve(k)
        new = slice(self.n, self.n + k)  # a slice writes several times faster than an index array
        self.key[new] = key
        self.school[new] = school
        self.sector[new] = sector
        self.level[new] = level
        self.home_region[new] = region
        self.region[new] = region
        self.duration[new] = duration
        self.year[new] = 0 if year is None else year
        self.theory[new] = 0.0 if theory is None else theory
        self.practical[new] = 0.0 if practical is None else practical
        self.enrol_step[new] = self.model.steps
        self.n += k
        return np.arange(new.start, new.stop)

    def enrolled(self) -> np.ndarray:
        return np.flatnonzero(self.status[: self.n] == ENROLLED)

    # -- the yearly update -------------------------------------------------------------------
    def step(self) -> None:
        """Admit this year's intake, teach everyone, place interns, graduate the final year."""
        self._admit_intake()
        current = self.enrolled()
        self.learn(current)
        self.take_internships(current)
        self.attend_co_taught_courses(current)
        self.graduates = self.advance_year(current)

    def _admit_intake(self) -> None:
        cohorts = self.cohorts(years=(0,))
        self.enrol(**{k: v for k, v in cohorts.items() if k != "year"})

    def cohorts(self, years: tuple[int, ...] | None = None) -> dict[str, np.ndarray]:
        """Students per school, programme, level and year of study, as arrays for :meth:`enrol`.

        Each school admits ``enrolment / duration`` a year, split over its programmes by its
        intake shares and over its levels by their shares. ``years=None`` gives every year a
        track has except the first (the population at the start, before the first intake).
        """
        model = self.model
        sector_index = model.sector_index
        rows = []
        for s in model.school_list:
            # s.enrolment / s.duration * s.intake_shares in plain floats (the same operations):
            # NumPy's per-call cost dwarfs a few multiplications.
            intake = s.enrolment / s.duration
            for programme, programme_share in zip(
                s.programmes, s.intake_shares.tolist(), strict=True
            ):
                programme_intake = intake * programme_share
                sector = sector_index[programme]
                for level, duration, share in s.tracks:
                    count = round(programme_intake * share)
                    for year in years if years is not None else range(1, duration):
                        rows.append((s.index, sector, level, duration, year, count))
        school, sector, level, duration, year, count = (
            np.array(col, dtype=np.int64) for col in zip(*rows, strict=True)
        )
        school_arr = np.repeat(school, count)
        # A student's key: the cohort cell it joins (enrolment year, school, programme, level,
        # year of study) and its rank there, so draws about it do not move when another
        # school's intake changes.
        enrolled_in = np.full(len(school), entity_key(model.steps), dtype=np.uint64)
        cell_keys = entity_keys(enrolled_in, model.school_keys[school], sector, level, year)
        rank = np.arange(len(school_arr)) - np.repeat(np.cumsum(count) - count, count)
        return {
            "key": entity_keys(np.repeat(cell_keys, count), rank),
            "school": school_arr,
            "sector": np.repeat(sector, count),
            "level": np.repeat(level, count),
            "region": model.schools.region[school_arr],
            "duration": np.repeat(duration, count),
            "year": np.repeat(year, count),
        }

    def learn(self, idx: np.ndarray) -> None:
        """Theory and practice grow with teaching quality and the school's practical share."""
        spec = self.model.config.students
        school = self.school[idx]
        quality = self.model.schools.teaching_quality[school]
        practical_share = self.model.schools.practical_share[school]
        z_theory, z_practice = self.model.streams("students.skill_noise").normal_pair(
            self.model.steps, self.key[idx]
        )
        noise = (1.0 + spec.skill_noise * z_theory, 1.0 + spec.skill_noise * z_practice)
        theory_gain = np.where(self.level[idx] == GRADUATE, spec.graduate_theory_factor, 1.0)
        theory_gain = theory_gain * spec.theory_gain
        self.theory[idx] += theory_gain * quality * 2 * (1 - practical_share) * noise[0]
        self.practical[idx] += spec.practical_gain * quality * 2 * practical_share * noise[1]

    def take_internships(self, idx: np.ndarray) -> None:
        """Fill the intern places partnerships offer this year (see ``model.intern_slots``)."""
        slots = self.model.intern_slots
        if slots.size == 0:
            self.placed_slots = np.empty(0, dtype=np.int64)
            self.placed_students = np.empty(0, dtype=np.int64)
            return
        n_sectors = len(self.model.sectors)
        eligible = idx[self.year[idx] >= 1]
        student_key = self.school[eligible].astype(np.int64) * n_sectors + self.sector[eligible]
        # Within each school-programme, students without an internship go first, then at random.
        has_interned = self.internships[eligible] > 0
        draw = self.model.streams("students.internship_queue")
        order = order_by_group_then_draw(
            student_key * 2 + has_interned, draw.uniform(self.model.steps, self.key[eligible])
        )
        eligible, student_key = eligible[order], student_key[order]
        slot_key = slots["school"].astype(np.int64) * n_sectors + slots["sector"]
        slot_order = np.argsort(slot_key, kind="stable")
        slot_key_sorted = slot_key[slot_order]
        # The k-th student of a school-programme takes its k-th place: match (key, rank) pairs.
        student_rank = rank_within_runs(student_key)
        slot_rank = rank_within_runs(slot_key_sorted)
        base = int(max(student_rank.max(initial=0), slot_rank.max(initial=0))) + 1
        student_code = pack_pairs(student_key, student_rank, base)
        slot_code = pack_pairs(slot_key_sorted, slot_rank, base)
        pos = np.searchsorted(slot_code, student_code)
        pos_clipped = np.minimum(pos, len(slot_code) - 1)
        hit = slot_code[pos_clipped] == student_code
        students = eligible[hit]
        placed = slot_order[pos_clipped[hit]]
        firms = slots["firm"][placed]
        self.practical[students] += self.model.config.students.internship_gain
        self.internships[students] += 1
        self.intern_firm[students] = firms
        self.placed_slots = placed
        self.placed_students = students

    def attend_co_taught_courses(self, idx: np.ndarray) -> None:
        """Students of a programme with a deep partnership take courses co-taught by firm experts."""
        deep = self.model.deep_programmes  # bool [school, sector]
        if not deep.any():
            return
        taking = idx[deep[self.school[idx], self.sector[idx]]]
        gain = self.model.config.students.co_teaching_gain
        self.practical[taking] += gain
        self.theory[taking] += gain / 2
        self.co_taught[taking] = True

    def advance_year(self, idx: np.ndarray) -> np.ndarray:
        """Move everyone up a year; return the indices of those who just finished."""
        self.year[idx] += 1
        done = idx[self.year[idx] >= self.duration[idx]]
        self.graduation_step[done] = self.model.steps
        return done

    # -- derived -------------------------------------------------------------------------------
    def job_skill(self, idx: np.ndarray) -> np.ndarray:
        """What employers see: practice weighs more than theory, both discounted for a
        curriculum that lagged the technology frontier."""
        raw = 0.4 * self.theory[idx] + 0.6 * self.practical[idx]
        return raw * self.currency_discount(idx)

    def currency_discount(self, idx: np.ndarray) -> np.ndarray:
        """What a firm gets of a student's skill when the school's curriculum lagged the
        technology frontier, in (1 - ``currency_weight``, 1]: teaching that fails to
        "incorporate cutting-edge industrial technologies" makes it "difficult for students to
        adapt to enterprise needs" (seed 002 §2.3; seed 003: no "zero distance" at work)."""
        knowledge = self.model.config.knowledge
        if not self.model.knowledge.enabled:
            return np.ones(len(idx))
        currency = self.model.knowledge.currency()[self.school[idx], self.sector[idx]]
        weight = knowledge.currency_weight
        return 1.0 - weight + weight * currency

    def mobility(self, idx: np.ndarray) -> np.ndarray:
        """Ability to move on later, into another occupation or beyond operational roles (0-1):
        the graduate's theory as a share of what a balanced curriculum (half theory) taught at
        full quality gives over the programme. Training that cuts theory for practice leaves
        graduates "lacking systemic understanding of underlying principles" (seed 004 §4.1),
        and so does weak teaching."""
        if not self.model.config.students.alienation:
            return np.ones(len(idx))
        balanced = self.model.config.students.theory_gain * self.duration[idx]
        return np.clip(self.theory[idx] / np.maximum(balanced, 1e-9), 0.0, 1.0)

    def advancement(self, idx: np.ndarray) -> np.ndarray:
        """Share of a retained graduate's value the firm gets, in [1 - ``advancement_weight``,
        1]: graduates without the theory to move on stay in operational roles instead of
        "advancement to R&D or management positions" (seed 004 §4.1)."""
        weight = self.model.config.students.advancement_weight
        return 1.0 - weight + weight * self.mobility(idx)

    def student(self, index: int) -> Student:
        """A Mesa agent view of one student (created on first request, then reused)."""
        if not 0 <= index < self.n:
            raise IndexError(f"no student {index}; there are {self.n}")
        if index not in self._views:
            self._views[index] = Student(self.model, self, index)
        return self._views[index]


class Student(mesa.Agent):
    """One student, as a read-only Mesa agent view of a row of the population's columns.

    Students are stepped together by :meth:`StudentPopulation.step`; a view never steps alone
    and is not registered with the model (inspecting a student adds no agent).
    """

    def __init__(self, model: IEIModel, population: StudentPopulation, index: int) -> None:
        # mesa.Agent.__init__ would register the view in model.agents: set its fields instead.
        self.model = model
        self.unique_id = None
        self.pos = None
        self._population = population
        self.index = index

    def _get(self, field: str):
        return getattr(self._population, field)[self.index]

    @property
    def school(self):
        return self.model.school_list[int(self._get("school"))]

    @property
    def programme(self) -> str:
        return self.model.sectors[int(self._get("sector"))]

    @property
    def level(self) -> str:
        return LEVELS[int(self._get("level"))]

    @property
    def home_region(self) -> str:
        return self.model.region_names[int(self._get("home_region"))]

    @property
    def region(self) -> str:
        return self.model.region_names[int(self._get("region"))]

    @property
    def year(self) -> int:
        return int(self._get("year"))

    @property
    def theory_skill(self) -> float:
        return float(self._get("theory"))

    @property
    def practical_skill(self) -> float:
        return float(self._get("practical"))

    @property
    def internships(self) -> int:
        return int(self._get("internships"))

    @property
    def co_taught(self) -> bool:
        return bool(self._get("co_taught"))

    @property
    def status(self) -> str:
        return StudentStatus(int(self._get("status"))).label

    @property
    def employer(self):
        firm = int(self._get("employer"))
        return None if firm < 0 else self.model.firm_list[firm]

    @property
    def wage(self) -> float:
        return float(self._get("wage"))

    def __repr__(self) -> str:
        return (
            f"Student({self.index}, {self.level} {self.programme} at school {self.school.index}, "
            f"year {self.year}, theory={self.theory_skill:.2f}, "
            f"practice={self.practical_skill:.2f}, "
            f"internships={self.internships}, {self.status})"
        )
