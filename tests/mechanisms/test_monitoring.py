"""Monitoring and third-party evaluation (``iei_sim.mechanisms.monitoring``): projects run on
paper when incentives pay for them, and evaluations that expose them, claw back and build trust."""

import numpy as np
import pytest
from tests.helpers import tiny

from iei_sim.errors import InputError
from iei_sim.model import IEIModel
from iei_sim.run import run_scenario


def test_a_passed_evaluation_leaves_trust_alone_and_an_exposed_one_ends():
    """Monitoring acts through detection, not a trust bonus per pass (issue: no scripted
    responses)."""
    watched = {"policy.monitoring.intensity": 1.0, "policy.monitoring.accuracy": 1.0}
    model = IEIModel(tiny(watched), seed=6)
    for _ in range(3):
        model.step()
    genuine = next(p for p in model.active_partnerships if not p.formalistic)
    paper = next(p for p in model.active_partnerships if p is not genuine)
    paper.formalistic = True
    before = genuine.trust, paper.trust
    model.monitoring.step()
    assert (genuine.trust, paper.trust) == before
    assert paper.exposed and not genuine.exposed


def test_a_removed_field_is_named_with_why():
    with pytest.raises(InputError) as caught:
        tiny({"policy.monitoring.verified_trust_gain": 0.25})
    assert "verified_trust_gain" in str(caught.value)
    assert "removed" in str(caught.value)


LAX_DEDUCTION = {
    "policy.tax_deduction.enabled": True,
    "policy.tax_deduction.rate": 0.9,
    "policy.tax_deduction.certified_only": False,
    "learning.prior_noise": 3.0,
}


def test_generous_deductions_without_monitoring_invite_projects_on_paper():
    result = run_scenario(
        tiny({**LAX_DEDUCTION, "policy.monitoring.intensity": 0.0}, steps=6), seed=4
    )
    assert result.summary["formalistic_project_share"] > 0.05
    assert result.timeseries["projects_evaluated"].sum() == 0
    baseline = run_scenario(tiny(steps=6), seed=4)
    assert baseline.summary["formalistic_project_share"] == 0  # no incentive, no paper projects


def test_monitoring_exposes_claws_back_and_ends_paper_projects():
    watched = {
        **LAX_DEDUCTION,
        "policy.monitoring.intensity": 1.0,
        "policy.monitoring.accuracy": 1.0,
    }
    model = IEIModel(tiny(watched, steps=5), seed=4)
    exposed_firms = set()
    for _ in range(5):
        model.step()
        exposed_firms |= {f.index for f in model.firm_list if f.exposed}
        # With full intensity and accuracy no paper project survives a year's evaluation.
        assert not any(p.formalistic for p in model.active_partnerships)
    assert exposed_firms
    assert model.ledger.flows().query("purpose == 'clawback'")["amount"].sum() > 0
    assert all(not model.firm_list[i].certified for i in exposed_firms)


def test_monitoring_lowers_the_share_of_paper_projects():
    seeds = range(6)

    def share(intensity):
        return np.mean(
            [
                run_scenario(
                    tiny({**LAX_DEDUCTION, "policy.monitoring.intensity": intensity}, steps=6),
                    seed=s,
                ).summary["formalistic_project_share"]
                for s in seeds
            ]
        )

    assert share(0.5) < share(0.0)
