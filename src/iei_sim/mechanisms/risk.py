"""Risk events and risk-sharing rules (seeds 000 §5.1, 002 §3.1, 004 §4.2).

Each year every active partnership may suffer: intern safety incidents (per intern), a
production disruption (when it hosts interns), knowledge leakage (R&D projects), and partner
defection (the partnership ends; the side left behind bears a loss). Money losses strike one side (the *bearer*); the scenario's rule decides whether
the bearer keeps the whole loss (``bearer_pays``) or it is split (``shared``) among firm, school,
the government's risk-compensation fund (which has a yearly budget and can run dry) and insurers
(who charge the firms a premium: expected insured loss times one plus a loading).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from iei_sim.mechanisms.base import Mechanism
from iei_sim.mechanisms.partnerships import pair_keys
from iei_sim.vocabulary import Orientation

if TYPE_CHECKING:
    from iei_sim.agents.firm import Firm
    from iei_sim.mechanisms.partnerships import Partnership
    from iei_sim.model import IEIModel


class Risk(Mechanism):
    """Draws the year's risk events and settles the losses through the ledger.

    Switched off (``mechanisms.risk: false`` or ``risk.enabled: false``), nothing happens and
    firms expect no loss."""

    name = "risk"
    section = "risk, policy.risk_sharing"
    odd = "§7.5"

    def switched_on(self) -> bool:
        return self.model.config.risk.enabled

    def __init__(self, model: IEIModel) -> None:
        super().__init__(model)
        self.events = model.config.risk
        self.read_policy()
        ledger = model.ledger
        self.fund_accounts = {
            region: ledger.open_account("risk_fund", i)
            for i, region in enumerate(model.region_names)
        }
        self.insurers = ledger.open_account("insurers", 0)
        # Share of its claims each region's fund paid when last claimed on (full while it has
        # never been claimed on and has a budget): what firms expect it to pay.
        self.fund_coverage = {
            region: 1.0 if sharing.fund_budget > 0 else 0.0
            for region, sharing in self.sharing.items()
        }
        self._fund_claims: dict[str, list[float]] = {}
        self.year_losses = 0.0
        self.year_compensation = 0.0
        self.year_events = 0

    def read_policy(self) -> None:
        """Each region's risk-sharing rule (the national one unless the region tunes its own)."""
        config = self.model.config
        self.sharing = {r: config.policy_for(r).risk_sharing for r in config.regions}

    def fund_balance(self, region: str) -> float:
        return self.model.ledger.balance(self.fund_accounts[region], "money")

    def expected_loss(self, partnership: Partnership) -> float:
        """Expected money loss of one partnership-year as it runs this year."""
        return self.expected_loss_of(
            partnership.orientation,
            partnership.interns_this_year,
            partnership.rnd_output,
            partnership.firm,
        )

    def expected_loss_of(
        self, orientation: str, interns: int, rnd_value: float, firm: Firm
    ) -> float:
        """Expected money loss of a project-year with ``interns`` interns (and, for R&D, the
        year's R&D value at stake)."""
        e = self.events
        if not self.enabled:
            return 0.0
        loss = interns * e.intern_incident_rate * e.intern_incident_loss
        loss += e.disruption_rate * e.disruption_loss_per_intern * interns
        if orientation == Orientation.RND:
            loss += e.leakage_rate * e.leakage_loss_share * rnd_value * firm.tech_level
        return loss + e.defection_rate * e.defection_loss / 2

    def loss_variance_of(
        self, orientation: str, interns: int, rnd_value: float, firm: Firm
    ) -> float:
        """Variance of the money loss of such a project-year (the events are independent)."""
        e = self.events
        if not self.enabled:
            return 0.0
        variance = interns * _bernoulli_variance(e.intern_incident_rate, e.intern_incident_loss)
        variance += _bernoulli_variance(e.disruption_rate, e.disruption_loss_per_intern * interns)
        if orientation == Orientation.RND:
            variance += _bernoulli_variance(
                e.leakage_rate, e.leakage_loss_share * rnd_value * firm.tech_level
            )
        return variance + _bernoulli_variance(e.defection_rate / 2, e.defection_loss)

    def borne_share(self, region: str) -> float:
        """Share of a loss striking a firm that the firm itself expects to pay: under the shared
        rule its own share, plus the fund's share that the fund did not pay last time (an empty
        or unfunded fund relieves nobody)."""
        sharing = self.sharing[region]
        if sharing.rule != "shared":
            return 1.0
        return sharing.firm_share + sharing.fund_share * (1.0 - self.fund_coverage[region])

    def certainty_cost(self, firm: Firm, orientation: str, interns: int, rnd_value: float) -> float:
        """What the risk of such a project-year costs ``firm``, as a sure amount.

        Mean–variance certainty equivalent: the expected loss the firm keeps, plus the insurance
        premium it pays under the shared rule, plus half its risk aversion times the variance of
        the loss it keeps. Spreading a loss lowers the mean the firm keeps linearly and the
        variance quadratically, which is why a risk-averse firm (an SME above all) values risk
        sharing beyond its expected payout (seeds 000 §5.1, 002 §3.1).
        """
        share = self.borne_share(firm.region)
        expected = self.expected_loss_of(orientation, interns, rnd_value, firm)
        cost = share * expected
        sharing = self.sharing[firm.region]
        if sharing.rule == "shared":
            cost += sharing.insurance_share * (1.0 + sharing.insurance_loading) * expected
        if firm.risk_aversion:
            variance = self.loss_variance_of(orientation, interns, rnd_value, firm)
            cost += 0.5 * firm.risk_aversion * share * share * variance
        return cost

    def step(self) -> None:
        """Draw this year's events for all active partnerships and settle their losses.

        Each event is keyed by the year and the partnership's school and firm, so a project
        meets the same luck in every scenario run from one seed."""
        model = self.model
        e = self.events
        ledger = model.ledger
        self.year_losses = self.year_compensation = 0.0
        self.year_events = 0
        for region, account in self.fund_accounts.items():
            sharing = self.sharing[region]
            if sharing.rule == "shared" and sharing.fund_budget:
                ledger.transfer(
                    ledger.outside["treasury"],
                    account,
                    "money",
                    sharing.fund_budget,
                    "risk_fund_appropriation",
                )
        active = model.active_partnerships
        for partnership in active:
            partnership.firm_loss = partnership.school_loss = 0.0
        if not active:
            return
        self._fund_claims = {}
        year = model.steps
        schools, firms = pair_keys(model, active)
        interns = np.array([p.interns_this_year for p in active])
        incidents = self.stream("incidents").binomial(
            year, schools, firms, n=interns, p=e.intern_incident_rate
        )
        disrupted = (interns > 0) & (
            self.stream("disruption").uniform(year, schools, firms) < e.disruption_rate
        )
        # Only real R&D output can leak (a project on paper produces none).
        leaked = np.array([p.rnd_output > 0 for p in active]) & (
            self.stream("leakage").uniform(year, schools, firms) < e.leakage_rate
        )
        formal = np.array([p.formal for p in active])
        defection = e.defection_rate * np.where(
            formal, model.config.contracts.formal_defection_factor, 1.0
        )
        defected = self.stream("defection").uniform(year, schools, firms) < defection
        firm_walks = self.stream("who_walks").uniform(year, schools, firms) < 0.5
        # Python scalars: indexing NumPy arrays one element at a time is slow.
        rows = zip(
            active,
            incidents.tolist(),
            disrupted.tolist(),
            leaked.tolist(),
            defected.tolist(),
            firm_walks.tolist(),
            strict=True,
        )
        for partnership, n_incidents, was_disrupted, was_leaked, has_defected, walks in rows:
            firm_loss = n_incidents * e.intern_incident_loss
            if was_disrupted:
                firm_loss += e.disruption_loss_per_intern * partnership.interns_this_year
            if was_leaked:
                firm_loss += (
                    e.leakage_loss_share * partnership.rnd_output * partnership.firm.tech_level
                )
            school_loss = 0.0
            if has_defected:
                partnership.defected = True
                if walks:
                    school_loss += e.defection_loss
                else:
                    firm_loss += e.defection_loss
            self.year_events += n_incidents + was_disrupted + was_leaked + has_defected
            if firm_loss:
                self._settle(partnership, "firm", float(firm_loss))
            if school_loss:
                self._settle(partnership, "school", school_loss)
        for region, (claimed, paid) in self._fund_claims.items():
            if claimed > 0:
                self.fund_coverage[region] = paid / claimed
        payers, premiums = [], []
        for partnership in active:
            sharing = self.sharing[partnership.firm.region]
            if sharing.rule == "shared" and sharing.insurance_share:
                premium = sharing.insurance_share * self.expected_loss(partnership)
                premium *= 1.0 + sharing.insurance_loading
                payers.append(partnership.firm.account)
                premiums.append(premium)
                partnership.firm_loss += premium
        ledger.transfer_many(
            np.array(payers, dtype=np.int64),
            self.insurers,
            "money",
            np.array(premiums, dtype=float),
            "insurance_premium",
        )

    def _settle(self, partnership: Partnership, bearer: str, loss: float) -> None:
        """The loss strikes ``bearer``; under the shared rule the others pay their shares to it."""
        ledger = self.model.ledger
        firm, school = partnership.firm, partnership.school
        bearer_account = firm.account if bearer == "firm" else school.account
        # A school pays a loss only from the money it has; the rest goes unpaid (written off)
        # but still weighs on its view of the partnership.
        paid_by_bearer = loss if bearer == "firm" else school.affordable(loss)
        ledger.transfer(
            bearer_account, ledger.outside["market"], "money", paid_by_bearer, f"risk_loss_{bearer}"
        )
        self.year_losses += loss
        kept = loss
        s = self.sharing[firm.region]
        if s.rule == "shared":
            partner_share = s.school_share if bearer == "firm" else s.firm_share
            partner_account = school.account if bearer == "firm" else firm.account
            fund = self.fund_accounts[firm.region]
            fund_pays = min(s.fund_share * loss, max(0.0, self.model.ledger.balance(fund, "money")))
            claims = self._fund_claims.setdefault(firm.region, [0.0, 0.0])
            claims[0] += s.fund_share * loss
            claims[1] += fund_pays
            partner_pays = partner_share * loss
            if bearer == "firm":  # the school pays its share from the money it has
                partner_pays = school.affordable(partner_pays)
            payments = [
                (partner_account, partner_pays, "risk_share_partner"),
                (fund, fund_pays, "risk_compensation"),
                (self.insurers, s.insurance_share * loss, "insurance_payout"),
            ]
            for account, amount, purpose in payments:
                ledger.transfer(account, bearer_account, "money", amount, purpose)
                kept -= amount
            if bearer == "firm":
                partnership.school_loss += partner_pays
            else:
                partnership.firm_loss += partner_pays
            self.year_compensation += fund_pays
        if bearer == "firm":
            partnership.firm_loss += kept
        else:
            partnership.school_loss += kept


def _bernoulli_variance(p: float, loss: float) -> float:
    """Variance of a loss that strikes with probability ``p``."""
    return p * (1.0 - p) * loss * loss
