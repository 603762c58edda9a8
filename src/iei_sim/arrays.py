"""Small array helpers shared by the vectorised submodels."""

from __future__ import annotations

import math

import numpy as np


def rank_within_runs(sorted_keys: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal keys of an already sorted array."""
    n = len(sorted_keys)
    positions = np.arange(n)
    if n == 0:
        return positions
    # Each position minus where its run starts (a running maximum of the run starts).
    run_starts = np.empty(n, dtype=bool)
    run_starts[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=run_starts[1:])
    return positions - np.maximum.accumulate(np.where(run_starts, positions, 0))


_DRAW_BITS = 53  # Generator.random() returns multiples of 2**-53 in [0, 1)


def order_by_group_then_draw(group: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """``np.lexsort((draws, group))`` for ``draws`` from ``Generator.random`` and non-negative
    integer ``group`` codes.

    Such a draw times 2**53 is an exact integer below 2**53, so while the group codes stay
    below 2**10 each (group, draw) pair packs into one int64 whose order is the pair's order:
    one stable sort of the packed codes gives lexsort's permutation several times faster.
    """
    group = np.asarray(group, dtype=np.int64)
    if len(group) == 0 or group.min() < 0 or group.max() >= 1 << (63 - _DRAW_BITS):
        return np.lexsort((draws, group))
    packed = (group << _DRAW_BITS) | (draws * float(1 << _DRAW_BITS)).astype(np.int64)
    return np.argsort(packed, kind="stable")


def pack_pairs(major: np.ndarray, minor: np.ndarray, base: int) -> np.ndarray:
    """One int64 code per (major, minor) pair that sorts and compares like the pair:
    ``major × base + minor``, for non-negative ``minor < base``. Raises ``OverflowError`` when
    the codes could overflow (rather than collide silently)."""
    major = np.asarray(major, dtype=np.int64)
    minor = np.asarray(minor, dtype=np.int64)
    if len(minor) and (minor.min() < 0 or minor.max() >= base):
        raise ValueError("pack_pairs needs 0 <= minor < base")
    if len(major) and (major.min() < 0 or int(major.max()) >= (2**63 - 1) // max(base, 1)):
        raise OverflowError("pack_pairs: the codes would overflow int64")
    return major * np.int64(base) + minor


def stochastic_round(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Round each value up with probability equal to its fractional part (unbiased), given one
    uniform draw per value."""
    base = np.floor(x)
    return (base + (u < (x - base))).astype(np.int64)


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


def choice_chance(gap: float, temperature: float, best_response: bool = False) -> float:
    """Chance of taking an option worth ``gap`` more than the alternative: the logit
    σ(gap / temperature) (``learning.choice: logit``), or its zero-temperature limit, the best
    response, which takes the option exactly when it is worth more (``best_response``; a tie
    leaves the alternative). The structural alternative of docs/validation.md §5."""
    if best_response:
        return 1.0 if gap > 0 else 0.0
    return logistic(gap / temperature)


def logistic(x: float) -> float:
    """1 / (1 + e^-x) for one number, without overflow at very low temperatures (|x| beyond
    ~709): the firms' and schools' search chances (docs/ODD.md §7.1)."""
    return 1.0 / (1.0 + math.exp(-x)) if x >= -700 else 0.0
