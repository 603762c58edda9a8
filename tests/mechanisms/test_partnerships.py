"""Partnerships (``iei_sim.mechanisms.partnerships``): contracts and break-ups, and the firm's
cost of a rung (an SME on its association's pooled training base saves overhead).

A risk-averse firm declining a rung is a risk test (tests/mechanisms/test_risk.py): the certainty
cost is the risk mechanism's."""

from tests.helpers import stepped, tiny

from iei_sim.mechanisms.partnerships import Partnership, ends_this_year
from iei_sim.model import IEIModel

# -- contracts -------------------------------------------------------------------------------------


def _partnership(model, formal, trust, contract_end):
    return Partnership(
        id=0,
        school=model.school_list[0],
        firm=model.firm_list[0],
        start_step=0,
        orientation="rnd",
        trust=trust,
        formal=formal,
        contract_end=contract_end,
    )


def test_a_formal_contract_rides_out_low_trust_until_its_term_ends():
    model = IEIModel(tiny({"contracts.informal_breakup_rate": 0.0}, steps=1), seed=0)
    model.steps = 3
    luck = 0.5  # this year's break-up draw: no break-up at rate 0
    assert not ends_this_year(model, _partnership(model, True, -1.0, contract_end=5), luck)
    assert ends_this_year(model, _partnership(model, True, -1.0, contract_end=3), luck)
    assert ends_this_year(model, _partnership(model, False, -1.0, contract_end=0), luck)
    renewed = _partnership(model, True, 2.0, contract_end=3)
    assert not ends_this_year(model, renewed, luck) and renewed.contract_end > 3


def test_informal_ties_break_up_at_their_rate_and_defection_ends_any_partnership():
    model = IEIModel(tiny({"contracts.informal_breakup_rate": 0.3}, steps=1), seed=0)
    assert ends_this_year(model, _partnership(model, False, 5.0, contract_end=0), 0.29)
    assert not ends_this_year(model, _partnership(model, False, 5.0, contract_end=0), 0.31)
    defected = _partnership(model, True, 5.0, contract_end=99)
    defected.defected = True
    assert ends_this_year(model, defected, 0.99)


def test_a_contract_whose_holder_left_during_its_term_is_not_renewed():
    """At rate 0.3 and a 3-year term the holder has left by the term's end with chance
    1 − 0.7³ = 0.657: below that draw the contract ends despite high trust, above it renews;
    before the term's end the holder's leaving ends nothing."""
    overrides = {"contracts.informal_breakup_rate": 0.3, "contracts.term_years": 3}
    model = IEIModel(tiny(overrides, steps=1), seed=0)
    model.steps = 3
    left = 1.0 - 0.7**3
    assert ends_this_year(model, _partnership(model, True, 5.0, contract_end=3), left - 0.001)
    renewed = _partnership(model, True, 5.0, contract_end=3)
    assert not ends_this_year(model, renewed, left + 0.001) and renewed.formal
    assert not ends_this_year(model, _partnership(model, True, 5.0, contract_end=4), 0.0)


def test_no_contracts_when_formal_share_is_zero_and_all_when_supported():
    none = stepped({"contracts.formal_share": 0.0}, steps=3)
    assert not any(p.formal for p in none.partnerships)
    full = stepped({"contracts.formal_share": 0.0, "policy.formal_contract_support": 1.0}, steps=3)
    # A contract can lapse into an informal tie only when its first term ends.
    in_first_term = [p for p in full.partnerships if p.start_step == full.steps]
    assert in_first_term and all(p.formal for p in in_first_term)


# -- cost of a rung -------------------------------------------------------------------------------


def test_pooled_training_bases_cut_smes_overhead_at_medium_and_deep_rungs():
    from iei_sim.mechanisms.partnerships import firm_cost

    plain = IEIModel(tiny(steps=1), seed=0)
    pooled = IEIModel(tiny({"associations.pooled_training_bases": True}, steps=1), seed=0)
    sme = next(f for f in pooled.firm_list if f.size == "sme")
    large = next(f for f in pooled.firm_list if f.size == "large")
    assert firm_cost(pooled, 1, sme) == firm_cost(plain, 1, sme)
    assert firm_cost(pooled, 2, sme) < firm_cost(plain, 2, sme)
    assert firm_cost(pooled, 2, large) == firm_cost(plain, 2, large)
