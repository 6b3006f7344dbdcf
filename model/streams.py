"""Random number streams and event draws.

One ``numpy.random.SeedSequence`` per run; each weekly process gets its own stream, keyed
by the process's name (as Starsim keys its streams), so that a policy lever acting in one
process does not shift the draws of another, and replication ``r`` of every scenario sees
the same random numbers wherever the scenarios agree.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np


def process_stream(seed_sequence: np.random.SeedSequence, name: str) -> np.random.Generator:
    """The generator for one named process: independent of the order processes are made in."""
    key = zlib.crc32(name.encode())
    child = np.random.SeedSequence(seed_sequence.entropy, spawn_key=(*seed_sequence.spawn_key, key))
    return np.random.default_rng(child)


def happen(rng: np.random.Generator, who: np.ndarray, probability: float) -> np.ndarray:
    """The rows among ``who`` for whom an event of the same ``probability`` happens.

    ``who`` is either row indices or a boolean mask over all rows. Exactly as one Bernoulli
    draw each, but draws only as many numbers as there are events: a binomial count, then
    that many rows at random. With a mask the rows are drawn from all rows and those
    outside the mask dropped, which is the same in distribution and needs no scan of the
    mask - the fast path for rare events in large groups.
    """
    if probability <= 0 or who.size == 0:
        return np.empty(0, dtype=np.int64)
    if who.dtype == np.bool_:
        if probability >= 1:
            return np.flatnonzero(who)
        rows = np.sort(rng.choice(who.size, rng.binomial(who.size, probability), replace=False))
        return rows[who[rows]]
    if probability >= 1:
        return who
    n = rng.binomial(who.size, probability)
    return np.sort(who[rng.choice(who.size, n, replace=False)])


def happen_each(
    rng: np.random.Generator,
    who: np.ndarray,
    probability: Callable[[np.ndarray], np.ndarray],
    upper: float,
) -> np.ndarray:
    """The rows among ``who`` (indices or mask) for whom their own event happens.

    Thinning: candidates are drawn at the common upper bound ``upper``, then each is kept
    with probability ``p_i / upper``; so ``probability`` is evaluated only for candidates.
    """
    candidates = happen(rng, who, min(upper, 1.0))
    if candidates.size == 0:
        return candidates
    p = probability(candidates)
    if np.any(p > upper * (1 + 1e-9)):
        raise ValueError(f"event probability {p.max():.4g} exceeds its stated upper bound {upper:.4g}")
    return candidates[rng.random(candidates.size) * upper < p]
