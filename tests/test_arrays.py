"""Array helpers the vectorised submodels rely on give exactly what their slow equivalents give."""

from __future__ import annotations

import numpy as np
import pytest

from iei_sim.arrays import order_by_group_then_draw, rank_within_runs


def _ranks_by_loop(keys: np.ndarray) -> list[int]:
    ranks, previous, rank = [], None, 0
    for key in keys.tolist():
        rank = rank + 1 if key == previous else 0
        ranks.append(rank)
        previous = key
    return ranks


@pytest.mark.parametrize("seed", range(5))
def test_rank_within_runs_counts_from_zero_in_each_run(seed):
    keys = np.sort(np.random.default_rng(seed).integers(0, 7, size=200))
    assert rank_within_runs(keys).tolist() == _ranks_by_loop(keys)


def test_rank_within_runs_edge_cases():
    assert rank_within_runs(np.array([], dtype=np.int64)).tolist() == []
    assert rank_within_runs(np.array([4])).tolist() == [0]
    assert rank_within_runs(np.array([1, 1, 1])).tolist() == [0, 1, 2]


@pytest.mark.parametrize("seed", range(5))
def test_order_by_group_then_draw_is_lexsort(seed):
    """Ties in the draws (forced by repeating some) keep lexsort's stable order."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 600, size=3_000)
    draws = rng.random(3_000)
    draws[::7] = draws[0]  # many exact ties, within and across groups
    expected = np.lexsort((draws, group))
    assert np.array_equal(order_by_group_then_draw(group, draws), expected)


@pytest.mark.parametrize("top", [1 << 10, 1 << 20])
def test_order_by_group_then_draw_falls_back_for_codes_that_do_not_pack(top):
    rng = np.random.default_rng(1)
    group = rng.integers(0, top + 1, size=500)
    group[0] = top  # at least one code at the limit
    draws = rng.random(500)
    assert np.array_equal(order_by_group_then_draw(group, draws), np.lexsort((draws, group)))


def test_order_by_group_then_draw_of_nothing():
    assert order_by_group_then_draw(np.array([], dtype=np.int64), np.array([])).tolist() == []


def test_packed_pairs_sort_and_compare_like_the_pairs():
    from iei_sim.arrays import pack_pairs

    rng = np.random.default_rng(4)
    major, minor = rng.integers(0, 50, 500), rng.integers(0, 9, 500)
    codes = pack_pairs(major, minor, 9)
    assert np.array_equal(np.argsort(codes, kind="stable"), np.lexsort((minor, major)))
    assert len(set(codes.tolist())) == len(set(zip(major.tolist(), minor.tolist(), strict=True)))
    with pytest.raises(ValueError):
        pack_pairs(major, minor, 8)  # a minor value 8 would collide with the next major
    with pytest.raises(OverflowError):
        pack_pairs(np.array([2**62]), np.array([0]), 4)
