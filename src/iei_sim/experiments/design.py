"""Design points and the runs they expand to, with their seeds and keys.

A *point* is one assignment of values to the factors (plus, for a comparison, which scenario
file). A *run* is a point at one replicate, with a seed fixed by the seed policy, so the same
experiment always expands to the same runs, whatever executes them. Each run has a key derived
from what it computes (resolved scenario hash, seed, outcomes kept): the results store uses it to
skip finished runs when a killed experiment is started again.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from iei_sim.experiments.spec import Factor, LoadedExperiment
from iei_sim.resources import check_design_size, check_run_fits
from iei_sim.scenario import Scenario, load_scenario
from iei_sim.scenario.loading import dump_hash, read_yaml_file


@dataclass(frozen=True)
class Point:
    """One design point: a scenario (label and file) and values for the factors."""

    index: int
    scenario: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to compute one run (plain data, cheap to ship to a cluster)."""

    key: str
    point: int
    scenario_label: str
    values: dict[str, Any]
    replicate: int
    seed: int
    scenario: dict[str, Any]  # the resolved scenario, as JSON-ready data
    scenario_hash: str
    outcomes: tuple[str, ...]


def design_size(experiment: LoadedExperiment) -> int:
    """How many points :func:`design_points` will give, computed without listing them."""
    spec = experiment.spec
    factors = spec.factors
    if spec.design.kind == "explicit":
        combos = len(spec.design.points or [])
    elif not factors:
        combos = 1
    elif spec.design.kind == "full_factorial":
        combos = math.prod(
            len(f.values) if f.values is not None else (f.levels or 1) for f in factors.values()
        )
    else:
        combos = spec.design.samples or 1
    return combos * len(experiment.scenario_files)


def check_design(experiment: LoadedExperiment, replicates: int | None = None) -> None:
    """Refuse a design too large to plan or run (``ResourceLimitError`` with the numbers)."""
    replicates = experiment.spec.replicates if replicates is None else replicates
    check_design_size(design_size(experiment), replicates, f"experiment '{experiment.name}'")


def design_points(experiment: LoadedExperiment) -> list[Point]:
    """The experiment's design points, in a fixed order (refused first if too many)."""
    check_design(experiment)
    spec = experiment.spec
    factors = spec.factors
    if spec.design.kind == "explicit":
        combos = [dict(p) for p in spec.design.points or []]
    elif not factors:
        combos = [{}]
    elif spec.design.kind == "full_factorial":
        names = list(factors)
        grids = [_levels(factors[n]) for n in names]
        combos = [dict(zip(names, values, strict=True)) for values in itertools.product(*grids)]
    else:
        combos = latin_hypercube(factors, spec.design.samples or 1, spec.design.seed)
    labels = [scenario_label(f) for f in experiment.scenario_files]
    points: list[Point] = []
    for label in labels:
        for combo in combos:
            points.append(Point(len(points), label, combo))
    return points


def _levels(factor: Factor) -> list[Any]:
    if factor.values is not None:
        return list(factor.values)
    assert factor.low is not None and factor.high is not None and factor.levels is not None
    return [round(float(v), 12) for v in np.linspace(factor.low, factor.high, factor.levels)]


def latin_hypercube(factors: dict[str, Factor], samples: int, seed: int) -> list[dict[str, Any]]:
    """Stratified draws: each factor's range is cut into ``samples`` equal-probability strata
    and each stratum is used once (scipy's ``qmc.LatinHypercube``), mapped through the factor's
    distribution (its inverse CDF); a factor given as ``values`` draws one of them uniformly."""
    from scipy.stats import qmc  # here: a pool worker unpickling a RunTask must not load SciPy

    unit = qmc.LatinHypercube(d=len(factors), seed=np.random.default_rng(seed)).random(samples)
    rows: list[dict[str, Any]] = [{} for _ in range(samples)]
    for j, (name, factor) in enumerate(factors.items()):
        column = from_unit(factor, unit[:, j])
        for i in range(samples):
            rows[i][name] = column[i]
    return rows


def from_unit(factor: Factor, u: np.ndarray) -> list[Any]:
    """Map uniform [0, 1) draws to the factor's values (inverse CDF, clipped to its bounds)."""
    from scipy import stats

    if factor.values is not None:
        index = np.minimum((u * len(factor.values)).astype(int), len(factor.values) - 1)
        return [factor.values[i] for i in index]
    if factor.distribution == "uniform":
        x = factor.low + u * (factor.high - factor.low)
    elif factor.distribution == "triangular":
        width = factor.high - factor.low
        c = (factor.mode - factor.low) / width
        x = stats.triang.ppf(u, c, loc=factor.low, scale=width)
    elif factor.distribution == "normal":
        x = stats.norm.ppf(u, loc=factor.mean, scale=factor.sd)
    else:
        x = stats.lognorm.ppf(u, s=factor.sd, scale=np.exp(factor.mean))
    lo = -np.inf if factor.low is None else factor.low
    hi = np.inf if factor.high is None else factor.high
    return [float(v) for v in np.clip(x, lo, hi)]


def scenario_label(path) -> str:
    data = read_yaml_file(path)
    return str(data.get("name") or path.stem)


def plan_runs(
    experiment: LoadedExperiment,
    points: list[Point] | None = None,
    replicates: int | None = None,
) -> list[RunTask]:
    """Expand points × replicates into runs, resolving and validating each point's scenario."""
    spec = experiment.spec
    replicates = spec.replicates if replicates is None else replicates
    if points is None:
        check_design(experiment, replicates)
        points = design_points(experiment)
    else:
        check_design_size(len(points), replicates, f"experiment '{experiment.name}'")
    files = {scenario_label(f): f for f in experiment.scenario_files}
    outcomes = tuple(spec.outcome_names)
    tasks: list[RunTask] = []
    sizes_checked: set[tuple[int, ...]] = set()
    for point in points:
        scenario = resolve_point(experiment, files[point.scenario], point.values)
        size = _size_of(scenario)
        if size not in sizes_checked:  # a run that cannot fit is refused before any runs
            check_run_fits(scenario, f"point {point.index} of experiment '{experiment.name}'")
            sizes_checked.add(size)
        seeds = (
            [spec.seeds.first + r for r in range(replicates)]
            if spec.seeds.policy == "common"
            else [spec.seeds.first + point.index * replicates + r for r in range(replicates)]
        )
        tasks += point_tasks(
            scenario, point.index, point.scenario, dict(point.values), seeds, outcomes
        )
    return tasks


def point_tasks(
    scenario: Scenario,
    point: int,
    label: str,
    values: dict[str, Any],
    seeds: list[int],
    outcomes: tuple[str, ...],
) -> list[RunTask]:
    """One point's runs, replicate *i* with ``seeds[i]``; keyed by scenario hash, seed, outcomes."""
    data = scenario.model_dump(mode="json")
    digest = dump_hash(data)
    return [
        RunTask(
            key=run_key(digest, seed, outcomes),
            point=point,
            scenario_label=label,
            values=dict(values),
            replicate=replicate,
            seed=seed,
            scenario=data,
            scenario_hash=digest,
            outcomes=outcomes,
        )
        for replicate, seed in enumerate(seeds)
    ]


def _size_of(scenario: Scenario) -> tuple[int, ...]:
    regions = scenario.regions.values()
    return (
        scenario.steps,
        scenario.students.duration_vocational,
        scenario.students.duration_undergraduate,
        *(v for r in regions for v in (r.schools, r.firms, r.students_per_school)),
    )


def resolve_point(experiment: LoadedExperiment, file, values: dict[str, Any]) -> Scenario:
    """The scenario of one point: the file, the fixed overrides, then the factor values."""
    leaves_int = _integer_fields(experiment, file)
    overrides = dict(experiment.spec.overrides)
    for path, value in values.items():
        if path in leaves_int and isinstance(value, float):
            value = round(value)
        overrides[path] = value
    return load_scenario(file, overrides=overrides)


_INT_CACHE: dict[str, set[str]] = {}


def _integer_fields(experiment: LoadedExperiment, file) -> set[str]:
    """Dotted fields that hold integers (a sampled 3.7 steps or firms becomes 4)."""
    from iei_sim.experiments.spec import scenario_leaves

    key = str(file)
    if key not in _INT_CACHE:
        base = load_scenario(file, overrides=experiment.spec.overrides)
        _INT_CACHE[key] = {
            path
            for path, value in scenario_leaves(base).items()
            if isinstance(value, int) and not isinstance(value, bool)
        }
    return _INT_CACHE[key]


def run_key(scenario_digest: str, seed: int, outcomes: tuple[str, ...]) -> str:
    text = f"{scenario_digest}|{seed}|{','.join(outcomes)}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]
