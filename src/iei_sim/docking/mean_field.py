"""A dock of ``IEIModel`` itself: its firms' decision rule against that rule's mean-field dynamics.

The replicator docking (:mod:`~iei_sim.docking.experiment`) checks a separate imitation model
against game theory; the bridge (:mod:`~iei_sim.docking.bridge`) checks that the full model's
year-1 decision is a game's payoff comparison. Neither says anything about the full model's own
dynamics: firms choosing by logit on beliefs that they smooth by reinforcement (docs/ODD.md
§7.1, §7.12). This module does.

With the mechanisms of :data:`MODEL_DOCK` off, a firm's year is (docs/docking.md, "A dock of
the model itself", has the derivation):

- without a partner it seeks one with chance q(b) = σ((b + E − K) / temperature) (or the best
  response, ``learning.choice``), b its belief, E the incentives it expects, K the search cost
  per year; a search costs it the outlay O and always finds a school that accepts;
- a new project is education-oriented with chance p_e (:func:`~iei_sim.mechanisms.partnerships.
  education_chance`); a year of it pays the firm the private net benefit x_e = V − C (education)
  or x_r = R − C (R&D), less O in the year it searched;
- each year it cooperated, its belief moves a share α toward what the year paid;
- every partnership ends at the year's review with chance β (informal ties, trust constant).

Firms then do not interact, so as the number of firms grows the share of firms in a partnership
converges to the mean of each firm's chance of being in one — the law of large numbers for
independent Markov chains. :func:`forward` computes those chances exactly (up to a fine belief
grid) by propagating each firm's distribution over (partner state, belief) year by year, in
model years. The ABM's share then differs from it by sampling noise alone, whose standard error
:func:`dock` reports: the test (``tests/test_docking_model.py``) holds the gap to 4 standard
errors in every year and shows that a mis-specified rule (no learning, the best response, an
incentive left out of the choice) is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from iei_sim.model import IEIModel
    from iei_sim.scenario.schema import Scenario

# Settings that leave the firms' participation decision, their belief learning and the
# partnerships' informal endings standing, and nothing else (docs/docking.md). Every
# mechanism that would make one firm's payoff depend on another's, on luck or on the past is off:
# no public funding (so schools, holding no money, screen no candidates and never propose: firms
# alone decide), no coordination cost for schools and a school value far above the prior noise
# (every school accepts), room for every firm (capacity never binds), no R&D value (R&D output
# is the one noisy payoff) and an education payoff that arrives the same year for sure, trust
# that never moves (no deepening, no dissolution on trust), no formal contracts, one partnership
# per firm. Policy levers stay free; incentives are on only where a scenario switches them on.
MODEL_DOCK: dict[str, object] = {
    "spin_up_years": 0,
    "learning.rule": "reinforcement",
    "mechanisms.governments": False,
    "mechanisms.associations": False,
    "mechanisms.knowledge": False,
    "mechanisms.teachers": False,
    "mechanisms.students": False,
    "mechanisms.risk": False,
    "mechanisms.labour_market": False,
    "mechanisms.monitoring": False,
    "mechanisms.reputation": False,
    "schools.budget_per_student": 0.0,
    "schools.coordination_cost": [0.0, 0.0, 0.0],
    "schools.cooperation_value": [20.0, 20.0, 20.0],
    "schools.max_partnerships_per_programme": 1000,
    "schools.reputation_sigma": 0.0,
    "partnerships.firm_money": [0.0, 0.0, 0.0],
    "partnerships.trust_gain": 0.0,
    "partnerships.trust_loss": 0.0,
    "contracts.formal_share": 0.0,
    "firms.rnd_value": [0.0, 0.0, 0.0],
    "firms.education_payoff_lag": 0,
    "firms.education_payoff_probability": 1.0,
    "firms.max_partnerships_large": 1,
    "firms.max_partnerships_sme": 1,
    "firms.considers_on_paper": False,
}
GRID_POINTS = 201  # belief grid per firm: the grid error is below 1e-4 (tests/test_docking_model)


@dataclass(frozen=True)
class FirmChains:
    """What each firm's yearly chain reads, one entry per firm (10k CNY where money)."""

    belief: np.ndarray  # b at the start (the model's prior draw)
    expected_incentives: np.ndarray  # E
    search_cost_per_year: float  # K
    search_outlay: np.ndarray  # O: candidates reached × cost per candidate
    education_payoff: np.ndarray  # x_e = V − C
    rnd_payoff: np.ndarray  # x_r = R − C
    education_chance: np.ndarray  # p_e
    learning_rate: float  # α
    ending_chance: float  # β
    temperature: float
    best_response: bool


def chains_of(model: IEIModel) -> FirmChains:
    """Each firm's chain parameters, read from a built model (before its first year) through
    the model's own functions."""
    from iei_sim.mechanisms import partnerships as p

    cfg = model.config
    market = model.market
    firms = model.firm_list
    reached = np.array(
        [min(market.search_candidates, market.home_pool_size(f)) for f in firms], dtype=float
    )
    cost = np.array([p.firm_cost(model, 1, f) for f in firms])
    # The school enters p_e only through R&D value × its research capacity, and R&D value is 0
    # under MODEL_DOCK: p_e is the same against any school.
    school = model.school_list[0]
    return FirmChains(
        belief=model.firms.belief.copy(),
        expected_incentives=np.array([model.incentives.expected_for_firm(f) for f in firms]),
        search_cost_per_year=market.search_cost_per_year,
        search_outlay=reached * market.search_cost_per_candidate,
        education_payoff=np.array([p.education_value(model, f, 1) for f in firms]) - cost,
        rnd_payoff=np.array([p.rnd_value(model, f, 1) for f in firms]) - cost,
        education_chance=np.array([p.education_chance(model, f, school) for f in firms]),
        learning_rate=cfg.learning.rate if cfg.learning.rule != "none" else 0.0,
        ending_chance=cfg.contracts.informal_breakup_rate,
        temperature=cfg.learning.temperature,
        best_response=cfg.learning.choice == "best_response",
    )


def seek_chance(chains: FirmChains, belief: np.ndarray) -> np.ndarray:
    """q(b): the firm's logit (or best-response) chance of seeking, row by row of ``belief``."""
    gap = belief + chains.expected_incentives[:, None] - chains.search_cost_per_year
    if chains.best_response:
        return (gap > 0).astype(float)
    return 0.5 * (1.0 + np.tanh(0.5 * gap / chains.temperature))  # σ without overflow


def forward(chains: FirmChains, years: int, grid_points: int = GRID_POINTS) -> np.ndarray:
    """Each firm's chance of being in a partnership at the end of years 1 … ``years``
    (shape years × firms): the forward (Kolmogorov) equation of the chains in docs/docking.md.

    Each firm's belief lives on its own grid spanning its prior and the payoffs it can learn
    from (learning only moves a belief toward them, so it never leaves that span); a belief
    that falls between grid points is split between the two neighbours so that its mean is
    kept. The prior is a grid point.
    """
    n, g = len(chains.belief), grid_points
    b0 = chains.belief
    targets = np.stack(
        [
            chains.education_payoff - chains.search_outlay,
            chains.rnd_payoff - chains.search_outlay,
            chains.education_payoff,
            chains.rnd_payoff,
        ]
    )
    low = np.minimum(b0, targets.min(axis=0)) - 1e-9
    high = np.maximum(b0, targets.max(axis=0)) + 1e-9
    step = (high - low) / (g - 2)
    start = np.floor((b0 - low) / step)
    low = b0 - start * step  # the prior on a grid point; the grid still covers the span
    grid = low[:, None] + step[:, None] * np.arange(g)
    alpha, beta = chains.learning_rate, chains.ending_chance
    p_e = chains.education_chance[:, None]
    free = np.zeros((n, g))  # no partner at the start of the year
    free[np.arange(n), start.astype(int)] = 1.0
    education = np.zeros((n, g))  # in an education-oriented partnership
    rnd = np.zeros((n, g))  # in an R&D partnership
    rows = np.arange(n)[:, None] * g

    def moved(mass: np.ndarray, payoff: np.ndarray) -> np.ndarray:
        """``mass`` after a cooperating year paying ``payoff``: b → b + α(payoff − b)."""
        belief = grid + alpha * (payoff[:, None] - grid)
        at = np.clip((belief - low[:, None]) / step[:, None], 0.0, g - 1.0 - 1e-9)
        below = np.floor(at)
        upper = at - below
        index = (rows + below.astype(int)).ravel()
        out = np.bincount(index, (mass * (1.0 - upper)).ravel(), minlength=n * g)
        out += np.bincount(index + 1, (mass * upper).ravel(), minlength=n * g)
        return out.reshape(n, g)

    shares = np.empty((years, n))
    for year in range(years):
        seeking = free * seek_chance(chains, grid)
        new_education = moved(seeking * p_e, targets[0])
        new_rnd = moved(seeking * (1.0 - p_e), targets[1])
        education = moved(education, targets[2]) + new_education
        rnd = moved(rnd, targets[3]) + new_rnd
        free = free - seeking + beta * (education + rnd)
        education, rnd = (1.0 - beta) * education, (1.0 - beta) * rnd
        shares[year] = education.sum(axis=1) + rnd.sum(axis=1)
    return shares


@dataclass(frozen=True)
class ReplicateDock:
    """One seed: the ABM's participation by year and the forward equation's, from the same
    initial population."""

    seed: int
    chains: FirmChains
    model: np.ndarray  # share of firms in a partnership, years 1 … T
    mean_field: np.ndarray  # expected share
    variance: np.ndarray  # Σ_i P_i(1 − P_i) / N²: the sampling variance of the model's share

    @classmethod
    def of(cls, seed: int, chains: FirmChains, model: np.ndarray) -> ReplicateDock:
        """The forward equation of ``chains`` beside the model's shares ``model``."""
        shares = forward(chains, len(model))
        return cls(
            seed=seed,
            chains=chains,
            model=model,
            mean_field=shares.mean(axis=1),
            variance=(shares * (1.0 - shares)).sum(axis=1) / shares.shape[1] ** 2,
        )


def dock_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """``path`` with :data:`MODEL_DOCK` (and then ``overrides``) applied."""
    from iei_sim.scenario import load_scenario

    scenario = load_scenario(path, overrides={**MODEL_DOCK, **(overrides or {})})
    for key, needed in MODEL_DOCK.items():
        value: Any = scenario
        for part in key.split("."):
            value = getattr(value, part)
        if (list(value) if isinstance(value, tuple) else value) != needed:
            raise ValueError(
                f"{path}: {key} = {value!r} breaks the dock's derivation (docs/docking.md), "
                f"which needs {needed!r}; override policy levers only"
            )
    return scenario


def dock_replicate(scenario: Scenario, seed: int) -> ReplicateDock:
    """Run ``scenario`` (already docked) at ``seed`` and its forward equation side by side."""
    from iei_sim.model import IEIModel

    model = IEIModel(scenario, seed=seed)
    chains = chains_of(model)
    observed = np.empty(scenario.steps)
    for year in range(scenario.steps):
        model.step()
        observed[year] = np.mean([bool(firm.partnerships) for firm in model.firm_list])
    return ReplicateDock.of(seed, chains, observed)


@dataclass(frozen=True)
class ModelDock:
    """Replicates side by side: the mean gap by year and its standard error."""

    replicates: list[ReplicateDock]

    def against(self, **chain_parameters: Any) -> ModelDock:
        """The same model runs against the mean field of another rule: ``chain_parameters``
        replace those of every replicate's chains (``learning_rate=0.0``: no learning), to show
        that the comparison can fail."""
        return ModelDock(
            [
                ReplicateDock.of(r.seed, replace(r.chains, **chain_parameters), r.model)
                for r in self.replicates
            ]
        )

    @property
    def years(self) -> np.ndarray:
        return np.arange(1, len(self.replicates[0].model) + 1)

    @property
    def model_mean(self) -> np.ndarray:
        return np.mean([r.model for r in self.replicates], axis=0)

    @property
    def mean_field_mean(self) -> np.ndarray:
        return np.mean([r.mean_field for r in self.replicates], axis=0)

    @property
    def gap(self) -> np.ndarray:
        """Model minus mean field, averaged over replicates (each against its own start)."""
        return self.model_mean - self.mean_field_mean

    @property
    def standard_error(self) -> np.ndarray:
        """Of :attr:`gap` under the mean field: replicates are independent, and within one the
        firms' chains are."""
        return np.sqrt(np.sum([r.variance for r in self.replicates], axis=0)) / len(self.replicates)

    @property
    def z(self) -> np.ndarray:
        """Gap in standard errors, by year."""
        return self.gap / self.standard_error


def dock(
    path: str | Path,
    overrides: dict[str, Any] | None = None,
    replicates: int = 10,
    seed: int = 0,
    workers: int = 1,
) -> ModelDock:
    """Dock ``path`` (with :data:`MODEL_DOCK`) over seeds ``seed`` … ``seed + replicates − 1``;
    the result does not depend on ``workers``."""
    scenario = dock_scenario(path, overrides)
    seeds = range(seed, seed + replicates)
    if workers <= 1:
        runs = [dock_replicate(scenario, s) for s in seeds]
    else:
        from iei_sim.experiments.executors import process_pool

        with process_pool(workers) as pool:
            runs = list(pool.map(dock_replicate, [scenario] * replicates, seeds))
    return ModelDock(runs)
