"""The docking-mode ABM: homogeneous agents, random matching, proportional imitation.

Each population is a vectorised array of agents (strategy 0 = the game's first strategy). One
step is one synchronous revision round, all from the state at the start of the round:

1. each agent revises with probability ρ (``revision_probability``);
2. a revising agent meets a uniformly drawn member of its own population (possibly itself) and
   sees both their payoffs from this round's random encounters: each of the two is matched
   with one uniformly drawn member of every other population and paid the game's payoff for
   the resulting profile;
3. if the member plays the other strategy and earned more, the agent switches to it with
   probability (π_member − π_own) / Δ, where Δ is the largest payoff spread of any population
   (so the probability never exceeds 1 and all populations share one clock).

Mean-field limit. For an agent playing the second strategy the chance of meeting a
first-strategy member is x, so the expected switch rate is ρ·x·E[(π_A − π_B)⁺]/Δ; the
reverse flow is ρ·(1 − x)·E[(π_B − π_A)⁺]/Δ per first-strategy agent. Because
a⁺ − (−a)⁺ = a, the net expected change of the share in one round is exactly

    E[x' − x | x] = (ρ/Δ) · x(1 − x) · (π_A(x) − π_B(x)),

the replicator field times ρ/Δ (realised payoffs from random matching enter only through their
expectation). So one step is ``dt = ρ/Δ`` units of ODE time; the fluctuations around this
mean are O(1/√N) per round, and the synchronous round is an Euler step of size dt, which
contributes an O(ρ) bias that vanishes as ρ → 0 (Schlag 1998; Helbing 1992; Sandholm 2010 ch. 5).

Every revising agent's encounter is drawn, also when its observed member plays the same
strategy (it then cannot switch); switches are applied after every decision of the round.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import mesa
import numpy as np

from iei_sim.docking import DEFAULT_REVISION_PROBABILITY
from iei_sim.docking.game import Game

MAX_RECORDED_POINTS = 400


class DockingModel(mesa.Model):
    """Populations of identical agents playing a :class:`Game` under proportional imitation.

    All agents sit in one strategy array (population after population), so one round is a
    fixed number of array operations whatever the number of populations.
    """

    def __init__(
        self,
        game: Game,
        agents: int | Sequence[int] = 2000,
        revision_probability: float = DEFAULT_REVISION_PROBABILITY,
        rng: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(rng=rng)
        if not 0.0 < revision_probability <= 1.0:
            raise ValueError("revision_probability must be in (0, 1]")
        n_pop = game.n_populations
        counts = [agents] * n_pop if isinstance(agents, int) else list(agents)
        if len(counts) != n_pop or min(counts) < 1:
            raise ValueError(f"need a positive agent count for each of {n_pop} populations")
        self.game = game
        # A game whose payoffs are all equal has nothing to imitate; any scale will do.
        self.scale = game.payoff_range if game.payoff_range > 0 else 1.0
        self.revision_probability = revision_probability
        self.dt = revision_probability / self.scale
        self.sizes = np.array(counts, dtype=np.intp)
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.intp)
        self.population_of = np.repeat(np.arange(n_pop), self.sizes)
        parts = []
        for n, share in zip(counts, game.initial, strict=True):
            first = round(share * n)  # the ODE's initial state, to the nearest agent
            population = np.ones(n, dtype=np.int8)
            population[:first] = 0
            parts.append(self.rng.permutation(population))
        self.state = np.concatenate(parts)  # 0 = first strategy, 1 = second
        # Payoff lookup: flat index p·2^P + Σ_q s_q·2^(P−1−q) into the raveled table.
        self._payoffs = game.table.ravel()
        self._place = 2 ** np.arange(n_pop - 1, -1, -1)
        self._sizes_twice = np.tile(self.sizes, 2)[:, None]
        self._offsets_twice = np.tile(self.offsets, 2)[:, None]

    @property
    def ode_time(self) -> float:
        """Elapsed ODE time: steps × ρ/Δ (Mesa's own ``time`` counts steps)."""
        return self.steps * self.dt

    @property
    def strategies(self) -> list[np.ndarray]:
        """Each population's strategies (views into the model's state)."""
        return [self.state[o : o + n] for o, n in zip(self.offsets, self.sizes, strict=True)]

    def shares(self) -> np.ndarray:
        """Share of each population playing its first strategy."""
        first = np.bincount(self.population_of, weights=self.state == 0, minlength=len(self.sizes))
        return first / self.sizes

    @property
    def fixated(self) -> bool:
        """Every population plays one strategy: imitation can change nothing any more."""
        return all(s.min() == s.max() for s in self.strategies)

    def step(self) -> None:
        """One synchronous round of revisions (see the module docstring)."""
        state = self.state
        revising = self._revisers(state.size)
        m = revising.size
        if m == 0:
            return
        n_pop = len(self.sizes)
        population = self.population_of[revising]
        draws = self.rng.random((2 * n_pop + 2, m))
        own = state[revising]
        member = self.offsets[population] + (draws[0] * self.sizes[population]).astype(np.intp)
        peer = state[member]  # a uniformly drawn member of the agent's population (maybe itself)
        # This round's encounters: rows 0..P−1 the agent's partner in each population, rows
        # P..2P−1 the observed member's; the row of their own population is their own strategy.
        encounters = self._offsets_twice + (draws[1:-1] * self._sizes_twice).astype(np.intp)
        profiles = state[encounters]
        columns = np.arange(m)
        profiles[population, columns] = own
        profiles[n_pop + population, columns] = peer
        base = population * 2**n_pop
        own_payoff = self._payoffs[base + self._place @ profiles[:n_pop]]
        peer_payoff = self._payoffs[base + self._place @ profiles[n_pop:]]
        switch = (own != peer) & (draws[-1] * self.scale < peer_payoff - own_payoff)
        state[revising[switch]] = peer[switch]  # decided on the round's start state: synchronous

    def _revisers(self, n: int) -> np.ndarray:
        """Indices of the agents revising this round: each independently with probability ρ.

        Gaps between successive revising agents are geometric, which draws O(ρn) numbers
        instead of n (the rule is the same; this only makes small ρ cheap).
        """
        rho = self.revision_probability
        if rho >= 0.5:
            return np.flatnonzero(self.rng.random(n) < rho)
        size = int(n * rho + 6.0 * math.sqrt(n * rho) + 10)
        positions = np.cumsum(self.rng.geometric(rho, size)) - 1
        while positions[-1] < n:
            more = np.cumsum(self.rng.geometric(rho, size)) + positions[-1]
            positions = np.concatenate([positions, more])
        return positions[: np.searchsorted(positions, n)]


def step_plan(
    game: Game, max_revision_probability: float = DEFAULT_REVISION_PROBABILITY
) -> tuple[int, float]:
    """(steps, revision probability) that reach the horizon exactly with ρ ≤ the maximum."""
    scale = game.payoff_range if game.payoff_range > 0 else 1.0
    steps = max(1, math.ceil(game.horizon * scale / max_revision_probability - 1e-9))
    return steps, game.horizon * scale / steps


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """Independent per-replicate seeds derived from one base seed (recorded in the output)."""
    children = np.random.SeedSequence(seed).spawn(replicates)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def simulate(
    game: Game,
    agents: int | Sequence[int] = 2000,
    replicates: int = 10,
    seed: int = 0,
    max_revision_probability: float = DEFAULT_REVISION_PROBABILITY,
    points: int = MAX_RECORDED_POINTS,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``replicates`` docking models; returns (times, shares of shape (R, T, P)).

    ``times`` are in ODE units (step × ρ/Δ), at most ``points`` + 1 of them from 0 to the
    horizon.
    """
    steps, rho = step_plan(game, max_revision_probability)
    record = np.unique(np.round(np.linspace(0, steps, min(steps, points) + 1)).astype(int))
    out = np.empty((replicates, record.size, game.n_populations))
    for r, child_seed in enumerate(replicate_seeds(seed, replicates)):
        model = DockingModel(game, agents, rho, rng=child_seed)
        out[r, 0] = model.shares()
        for i, target in enumerate(record[1:], start=1):
            if model.fixated:  # absorbing: the rest of the run is this state
                out[r, i:] = model.shares()
                break
            while model.steps < target:
                model.step()
            out[r, i] = model.shares()
        if progress is not None:
            progress(r + 1, replicates)
    return record * game.horizon / steps, out
