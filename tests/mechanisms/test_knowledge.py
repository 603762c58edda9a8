"""Technology frontier, curriculum currency and knowledge transfer
(``iei_sim.mechanisms.knowledge``)."""

import numpy as np
import pytest
from tests.helpers import FAST_DEPTH, stepped, tiny

from iei_sim.model import IEIModel
from iei_sim.run import run_scenario


def test_switching_knowledge_off_freezes_the_frontier_and_transfers_nothing():
    model = stepped({"knowledge.enabled": False})
    assert (model.knowledge.frontier == 1.0).all()
    flows = model.ledger.flows()
    assert not (flows.resource == "knowledge").any()
    assert not (flows.purpose == "teaching_adaptation").any()


def test_without_partners_curricula_fall_behind_a_moving_frontier():
    lonely = stepped(
        {
            "partnerships.firm_overhead": [500.0, 500.0, 500.0],
            "knowledge.shock_rate": 0.0,
            "learning.prior_noise": 0.0,
        },
        steps=8,
    )
    assert lonely.knowledge.frontier.min() == pytest.approx(1.05**8)
    series = run_scenario(
        tiny(
            {
                "partnerships.firm_overhead": [500.0, 500.0, 500.0],
                "knowledge.shock_rate": 0.0,
                "learning.prior_noise": 0.0,
            },
            steps=8,
        ),
        seed=1,
    ).timeseries["curriculum_currency"]
    assert series.iloc[-1] < series.iloc[0]


def test_partnerships_transfer_knowledge_more_when_firms_are_open():
    def transferred(openness):
        result = run_scenario(
            tiny(
                {**FAST_DEPTH, "knowledge.openness_mean": openness, "knowledge.secrecy": 0.0},
                steps=6,
            ),
            seed=2,
        )
        return result.ledger.loc[result.ledger.resource == "knowledge", "amount"].sum()

    assert transferred(0.9) > transferred(0.1) > 0


def test_secrecy_makes_high_tech_firms_share_less():
    model = IEIModel(tiny(steps=1), seed=0)
    firm = model.firm_list[0]
    firm.openness_trait = 0.8
    firm.tech_level = 0.2
    open_low_tech = model.knowledge.openness(firm)
    firm.tech_level = 0.9
    assert model.knowledge.openness(firm) < open_low_tech


def test_curriculum_currency_raises_the_value_of_graduates_skills():
    model = IEIModel(tiny(steps=1), seed=0)
    idx = np.arange(50)
    model.knowledge.curriculum[:] = model.knowledge.frontier  # fully current
    current = model.students.job_skill(idx)
    model.knowledge.curriculum[:] = 0.2 * model.knowledge.frontier
    assert (model.students.job_skill(idx) < current).all()


def test_firms_value_interns_and_retained_graduates_by_how_current_their_curriculum_was():
    """The feedback path from knowledge to cooperation (seed 002 §2.3): the same placements are
    worth less to the host firm, and a retained graduate saves less recruitment, when the
    school's curriculum lags the frontier; with knowledge off there is no discount."""
    from iei_sim.mechanisms.students import record_internships

    model = stepped({}, steps=4)
    students = model.students
    placed = students.placed_students
    assert len(placed) > 0
    weight = model.config.knowledge.currency_weight

    def intern_value(share_of_frontier: float) -> float:
        model.knowledge.curriculum[:] = share_of_frontier * model.knowledge.frontier
        for p in model.partnerships:
            p.firm_value = 0.0
        record_internships(model)
        return sum(p.firm_value for p in model.partnerships)

    current, lagging = intern_value(1.0), intern_value(0.5)
    assert lagging == pytest.approx(current * (1 - weight + weight * 0.5))
    discount = students.currency_discount(placed)
    assert discount == pytest.approx(np.full(len(placed), 1 - weight / 2))
    model.knowledge.enabled = False
    assert (students.currency_discount(placed) == 1.0).all()


def test_a_rung_costs_a_guarded_high_tech_firm_the_technology_it_exposes():
    """Secrecy's feedback into the choice of rung (seed 004 §4.1): the exposure cost grows with
    depth, tech level and secrecy, is zero without secrecy or with knowledge off, and is what
    separates the firm's value of a rung with and without it."""
    from iei_sim.mechanisms.partnerships import rung_value

    model = stepped({}, steps=3)
    knowledge, spec = model.knowledge, model.config.knowledge
    firm = model.firm_list[0]
    firm.tech_level = 0.8
    costs = [knowledge.exposure_cost(firm, depth) for depth in (1, 2, 3)]
    assert costs[0] < costs[1] < costs[2]
    assert costs[2] == pytest.approx(
        spec.secrecy * 0.8 * spec.transfer_rate[2] * spec.technology_value
    )
    firm.tech_level = 0.2
    assert knowledge.exposure_cost(firm, 3) < costs[2]
    partnership = next(p for p in model.active_partnerships)
    guarded = rung_value(model, partnership, 3)
    exposure = knowledge.exposure_cost(partnership.firm, 3)
    knowledge.spec = spec.model_copy(update={"secrecy": 0.0})
    assert knowledge.exposure_cost(partnership.firm, 3) == 0.0
    assert rung_value(model, partnership, 3) == pytest.approx(guarded + exposure)
    knowledge.spec = spec
    knowledge.enabled = False
    assert knowledge.exposure_cost(partnership.firm, 3) == 0.0


def test_without_secrecy_firms_cooperate_more_deeply():
    """Across seeds (paired, 8 years, tiny size), knocking secrecy out raises mean depth: the
    knock-out of its feedback path, which must be able to fail (seed 004 §4.1)."""
    gains = []
    for seed in range(4):
        guarded = run_scenario(tiny(steps=8), seed=seed).summary["mean_partnership_depth"]
        open_ = run_scenario(tiny({"knowledge.secrecy": 0.0}, steps=8), seed=seed)
        gains.append(open_.summary["mean_partnership_depth"] - guarded)
    assert np.mean(gains) > 0 and sum(g > 0 for g in gains) >= 3, gains
