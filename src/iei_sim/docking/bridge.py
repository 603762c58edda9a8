"""From the full model to the school × firm game: which scenario levers are which game parameters.

Docking a separate toy would prove nothing about ``IEIModel``. This module reads the full
model's own decision functions (``partnerships.orientation_values``, ``partnerships.firm_cost``,
``Incentives.expected_at_depth``, the search-cost rule of ``IEIModel``) and returns the
parameters of ``games/school_firm.yaml`` for one firm, so that with the model's other mechanisms
switched off the firm's participation decision *is* the game's payoff comparison:

    firm seeks a partner  with probability σ((b + E − K) / temperature)
    game: firm's payoff gap against a cooperating school = R_f − C_f + S + T − K

with b = R_f − C_f the firm's prior belief (no noise: ``learning.prior_noise: 0``; no
revision: ``learning.rule: none``), E = S + T the incentives it expects, K the search cost per
year. As the temperature goes to 0 the logit becomes the best reply to the game's payoffs;
the docking mode then replaces the model's belief learning by proportional imitation of
strategies, whose mean-field limit is the replicator equation.

Mapping (shallow rung, the rung a new partnership starts on; ``depth`` selects another):

| game | meaning | scenario levers |
|---|---|---|
| R_f | firm's gross value of a partnership-year | ``firms.rnd_value``, ``firms.education_value`` (+ payoff lag, probability, firm's discount rate and hiring), ``partnerships.interns`` × ``firms.intern_value`` / 2 |
| C_f | firm's outlay, and the technology the rung exposes | ``partnerships.firm_money``, ``firm_equipment``, ``mentor_hours`` × ``mentor_hour_cost``, ``firm_overhead``; ``knowledge.secrecy`` × tech level × ``transfer_rate`` × ``technology_value`` (knowledge on) |
| T | expected tax deduction | ``policy.tax_deduction`` (rate × spending; × (1 − strictness) if certified-only and not certified) |
| S | expected subsidies | ``policy.subsidies.per_intern`` × interns at the rung (+ ``per_deep_project`` at the deep rung) |
| K | firm's search cost per year | ``partnerships.search_cost``, ``candidates_per_search``, ``firms.planning_horizon``, ``policy.platform`` |
| R_s | school's value of a partnership-year | ``schools.cooperation_value`` + ``partnerships.firm_money`` + ``firm_equipment`` |
| C_s | school's coordination cost | ``schools.coordination_cost`` |
| K_s | school's outlay on a search that finds no partner | ``partnerships.search_cost`` × candidates (platform as for K) |
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

import yaml

from iei_sim import package_data
from iei_sim.docking.game import Game, validate_game
from iei_sim.mechanisms.incentives import Incentives
from iei_sim.mechanisms.knowledge import scenario_exposure_cost
from iei_sim.mechanisms.partnerships import firm_cost, orientation_values

if TYPE_CHECKING:
    from iei_sim.agents.firm import Firm
    from iei_sim.scenario.schema import Scenario

# Scenario settings that leave only the participation decision of docs/ODD.md §7.1 standing: no
# belief noise or revision, every school of standing 1 (κ = 1), no events, evaluations,
# projects on paper, brokerage or knowledge dynamics. Incentive and platform levers stay free.
# The game is a one-shot decision from the model's starting state, so there is no spin-up.
MECHANISMS_OFF: dict[str, object] = {
    "spin_up_years": 0,
    "learning.rule": "none",
    "learning.prior_noise": 0.0,
    "schools.reputation_sigma": 0.0,
    "schools.reputation_gain": 0.0,
    "risk.enabled": False,
    "knowledge.enabled": False,
    "policy.monitoring.intensity": 0.0,
    "firms.considers_on_paper": False,
    "associations.brokered_matches": 0.0,
}


@dataclass(frozen=True)
class FirmProfile:
    """The attributes of a firm that its participation decision reads."""

    region: str
    tech_level: float
    discount_rate: float
    hires_per_year: float
    size: str = "sme"
    certified: bool = False


def profile_of(firm: Firm) -> FirmProfile:
    """The decision-relevant attributes of a live model's firm."""
    return FirmProfile(
        region=firm.region,
        tech_level=firm.tech_level,
        discount_rate=firm.discount_rate,
        hires_per_year=firm.hires_per_year,
        size=firm.size,
        certified=firm.certified,
    )


def representative_firm(scenario: Scenario, region: str, size: str = "sme") -> FirmProfile:
    """A firm at the region's means (the model draws attributes around these)."""
    spec = scenario.regions[region]
    f = scenario.firms
    large = size == "large"
    return FirmProfile(
        region=region,
        tech_level=min(1.0, spec.tech_level + (0.1 if large else 0.0)),
        discount_rate=f.discount_rate_mean,
        hires_per_year=f.hires_per_year_large if large else f.hires_per_year_sme,
        size=size,
    )


def search_cost(scenario: Scenario) -> tuple[float, float]:
    """(firm's search cost per year K, outlay of one search K_s), as ``IEIModel`` sets them."""
    platform = scenario.policy.platform
    p = scenario.partnerships
    candidates = p.candidates_per_search + (platform.extra_candidates if platform.enabled else 0)
    per_candidate = p.search_cost * (
        1.0 - (platform.search_cost_reduction if platform.enabled else 0.0)
    )
    outlay = candidates * per_candidate
    return outlay / scenario.firms.planning_horizon, outlay


def school_firm_parameters(
    scenario: Scenario, firm: FirmProfile, depth: int = 1
) -> dict[str, float]:
    """Parameters of ``games/school_firm.yaml`` for ``firm`` under ``scenario``'s levers."""
    shim = SimpleNamespace(config=scenario)  # the model functions below read only ``config``
    d = depth - 1
    p, f, s = scenario.partnerships, scenario.firms, scenario.schools
    values = orientation_values(shim, firm, depth)  # type: ignore[arg-type]
    gross = max(values.values()) + 0.5 * p.interns[d] * f.intern_value
    subsidies = scenario.policy_for(firm.region).subsidies
    subsidy = subsidies.per_intern * p.interns[d] + (
        subsidies.per_deep_project if depth == 3 else 0
    )
    incentives = Incentives(shim).expected_at_depth(firm, depth)  # type: ignore[arg-type]
    k_firm, k_school = search_cost(scenario)
    return {
        "R_f": gross,
        "C_f": firm_cost(shim, depth, firm)  # type: ignore[arg-type]
        + scenario_exposure_cost(scenario, firm.tech_level, depth),
        "S": subsidy,
        "T": incentives - subsidy,
        "K": k_firm,
        "R_s": s.cooperation_value[d] + p.firm_money[d] + p.firm_equipment[d],
        "C_s": s.coordination_cost[d],
        "K_s": k_school,
    }


def logistic(gap: float, temperature: float) -> float:
    """The model's willingness rule: the chance of choosing to cooperate given a payoff gap."""
    return 1.0 / (1.0 + math.exp(min(700.0, -gap / temperature)))


# The school × firm game (profile order: school, firm). Defecting is the outside option (0);
# a side that seeks while the other does not pays its search outlay and gets nothing.
SCHOOL_FIRM_PAYOFFS: dict[str, dict[str, float | str]] = {
    "cooperate,cooperate": {"school": "R_s - C_s", "firm": "R_f - C_f + S + T - K"},
    "cooperate,defect": {"school": "-K_s", "firm": 0},
    "defect,cooperate": {"school": 0, "firm": "-K"},
    "defect,defect": {"school": 0, "firm": 0},
}
SCHOOL_FIRM_HORIZON = 10.0


def school_firm_data(
    scenario: Scenario, firm: FirmProfile, depth: int = 1, digits: int | None = None
) -> dict[str, object]:
    """Game-file data of the school × firm game of ``firm`` under ``scenario``.

    It starts from the model's own year-1 willingness: the chance that each side seeks a
    partner, σ(payoff gap / temperature).
    """
    parameters = school_firm_parameters(scenario, firm, depth)
    if digits is not None:
        parameters = {k: round(v, digits) + 0.0 for k, v in parameters.items()}
    temperature = scenario.learning.temperature
    school = logistic(parameters["R_s"] - parameters["C_s"], temperature)
    firm_share = logistic(
        parameters["R_f"] - parameters["C_f"] + parameters["S"] + parameters["T"] - parameters["K"],
        temperature,
    )
    if digits is not None:
        school, firm_share = round(school, digits), round(firm_share, digits)
    return {
        "name": "school_firm",
        "description": "School × firm participation game of the full model's firm decision "
        "(mechanisms other than incentives and search switched off).",
        "populations": {"school": ["cooperate", "defect"], "firm": ["cooperate", "defect"]},
        "parameters": parameters,
        "payoffs": SCHOOL_FIRM_PAYOFFS,
        "initial": {"school": school, "firm": firm_share},
        "horizon": SCHOOL_FIRM_HORIZON,
    }


def school_firm_game(scenario: Scenario, firm: FirmProfile, depth: int = 1) -> Game:
    """The school × firm game of ``firm`` under ``scenario`` (exact parameter values)."""
    return validate_game(
        school_firm_data(scenario, firm, depth), source="<bridge>", name="school_firm"
    )


def firm_gap(game: Game) -> float:
    """The firm's payoff gain from cooperating when the school cooperates: what the full
    model's seeking decision weighs."""
    return _gap(game, "firm")


def school_gap(game: Game) -> float:
    """The school's payoff gain from cooperating when the firm cooperates."""
    return _gap(game, "school")


def _gap(game: Game, population: str) -> float:
    p = game.populations.index(population)
    cooperate = [0] * game.n_populations
    defect = [0] * game.n_populations
    defect[p] = 1
    return float(game.table[(p, *cooperate)] - game.table[(p, *defect)])


def subsidy_threshold(parameters: dict[str, float]) -> float:
    """Subsidy per partnership-year above which mutual cooperation is a strict equilibrium
    (a stable corner of the replicator dynamics): S* = C_f + K − R_f − T."""
    return parameters["C_f"] + parameters["K"] - parameters["R_f"] - parameters["T"]


# The baseline scenario as the package ships it (a copy of the checkout's scenarios/baseline.yaml).
BASELINE = package_data.scenario_path("baseline.yaml")
RENDER_REGION, RENDER_SIZE = "east", "sme"


def render_school_firm_yaml(scenario_path: str | Path = BASELINE) -> str:
    """Text of ``games/school_firm.yaml``: the baseline's representative firm, generated so the
    shipped game cannot drift from the model (``tests/test_docking_bridge.py`` checks it)."""
    from iei_sim.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    data = school_firm_data(
        scenario, representative_firm(scenario, RENDER_REGION, RENDER_SIZE), digits=6
    )
    header = f"""\
# School × firm game of the baseline scenario (generated: python -m iei_sim.docking.bridge >
# games/school_firm.yaml; do not edit by hand). Parameters are the full model's values for a
# representative {RENDER_SIZE.upper()} of region '{RENDER_REGION}' (mean technology level, discount rate
# and hiring) at the shallow rung, read through iei_sim.docking.bridge:
#   R_f gross value to the firm of a partnership-year   C_f firm's outlay (spending, overhead, exposure)
#   S   expected subsidies    T expected tax deduction   K   firm's search cost per year
#   R_s school's value        C_s school's coordination cost
#   K_s school's outlay on a search that finds no partner
# Initial shares are the model's year-1 willingness σ(payoff gap / learning.temperature).
# Mutual cooperation is a stable corner only if S + T > C_f + K − R_f (the subsidy threshold).
"""
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None)
    return header + body


if __name__ == "__main__":
    print(render_school_firm_yaml(), end="")
