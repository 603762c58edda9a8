"""Industry associations (``iei_sim.mechanisms.associations``): brokered introductions.

Their pooled training bases lower a firm's cost of a rung, which the partnerships compute
(tests/mechanisms/test_partnerships.py)."""

from tests.helpers import tiny

from iei_sim.run import run_scenario


def test_brokerage_off_means_no_brokered_matches_and_on_brokers_some():
    off = run_scenario(tiny({"associations.brokered_matches": 0.0}, steps=6), seed=5)
    assert off.timeseries["brokered_matches"].sum() == 0
    on = run_scenario(
        tiny({"associations.brokered_matches": 10.0, "policy.subsidies.per_intern": 2.0}, steps=6),
        seed=5,
    )
    assert on.timeseries["brokered_matches"].sum() > 0
