"""Sensitivity indices from a sample matrix and its outputs, through SALib.

One long table per analysis: ``outcome, factor, index, value, conf``, where ``conf`` is the
half-width of the 95% bootstrap interval SALib reports (``S1_conf``, ``ST_conf``, ``S2_conf``,
``mu_star_conf``, ``delta_raw_conf``). Indices per method:

* ``sobol``: ``S1`` (first order, Saltelli 2010), ``ST`` (total effect, Jansen 1999) and with
  second order ``S2`` (factor ``a:b``);
* ``morris``: ``mu_star`` (mean absolute elementary effect, in outcome units per full range of
  the factor's unit cube … SALib's Δ scaling), ``sigma`` (their spread: interactions or
  non-linearity) and ``mu`` (signed mean); only ``mu_star`` has an interval;
* ``delta``: Borgonovo's ``delta`` (SALib's ``delta_raw``: bootstrap of the data as sampled);
* ``pawn``: the median over conditioning slices of the Kolmogorov–Smirnov distance (``pawn``).
  SALib gives no interval for PAWN; ``conf`` is the half-width of a 95% normal interval from
  ``resamples`` bootstrap re-analyses (rows drawn with replacement).

The functions take any ``x``/``y``: the model's replicate means, or an analytic test function
(the tests push Ishigami through the same path).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import delta as delta_analyze
from SALib.analyze import morris as morris_analyze
from SALib.analyze import pawn as pawn_analyze
from SALib.analyze import sobol as sobol_analyze
from scipy.stats import norm

from iei_sim.experiments.spec import Method
from iei_sim.sensitivity.problem import salib_view

CONF_LEVEL = 0.95
MAIN_INDEX = {"sobol": "ST", "morris": "mu_star", "delta": "delta", "pawn": "pawn"}
COLUMNS = ["outcome", "factor", "index", "value", "conf"]


def analyze(problem: dict[str, Any], method: Method, x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """Indices of one output: columns ``factor, index, value, conf``."""
    y = np.asarray(y, dtype=float)
    if np.isnan(y).any():
        raise ValueError("outputs contain NaN: every sample row needs a finished run")
    view = salib_view(problem)
    names = list(problem["names"])
    seed = method.seed + 1  # SALib treats a seed of 0 as "no seed"
    rows: list[dict[str, Any]] = []

    def add(index: str, values: Any, confs: Any = None) -> None:
        values = _floats(values)
        confs = _floats(confs) if confs is not None else np.full(len(values), np.nan)
        for name, value, conf in zip(names, values, confs, strict=True):
            rows.append({"factor": name, "index": index, "value": value, "conf": conf})

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method.name == "sobol":
            si = sobol_analyze.analyze(
                view,
                y,
                calc_second_order=method.second_order,
                num_resamples=method.resamples,
                conf_level=CONF_LEVEL,
                seed=seed,
            )
            add("S1", si["S1"], si["S1_conf"])
            add("ST", si["ST"], si["ST_conf"])
            if method.second_order:
                for j in range(len(names)):
                    for k in range(j + 1, len(names)):
                        rows.append(
                            {
                                "factor": f"{names[j]}:{names[k]}",
                                "index": "S2",
                                "value": float(si["S2"][j, k]),
                                "conf": float(si["S2_conf"][j, k]),
                            }
                        )
        elif method.name == "morris":
            si = morris_analyze.analyze(
                view,
                np.asarray(x, dtype=float),
                y,
                num_resamples=method.resamples,
                conf_level=CONF_LEVEL,
                num_levels=method.levels,
                seed=seed,
            )
            add("mu_star", si["mu_star"], si["mu_star_conf"])
            add("sigma", si["sigma"])
            add("mu", si["mu"])
        elif method.name == "delta":
            formatter = warnings.formatwarning  # SALib's delta replaces it globally
            try:
                si = delta_analyze.analyze(
                    view,
                    np.asarray(x, dtype=float),
                    y,
                    num_resamples=method.resamples,
                    conf_level=CONF_LEVEL,
                    seed=seed,
                    method="delta",
                )
            finally:
                warnings.formatwarning = formatter
            add("delta", si["delta_raw"], si["delta_raw_conf"])
        else:
            value, conf = _pawn(view, np.asarray(x, dtype=float), y, method, seed)
            add("pawn", value, conf)
    return pd.DataFrame(rows, columns=COLUMNS[1:])


def _pawn(
    view: dict[str, Any], x: np.ndarray, y: np.ndarray, method: Method, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    value = _floats(pawn_analyze.analyze(view, x, y, S=method.slices)["median"])
    rng = np.random.default_rng(seed)
    n = len(y)
    draws = np.empty((method.resamples, len(value)))
    for b in range(method.resamples):
        idx = rng.integers(0, n, size=n)
        draws[b] = _floats(pawn_analyze.analyze(view, x[idx], y[idx], S=method.slices)["median"])
    z = norm.ppf(0.5 + CONF_LEVEL / 2)
    return value, z * np.nanstd(draws, axis=0, ddof=1)


def _floats(values: Any) -> np.ndarray:
    return np.asarray(np.ma.filled(np.ma.asarray(values, dtype=float), np.nan), dtype=float)


def analyze_outcomes(
    problem: dict[str, Any], method: Method, x: np.ndarray, outputs: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """Indices of every outcome (a column of ``outputs``, rows aligned with ``x``).

    Returns the long table and the outcomes left out because they did not vary at all (a
    variance-based index is undefined there; the summary lists them).
    """
    tables = []
    constant = []
    for outcome in outputs.columns:
        y = outputs[outcome].to_numpy(dtype=float)
        if np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max())):
            constant.append(str(outcome))
            continue
        table = analyze(problem, method, x, y)
        table.insert(0, "outcome", outcome)
        tables.append(table)
    if not tables:
        return pd.DataFrame(columns=COLUMNS), constant
    return pd.concat(tables, ignore_index=True), constant
