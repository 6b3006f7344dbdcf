"""Random numbers with common random numbers across scenarios.

One ``numpy.random.SeedSequence`` per run. Each weekly process draws through its own
:class:`Chance`, keyed by the process's name (as Starsim keys its streams), so a lever in
one process does not shift the draws of another. A draw for a particular person is
*counter-based*: a hash of (run seed, process, week, call number, person's uid)
(:func:`draw`), so the same person gets the same number in every scenario, whoever else
is drawn for and in whatever order, and the compiled process kernels can draw inside
their loops. For an event with a small probability in a large group, a kernel first makes
one branch-free pass that keeps the candidates whose draw falls below a bound on
everyone's probability (:func:`within_upper` checks the bound), then decides for the
candidates alone with the same draw.

Draws that are not about particular people (how many orders start this week) use
:attr:`Chance.rng`, the process's generator jumped to the week's own block of numbers, so
what happened in earlier weeks cannot shift this week's draws either.
"""

from __future__ import annotations

import functools
import threading
import zlib

import numba
import numpy as np

_U_GOLDEN, _U_MIX1, _U_MIX2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_U11, _U27, _U30, _U31 = np.uint64(11), np.uint64(27), np.uint64(30), np.uint64(31)
_TO_UNIT = 1.0 / 2**53
_WEEK_OFFSET = 2**20  # weeks of the warm-up are negative
# How far a process's generator jumps each week: the golden ratio times 2**128, as PCG64.jumped
# uses. (A jump of a power of two would leave the low bits of PCG64's state, and so its
# outputs, correlated from week to week.)
_WEEK_JUMP = 0x9E3779B97F4A7C15F39CC0605CEDC835


@numba.njit(cache=True)
def _splitmix64(z: np.uint64) -> np.uint64:
    """The splitmix64 finaliser: a well-mixed 64-bit hash (uint64 arithmetic wraps)."""
    z += _U_GOLDEN
    z ^= z >> _U30
    z *= _U_MIX1
    z ^= z >> _U27
    z *= _U_MIX2
    z ^= z >> _U31
    return z


@numba.njit(cache=True)
def draw(uid: int, salt: np.uint64) -> float:
    """The uniform number in [0, 1) of person ``uid`` for the call keyed by ``salt``: the
    same number wherever and in whatever order the kernels ask for it."""
    return float(_splitmix64(np.uint64(uid) ^ np.uint64(salt)) >> _U11) * _TO_UNIT  # a salt from Python is an int


@numba.njit(cache=True)
def origin_of(base: np.uint64, week: int) -> np.uint64:
    """Where the salts of a stream (``base``, from the run seed and the stream's name) start
    in ``week``; see :func:`salt_of`."""
    return np.uint64(base) + np.uint64(week + _WEEK_OFFSET) * np.uint64(1_000_003)


@numba.njit(cache=True)
def salt_of(origin: np.uint64, call: int) -> np.uint64:
    """The salt of call number ``call`` of a stream whose week starts at ``origin``
    (:attr:`Chance.origin`), for kernels that make several calls in one go."""
    return _splitmix64(np.uint64(origin) + np.uint64(call))


@numba.njit(cache=True)
def within_upper(probability: float, upper: float) -> float:
    """``probability``, checked against the bound its candidates were drawn below."""
    if probability > upper * (1 + 1e-9):
        raise ValueError("an event probability exceeds the upper bound its candidates were drawn at")
    return probability


@numba.njit(cache=True)
def draw_exponential(uid: int, salt: np.uint64) -> float:
    """A standard exponential number from :func:`draw`."""
    return -np.log1p(-draw(uid, salt))


_scratch = threading.local()


def _scratch_generator() -> np.random.PCG64:
    """A PCG64 of this thread's own, whose state is set before each use: making one anew
    gathers entropy from the system (18 microseconds, against 5 for the whole jump)."""
    if not hasattr(_scratch, "bit_generator"):
        _scratch.bit_generator = np.random.PCG64(0)
    return _scratch.bit_generator


@functools.lru_cache(maxsize=4096)
def _week_state(state: int, inc: int, week: int) -> dict:
    """The state of a PCG64 stream that starts at (``state``, ``inc``), jumped to ``week``'s
    numbers. Kept for the weeks asked for most recently: the runs of a sensitivity analysis
    share their seed, so each jump is worked out once, not in every run."""
    bit_generator = _scratch_generator()
    bit_generator.state = {"bit_generator": "PCG64", "state": {"state": state, "inc": inc}, "has_uint32": 0, "uinteger": 0}
    bit_generator.advance((week + _WEEK_OFFSET) * _WEEK_JUMP % 2**128)
    return bit_generator.state


class Chance:
    """The random numbers of one process in one run."""

    def __init__(self, seed_sequence: np.random.SeedSequence, name: str):
        key = zlib.crc32(name.encode())
        self.base = np.uint64(int(seed_sequence.generate_state(1, dtype=np.uint64)[0]) ^ key)
        bit_generator = np.random.PCG64(np.random.SeedSequence(seed_sequence.entropy, spawn_key=(*seed_sequence.spawn_key, key)))
        self._start = bit_generator.state
        self._generator = np.random.Generator(bit_generator)
        self._generator_week: int | None = None
        self.new_week(0)

    def new_week(self, week: int) -> None:
        """Start ``week``: its own salts, and its own generator when first needed."""
        self.week = week
        self.calls = 0

    @property
    def origin(self) -> np.uint64:
        """Where this week's salts start (:func:`origin_of`)."""
        return np.uint64(origin_of(self.base, self.week))

    @property
    def rng(self) -> np.random.Generator:
        """This week's generator: the process's PCG64 stream jumped ahead to the week's own
        part of its period (far from every other week's)."""
        if self._generator_week != self.week:
            self.restart(self.week)
        return self._generator

    def restart(self, week: int) -> np.random.Generator:
        """The process's generator, moved to the first of ``week``'s numbers."""
        start = self._start["state"]
        self._generator.bit_generator.state = _week_state(start["state"], start["inc"], week)
        self._generator_week = week
        return self._generator

    def apart(self, week: int) -> np.random.Generator:
        """The generator at the first of ``week``'s numbers, for draws made apart from the
        week itself (ahead of it, on another thread); the week's own draws, if any are made
        after all, start from its first number again."""
        generator = self.restart(week)
        self._generator_week = None
        return generator

    def take(self, calls: int) -> int:
        """Reserve the next ``calls`` calls for a kernel, which keys them with
        :func:`salt_of` from :attr:`origin` and the number returned plus 1 to ``calls``."""
        first = self.calls
        self.calls += calls
        return first

    def salt(self) -> np.uint64:
        """The key of the next call's per-person draws (see :func:`draw`)."""
        self.calls += 1
        return np.uint64(salt_of(self.origin, self.calls))

