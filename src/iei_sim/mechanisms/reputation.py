"""Reputation and school capacity (ODD §7.13; seed 000 §3.2).

Each active partnership adds to a school's reputation, which decays toward 1; a school's
standing (its reputation relative to the mean) sets its research capacity, which firms rank
schools by, and how many partnerships it can run at once. Reputation attracts partners, which
builds reputation: the preferential attachment that concentrates projects in a few schools.
"""

from __future__ import annotations

import numpy as np

from iei_sim.mechanisms.base import Mechanism


class Reputation(Mechanism):
    """Reputations updated once a year (switched off: they stay as drawn)."""

    name = "reputation"
    section = "schools"
    odd = "§7.13"

    def step(self) -> None:
        model = self.model
        s = model.config.schools
        for school in model.school_list:
            school.reputation = (
                (1 - s.reputation_decay) * school.reputation
                + s.reputation_decay
                + s.reputation_gain * len(school.partnerships)
            )
        model.mean_reputation = float(np.mean([school.reputation for school in model.school_list]))
        model.refresh_standing()
