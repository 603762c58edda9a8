"""Teachers: dual-qualified staff, secondments to firms and firm experts (001 §3.5, 002 §2.3).

Each school's share of dual-qualified ("double-qualified") teachers moves every year: teachers
seconded to partner firms become dual-qualified with some probability, the school trains some
on its own (more with the per-dual-teacher subsidy), and some are lost to attrition. Firm
experts teaching at deep partners count toward the teaching team while they teach. Teaching
quality follows the effective dual-qualified share; the practical-course share obeys the policy
floor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iei_sim.mechanisms.base import Mechanism

if TYPE_CHECKING:
    from iei_sim.model import IEIModel


class Teachers(Mechanism):
    """The schools' teaching staff, updated once a year (switched off: shares stay as drawn)."""

    name = "teachers"
    section = "teachers"
    odd = "§7.8"

    def step(self) -> None:
        update_teachers(self.model)


def update_teachers(model: IEIModel) -> None:
    """Secondments and experts through partnerships, then each school's dual-qualified share,
    expert share and practical share (the policy floor)."""
    spec = model.config.teachers
    ledger = model.ledger
    seconded = {s.index: 0.0 for s in model.school_list}
    experts = {s.index: 0.0 for s in model.school_list}
    with ledger.batch() as batch:
        for partnership in model.active_partnerships:
            if partnership.formalistic:
                continue
            d = partnership.depth - 1
            school, firm = partnership.school, partnership.firm
            if spec.secondments[d]:
                batch.add(
                    school.account,
                    firm.account,
                    "teacher_secondments",
                    spec.secondments[d],
                    "teacher_secondment",
                )
                seconded[school.index] += spec.secondments[d]
            if spec.expert_teachers[d]:
                batch.add(
                    firm.account,
                    school.account,
                    "expert_teachers",
                    spec.expert_teachers[d],
                    "expert_teaching",
                )
                experts[school.index] += spec.expert_teachers[d]
    for school in model.school_list:
        policy = model.config.policy_for(school.region)
        staff = max(1.0, school.enrolment / spec.students_per_teacher)
        dual = school.dual_qualified_share * staff
        training = spec.training_rate + spec.subsidy_response * policy.subsidies.per_dual_teacher
        converted = min(seconded[school.index] * spec.secondment_conversion, staff - dual)
        trained = training * (staff - dual - converted)
        # Teachers newly dual-qualified this year: the per-dual-teacher subsidy pays for them
        # (Incentives.step, later in the same year), not for the whole stock.
        school.newly_qualified = converted + trained
        dual += converted
        dual += trained - spec.attrition * dual
        school.dual_qualified_share = min(1.0, max(0.0, dual / staff))
        school.expert_share = min(1.0 - school.dual_qualified_share, experts[school.index] / staff)
        school.practical_share = max(school.practical_share, policy.practical_share_floor)
