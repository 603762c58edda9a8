"""Monitoring and third-party evaluation (seeds 000 §3.3, 002 §3.1).

A firm may run a new project *on paper* ("formalistic"; seed 002 §2.1, "a surface-level
project"): it reports full spending, delivers a fraction (``formalistic_effort``), hosts no
interns and produces nothing. Whether it does is a logit choice on the expected gain
(``partnerships.on_paper_probability``), which is where monitoring deters: each year the
government evaluates a share ``intensity`` of active projects, and an evaluation exposes a
formalistic project with probability ``accuracy``. Exposure ends the project, claws back the
year's incentives and revokes the firm's certification. Genuine medium or deep projects that
are evaluated earn their school evaluation-linked funding, and education-oriented ones their
firm a bonus (results linked to funding, seed 002 §3.1). Passing an evaluation changes nothing
else: trust grows only from the years the partners have (ODD §7.2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iei_sim.mechanisms.base import Mechanism
from iei_sim.mechanisms.partnerships import end_partnership, pair_keys
from iei_sim.vocabulary import Orientation

if TYPE_CHECKING:
    from iei_sim.model import IEIModel


class Monitoring(Mechanism):
    """Evaluations of active projects and what follows from them.

    Switched off (``mechanisms.monitoring: false``), nothing is evaluated, so firms expect no
    evaluation bonus and no exposure."""

    name = "monitoring"
    section = "policy.monitoring"
    odd = "§7.6"

    def __init__(self, model: IEIModel) -> None:
        super().__init__(model)
        self.read_policy()
        self.year_evaluated = 0
        self.year_exposed = 0

    def read_policy(self) -> None:
        """Each region's evaluation regime (the national one unless the region tunes its own)."""
        config = self.model.config
        self.spec = {r: config.policy_for(r).monitoring for r in config.regions}

    def step(self) -> None:
        """Evaluate a sample of active projects after this year's incentives were paid."""
        model = self.model
        ledger = model.ledger
        self.year_evaluated = self.year_exposed = 0
        if not any(spec.intensity for spec in self.spec.values()):
            return
        active = list(model.active_partnerships)
        schools, firms = pair_keys(model, active)
        chosen = self.stream("evaluated").uniform(model.steps, schools, firms).tolist()
        detected = self.stream("detected").uniform(model.steps, schools, firms).tolist()
        for partnership, chosen_luck, detected_luck in zip(active, chosen, detected, strict=True):
            spec = self.spec[partnership.firm.region]
            firm, school = partnership.firm, partnership.school
            if chosen_luck >= spec.intensity:
                continue
            self.year_evaluated += 1
            gov = model.government_of[firm.region]  # the evaluating government pays and reclaims
            if partnership.formalistic and detected_luck < spec.accuracy:
                self.year_exposed += 1
                firm.exposed = True
                if spec.clawback and partnership.incentives_this_year > 0:
                    amount = partnership.incentives_this_year
                    ledger.transfer(firm.account, gov.account, "money", amount, "clawback")
                    partnership.incentives_this_year = 0.0
                if spec.revoke_certification:
                    firm.certified = False
                partnership.exposed = True
                continue
            if not partnership.formalistic and partnership.depth >= 2:
                # Results-linked funding comes out of the government's budget, while it lasts.
                funding = min(spec.evaluation_funding, max(0.0, gov.budget))
                ledger.transfer(gov.account, school.account, "money", funding, "evaluation_funding")
                partnership.school_value += funding
                if partnership.orientation == Orientation.EDUCATION:
                    bonus = min(spec.education_bonus, max(0.0, gov.budget))
                    ledger.transfer(gov.account, firm.account, "money", bonus, "education_bonus")
                    partnership.incentives_this_year += bonus

    def exposure_chance(self, region: str) -> float:
        """Chance that a project on paper in ``region`` is exposed in a year: it is evaluated
        (``intensity``) and the evaluation finds it out (``accuracy``); 0 when switched off."""
        if not self.enabled:
            return 0.0
        spec = self.spec[region]
        return spec.intensity * spec.accuracy

    def expected_education_bonus(self, region: str) -> float:
        """What a firm expects per year from evaluation bonuses on a genuine education project."""
        if not self.enabled:
            return 0.0
        spec = self.spec[region]
        return spec.intensity * spec.education_bonus

    def close_year(self) -> None:
        """End exposed projects once the year's accounts are closed."""
        for partnership in list(self.model.active_partnerships):
            if partnership.exposed:
                end_partnership(self.model, partnership)
