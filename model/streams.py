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


def happen(rng: np.random.Generator, idx: np.ndarray, probability: float) -> np.ndarray:
    """The members of ``idx`` for whom an event of the same ``probability`` happens.

    Exactly as one Bernoulli draw each, but draws only as many numbers as there are events:
    a binomial count, then that many members at random.
    """
    if probability <= 0 or idx.size == 0:
        return idx[:0]
    if probability >= 1:
        return idx
    n = rng.binomial(idx.size, probability)
    return np.sort(idx[rng.choice(idx.size, n, replace=False)])


def happen_each(
    rng: np.random.Generator,
    idx: np.ndarray,
    probability: Callable[[np.ndarray], np.ndarray],
    upper: float,
) -> np.ndarray:
    """The members of ``idx`` for whom their own event happens (probabilities at most ``upper``).

    Thinning: candidates are drawn at the common upper bound, then each is kept with
    probability ``p_i / upper``; so ``probability`` is evaluated only for the candidates.
    """
    candidates = happen(rng, idx, min(upper, 1.0))
    if candidates.size == 0:
        return candidates
    p = probability(candidates)
    if np.any(p > upper * (1 + 1e-9)):
        raise ValueError(f"event probability {p.max():.4g} exceeds its stated upper bound {upper:.4g}")
    return candidates[rng.random(candidates.size) * upper < p]
