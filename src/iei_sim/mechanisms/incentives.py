"""Incentive rules: tax deduction for (certified) firms and subsidies from the government budget.

Each rule answers two questions: what a firm *expects* from it when deciding (``expected``),
and what is actually paid at the end of the year (``settle``). The deduction is a tax
expenditure (revenue forgone, funded by the treasury, not capped); subsidies come from the
regional government's discretionary budget and are paid pro rata when the budget runs short.
Certification follows the 2023 plan: only certified integration-oriented enterprises deduct,
and few qualify (seed 004 §1, §4.3).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from iei_sim.mechanisms.base import Mechanism
from iei_sim.mechanisms.partnerships import firm_spending

if TYPE_CHECKING:
    from iei_sim.agents.firm import Firm
    from iei_sim.model import IEIModel

CERTIFICATION_HORIZON = 3  # years of deductions a firm weighs against the application cost


class Incentives(Mechanism):
    """The incentive rules a scenario switches on, behind one interface.

    Switched off (``mechanisms.incentives: false``), nothing is certified or paid and firms
    expect no incentive."""

    name = "incentives"
    section = "policy.tax_deduction, policy.subsidies"
    odd = "§7.4"

    def __init__(self, model: IEIModel) -> None:
        super().__init__(model)
        self.read_policy()

    def read_policy(self) -> None:
        """Each region's own rules: the national policy unless the region has a tuned one."""
        config = self.model.config
        self.deduction = {r: config.policy_for(r).tax_deduction for r in config.regions}
        self.subsidies = {r: config.policy_for(r).subsidies for r in config.regions}
        # Expectations depend only on region and certification status: cache them per year.
        self._expected_cache: dict[tuple[str, bool], float] = {}

    # -- expectations used in decisions -------------------------------------------------------
    def expected_for_firm(self, firm: Firm) -> float:
        """Incentives a firm expects per partnership-year.

        Firms judge a new partnership by where partnerships in their region typically are on
        the depth ladder (``model.depth_mix``): an intern or deep-project subsidy only matters
        to the extent that partnerships reach the rungs it pays for.
        """
        if not self.enabled:
            return 0.0
        key = (firm.region, firm.certified)
        expected = self._expected_cache.get(key)
        if expected is None:
            mix = self.model.depth_mix[firm.region]
            expected = self._expected_cache[key] = sum(
                share * self.expected_at_depth(firm, depth) for depth, share in mix.items()
            )
        return expected

    def forget_expectations(self) -> None:
        """Drop cached expectations (called when the regions' depth mix changes)."""
        self._expected_cache.clear()

    def expected_at_depth(self, firm: Firm, depth: int, with_interns: bool = True) -> float:
        """Incentives a firm expects per partnership-year at ``depth``."""
        if not self.enabled:
            return 0.0
        model = self.model
        deduction, subsidies = self.deduction[firm.region], self.subsidies[firm.region]
        total = 0.0
        if deduction.enabled:
            eligible = 1.0
            if deduction.certified_only and not firm.certified:
                eligible = 1.0 - deduction.certification_strictness
            total += eligible * deduction.rate * firm_spending(model, depth)
        if with_interns:
            total += subsidies.per_intern * model.config.partnerships.interns[depth - 1]
        if depth == 3:
            total += subsidies.per_deep_project
        return total

    def expected_on_paper(self, firm: Firm) -> float:
        """Incentives a new project run on paper could claim in its first (shallow) year.

        Everything but the per-intern subsidy: a project on paper hosts no interns.
        """
        return self.expected_at_depth(firm, 1, with_interns=False)

    def certification_value(self, firm: Firm) -> float:
        """What losing its certification would cost a certified firm: the share of the deduction
        an uncertified firm cannot count on (``certification_strictness``, as in
        :meth:`expected_at_depth`), on each of its partnerships and a new shallow one, over the
        years it weighs certification by (``CERTIFICATION_HORIZON``). 0 where the deduction is
        open to all firms or the firm is not certified."""
        d = self.deduction[firm.region]
        if not (self.enabled and d.enabled and d.certified_only and firm.certified):
            return 0.0
        depths = [p.depth for p in firm.partnerships] + [1]
        spending = sum(firm_spending(self.model, depth) for depth in depths)
        return CERTIFICATION_HORIZON * d.certification_strictness * d.rate * spending

    # -- certification -------------------------------------------------------------------------
    def consider_certification(self, firm: Firm) -> None:
        """A partnering firm applies when expected deductions outweigh the application cost."""
        d = self.deduction[firm.region]
        if not self.enabled or not (d.enabled and d.certified_only):
            return
        if firm.certified or firm.certification_pending:
            return
        if not firm.partnerships:
            return
        depth = max(p.depth for p in firm.partnerships)
        gain = (
            d.rate
            * firm_spending(self.model, depth)
            * len(firm.partnerships)
            * CERTIFICATION_HORIZON
        )
        if gain > d.certification_cost:
            ledger = self.model.ledger
            ledger.transfer(
                firm.account,
                ledger.outside["market"],
                "money",
                d.certification_cost,
                "certification_application",
            )
            firm.search_costs += d.certification_cost
            firm.certification_pending = True

    def decide_certifications(self) -> None:
        """Decide pending applications: each is decided this year with the processing chance
        (friction), and passes if the firm's deepest partnership, read with noise, meets the
        strictness bar."""
        model = self.model
        year = model.steps
        decided, noise = self.stream("processed"), self.stream("judged_quality")
        for i in np.flatnonzero(model.firms.certification_pending).tolist():
            firm = model.firm_list[i]
            d = self.deduction[firm.region]
            if decided.one(year, firm.key) >= d.processing_probability:
                continue
            firm.certification_pending = False
            depth = max((p.depth for p in firm.partnerships), default=0)
            quality = depth / 3 + 0.15 * float(noise.normal(year, firm.key))
            firm.certified = quality >= d.certification_strictness

    # -- payment -------------------------------------------------------------------------------
    def step(self) -> None:
        """Pay this year's deductions and subsidies through the ledger.

        Each instrument pays per unit of what it buys, in the year it is bought: the deduction
        per partnership-year's spending, ``per_intern`` per intern hosted this year,
        ``per_deep_project`` per deep partnership-year, ``per_dual_teacher`` per teacher newly
        dual-qualified this year (by training or secondment; ``teachers`` runs before this).
        """
        model = self.model
        ledger = model.ledger
        treasury = ledger.outside["treasury"]
        subsidy_claims: dict[str, list[tuple[object, int, float, str]]] = defaultdict(list)
        for partnership in model.active_partnerships:
            firm = partnership.firm
            gov = model.government_of[firm.region]
            deduction, subsidies = self.deduction[firm.region], self.subsidies[firm.region]
            if deduction.enabled and (firm.certified or not deduction.certified_only):
                amount = deduction.rate * firm_spending(model, partnership.depth)
                ledger.transfer(treasury, gov.account, "money", amount, "tax_expenditure")
                ledger.transfer(gov.account, firm.account, "money", amount, "tax_deduction")
                partnership.incentives_this_year += amount
            intern_subsidy = subsidies.per_intern * partnership.interns_this_year
            if intern_subsidy:
                subsidy_claims[firm.region].append(
                    (partnership, firm.account, intern_subsidy, "intern_subsidy")
                )
            if partnership.depth == 3 and subsidies.per_deep_project:
                subsidy_claims[firm.region].append(
                    (
                        partnership,
                        firm.account,
                        subsidies.per_deep_project,
                        "deep_project_subsidy",
                    )
                )
        # Per teacher newly dual-qualified this year (the teachers phase runs earlier in the
        # same year): the subsidy pays for the qualifications it buys, not for the stock.
        for school in model.school_list:
            per_teacher = self.subsidies[school.region].per_dual_teacher
            amount = per_teacher * school.newly_qualified
            if amount:
                subsidy_claims[school.region].append(
                    (None, school.account, amount, "dual_teacher_subsidy")
                )
        for region, claims in subsidy_claims.items():
            gov = model.government_of[region]
            requested = sum(c[2] for c in claims)
            scale = min(1.0, max(gov.budget, 0.0) / requested) if requested else 0.0
            for partnership, account, amount, purpose in claims:
                paid = amount * scale
                ledger.transfer(gov.account, account, "money", paid, purpose)
                if partnership is not None:
                    partnership.incentives_this_year += paid
