"""The replicator side of docking: stability of corners against hand-derived conditions,
the analytic Jacobian against finite differences, rest points against closed forms, and the
integrator against the inspection game's constant of motion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from iei_sim.docking import replicator as rep
from iei_sim.docking.game import Game, load_game, validate_game

ROOT = Path(__file__).resolve().parents[1]
GAMES = ROOT / "games"
SHIPPED = sorted(GAMES.glob("*.yaml"))


def corner(game: Game, profile: str) -> rep.RestPoint:
    return next(c for c in rep.corners(game) if c.label == profile)


def eig(game: Game, profile: str) -> np.ndarray:
    """Corner eigenvalues in population order (the corner Jacobian is diagonal)."""
    point = corner(game, profile)
    jac = rep.jacobian(game, np.array(point.shares))
    assert np.count_nonzero(jac - np.diag(np.diag(jac))) == 0
    np.testing.assert_allclose(sorted(np.diag(jac)), sorted(np.real(point.eigenvalues)))
    return np.diag(jac)


# ---------------------------------------------------------------------------------------------
# School × firm with a subsidy: mutual cooperation is stable only above S* = C_f + K − R_f − T.


@pytest.mark.parametrize("offset", [-1.0, -0.05, -0.001, 0.001, 0.05, 1.0])
def test_subsidy_threshold_corner_conditions(offset: float):
    base = load_game(GAMES / "subsidy_threshold.yaml")
    p = base.parameters
    threshold = p["C_f"] + p["K"] - p["R_f"] - p["T"]
    game = base.with_parameters({"S": threshold + offset})
    firm_gain = p["R_f"] - p["C_f"] + (threshold + offset) + p["T"] - p["K"]  # = offset
    # Hand-derived eigenvalues λ = (1 − 2x)·(π(first) − π(second)) at each corner:
    expected = {
        "cooperate,cooperate": [-(p["R_s"] - p["C_s"]), -firm_gain],
        "cooperate,defect": [p["K_s"], firm_gain],
        "defect,cooperate": [p["R_s"] - p["C_s"], p["K"]],
        "defect,defect": [-p["K_s"], -p["K"]],
    }
    for profile, values in expected.items():
        np.testing.assert_allclose(eig(game, profile), values, atol=1e-12)
    assert corner(game, "cooperate,cooperate").stable == (offset > 0)
    assert corner(game, "defect,defect").stable  # search costs make the trap stable throughout
    assert not corner(game, "defect,cooperate").stable


def test_subsidy_threshold_saddle_and_basins():
    game = load_game(GAMES / "subsidy_threshold.yaml")
    p = game.parameters
    # Interior rest point: each side indifferent. The firm is indifferent when the school's
    # share is K / (R_f − C_f + S + T); the school when the firm's share is K_s / (R_s − C_s + K_s).
    school = p["K"] / (p["R_f"] - p["C_f"] + p["S"] + p["T"])
    firm = p["K_s"] / (p["R_s"] - p["C_s"] + p["K_s"])
    interior = [r for r in rep.rest_points(game) if r.kind == "interior"]
    assert len(interior) == 1
    np.testing.assert_allclose(interior[0].shares, [school, firm], atol=1e-9)
    assert interior[0].stability == "unstable (saddle)"
    # Above the threshold the shipped start reaches mutual cooperation; below it, defection.
    assert rep.outcome(game, *rep.solve(game)).rest_point.label == "cooperate,cooperate"
    below = game.with_parameters({"S": 1.0})
    assert rep.outcome(below, *rep.solve(below)).rest_point.label == "defect,defect"


def test_baseline_school_firm_game_has_cooperation_unstable():
    """The baseline's own firm (no incentives) is below the threshold: firms defect."""
    game = load_game(GAMES / "school_firm.yaml")
    p = game.parameters
    assert p["S"] + p["T"] < p["C_f"] + p["K"] - p["R_f"]
    assert corner(game, "cooperate,cooperate").stability == "unstable (saddle)"
    assert rep.outcome(game, *rep.solve(game)).rest_point.label == "defect,defect"


# ---------------------------------------------------------------------------------------------
# Inspection game: matching-pennies-like, all corners saddles, a centre inside.


def test_inspection_corners_are_saddles_and_interior_is_a_centre():
    game = load_game(GAMES / "inspection.yaml")
    p = game.parameters
    a_p, total = p["a"] * p["P"], p["a"] * p["P"] + p["L"]
    # Government gain from inspecting at firm share y genuine: total·(1 − y) − C_i;
    # firm gain from genuine at inspection share x: a·P·x − G.
    np.testing.assert_allclose(eig(game, "inspect,genuine"), [p["C_i"], -(a_p - p["G"])])
    np.testing.assert_allclose(eig(game, "inspect,on_paper"), [-(total - p["C_i"]), a_p - p["G"]])
    np.testing.assert_allclose(eig(game, "not_inspect,genuine"), [-p["C_i"], p["G"]])
    np.testing.assert_allclose(eig(game, "not_inspect,on_paper"), [total - p["C_i"], -p["G"]])
    assert all(c.stability == "unstable (saddle)" for c in rep.corners(game))
    x, y = p["G"] / a_p, 1 - p["C_i"] / total
    (interior,) = [r for r in rep.rest_points(game) if r.kind == "interior"]
    np.testing.assert_allclose(interior.shares, [x, y], atol=1e-9)
    omega = np.sqrt(x * (1 - x) * y * (1 - y) * a_p * total)
    values = np.array(interior.eigenvalues)
    np.testing.assert_allclose(np.abs(values.real), 0, atol=1e-9)
    np.testing.assert_allclose(sorted(values.imag), [-omega, omega], rtol=1e-9)
    assert interior.stability.startswith("neutral (centre")


def test_ode_conserves_the_inspection_constant_of_motion():
    """H = B[x* ln x + (1−x*) ln(1−x)] + A[y* ln y + (1−y*) ln(1−y)] is constant on orbits."""
    game = load_game(GAMES / "inspection.yaml")
    p = game.parameters
    b, a = p["a"] * p["P"], p["a"] * p["P"] + p["L"]
    xs, ys = p["G"] / b, 1 - p["C_i"] / a
    _, shares = rep.solve(game)
    x, y = shares[:, 0], shares[:, 1]
    h = b * (xs * np.log(x) + (1 - xs) * np.log(1 - x)) + a * (
        ys * np.log(y) + (1 - ys) * np.log(1 - y)
    )
    assert np.ptp(h) < 1e-7
    assert np.ptp(x) > 0.4  # it really cycles
    outcome = rep.outcome(game, *rep.solve(game))
    assert not outcome.at_rest


# ---------------------------------------------------------------------------------------------
# Three populations: the government × school × firm game.


def test_government_game_corners_by_hand():
    game = load_game(GAMES / "government_school_firm.yaml")
    p = game.parameters
    np.testing.assert_allclose(
        eig(game, "cooperate,cooperate,support"),
        [
            -(p["R_s"] - p["C_s"]),
            -(p["R_f"] - p["C_f"] + p["S"] + p["T"]),
            -(p["B_g"] - p["C_g"] - p["S"] - p["theta"] * p["B_g"]),
        ],
    )
    np.testing.assert_allclose(
        eig(game, "defect,defect,support"),
        [-p["K_s"], -p["K"], -(p["L_g"] - p["C_g"])],
    )
    np.testing.assert_allclose(
        eig(game, "cooperate,cooperate,withdraw"),
        [
            -(p["R_s"] - p["C_s"]),
            -(p["R_f"] - p["C_f"]),
            p["B_g"] - p["C_g"] - p["S"] - p["theta"] * p["B_g"],
        ],
    )
    stable = sorted(c.label for c in rep.corners(game) if c.stable)
    assert stable == ["cooperate,cooperate,support", "defect,defect,support"]
    assert rep.outcome(game, *rep.solve(game)).rest_point.label == "cooperate,cooperate,support"


# ---------------------------------------------------------------------------------------------
# General properties, on the shipped games and on random ones.


def random_game(rng: np.random.Generator, populations: int) -> Game:
    names = [f"p{i}" for i in range(populations)]
    profiles = (
        np.array(np.meshgrid(*[[0, 1]] * populations, indexing="ij")).reshape(populations, -1).T
    )
    payoffs = {
        ",".join("ab"[s] for s in profile): {n: float(rng.normal()) for n in names}
        for profile in profiles
    }
    return validate_game(
        {
            "populations": {n: ["a", "b"] for n in names},
            "payoffs": payoffs,
            "initial": {n: float(rng.uniform(0.1, 0.9)) for n in names},
            "horizon": 5,
        }
    )


def strict_nash(game: Game, profile: tuple[int, ...]) -> bool:
    """Brute force: every population strictly loses by deviating alone."""
    for p in range(game.n_populations):
        deviation = list(profile)
        deviation[p] = 1 - profile[p]
        if game.table[(p, *profile)] <= game.table[(p, *deviation)]:
            return False
    return True


GAME_CASES = [("shipped", path) for path in SHIPPED] + [
    ("random", (s, n)) for s in range(6) for n in (2, 3)
]


@pytest.mark.parametrize(("kind", "spec"), GAME_CASES, ids=[str(c[1])[-30:] for c in GAME_CASES])
def test_corner_stable_iff_strict_nash_and_jacobian_matches_differences(kind, spec):
    game = (
        load_game(spec)
        if kind == "shipped"
        else random_game(np.random.default_rng(spec[0]), spec[1])
    )
    for point in rep.corners(game):
        profile = tuple(int(1 - v) for v in point.shares)
        assert point.stable == strict_nash(game, profile), point
    rng = np.random.default_rng(7)
    for x in rng.uniform(0.05, 0.95, size=(5, game.n_populations)):
        np.testing.assert_allclose(rep.jacobian(game, x), rep.numeric_jacobian(game, x), atol=1e-7)
    for point in rep.rest_points(game):
        assert np.max(np.abs(rep.rhs(game, np.array(point.shares)))) < 1e-9
