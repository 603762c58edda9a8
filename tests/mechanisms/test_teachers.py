"""Teachers (``iei_sim.mechanisms.teachers``): secondments and training make dual-qualified staff
(more with the per-dual-teacher subsidy), and the practical-share floor binds."""

import numpy as np
from tests.helpers import stepped


def test_secondments_to_partner_firms_raise_the_dual_qualified_share():
    base = {"teachers.training_rate": 0.0, "teachers.attrition": 0.0}
    none = stepped({**base, "teachers.secondments": [0.0, 0.0, 0.0]}, steps=6, seed=3)
    many = stepped({**base, "teachers.secondments": [2.0, 4.0, 6.0]}, steps=6, seed=3)
    assert np.mean([s.dual_qualified_share for s in many.school_list]) > np.mean(
        [s.dual_qualified_share for s in none.school_list]
    )
    assert (many.ledger.flows().resource == "teacher_secondments").any()


def test_the_practical_share_floor_is_enforced_and_feeds_learning():
    model = stepped({"policy.practical_share_floor": 0.6}, steps=2)
    assert all(s.practical_share >= 0.6 for s in model.school_list)
    assert (model.schools.practical_share >= 0.6).all()


def test_dual_teacher_subsidy_raises_training():
    base = {"teachers.secondments": [0.0, 0.0, 0.0]}
    plain = stepped(base, steps=5, seed=4)
    paid = stepped({**base, "policy.subsidies.per_dual_teacher": 1.0}, steps=5, seed=4)
    share = lambda m: np.mean([s.dual_qualified_share for s in m.school_list])  # noqa: E731
    assert share(paid) > share(plain)
