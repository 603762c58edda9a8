"""The docking-mode ABM against the replicator ODE.

Stated tolerance for the ABM mean over ``REPLICATES`` = 6 replicates (max over time and
populations of |ABM mean − ODE|, share units):

| games | N = 200 | N = 5000 |
|---|---|---|
| converging to a rest point (school_firm, subsidy_threshold, government_school_firm) | 0.20 | 0.035 |
| cycling (inspection, one cycle: phase drift accumulates along a neutral orbit) | 0.30 | 0.06 |

The tolerance shrinks with N like 1/√N (a factor 5 from 200 to 5000; the extra slack at
N = 200 is for replicates that fixate early or cross into the other basin). Offline, over 60
base seeds at N = 200 and 25 at N = 5000, the worst deviations seen were 0.141 and 0.026
(converging) and 0.226 and 0.043 (cycling); the 95th percentiles 0.115 / 0.020 and
0.163 / 0.034.

The error itself must shrink too: the mean over replicates of each replicate's largest
deviation must fall by at least half from N = 200 to N = 5000 (the √N law predicts a factor
0.2; offline, over 10 seeds, the mean ratio was 0.19–0.27 and the worst 0.39).

Each game gets its own base seed. Test horizons are cut to where the dynamics happen (one
cycle for the inspection game) to keep the suite fast; the ABM's revision probability per
step is 0.05 (0.02 for the cycling game, whose Euler-type bias accumulates).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from iei_sim.docking import abm, replicator
from iei_sim.docking.abm import DockingModel
from iei_sim.docking.game import load_game

GAMES = Path(__file__).resolve().parents[1] / "games"
REPLICATES = 6
SMALL, LARGE = 200, 5000
CONVERGING = {SMALL: 0.20, LARGE: 0.035}
CYCLING = {SMALL: 0.30, LARGE: 0.06}
# game: (test horizon, max revision probability, tolerance by N, base seed)
CASES = {
    "school_firm": (10.0, 0.05, CONVERGING, 101),
    "subsidy_threshold": (8.0, 0.05, CONVERGING, 202),
    "government_school_firm": (10.0, 0.05, CONVERGING, 303),
    "inspection": (11.0, 0.02, CYCLING, 404),
}


@pytest.fixture(scope="module")
def runs():
    cache: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}

    def get(name: str, agents: int) -> tuple[np.ndarray, np.ndarray]:
        if (name, agents) not in cache:
            horizon, rho, _, seed = CASES[name]
            game = load_game(GAMES / f"{name}.yaml").with_horizon(horizon)
            times, shares = abm.simulate(
                game, agents, REPLICATES, seed=seed, max_revision_probability=rho
            )
            _, ode = replicator.solve(game, times)
            cache[(name, agents)] = (shares, ode)
        return cache[(name, agents)]

    return get


@pytest.mark.parametrize("agents", [SMALL, LARGE])
@pytest.mark.parametrize("name", CASES)
def test_abm_mean_stays_within_tolerance_of_ode(runs, name: str, agents: int):
    shares, ode = runs(name, agents)
    tolerance = CASES[name][2][agents]
    deviation = np.max(np.abs(shares.mean(axis=0) - ode))
    assert deviation <= tolerance, (name, agents, deviation, tolerance)


@pytest.mark.parametrize("name", CASES)
def test_deviation_shrinks_as_agents_grow(runs, name: str):
    def replicate_deviation(agents: int) -> float:
        shares, ode = runs(name, agents)
        return float(np.mean(np.max(np.abs(shares - ode), axis=(1, 2))))

    small, large = replicate_deviation(SMALL), replicate_deviation(LARGE)
    assert large < 0.5 * small, (name, small, large)


@pytest.mark.parametrize("name", ["inspection", "government_school_firm"])
def test_one_step_moves_the_mean_by_dt_times_the_replicator_field(name: str):
    """The time scaling itself: E[x' − x] = (ρ/Δ)·x(1 − x)(π_first − π_second), per step."""
    game = load_game(GAMES / f"{name}.yaml")
    changes = []
    for seed in range(300):
        model = DockingModel(game, agents=2000, revision_probability=0.5, rng=seed)
        before = model.shares()
        model.step()
        changes.append(model.shares() - before)
    changes = np.array(changes)
    expected = model.dt * replicator.rhs(game, before)
    standard_error = changes.std(axis=0, ddof=1) / np.sqrt(len(changes))
    assert model.dt == pytest.approx(0.5 / game.payoff_range)
    assert np.all(np.abs(changes.mean(axis=0) - expected) < 4 * standard_error + 1e-12), (
        changes.mean(axis=0),
        expected,
        standard_error,
    )


def test_model_is_a_seeded_mesa_model_starting_at_the_ode_state():
    game = load_game(GAMES / "government_school_firm.yaml")
    a = DockingModel(game, agents=[300, 200, 101], rng=7)
    b = DockingModel(game, agents=[300, 200, 101], rng=7)
    c = DockingModel(game, agents=[300, 200, 101], rng=8)
    counts = [int(np.sum(s == 0)) for s in a.strategies]
    assert counts == [round(0.6 * 300), round(0.4 * 200), round(0.5 * 101)]
    for _ in range(50):
        for model in (a, b, c):
            model.step()
    assert a.steps == 50 and a.ode_time == pytest.approx(50 * a.dt)
    np.testing.assert_array_equal(a.state, b.state)  # same seed, same run
    assert not np.array_equal(a.state, c.state)


def test_a_lost_strategy_never_returns():
    """Imitation without mutation: a fixated population stays fixated (the corners absorb)."""
    game = load_game(GAMES / "inspection.yaml").with_initial({"government": 1.0})
    model = DockingModel(game, agents=500, revision_probability=0.5, rng=3)
    for _ in range(200):
        model.step()
        assert model.shares()[0] == 1.0
    assert model.shares()[1] > game.initial[1]  # under full inspection firms turn genuine


def test_simulate_reports_ode_time_and_stops_early_once_fixated():
    game = load_game(GAMES / "school_firm.yaml")
    steps, rho = abm.step_plan(game, 0.05)
    assert rho <= 0.05 and steps * rho / game.payoff_range == pytest.approx(game.horizon)
    times, shares = abm.simulate(game, 100, replicates=2, seed=1, max_revision_probability=0.05)
    assert times[0] == 0 and times[-1] == pytest.approx(game.horizon)
    assert shares.shape == (2, len(times), 2)
    assert np.all(shares[:, -1] == 0)  # both populations have defected by t = 10
