"""The multi-population replicator equations of a game: trajectories, rest points, stability.

For population ``p`` with share ``x_p`` playing its first strategy,

    dx_p/dt = x_p (1 − x_p) g_p(x),    g_p(x) = π_p(first | x) − π_p(second | x),

where π are expected payoffs against one random member of every other population (the standard
model of two- and three-population IEI games). ``g_p`` does not depend on ``x_p`` and is
multilinear in the others' shares, so the Jacobian has a closed form: at a pure-strategy corner
it is diagonal with entries (1 − 2x_p)·g_p, so a corner is asymptotically stable exactly when it
is a strict Nash equilibrium (every population strictly prefers its strategy there).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import root

from iei_sim.docking.game import Game

REST_TOLERANCE = 1e-6  # |dx/dt| below which a state counts as a rest point
EIGEN_TOLERANCE = 1e-9  # real parts this close to 0 count as 0


def gaps(game: Game, x: np.ndarray) -> np.ndarray:
    """g_p(x): payoff advantage of each population's first strategy."""
    payoffs = game.strategy_payoffs(x)
    return payoffs[:, 0] - payoffs[:, 1]


def rhs(game: Game, x: np.ndarray) -> np.ndarray:
    """Replicator vector field dx/dt."""
    x = np.asarray(x, dtype=float)
    return x * (1.0 - x) * gaps(game, x)


def jacobian(game: Game, x: np.ndarray) -> np.ndarray:
    """Analytic Jacobian of :func:`rhs` (``g_p`` is affine in each other share)."""
    x = np.asarray(x, dtype=float)
    n = game.n_populations
    g = gaps(game, x)
    jac = np.zeros((n, n))
    for p in range(n):
        jac[p, p] = (1.0 - 2.0 * x[p]) * g[p]
        for q in range(n):
            if q == p:
                continue
            high, low = x.copy(), x.copy()
            high[q], low[q] = 1.0, 0.0
            jac[p, q] = x[p] * (1.0 - x[p]) * (gaps(game, high)[p] - gaps(game, low)[p])
    return jac


def numeric_jacobian(game: Game, x: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """Central finite differences of :func:`rhs`: an independent check of :func:`jacobian`."""
    x = np.asarray(x, dtype=float)
    n = game.n_populations
    jac = np.zeros((n, n))
    for q in range(n):
        e = np.zeros(n)
        e[q] = step
        jac[:, q] = (rhs(game, x + e) - rhs(game, x - e)) / (2 * step)
    return jac


def solve(game: Game, times: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Integrate from ``game.initial`` over [0, horizon]; returns (times, shares (T, P))."""
    if times is None:
        times = np.linspace(0.0, game.horizon, 401)
    times = np.asarray(times, dtype=float)
    solution = solve_ivp(
        lambda _t, x: rhs(game, x),
        (0.0, float(times[-1])),
        game.initial,
        t_eval=times,
        method="DOP853",
        rtol=1e-10,
        atol=1e-12,
    )
    if not solution.success:  # pragma: no cover - the field is polynomial and bounded
        raise RuntimeError(f"replicator ODE failed: {solution.message}")
    return times, np.clip(solution.y.T, 0.0, 1.0)


@dataclass(frozen=True)
class RestPoint:
    """A rest point of the replicator equations and its linear stability."""

    shares: tuple[float, ...]
    kind: str  # corner, face (some populations mixed) or interior
    label: str
    eigenvalues: tuple[complex, ...]
    stability: str

    @property
    def stable(self) -> bool:
        return self.stability == "asymptotically stable"


def classify(eigenvalues: np.ndarray, tol: float = EIGEN_TOLERANCE) -> str:
    """Linear stability from the Jacobian's eigenvalues."""
    real = np.real(eigenvalues)
    if np.all(real < -tol):
        return "asymptotically stable"
    if np.all(real > tol):
        return "unstable (source)"
    if np.any(real > tol) and np.any(real < -tol):
        return "unstable (saddle)"
    if np.any(real > tol):
        return "unstable (non-hyperbolic)"
    if np.all(np.abs(real) <= tol) and np.any(np.abs(np.imag(eigenvalues)) > tol):
        return "neutral (centre: closed orbits around it)"
    return "non-hyperbolic (linearisation undecided)"


def _rest_point(game: Game, x: np.ndarray, kind: str, label: str) -> RestPoint:
    eig = np.linalg.eigvals(jacobian(game, x))
    eig = np.where(np.abs(eig.imag) < 1e-12, eig.real, eig)
    return RestPoint(
        shares=tuple(float(v) for v in x),
        kind=kind,
        label=label,
        eigenvalues=tuple(complex(e) for e in eig),
        stability=classify(eig),
    )


def corners(game: Game) -> list[RestPoint]:
    """Every pure-strategy profile with its eigenvalues (1 − 2x_p)·g_p and classification."""
    out = []
    for profile in game.profiles:
        x = np.array([1.0 - s for s in profile])
        out.append(_rest_point(game, x, "corner", game.profile_name(profile)))
    return out


def rest_points(game: Game, starts_per_axis: int = 3) -> list[RestPoint]:
    """All isolated rest points: corners, then mixed points on faces and in the interior.

    On a face where populations M are mixed and the others pure, a rest point solves g_p = 0
    for every p in M (multilinear equations, solved by Newton's method from a grid of starts;
    with two mixed populations the system is linear and one start suffices).
    """
    found = corners(game)
    n = game.n_populations
    grid = np.linspace(0.2, 0.8, starts_per_axis)
    for assignment in itertools.product((0, 1, None), repeat=n):
        mixed = [p for p, a in enumerate(assignment) if a is None]
        if len(mixed) < 2:  # one mixed population: g_p is then constant, so no isolated point
            continue
        base = np.array([0.0 if a is None else 1.0 - a for a in assignment])

        def system(y: np.ndarray, base: np.ndarray = base, mixed: list[int] = mixed) -> np.ndarray:
            x = base.copy()
            x[mixed] = y
            return gaps(game, x)[mixed]

        def derivative(
            y: np.ndarray, base: np.ndarray = base, mixed: list[int] = mixed
        ) -> np.ndarray:
            x = base.copy()
            x[mixed] = y
            return _gap_jacobian(game, x)[np.ix_(mixed, mixed)]

        starts = (
            [np.full(len(mixed), 0.5)]
            if len(mixed) == 2
            else itertools.product(grid, repeat=len(mixed))
        )
        solutions: list[np.ndarray] = []
        for start in starts:
            # Judged by the residual: "hybr" may report slow progress once it has converged.
            y = root(
                system,
                np.array(start, dtype=float),
                jac=derivative,
                method="hybr",
                options={"xtol": 1e-13, "maxfev": 200},
            ).x
            if not np.all(np.isfinite(y)) or np.max(np.abs(system(y))) > 1e-10:
                continue
            if np.any(y <= 1e-9) or np.any(y >= 1 - 1e-9):
                continue
            if any(np.max(np.abs(y - s)) < 1e-6 for s in solutions):
                continue
            solutions.append(y)
        for y in solutions:
            x = base.copy()
            x[mixed] = y
            kind = "interior" if len(mixed) == n else "face"
            label = ", ".join(
                f"{game.populations[p]}={x[p]:.3f}"
                if assignment[p] is None
                else f"{game.populations[p]}={game.strategies[p][assignment[p]]}"
                for p in range(n)
            )
            found.append(_rest_point(game, x, kind, label))
    return found


def _gap_jacobian(game: Game, x: np.ndarray) -> np.ndarray:
    """∂g_p/∂x_q: exact differences, since g_p is affine in each other share (0 on the diagonal)."""
    n = game.n_populations
    out = np.zeros((n, n))
    for q in range(n):
        high, low = x.copy(), x.copy()
        high[q], low[q] = 1.0, 0.0
        out[:, q] = gaps(game, high) - gaps(game, low)
        out[q, q] = 0.0
    return out


@dataclass(frozen=True)
class Outcome:
    """Where a trajectory ended: at or converging to a rest point, or still moving (cycles)."""

    final: tuple[float, ...]
    at_rest: bool
    speed: float
    rest_point: RestPoint | None  # reached, or stable and being approached
    distance: float  # from that rest point (max over populations)
    time_average: tuple[float, ...]

    def describe(self, game: Game) -> str:
        shares = ", ".join(
            f"{p} {v:.3f}" for p, v in zip(game.populations, self.final, strict=True)
        )
        if self.rest_point is not None:
            verb = "at" if self.at_rest else f"converging to (distance {self.distance:.1e})"
            return (
                f"{verb} rest point {self.rest_point.label} ({self.rest_point.stability}): {shares}"
            )
        if self.at_rest:
            return f"at rest (not an isolated rest point): {shares}"
        mean = ", ".join(
            f"{p} {v:.3f}" for p, v in zip(game.populations, self.time_average, strict=True)
        )
        return f"still moving at the horizon (|dx/dt| = {self.speed:.2g}); time average {mean}"


def outcome(game: Game, times: np.ndarray, shares: np.ndarray) -> Outcome:
    """Classify the end of an ODE trajectory against the game's rest points.

    A trajectory has *reached* a rest point when it is at rest within 10⁻³ of it; it is
    *converging* to one when that point is asymptotically stable, within 0.05, and the
    distance shrank over the last tenth of the run.
    """
    final = shares[-1]
    speed = float(np.max(np.abs(rhs(game, final))))
    at_rest = speed < REST_TOLERANCE
    points = rest_points(game)
    distances = np.array([np.max(np.abs(np.array(p.shares) - final)) for p in points])
    nearest: RestPoint | None = points[int(np.argmin(distances))]
    distance = float(distances.min())
    earlier = shares[int(0.9 * (len(shares) - 1))]
    before = float(np.max(np.abs(np.array(nearest.shares) - earlier)))
    reached = at_rest and distance < 1e-3
    converging = nearest.stable and distance < 0.05 and distance < before
    if not (reached or converging):
        nearest = None
    average = np.trapezoid(shares, times, axis=0) / (times[-1] - times[0])
    return Outcome(
        final=tuple(float(v) for v in final),
        at_rest=at_rest,
        speed=speed,
        rest_point=nearest,
        distance=distance,
        time_average=tuple(float(v) for v in average),
    )
