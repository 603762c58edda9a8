"""Small array helpers shared by the vectorised submodels."""

from __future__ import annotations

import numpy as np


def rank_within_runs(sorted_keys: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal keys of an already sorted array."""
    if len(sorted_keys) == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_keys)) + 1]
    return np.arange(len(sorted_keys)) - np.repeat(starts, np.diff(np.r_[starts, len(sorted_keys)]))


def stochastic_round(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """Round each value up with probability equal to its fractional part (unbiased)."""
    base = np.floor(x)
    return (base + (rng.random(len(x)) < (x - base))).astype(np.int64)


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 equal … 1 all in one)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0 or x.sum() == 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum()))


def top_share(values: np.ndarray, fraction: float = 0.1) -> float:
    """Share of the total held by the top ``fraction`` of units."""
    x = np.sort(np.asarray(values, dtype=float))[::-1]
    if len(x) == 0 or x.sum() == 0:
        return 0.0
    k = max(1, int(np.ceil(fraction * len(x))))
    return float(x[:k].sum() / x.sum())
