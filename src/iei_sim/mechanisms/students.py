"""The students' year (ODD §7.10): intake, learning, internships, co-taught courses, graduation.

The population itself (``iei_sim.agents.students``) holds the arrays and does the vectorised
work; this mechanism runs its year and then credits each partnership with the interns the
population actually placed in its places (what the firm's year is judged on).
"""

from __future__ import annotations

import numpy as np

from iei_sim.mechanisms.base import Mechanism


class Students(Mechanism):
    """Students' year (switched off: nobody enrols, learns, interns or graduates)."""

    name = "students"
    section = "students"
    odd = "§7.10"

    def step(self) -> None:
        self.model.students.step()
        record_internships(self.model)


def record_internships(model) -> None:
    """Credit each partnership with the interns the student population actually placed."""
    students = model.students
    if len(students.placed_slots) == 0:
        return
    partnership_ids = model.intern_slots["partnership"][students.placed_slots]
    placed = students.placed_students
    # An intern's work is worth their practical skill, as far as what they were taught is
    # still current: curriculum currency reaches the host firm's realised benefit here.
    skills = students.practical[placed] * students.currency_discount(placed)
    ids, inverse = np.unique(partnership_ids, return_inverse=True)
    counts = np.bincount(inverse)
    skill_sums = np.bincount(inverse, weights=skills)
    intern_value = model.config.firms.intern_value
    for pid, count, skill_sum in zip(ids, counts, skill_sums, strict=True):
        partnership = model.partnerships[int(pid)]
        partnership.interns_this_year = int(count)
        partnership.firm_value += intern_value * min(skill_sum, float(count))
        partnership.add_total("interns", int(count))
    update_intern_quality(model, students.school[placed], np.minimum(skills, 1.0))
    firm_accounts = np.array([model.partnerships[int(pid)].firm.account for pid in ids])
    school_accounts = np.array([model.partnerships[int(pid)].school.account for pid in ids])
    model.ledger.transfer_many(
        school_accounts, firm_accounts, "interns", counts.astype(float), "internship"
    )


def update_intern_quality(model, schools: np.ndarray, worth: np.ndarray) -> None:
    """Host firms learn how good a school's interns are: each school's ``intern_quality``
    moves toward the mean worth (practical skill × currency, capped at a fully skilled worker's)
    of the interns it placed this year, at the learning rate firms use for net benefits. Firms
    cooperate for talent and judge a partnership by what the students bring (seed 002 §2.3;
    seed 003: "zero distance" between school and job); this is how a school's teaching (its
    teachers, practical share and curriculum currency) reaches firms' choice of rung
    (:func:`iei_sim.mechanisms.partnerships.rung_value`). Without learning it stays at the prior.
    """
    if not model.learning.enabled or len(schools) == 0:
        return
    ids, inverse = np.unique(schools, return_inverse=True)
    observed = np.bincount(inverse, weights=worth) / np.bincount(inverse)
    table = model.schools
    rate = model.config.learning.rate
    table.intern_quality[ids] += rate * (observed - table.intern_quality[ids])
