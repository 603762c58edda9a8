"""Random numbers keyed by what they decide: common random numbers by construction.

Every draw of a run is a pure function of the run's seed, the name of the decision (a
*stream*: ``"market.candidates"``, ``"risk.disruption"``, …), the year, and the ids of the
agents or pairs it is about. Nothing is consumed from a shared sequence, so what one agent
decides never shifts another agent's draws, one mechanism drawing more or fewer numbers never
shifts another mechanism's, and two regimes run from the same seed face the same luck wherever
their agents face the same choice. That is what makes paired comparisons (``compare``, sweeps
with common seeds, Sobol' indices) measure policy rather than noise.

The numbers come from a counter-based construction, as in Philox or Starsim's per-agent slots:
the keys are folded into 64 bits with SplitMix64's finaliser (a bijective mixer that passes
BigCrush as a generator), one round per key, and the top 53 bits give a uniform in (0, 1).
Other distributions are inverse transforms of those uniforms, so they inherit the keying.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np
from scipy import special

_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
_TO_UNIT = 2.0**-53
_NO_KEY = object()  # no first key folded yet

KeyLike = int | np.ndarray


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser on an array of uint64 (wrapping arithmetic; ``z`` is consumed)."""
    z = z ^ (z >> _S30)
    z *= _C1
    z ^= z >> _S27
    z *= _C2
    z ^= z >> _S31
    return z


_M64 = (1 << 64) - 1


def _mix_int(z: int) -> int:
    """:func:`_mix` on one Python integer (the same bits, without NumPy's per-call cost)."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def _as_u64(key: KeyLike) -> np.ndarray:
    if isinstance(key, np.ndarray) and key.dtype == np.uint64:
        return key
    array = np.asarray(key) if not isinstance(key, list) else np.array(key, dtype=np.uint64)
    if array.dtype == np.uint64:
        return array
    if array.dtype.kind not in "iub":
        raise TypeError(f"random-stream keys are integers, got {array.dtype}")
    return array.astype(np.int64).view(np.uint64)


@lru_cache(maxsize=4096)
def name_key(name: str) -> int:
    """A stable 64-bit key for a name (not Python's salted ``hash``)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def entity_key(*parts: int | str) -> int:
    """A stable 64-bit id for an entity from what identifies it (its region's name, its kind,
    its rank there, …): draws keyed by it do not move when other regions or cohorts change
    size. Text parts are hashed with :func:`name_key`."""
    h = 0
    for part in parts:
        value = name_key(part) if isinstance(part, str) else int(part)
        h = _mix_int(((h + 0x9E3779B97F4A7C15) & _M64) ^ (value & _M64))
    return h


def entity_keys(base: np.ndarray | int, *parts: KeyLike) -> np.ndarray:
    """:func:`entity_key` for arrays: ``base`` (keys or ids) extended by each of ``parts``."""
    h = _as_u64(np.asarray(base))
    with np.errstate(over="ignore"):
        for part in parts:
            h = _mix((h + _GOLDEN) ^ _as_u64(part))
    return h


def extend_bits(bits: np.ndarray, *keys: KeyLike) -> np.ndarray:
    """Bits keyed by further ``keys``: ``extend_bits(stream.bits(a, b), c)`` equals
    ``stream.bits(a, b, c)``, so the part shared by many draws is folded once."""
    out = bits
    for key in keys:
        out = _mix((out + _GOLDEN) ^ _as_u64(key))
    return out


class Stream:
    """One decision's random numbers: ``uniform(year, ids…)`` and its transforms.

    Keys broadcast like NumPy arrays: ``uniform(t, firm_ids)`` gives one number per firm,
    ``uniform(t, school_id, candidate_ids)`` one per candidate of that school.
    """

    __slots__ = ("_prefix", "key", "name")

    def __init__(self, seed: int, name: str) -> None:
        self.name = name
        self.key = np.uint64(_mix_int((int(seed) & _M64) ^ name_key(name)))
        # (first key, the stream key folded with it): the year, usually, folded once a year
        self._prefix: tuple[object, int] = (_NO_KEY, 0)

    def _folded(self, first: int) -> int:
        """The stream key folded with a first integer key (cached for the last one used)."""
        prefix = self._prefix
        if prefix[0] is _NO_KEY or prefix[0] != first:
            h = _mix_int(((int(self.key) + 0x9E3779B97F4A7C15) & _M64) ^ (int(first) & _M64))
            self._prefix = prefix = (first, h)
        return prefix[1]

    def bits(self, *keys: KeyLike) -> np.ndarray:
        """64 random bits per element of the broadcast keys (leading integer keys are folded
        in plain Python, the rest with NumPy's broadcasting: the same bits either way)."""
        n = len(keys)
        if n and isinstance(keys[0], int | np.integer):
            h, i = self._folded(keys[0]), 1
        else:
            h, i = int(self.key), 0
        while i < n and isinstance(keys[i], int | np.integer):
            h = _mix_int(((h + 0x9E3779B97F4A7C15) & _M64) ^ (int(keys[i]) & _M64))
            i += 1
        if i == n:
            return np.array(h, dtype=np.uint64)
        arrays = [_as_u64(key) for key in keys[i:]]
        first = np.uint64((h + 0x9E3779B97F4A7C15) & _M64)
        if all(a.ndim for a in arrays):  # arrays only: NumPy's uint64 arithmetic just wraps
            out = _mix(first ^ arrays[0])
            for array in arrays[1:]:
                out = _mix((out + _GOLDEN) ^ array)
            return out
        with np.errstate(over="ignore"):  # a 0-d key computes on scalars, which warn
            out = _mix(first ^ arrays[0])
            for array in arrays[1:]:
                out = _mix((out + _GOLDEN) ^ array)
        return np.asarray(out)

    def uniform(self, *keys: KeyLike) -> np.ndarray:
        """Uniforms in the open interval (0, 1), one per element of the broadcast keys."""
        return ((self.bits(*keys) >> _S11).astype(np.float64) + 0.5) * _TO_UNIT

    def normal(self, *keys: KeyLike, mean: float = 0.0, sd: float = 1.0) -> np.ndarray:
        return mean + sd * special.ndtri(self.uniform(*keys))

    def normal_pair(self, *keys: KeyLike) -> tuple[np.ndarray, np.ndarray]:
        """Two independent standard normals per element from one keyed hash (Box–Muller on its
        two 32-bit halves, in single precision: 24-bit uniforms, tails to 5.8 SD), for
        population-sized noise at a quarter of the cost of two :meth:`normal` draws."""
        bits = self.bits(*keys)
        scale, half = np.float32(2.0**-32), np.float32(0.5)
        u1 = ((bits >> np.uint64(32)).astype(np.float32) + half) * scale
        u2 = ((bits & np.uint64(0xFFFFFFFF)).astype(np.float32) + half) * scale
        radius = np.sqrt(np.float32(-2.0) * np.log(u1))
        angle = np.float32(2.0 * np.pi) * u2
        return (radius * np.cos(angle)).astype(np.float64), (radius * np.sin(angle)).astype(
            np.float64
        )

    def lognormal(self, *keys: KeyLike, mean: float = 0.0, sigma: float = 1.0) -> np.ndarray:
        return np.exp(self.normal(*keys, mean=mean, sd=sigma))

    def beta(self, *keys: KeyLike, a: float | np.ndarray, b: float | np.ndarray) -> np.ndarray:
        return special.betaincinv(a, b, self.uniform(*keys))

    def binomial(self, *keys: KeyLike, n: int | np.ndarray, p: float) -> np.ndarray:
        """Binomial counts by inverse transform (so a higher ``p`` never lowers a count);
        for the small ``n`` of the model (interns of one partnership)."""
        u = self.uniform(*keys)
        n = np.broadcast_to(np.asarray(n, dtype=np.int64), u.shape)
        return _inverse_discrete(u, lambda k: special.bdtr(k, n, p), n)

    def poisson(self, *keys: KeyLike, lam: float) -> np.ndarray:
        """Poisson counts by inverse transform (for the small rates of the model)."""
        u = self.uniform(*keys)
        if lam <= 0:
            return np.zeros(u.shape, dtype=np.int64)
        cap = np.full(u.shape, int(lam + 12 * np.sqrt(lam) + 12), dtype=np.int64)
        return _inverse_discrete(u, lambda k: special.pdtr(k, lam), cap)

    def order(self, *keys: KeyLike) -> np.ndarray:
        """A random permutation of the keyed elements (argsort of their uniforms): the same
        element keeps its place relative to the others whichever elements join or leave."""
        # 64 random bits per element: ties have probability 2**-64 a pair, so any sort gives
        # the one order (the default sort is three times faster than a stable one).
        return np.argsort(self.bits(*keys))

    def smallest(self, k: int, *keys: KeyLike) -> np.ndarray:
        """Indices of ``k`` elements drawn without replacement, uniformly (the ``k`` with the
        smallest keyed numbers, in that order)."""
        bits = self.bits(*keys)
        if k >= bits.size:
            return np.argsort(bits, kind="stable")
        part = np.argpartition(bits, k)[:k]
        return part[np.argsort(bits[part], kind="stable")]

    def _hash(self, keys: tuple[int, ...]) -> int:
        """The 64 keyed bits of integer ``keys`` (what :meth:`one` turns into a uniform)."""
        h = self._folded(keys[0])
        for key in keys[1:]:
            h = _mix_int(((h + 0x9E3779B97F4A7C15) & _M64) ^ (int(key) & _M64))
        return h

    def one(self, *keys: int) -> float:
        """One uniform in (0, 1) for integer keys: :meth:`uniform`'s number, in plain Python
        (for decisions taken one at a time inside a loop)."""
        return ((self._hash(keys) >> 11) + 0.5) * _TO_UNIT

    def sample(self, k: int, n: int, *keys: int) -> list[int]:
        """``k`` distinct indices of ``range(n)`` drawn uniformly without replacement, keyed by
        integer ``keys`` (one seeker in one year): a SplitMix64 sequence seeded with the keyed
        bits gives the indices in turn, repeats skipped, so the cost is O(k), not O(n), and the
        same keys give the same indices whenever ``n`` is the same."""
        if k <= 0 or n <= 0:
            return []
        state = self._hash(keys)
        if k >= n:  # every index, in a keyed random order
            values = []
            for _ in range(n):
                state = (state + 0x9E3779B97F4A7C15) & _M64
                values.append(_mix_int(state))
            return sorted(range(n), key=values.__getitem__)
        picked: dict[int, None] = {}
        while len(picked) < k:
            state = (state + 0x9E3779B97F4A7C15) & _M64
            picked.setdefault(((_mix_int(state) >> 11) * n) >> 53, None)
        return list(picked)

    def samples(
        self, k: np.ndarray | int, n: np.ndarray | int, year: int, seekers: np.ndarray
    ) -> list[list[int]]:
        """:meth:`sample` for many seekers at once: ``[sample(k_i, n_i, year, s_i) for …]``
        with the same indices, computed as arrays (one call a year instead of one a seeker)."""
        seekers = np.asarray(seekers, dtype=np.uint64)
        k = np.broadcast_to(np.asarray(k, dtype=np.int64), seekers.shape)
        n = np.broadcast_to(np.asarray(n, dtype=np.int64), seekers.shape)
        out: list[list[int]] = [[] for _ in range(seekers.size)]
        live = (k > 0) & (n > 0)
        if not live.any():
            return out
        start = self.bits(year, seekers)
        every = live & (k >= n)  # every index, in the keyed order of the first n numbers
        if every.any():
            rows = np.flatnonzero(every)
            width = int(n[rows].max())
            values = _sequence(start[rows], width)
            values[np.arange(width)[None, :] >= n[rows, None]] = np.uint64(_M64)  # last
            orders = np.argsort(values, axis=1, kind="stable").tolist()
            for row, size, order in zip(rows.tolist(), n[rows].tolist(), orders, strict=True):
                out[row] = order[:size]
        some = live & (k < n)
        if some.any():
            rows = np.flatnonzero(some)
            want = k[rows]
            draws = 2 * int(want.max()) + 8  # k distinct indices but in rare rows (one by one)
            picks = _scaled(_sequence(start[rows], draws), n[rows, None])
            repeat = np.triu(picks[:, :, None] == picks[:, None, :], 1).any(axis=1)
            fresh = ~repeat
            kept = fresh & (np.cumsum(fresh, axis=1) <= want[:, None])
            counts = kept.sum(axis=1)
            flat = picks[kept].tolist()  # row-major: each row's picks in draw order
            position = 0
            rows_wanted_counts = zip(rows.tolist(), want.tolist(), counts.tolist(), strict=True)
            for row, wanted, count in rows_wanted_counts:
                if count == wanted:
                    out[row] = flat[position : position + count]
                else:
                    out[row] = self.sample(wanted, int(n[row]), year, int(seekers[row]))
                position += count
        return out

    def weighted(self, k: int, weights: np.ndarray, *keys: KeyLike) -> np.ndarray:
        """Indices of ``k`` elements drawn without replacement with probabilities proportional
        to ``weights`` (Efraimidis and Spirakis' keys ``u^(1/w)``, largest first)."""
        weights = np.asarray(weights, dtype=float)
        with np.errstate(divide="ignore"):
            score = np.where(weights > 0, np.log(self.uniform(*keys)) / weights, -np.inf)
        chosen = np.argsort(-score, kind="stable")[:k]
        return chosen[np.isfinite(score[chosen])]


def _sequence(start: np.ndarray, length: int) -> np.ndarray:
    """The first ``length`` numbers of SplitMix64 seeded with each of ``start`` (one row each):
    what :meth:`Stream.sample` draws one at a time."""
    steps = np.arange(1, length + 1, dtype=np.uint64) * _GOLDEN  # wraps, as the generator does
    return _mix(start[:, None] + steps[None, :])


def _scaled(values: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``((v >> 11) * n) >> 53`` elementwise, exactly (no 64-bit overflow for n < 2**37)."""
    if np.any(n >= 1 << 37):
        raise ValueError("a pool of 2**37 or more is too large to sample")
    a = values >> _S11
    high, low = a >> np.uint64(26), a & np.uint64((1 << 26) - 1)
    n64 = np.asarray(n).astype(np.uint64)
    return ((high * n64 + ((low * n64) >> np.uint64(26))) >> np.uint64(27)).astype(np.int64)


def _inverse_discrete(u: np.ndarray, cdf, cap: np.ndarray) -> np.ndarray:
    """The smallest k ≤ cap with cdf(k) ≥ u, elementwise (a discrete inverse transform)."""
    k = np.zeros(u.shape, dtype=np.int64)
    active = (cdf(k) < u) & (k < cap)
    while active.any():
        k = np.where(active, k + 1, k)
        active = active & (cdf(k) < u) & (k < cap)
    return k


class RandomStreams:
    """The run's streams, one per decision, made on first use from the run's seed."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._streams: dict[str, Stream] = {}

    def __call__(self, name: str) -> Stream:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = Stream(self.seed, name)
        return stream
