"""The SALib *problem* of an experiment: factor names, bounds and distributions.

SALib describes the inputs of an analysis as a plain dict (``num_vars``, ``names``, ``bounds``,
``dists``); this module builds it from an experiment's levers and uncertainties, plus the
optional ``dummy`` factor. Two extra keys travel with it and SALib ignores them: ``kinds``
(lever / uncertainty / dummy, for reports) and ``clip`` (bounds applied after sampling, for
distributions SALib cannot truncate itself).

Mapping of an experiment ``Factor`` to SALib's ``dists``:

=================================  =========================================================
factor                             SALib
=================================  =========================================================
uniform ``low``–``high``           ``unif`` [low, high]
triangular ``low``/``mode``/``high``  ``triang`` [low, high, (mode − low)/(high − low)]
normal ``mean``/``sd``             ``norm`` [mean, sd]; with ``low`` and ``high``: ``truncnorm``
lognormal ``mean``/``sd`` (of log)  ``lognorm`` [mean, sd], then clipped to ``low``/``high``
=================================  =========================================================
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iei_sim.experiments.spec import Factor, LoadedExperiment
from iei_sim.validation import Problem

DUMMY = "dummy"

# SALib's triangular peak must lie in [0, 1); a mode at the upper bound is moved in by this much.
_PEAK_MAX = 1.0 - 1e-9


def check_experiment(experiment: LoadedExperiment) -> list[Problem]:
    """What stops an experiment from being a sensitivity analysis, one problem per cause."""
    spec = experiment.spec
    file = str(experiment.path)
    problems: list[Problem] = []
    if spec.method is None:
        problems.append(
            Problem(
                file,
                "method",
                "a sensitivity analysis needs a `method` section, e.g. "
                "`method: {name: sobol, samples: 256}` (sobol, morris, delta or pawn)",
            )
        )
    if spec.base is None:
        problems.append(
            Problem(file, "scenarios", "a sensitivity analysis varies one `base` scenario")
        )
    if not spec.factors:
        problems.append(
            Problem(
                file, "levers", "a sensitivity analysis needs at least one lever or uncertainty"
            )
        )
    for group, factors in (("levers", spec.levers), ("uncertainties", spec.uncertainties)):
        for path, factor in factors.items():
            field = f"{group}.{path}"
            if factor.values is not None:
                problems.append(
                    Problem(
                        file,
                        field,
                        "a sensitivity analysis needs a numeric range or distribution "
                        "(`low`/`high`, or `mean`/`sd`), not a list of `values` (lists are for "
                        "sweeps)",
                    )
                )
            elif (
                spec.method is not None
                and spec.method.name == "morris"
                and factor.distribution in ("normal", "lognormal")
                and (factor.low is None or factor.high is None)
            ):
                problems.append(
                    Problem(
                        file,
                        field,
                        f"Morris' grid reaches the 0 and 1 quantiles: give this "
                        f"{factor.distribution} factor `low` and `high` (or use a uniform or "
                        "triangular range)",
                    )
                )
    return problems


def build_problem(experiment: LoadedExperiment) -> dict[str, Any]:
    """SALib's problem dict for the experiment's factors (levers, then uncertainties, then dummy)."""
    spec = experiment.spec
    names: list[str] = []
    kinds: list[str] = []
    bounds: list[list[float]] = []
    dists: list[str] = []
    clip: list[tuple[float, float]] = []
    for kind, factors in (("lever", spec.levers), ("uncertainty", spec.uncertainties)):
        for path, factor in factors.items():
            dist, bound = salib_distribution(factor)
            names.append(path)
            kinds.append(kind)
            bounds.append(bound)
            dists.append(dist)
            low = -np.inf if factor.low is None else float(factor.low)
            high = np.inf if factor.high is None else float(factor.high)
            clip.append((low, high))
    if spec.include_dummy:
        names.append(DUMMY)
        kinds.append("dummy")
        bounds.append([0.0, 1.0])
        dists.append("unif")
        clip.append((0.0, 1.0))
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": bounds,
        "dists": dists,
        "kinds": kinds,
        "clip": clip,
    }


def salib_distribution(factor: Factor) -> tuple[str, list[float]]:
    """SALib's name and parameters of a numeric factor's distribution."""
    if factor.distribution == "uniform":
        return "unif", [float(factor.low), float(factor.high)]
    if factor.distribution == "triangular":
        width = float(factor.high) - float(factor.low)
        peak = min((float(factor.mode) - float(factor.low)) / width, _PEAK_MAX)
        return "triang", [float(factor.low), float(factor.high), peak]
    if factor.distribution == "normal":
        if factor.low is not None and factor.high is not None:
            return "truncnorm", [
                float(factor.low),
                float(factor.high),
                float(factor.mean),
                float(factor.sd),
            ]
        return "norm", [float(factor.mean), float(factor.sd)]
    return "lognorm", [float(factor.mean), float(factor.sd)]


def clip_to_bounds(problem: dict[str, Any], x: np.ndarray) -> np.ndarray:
    """Clip draws to the factors' own bounds (a lognormal with ``high``, a one-sided normal)."""
    low = np.array([b[0] for b in problem["clip"]], dtype=float)
    high = np.array([b[1] for b in problem["clip"]], dtype=float)
    return np.clip(x, low, high)


def salib_view(problem: dict[str, Any]) -> dict[str, Any]:
    """The problem restricted to the keys SALib reads (for printing or saving)."""
    return {k: problem[k] for k in ("num_vars", "names", "bounds", "dists")}
