"""Random numbers with common random numbers across scenarios.

One ``numpy.random.SeedSequence`` per run. Each weekly process draws through its own
:class:`Chance`, keyed by the process's name (as Starsim keys its streams), so a lever in
one process does not shift the draws of another. Within a process, two rules keep the
draws of the same person the same in every scenario, whatever else has diverged:

- a draw for particular people is *counter-based*: a hash of (run seed, process, week,
  call number, person's uid), so it does not depend on who else is drawn for or in what
  order (:meth:`Chance.uniform`);
- an event that is rare in a large group is drawn by *thinning in uid space*: candidate
  uids at a common upper bound from a stream reseeded each week, each kept with
  probability ``p_i / upper`` (:meth:`Chance.events_each`). Only the candidates are
  touched, which is what makes the weekly step fast at full scale.

Draws that are not about particular people (how many orders start this week) use
:attr:`Chance.rng`, also reseeded each week.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .people import Population

_GOLDEN, _MIX1, _MIX2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_MASK = (1 << 64) - 1


_U_GOLDEN, _U_MIX1, _U_MIX2 = np.uint64(_GOLDEN), np.uint64(_MIX1), np.uint64(_MIX2)
_U11, _U27, _U30, _U31 = np.uint64(11), np.uint64(27), np.uint64(30), np.uint64(31)
_TO_UNIT = 1.0 / 2**53


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser, in place: a well-mixed 64-bit hash of each element (uint64
    array arithmetic wraps around silently, as the hash needs)."""
    x += _U_GOLDEN
    x ^= x >> _U30
    x *= _U_MIX1
    x ^= x >> _U27
    x *= _U_MIX2
    x ^= x >> _U31
    return x


def _splitmix64_int(x: int) -> int:
    """The same hash of one Python integer."""
    z = (x + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * _MIX1) & _MASK
    z = ((z ^ (z >> 27)) * _MIX2) & _MASK
    return z ^ (z >> 31)


class Chance:
    """The random numbers of one process in one run."""

    def __init__(self, seed_sequence: np.random.SeedSequence, name: str, people: Population):
        self.key = zlib.crc32(name.encode())
        self.seed_sequence = seed_sequence
        self.people = people
        self.base = int(seed_sequence.generate_state(1, dtype=np.uint64)[0]) ^ self.key
        self.new_week(0)

    def new_week(self, week: int) -> None:
        """Reseed for ``week``: what happened in earlier weeks cannot shift this week's draws."""
        self.week = week
        self.calls = 0
        child = np.random.SeedSequence(self.seed_sequence.entropy, spawn_key=(*self.seed_sequence.spawn_key, self.key, week + 2**20))
        self.rng = np.random.default_rng(child)

    def uniform(self, idx: np.ndarray) -> np.ndarray:
        """One uniform number in [0, 1) for each person in ``idx`` (rows), keyed by uid."""
        self.calls += 1
        salt = np.uint64(_splitmix64_int((self.base + (self.week + 2**20) * 1_000_003 + self.calls) & _MASK))
        z = self.people.uid[idx].astype(np.uint64)
        z ^= salt
        z = _splitmix64(z)
        z >>= _U11
        return z * _TO_UNIT

    def exponential(self, idx: np.ndarray) -> np.ndarray:
        """One standard exponential number for each person in ``idx``."""
        return -np.log1p(-self.uniform(idx))

    def events(self, who: np.ndarray, probability: float) -> np.ndarray:
        """Rows among ``who`` (row indices or a boolean mask over rows) for whom an event
        of the same ``probability`` happens."""
        if who.dtype == np.bool_:
            return self.events_each(who, lambda idx: np.full(idx.size, probability), probability)
        if probability <= 0 or who.size == 0:
            self.calls += 1
            return np.empty(0, dtype=np.int64)
        return who[self.uniform(who) < probability]

    def events_each(self, who: np.ndarray, probability: Callable[[np.ndarray], np.ndarray], upper: float) -> np.ndarray:
        """Rows among ``who`` (indices or mask) for whom their own event happens, with
        probabilities ``probability(rows)`` no greater than ``upper``."""
        if who.dtype != np.bool_:
            if who.size == 0:
                self.calls += 1
                return who.astype(np.int64)
            p = probability(who)
            self._check(p, upper)
            return who[self.uniform(who) < p]
        people = self.people
        upper = min(upper, 1.0)
        if upper <= 0:
            return np.empty(0, dtype=np.int64)
        n = people.next_uid
        uids = np.sort(self.rng.choice(n, self.rng.binomial(n, upper), replace=False))
        keep = self.rng.random(uids.size) * upper  # drawn for every candidate, so the stream stays aligned
        rows = people.row_of_uid[uids]
        alive = rows >= 0
        rows, keep = rows[alive], keep[alive]
        inside = who[rows]
        rows, keep = rows[inside], keep[inside]
        if rows.size == 0:
            return rows
        p = probability(rows)
        self._check(p, upper)
        return rows[keep < p]

    @staticmethod
    def _check(p: np.ndarray, upper: float) -> None:
        if p.size and p.max() > upper * (1 + 1e-9):
            raise ValueError(f"event probability {p.max():.4g} exceeds its stated upper bound {upper:.4g}")
