"""The ledger conserves every resource and aggregates exactly what was transferred."""

import numpy as np
import pytest
from tests.helpers import tiny

from iei_sim.ledger import RESOURCES, Ledger
from iei_sim.run import run_scenario


def test_transfers_move_value_between_accounts_and_conserve_it():
    ledger = Ledger()
    a, b = ledger.open_account("firm", 0), ledger.open_account("school", 0)
    ledger.transfer(a, b, "money", 5.0, "cooperation_funding")
    ledger.transfer_many(
        np.array([b, b]), np.array([a, a]), "interns", np.array([1.0, 2.0]), "internship"
    )
    assert ledger.balance(a) == -5.0 and ledger.balance(b) == 5.0
    assert ledger.balance(a, "interns") == 3.0 and ledger.balance(b, "interns") == -3.0
    assert ledger.imbalance() == 0.0


@pytest.mark.parametrize("amount", [-1.0, float("nan"), float("inf")])
def test_negative_or_non_finite_transfers_are_refused(amount):
    ledger = Ledger()
    a, b = ledger.open_account("firm", 0), ledger.open_account("school", 0)
    with pytest.raises(ValueError):
        ledger.transfer(a, b, "money", amount, "x")
    with pytest.raises(ValueError):
        ledger.transfer_many(np.array([a]), np.array([b]), "money", np.array([amount]), "x")
    assert ledger.imbalance() == 0.0


def test_balances_survive_the_account_table_growing():
    """Balances are written through a view of the table; opening accounts past its size must
    move both, keeping what was there and where later transfers land."""
    ledger = Ledger()
    accounts = [ledger.open_account("firm", i) for i in range(3)]
    ledger.transfer(accounts[0], accounts[1], "money", 2.5, "x")
    accounts += [ledger.open_account("school", i) for i in range(300)]  # several doublings
    ledger.transfer(accounts[1], accounts[-1], "money", 1.0, "x")
    ledger.transfer_many(np.array(accounts[-3:]), accounts[0], "money", np.ones(3), "y")
    assert ledger.balance(accounts[0]) == 0.5
    assert ledger.balance(accounts[1]) == 1.5
    assert ledger.balance(accounts[-1]) == 0.0
    assert ledger.balances(np.array(accounts[-3:-1])).tolist() == [-1.0, -1.0]
    assert ledger.imbalance() == 0.0


def test_step_aggregation_equals_the_sum_of_account_level_transfers():
    ledger = Ledger()
    firms = [ledger.open_account("firm", i) for i in range(3)]
    school = ledger.open_account("school", 0)
    for i, f in enumerate(firms):
        ledger.transfer(f, school, "money", 1.0 + i, "cooperation_funding")
    ledger.transfer(firms[0], ledger.outside["market"], "money", 0.5, "partner_search")
    detail = ledger.step_transfers(step=1)
    ledger.close_step(step=1)
    flows = ledger.flows()
    assert (flows["step"] == 1).all()
    assert detail["amount"].sum() == pytest.approx(flows["amount"].sum())
    funding = flows[(flows.from_type == "firm") & (flows.purpose == "cooperation_funding")]
    assert funding["amount"].item() == pytest.approx(6.0)
    assert set(flows.columns) >= {"step", "from_type", "to_type", "resource", "amount"}
    assert ledger.step_transfers(step=2).empty  # the next step starts empty


def test_a_whole_run_conserves_every_resource_and_agents_read_their_balances_from_it():
    from iei_sim.model import IEIModel

    scenario = tiny({"policy.tax_deduction.enabled": True, "policy.subsidies.per_intern": 0.5})
    model = IEIModel(scenario, seed=3)
    for _ in range(scenario.steps):
        model.step()
        assert model.ledger.imbalance() <= 1e-12 * max(model.ledger.total_volume(), 1.0)
    ledger = model.ledger
    for firm in model.firm_list:
        assert firm.cash == ledger.balance(firm.account, "money")
    assert set(ledger.flows()["resource"]) <= set(RESOURCES)


def test_fiscal_cost_is_what_governments_paid_out_net_of_clawbacks():
    scenario = tiny(
        {
            "policy.tax_deduction.enabled": True,
            "policy.tax_deduction.certification_strictness": 0.2,
            "policy.subsidies.per_intern": 0.5,
            "policy.monitoring.intensity": 0.5,
            "policy.monitoring.evaluation_funding": 1.0,
            "policy.monitoring.education_bonus": 1.0,
            "partnerships.deepen_threshold": 0.3,
            "policy.risk_sharing.rule": "shared",
            "policy.risk_sharing.fund_budget": 5.0,
        }
    )
    result = run_scenario(scenario, seed=5)
    flows = result.ledger
    money = flows[flows.resource == "money"]
    paid = money[
        (money.from_type == "government")
        & money.purpose.isin(
            [
                "tax_deduction",
                "intern_subsidy",
                "deep_project_subsidy",
                "dual_teacher_subsidy",
                "evaluation_funding",
                "education_bonus",
            ]
        )
    ]
    fund = money[money.from_type == "risk_fund"]
    clawed = money[(money.to_type == "government") & (money.purpose == "clawback")]
    expected = paid["amount"].sum() + fund["amount"].sum() - clawed["amount"].sum()
    assert paid["amount"].sum() > 0 and fund["amount"].sum() > 0
    assert set(paid.purpose) >= {"evaluation_funding", "education_bonus", "intern_subsidy"}
    assert result.summary["fiscal_cost"] == pytest.approx(expected, rel=1e-9)
    assert result.timeseries["fiscal_cost"].sum() == pytest.approx(result.summary["fiscal_cost"])


def test_subsidies_never_exceed_the_government_budget():
    budget = 5.0
    scenario = tiny(
        {
            "policy.subsidies.per_intern": 50.0,
            "regions.east.government_budget": budget,
            "regions.west.government_budget": budget,
        }
    )
    result = run_scenario(scenario, seed=2)
    flows = result.ledger
    subsidies = flows[(flows.from_type == "government") & (flows.purpose == "intern_subsidy")]
    per_step = subsidies.groupby("step")["amount"].sum()
    assert (per_step.cumsum() <= 2 * budget * per_step.index.to_numpy() + 1e-9).all()
    assert per_step.sum() > 0


def test_each_closed_step_holds_only_its_own_transfers():
    """Regression: a cache of the open step must not leak one step's records into the next."""
    ledger = Ledger()
    a, b = ledger.open_account("firm", 0), ledger.open_account("school", 0)
    for step, amount in enumerate([1.0, 2.0, 4.0], start=1):
        ledger.transfer(a, b, "money", amount, "cooperation_funding")
        assert ledger.open_total(from_kind="firm") == amount  # fills the cache
        ledger.close_step(step)
        flows = ledger.flows()
        assert flows.loc[flows["step"] == step, "amount"].sum() == amount
    assert ledger.flows().groupby("step")["amount"].sum().tolist() == [1.0, 2.0, 4.0]


def test_a_batch_commits_what_single_transfers_would():
    """Declared or first-used groups, rows appended or added, zero amounts skipped: the same
    balances as one transfer at a time, and each group recorded under its purpose."""
    rng = np.random.default_rng(3)
    keys = [("money", "a"), ("equipment", "b"), ("money", "c")]
    rows = [
        (keys[int(rng.integers(0, 3))], int(rng.integers(0, 6)), int(rng.integers(0, 6)))
        for _ in range(60)
    ]
    amounts = [0.0 if i % 7 == 0 else float(rng.random()) for i in range(len(rows))]
    ledgers = []
    for how in ("single", "declared", "added"):
        ledger = Ledger()
        for owner in range(6):
            ledger.open_account("firm", owner)
        if how == "single":
            for ((resource, purpose), src, dst), amount in zip(rows, amounts, strict=True):
                ledger.transfer(src, dst, resource, amount, purpose)
        elif how == "declared":
            with ledger.batch(*keys) as batch:
                for (key, src, dst), amount in zip(rows, amounts, strict=True):
                    batch.rows[key].append((src, dst, amount))
        else:
            with ledger.batch() as batch:
                for ((resource, purpose), src, dst), amount in zip(rows, amounts, strict=True):
                    batch.add(src, dst, resource, amount, purpose)
        ledgers.append(ledger)
    single, declared, added = ledgers
    resource_of = {purpose: resource for resource, purpose in keys}
    for other in (declared, added):
        assert np.allclose(single._balances, other._balances, rtol=0, atol=1e-12)
        assert sorted(other._purposes) == ["a", "b", "c"]
        for purpose, resource in resource_of.items():
            assert other.open_total(resource=resource, purposes=(purpose,)) == pytest.approx(
                single.open_total(resource=resource, purposes=(purpose,)), abs=1e-12
            )
