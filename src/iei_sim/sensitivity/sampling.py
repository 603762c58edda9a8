"""Sample matrices from SALib, and the nested sub-samples that convergence is measured on.

Each method draws from its own SALib sampler, seeded by ``method.seed``, so the same experiment
always gives the same matrix (and hence the same runs, which is what lets a killed analysis
resume):

* ``sobol``: Saltelli's scheme on a scrambled Sobol' sequence (``SALib.sample.sobol``). Rows come
  in blocks of ``D + 2`` (``2D + 2`` with second order), one block per base sample: A, the D
  cross-samples AB_j, [the D BA_j,] B. The first ``k`` blocks are exactly the matrix SALib draws
  for a base sample of ``k`` (the Sobol' sequence is extensible), so for ``k`` a power of 2 the
  leading rows are a smaller, equally valid Saltelli design.
* ``morris``: ``samples`` trajectories of ``D + 1`` rows (``SALib.sample.morris``); the first
  ``k`` trajectories are a valid smaller design.
* ``delta`` and ``pawn``: a Latin hypercube of ``samples`` rows (``SALib.sample.latin``); its
  first ``k`` rows are a random sub-sample (no longer stratified, still unbiased).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from SALib.sample import latin
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from iei_sim.experiments.spec import Method
from iei_sim.sensitivity.problem import clip_to_bounds, salib_view

# Convergence is shown on the leading 1/8, 1/4, 1/2 and all of the sample …
SUBSET_FRACTIONS = (8, 4, 2, 1)
# … as long as a subset keeps at least this many base samples / trajectories / points.
MIN_SUBSET = {"sobol": 4, "morris": 2, "delta": 20, "pawn": 20}


def sample(problem: dict[str, Any], method: Method) -> np.ndarray:
    """The method's sample matrix (rows: points; columns: ``problem["names"]``)."""
    view = salib_view(problem)
    if method.name == "sobol":
        x = sobol_sample.sample(
            view, method.samples, calc_second_order=method.second_order, seed=method.seed
        )
    elif method.name == "morris":
        x = morris_sample.sample(view, method.samples, num_levels=method.levels, seed=method.seed)
    else:
        x = latin.sample(view, method.samples, seed=method.seed)
    return clip_to_bounds(problem, np.asarray(x, dtype=float))


def block_size(problem: dict[str, Any], method: Method) -> int:
    """Rows per base sample (sobol), per trajectory (morris), or 1 (a Latin hypercube)."""
    d = problem["num_vars"]
    if method.name == "sobol":
        return 2 * d + 2 if method.second_order else d + 2
    if method.name == "morris":
        return d + 1
    return 1


def subset_sizes(method: Method) -> list[int]:
    """Nested sample sizes (in ``method.samples`` units) for the convergence table."""
    sizes = {method.samples // f for f in SUBSET_FRACTIONS if method.samples >= f}
    kept = sorted({s for s in sizes if s >= MIN_SUBSET[method.name]} | {method.samples})
    return kept


def leading_rows(problem: dict[str, Any], method: Method, size: int) -> int:
    """Number of leading matrix rows that make up a design of ``size`` samples."""
    return size * block_size(problem, method)
