"""Keyed random streams: each draw a function of (seed, stream, keys), with the right laws."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from scipy import stats

from iei_sim.random_streams import RandomStreams, entity_key, entity_keys

N = 200_000


@pytest.fixture
def stream():
    return RandomStreams(7)("test.decision")


def test_a_draw_depends_only_on_its_keys(stream):
    keys = np.arange(1000)
    every = stream.uniform(3, keys)
    assert np.array_equal(stream.uniform(3, keys[::-1])[::-1], every)  # order of asking
    assert np.array_equal(stream.uniform(3, keys[500:]), every[500:])  # who else is asked
    assert [stream.one(3, int(k)) for k in keys[:20]] == every[:20].tolist()  # scalar path
    assert not np.array_equal(stream.uniform(4, keys), every)  # another year
    assert not np.array_equal(RandomStreams(8)("test.decision").uniform(3, keys), every)
    assert not np.array_equal(RandomStreams(7)("test.other").uniform(3, keys), every)


def test_uniforms_are_uniform_and_independent_across_neighbouring_keys(stream):
    u = stream.uniform(1, np.arange(N))
    assert u.min() > 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 5 / np.sqrt(N)
    grid = stream.uniform(2, np.arange(300)[:, None], np.arange(300)[None, :])
    assert stats.kstest(grid.ravel(), "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(grid[:, 0], grid[:, 1])[0, 1]) < 0.2  # two keys, two streams


def test_other_laws_are_inverse_transforms_of_the_keyed_uniforms(stream):
    keys = np.arange(N)
    u = stream.uniform(5, keys)
    n = keys % 11
    binomial = stream.binomial(5, keys, n=n, p=0.3)
    assert np.array_equal(binomial, np.where(n > 0, stats.binom.ppf(u, n, 0.3), 0))
    poisson = stream.poisson(5, keys, lam=1.7)
    assert np.array_equal(poisson, stats.poisson.ppf(u, 1.7))
    normal = stream.normal(5, keys, mean=2.0, sd=3.0)
    assert np.allclose(normal, stats.norm.ppf(u, 2.0, 3.0))
    beta = stream.beta(5, keys, a=2.0, b=5.0)
    assert np.allclose(beta, stats.beta.ppf(u, 2.0, 5.0))


def test_normal_pairs_are_two_independent_standard_normals(stream):
    a, b = stream.normal_pair(9, np.arange(N))
    for z in (a, b):
        assert abs(z.mean()) < 5 / np.sqrt(N) and abs(z.std() - 1) < 0.01
        assert stats.kstest(z, "norm").pvalue > 1e-3
    assert abs(np.corrcoef(a, b)[0, 1]) < 5 / np.sqrt(N)


def test_samples_are_uniform_without_replacement_and_keyed(stream):
    picks = [stream.sample(5, 12, 3, seeker) for seeker in range(20_000)]
    assert all(len(set(p)) == 5 and all(0 <= i < 12 for i in p) for p in picks)
    counts = Counter(i for p in picks for i in p)
    expected = 20_000 * 5 / 12
    assert stats.chisquare(list(counts.values()), [expected] * 12).pvalue > 1e-3
    assert stream.sample(5, 12, 3, 77) == stream.sample(5, 12, 3, 77)
    assert sorted(stream.sample(12, 12, 3, 5)) == list(range(12))  # the whole pool, shuffled
    assert stream.sample(0, 12, 3, 5) == [] and stream.sample(3, 0, 3, 5) == []


def test_many_seekers_samples_are_each_seekers_sample(stream):
    """The vectorised form gives every seeker exactly the indices of its own draw, for pools
    smaller than, equal to and far larger than ``k`` (and sizes where 64-bit products would
    overflow), including the rare rows whose first draws repeat too often (done one by one)."""
    rng = np.random.default_rng(5)
    sizes = np.array([0, 1, 2, 3, 5, 12, 40, 2047, 2048, 5000, 10**6, 2**36])
    for _ in range(200):
        seekers = rng.integers(0, 2**63, size=int(rng.integers(1, 40)), dtype=np.uint64)
        n = rng.choice(sizes, size=seekers.size)
        k = np.minimum(rng.integers(0, 13, size=seekers.size), n)
        expected = [
            stream.sample(int(a), int(b), 4, int(s)) for a, b, s in zip(k, n, seekers, strict=True)
        ]
        assert stream.samples(k, n, 4, seekers) == expected
    # 11 of 12: in a fifth of these rows the 30 vectorised draws hold fewer than 11 distinct
    # indices, so the one-by-one path is taken and must agree too.
    crowded = np.arange(300, dtype=np.uint64)
    assert stream.samples(2, 3, 1, crowded) == [stream.sample(2, 3, 1, int(s)) for s in crowded]
    assert stream.samples(11, 12, 1, crowded) == [stream.sample(11, 12, 1, int(s)) for s in crowded]


def test_orders_and_weighted_draws(stream):
    order = stream.order(1, np.arange(50))
    assert sorted(order.tolist()) == list(range(50)) and order.tolist() != list(range(50))
    weights = np.array([0.6, 0.3, 0.1, 0.0])
    firsts = Counter(int(stream.weighted(1, weights, k, np.arange(4))[0]) for k in range(30_000))
    assert 3 not in firsts  # weight 0 is never drawn
    for index, weight in enumerate(weights[:3]):
        assert abs(firsts[index] / 30_000 - weight) < 0.015
    assert len(stream.weighted(3, weights, 1, np.arange(4))) == 3


def test_entity_keys_agree_with_the_scalar_form():
    base = entity_key("east", "school")
    assert entity_keys(base, np.arange(5)).tolist() == [
        entity_key("east", "school", i) for i in range(5)
    ]
    assert entity_key("east", "school", 0) != entity_key("west", "school", 0)
