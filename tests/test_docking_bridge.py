"""Docking speaks for the real model: with its other mechanisms off, the full model's firm
participation decision is the school × firm game's payoff comparison, lever by lever."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from iei_sim.docking import replicator
from iei_sim.docking.bridge import (
    MECHANISMS_OFF,
    firm_gap,
    logistic,
    profile_of,
    render_school_firm_yaml,
    representative_firm,
    school_firm_game,
    school_firm_parameters,
    school_gap,
    subsidy_threshold,
)
from iei_sim.mechanisms.matching import firm_offer_value
from iei_sim.model import IEIModel
from iei_sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMALL = {
    "regions.east.schools": 4,
    "regions.east.firms": 60,
    "regions.east.students_per_school": 40,
    "regions.west.schools": 4,
    "regions.west.firms": 60,
    "regions.west.students_per_school": 40,
}

LEVERS: dict[str, dict[str, Any]] = {
    "status quo": {},
    "deduction, all firms": {
        "policy.tax_deduction.enabled": True,
        "policy.tax_deduction.certified_only": False,
        "policy.tax_deduction.rate": 0.3,
    },
    "deduction, certified only": {
        "policy.tax_deduction.enabled": True,
        "policy.tax_deduction.certification_strictness": 0.4,
    },
    "intern subsidy": {
        "partnerships.interns": [2.0, 4.0, 10.0],
        "policy.subsidies.per_intern": 0.8,
    },
    "platform": {"policy.platform.enabled": True},
    "west tuned": {
        "regions.west.policy": {"subsidies": {"per_intern": 1.0}},
        "partnerships.interns": [1.0, 4.0, 10.0],
    },
}


def model_with(levers: dict[str, Any], **extra: Any) -> IEIModel:
    scenario = load_scenario(BASELINE, overrides={**SMALL, **MECHANISMS_OFF, **levers, **extra})
    return IEIModel(scenario, seed=5)


@pytest.mark.parametrize("levers", LEVERS)
def test_firm_and_school_decisions_are_the_game_payoff_gaps(levers: str):
    model = model_with(LEVERS[levers])
    scenario, temperature = model.config, model.config.learning.temperature
    gaps = []
    for firm in model.firm_list:
        game = school_firm_game(scenario, profile_of(firm))
        gap = firm_gap(game)
        gaps.append(gap)
        # Seeking: the model's own expected net benefit of searching …
        assert firm.expected_net_benefit - model.market.search_cost_per_year == pytest.approx(
            gap, abs=1e-12
        )
        # … through the model's own logistic willingness.
        assert firm.willingness == pytest.approx(logistic(gap, temperature), abs=1e-12)
        # Accepting a school's proposal (no search cost paid) at a school of standing 1.
        school = model.schools_in_region[firm.region][0]
        assert school.research_capacity == 1.0
        assert firm_offer_value(model, firm, school) == pytest.approx(
            gap + game.parameters["K"], abs=1e-12
        )
        np.testing.assert_allclose(
            game.initial[game.populations.index("firm")], firm.willingness, atol=1e-12
        )
    for school in model.school_list:
        game = school_firm_game(scenario, profile_of(model.firm_list[0]))
        assert school.willingness == pytest.approx(logistic(school_gap(game), temperature))
    assert np.ptp(gaps) > 0.05  # firms differ (technology, discount rate, hiring)


def test_levers_move_the_parameters_they_should():
    scenario = load_scenario(BASELINE)
    firm = representative_firm(scenario, "east")
    base = school_firm_parameters(scenario, firm)
    for levers, changed in [
        ("deduction, all firms", {"T"}),
        ("intern subsidy", {"S", "R_f"}),  # interns at the shallow rung also add intern value
        ("platform", {"K", "K_s"}),
    ]:
        tuned = load_scenario(BASELINE, overrides=LEVERS[levers])
        moved = school_firm_parameters(tuned, firm)
        assert {k for k in base if moved[k] != pytest.approx(base[k])} == changed, levers
    deduction = load_scenario(BASELINE, overrides=LEVERS["deduction, all firms"])
    spending = 0.2 + 0.5 + 20 * 0.01  # firm money + equipment + mentor hours, shallow rung
    assert school_firm_parameters(deduction, firm)["T"] == pytest.approx(0.3 * spending)


def test_full_model_firms_seek_exactly_when_the_game_says_cooperate():
    """Near-zero temperature: the model's seeking decision is the sign of the game's gap.

    (Not lower than 0.005: ``Firm.willingness`` uses ``math.exp``, which overflows once
    |gap| / temperature exceeds about 709.)
    """
    probe = model_with({"partnerships.interns": [1.0, 4.0, 10.0]})
    thresholds = [
        subsidy_threshold(school_firm_parameters(probe.config, profile_of(f)))
        for f in probe.firm_list
    ]
    per_intern = float(np.median(thresholds))  # half the firms above, half below
    model = model_with(
        {"partnerships.interns": [1.0, 4.0, 10.0], "policy.subsidies.per_intern": per_intern},
        **{"learning.temperature": 0.005},
    )
    clear, seek, stay = 0, 0, 0
    for firm in model.firm_list:
        gap = firm_gap(school_firm_game(model.config, profile_of(firm)))
        firm.step()  # the model's own decision, with its own random draw
        if abs(gap) < 0.1:  # σ(gap / 0.005) is 0 or 1 to within 2e-9 outside this band
            continue
        clear += 1
        assert firm.seeking == (gap > 0), (gap, firm.willingness)
        seek += firm.seeking
        stay += not firm.seeking
    assert clear > len(model.firm_list) / 3 and seek > 10 and stay > 10


@pytest.mark.parametrize("rate", [0.3, 1.0])
def test_a_deduction_alone_cannot_make_shallow_cooperation_stable(rate: float):
    """Even a 100% deduction of shallow spending stays below the baseline SME's threshold."""
    scenario = load_scenario(
        BASELINE,
        overrides={
            "policy.tax_deduction.enabled": True,
            "policy.tax_deduction.certified_only": False,
            "policy.tax_deduction.rate": rate,
        },
    )
    firm = representative_firm(scenario, "east")
    parameters = school_firm_parameters(scenario, firm)
    assert parameters["S"] == 0 and parameters["T"] > 0
    assert subsidy_threshold(parameters) > 0
    game = school_firm_game(scenario, firm)
    corner = next(c for c in replicator.corners(game) if c.label == "cooperate,cooperate")
    assert not corner.stable
    # A subsidy just above the threshold makes it stable (the condition is sharp).
    stable = game.with_parameters({"S": subsidy_threshold(parameters) + 1e-6})
    assert next(c for c in replicator.corners(stable) if c.label == "cooperate,cooperate").stable


def test_shipped_school_firm_game_is_the_baseline_bridge():
    shipped = (ROOT / "games" / "school_firm.yaml").read_text(encoding="utf-8")
    assert shipped == render_school_firm_yaml(BASELINE), (
        "games/school_firm.yaml is out of date with the model; regenerate it with "
        "`.venv/bin/python -m iei_sim.docking.bridge > games/school_firm.yaml`"
    )
