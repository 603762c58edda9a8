"""The decision rules' switchable alternatives (issue 18, docs/validation.md §5): best response
instead of the logit, strategy imitation alone instead of belief learning, deepening on net
benefit instead of the trust ladder. Each must do what it says, and the defaults must be the
rules the model had."""

import numpy as np
import pytest
from tests.helpers import tiny

from iei_sim.arrays import choice_chance, logistic
from iei_sim.mechanisms.partnerships import depth_for_trust, rung_step, rung_value
from iei_sim.model import IEIModel
from iei_sim.outcomes import compute_outcomes
from iei_sim.scenario.schema import Scenario


def test_defaults_are_the_logit_belief_learning_and_the_trust_ladder() -> None:
    scenario = Scenario()
    assert scenario.learning.choice == "logit"
    assert scenario.learning.rule == "reinforcement_imitation"
    assert scenario.partnerships.deepening == "trust_ladder"


@pytest.mark.parametrize("gap", [-3.0, -0.2, 0.0, 0.2, 3.0])
def test_best_response_is_the_logits_zero_temperature_limit(gap: float) -> None:
    assert choice_chance(gap, 1.0) == logistic(gap)
    best = choice_chance(gap, 1.0, best_response=True)
    assert best == (1.0 if gap > 0 else 0.0)
    if gap != 0.0:
        assert abs(choice_chance(gap, 1e-3) - best) < 1e-9


def test_best_response_makes_every_willingness_zero_or_one() -> None:
    model = IEIModel(tiny({"learning.choice": "best_response"}, steps=3), seed=4)
    for _ in range(3):
        model.step()
    firms = {f.willingness for f in model.firm_list}
    schools = {s.willingness for s in model.school_list}
    assert firms <= {0.0, 1.0} and schools <= {0.0, 1.0}
    expected = np.mean([s.belief > 0 for s in model.school_list])
    assert compute_outcomes(model, ["school_willingness"])["school_willingness"] == expected
    logit = IEIModel(tiny(steps=3), seed=4)
    logit.step()
    assert len({f.willingness for f in logit.firm_list}) > 2  # the logit is graded


def test_imitation_alone_changes_beliefs_only_by_copying_a_peer() -> None:
    model = IEIModel(
        tiny({"learning.rule": "imitation", "learning.imitation_probability": 0.5}, steps=5),
        seed=3,
    )
    initial = {f.belief for f in model.firm_list}
    before = np.array([f.belief for f in model.firm_list])
    for _ in range(5):
        model.step()
    after = np.array([f.belief for f in model.firm_list])
    assert (after != before).any()  # some copied
    assert set(after.tolist()) <= initial  # every belief is one somebody started with
    reinforcement = IEIModel(tiny({"learning.rule": "reinforcement"}, steps=5), seed=3)
    for _ in range(5):
        reinforcement.step()
    assert not {f.belief for f in reinforcement.firm_list} <= initial


def test_net_benefit_deepening_follows_the_firms_rung_values_not_trust() -> None:
    ladder = IEIModel(tiny(steps=8), seed=5)
    net = IEIModel(tiny({"partnerships.deepening": "net_benefit"}, steps=8), seed=5)
    threshold = ladder.config.partnerships.deepen_threshold
    beyond_trust = 0
    for _ in range(8):
        ladder.step()
        net.step()
        # The ladder never puts a partnership above the rung its trust supports ...
        assert all(
            p.depth <= depth_for_trust(p.trust, threshold) for p in ladder.active_partnerships
        )
        beyond_trust += sum(
            p.depth > depth_for_trust(p.trust, threshold) for p in net.active_partnerships
        )
    # ... deepening on net benefit does, where the firm values the deeper rung more.
    assert beyond_trust > 0
    assert {p.depth for p in net.partnerships} > {1}


def test_rung_step_moves_toward_the_more_valuable_neighbour() -> None:
    model = IEIModel(tiny({"partnerships.deepening": "net_benefit"}, steps=4), seed=5)
    for _ in range(4):
        model.step()
    checked = 0
    for p in model.active_partnerships:
        here = rung_value(model, p, p.depth)
        up = p.depth < 3 and rung_value(model, p, p.depth + 1) > here
        down = p.depth > 1 and rung_value(model, p, p.depth - 1) > here
        assert rung_step(model, p) == (1 if up else -1 if down else 0)
        checked += 1
    assert checked
