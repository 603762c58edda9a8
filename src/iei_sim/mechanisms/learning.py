"""Learning rules: how firms and schools revise their view of cooperation from experience.

``reinforcement``: an agent that cooperated this year moves its belief toward the net benefit it
realised per partnership. ``reinforcement_imitation`` adds imitation: with some probability an
agent compares itself with a random peer of its region (and, for firms, sector) and copies the
peer's belief with the Fermi probability 1 / (1 + exp(-s·(π_peer − π_own))). For weak
selection (small s·|Δπ|) the Fermi rule is close to proportional imitation, whose mean-field
limit is the replicator equation; the exact docking uses proportional imitation itself
(``iei_sim.docking``, docs/docking.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from iei_sim.mechanisms.base import Mechanism

if TYPE_CHECKING:
    from iei_sim.model import IEIModel
    from iei_sim.random_streams import Stream


class Learning(Mechanism):
    """Reinforcement on realised private net benefit, optionally with imitation of peers.

    ``learning.rule``: ``reinforcement`` (belief learning), ``imitation`` (strategy imitation
    alone: beliefs change only by copying a better-off peer's), ``reinforcement_imitation`` or
    ``none`` (the same as switching the mechanism off: beliefs stay at their initial values)."""

    name = "learning"
    section = "learning"
    odd = "§7.12"

    def switched_on(self) -> bool:
        return self.model.config.learning.rule != "none"

    def __init__(self, model: IEIModel) -> None:
        super().__init__(model)
        spec = model.config.learning
        self.rate = spec.rate if spec.rule != "imitation" else 0.0
        imitate = spec.rule in ("reinforcement_imitation", "imitation")
        self.imitation_probability = spec.imitation_probability if imitate else 0.0
        self.sensitivity = spec.imitation_sensitivity

    def step(self) -> None:
        model = self.model
        for who, table, groups, keys in (
            ("firms", model.firms, model.firm_groups, model.firm_keys),
            ("schools", model.schools, model.school_groups, model.school_keys),
        ):
            # Beliefs are about the private benefit; incentives are added when deciding.
            private = table.private_net_benefit
            beliefs = table.belief
            cooperated = table.partnership_years > 0
            years = np.maximum(table.partnership_years, 1)
            beliefs = np.where(
                cooperated, beliefs + self.rate * (private / years - beliefs), beliefs
            )
            if self.imitation_probability > 0:
                beliefs = self._imitate(who, keys, beliefs, table.realised_net_benefit, groups)
            table.belief[:] = beliefs

    def _imitate(
        self,
        who: str,
        keys: np.ndarray,
        beliefs: np.ndarray,
        payoffs: np.ndarray,
        groups: np.ndarray,
    ) -> np.ndarray:
        year = self.model.steps
        revising = self.stream(f"{who}.revise").uniform(year, keys) < self.imitation_probability
        peer = _random_peer_in_group(self.stream(f"{who}.peer"), year, keys, groups)
        gap = np.clip(self.sensitivity * (payoffs[peer] - payoffs), -50, 50)
        copy = revising & (
            self.stream(f"{who}.copy").uniform(year, keys) < 1.0 / (1.0 + np.exp(-gap))
        )
        return np.where(copy, beliefs[peer], beliefs)


def _random_peer_in_group(
    stream: Stream, year: int, keys: np.ndarray, groups: np.ndarray
) -> np.ndarray:
    """For each element, the index of a uniformly drawn member of its group (possibly itself)."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.searchsorted(sorted_groups, groups, side="left")
    ends = np.searchsorted(sorted_groups, groups, side="right")
    picks = starts + (stream.uniform(year, keys) * (ends - starts)).astype(np.int64)
    return order[picks]
