"""Learning rules (``iei_sim.mechanisms.learning``): how firms revise their view of cooperation."""

import numpy as np
from tests.helpers import tiny

from iei_sim.model import IEIModel


def test_learning_rule_none_keeps_beliefs_and_reinforcement_moves_them():
    frozen = IEIModel(tiny({"learning.rule": "none"}, steps=4), seed=2)
    before = [f.belief for f in frozen.firm_list]
    for _ in range(4):
        frozen.step()
    assert [f.belief for f in frozen.firm_list] == before

    learning = IEIModel(tiny({"learning.rule": "reinforcement"}, steps=4), seed=2)
    before = np.array([f.belief for f in learning.firm_list])
    for _ in range(4):
        learning.step()
    after = np.array([f.belief for f in learning.firm_list])
    cooperated = np.array([f.partnerships_ever > 0 for f in learning.firm_list])
    assert cooperated.any()
    assert (after[cooperated] != before[cooperated]).any()
    assert (after[~cooperated] == before[~cooperated]).all()  # no imitation: only own experience
