"""Learning rules: how firms and schools revise their view of cooperation from experience.

``reinforcement``: an agent that cooperated this year moves its belief toward the net benefit it
realised per partnership. ``reinforcement_imitation`` adds imitation: with some probability an
agent compares itself with a random peer of its region (and, for firms, sector) and copies the
peer's belief with the Fermi probability 1 / (1 + exp(-s·(π_peer − π_own))). For weak
selection (small s·|Δπ|) the Fermi rule is close to proportional imitation, whose mean-field
limit is the replicator equation; the exact docking uses proportional imitation itself
(``iei_sim.docking``, MODEL.md §7).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from iei_sim.model import IEIModel
    from iei_sim.scenario.schema import LearningSpec


class LearningRule(Protocol):
    def update(self, model: IEIModel) -> None: ...


class NoLearning:
    """Beliefs stay at their initial values (useful to isolate other mechanisms)."""

    def update(self, model: IEIModel) -> None:
        return None


class ReinforcementImitation:
    """Reinforcement on realised net benefit, optionally with imitation of peers."""

    def __init__(self, spec: LearningSpec, imitate: bool) -> None:
        self.rate = spec.rate
        self.imitation_probability = spec.imitation_probability if imitate else 0.0
        self.sensitivity = spec.imitation_sensitivity

    def update(self, model: IEIModel) -> None:
        for agents, groups in (
            (model.firm_list, model.firm_groups),
            (model.school_list, model.school_groups),
        ):
            beliefs = np.array([a.belief for a in agents])
            payoffs = np.array([a.realised_net_benefit for a in agents])
            private = np.array([a.private_net_benefit for a in agents])
            cooperated = np.array([a.cooperated_this_year for a in agents])
            years = np.maximum(np.array([a.partnership_years for a in agents]), 1)
            # Beliefs are about the private benefit; incentives are added when deciding.
            beliefs = np.where(
                cooperated, beliefs + self.rate * (private / years - beliefs), beliefs
            )
            if self.imitation_probability > 0:
                beliefs = self._imitate(model.rng, beliefs, payoffs, groups)
            for agent, belief in zip(agents, beliefs.tolist(), strict=True):
                agent.belief = belief

    def _imitate(
        self, rng: np.random.Generator, beliefs: np.ndarray, payoffs: np.ndarray, groups: np.ndarray
    ) -> np.ndarray:
        n = len(beliefs)
        revising = rng.random(n) < self.imitation_probability
        peer = _random_peer_in_group(rng, groups)
        gap = np.clip(self.sensitivity * (payoffs[peer] - payoffs), -50, 50)
        copy = revising & (rng.random(n) < 1.0 / (1.0 + np.exp(-gap)))
        return np.where(copy, beliefs[peer], beliefs)


def _random_peer_in_group(rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
    """For each element, the index of a uniformly drawn member of its group (possibly itself)."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.searchsorted(sorted_groups, groups, side="left")
    ends = np.searchsorted(sorted_groups, groups, side="right")
    picks = starts + (rng.random(len(groups)) * (ends - starts)).astype(np.int64)
    return order[picks]


def make_learning_rule(spec: LearningSpec) -> LearningRule:
    if spec.rule == "none":
        return NoLearning()
    return ReinforcementImitation(spec, imitate=spec.rule == "reinforcement_imitation")
