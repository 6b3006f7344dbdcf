"""Loops over people, on every core when the population is large.

Two kinds of loop run this way. A weekly rule's candidates, who leaves this week and the
week's stocks are each one branch-free pass over every row. And the work on the people a
process concerns (each week's new people, people in treatment, people whose proven offence
falls due, people leaving) reads and writes rows scattered across memory, so two cores fetch
them side by side; where such work adds to something shared (summed offending rates,
caseloads, counts), the parallel loop works out each person's part and a serial loop adds
them up in order, so the results do not depend on the number of cores.

Each such loop is written once, as a function whose loop is ``numba.prange``, and
:func:`every_core` compiles it twice: in parallel, used from :data:`PARALLEL_ROWS` rows up
(at full scale), and serially below that (at 1:10 scale waking the threads for each loop
cost more than it saved: 16% slower, measured). Either way the result is the same.
"""

from __future__ import annotations

import os
import types
from collections.abc import Callable

import numba

PARALLEL_ROWS = 100_000  # rows from which a pass runs on every core

# Between parallel loops OpenMP's idle threads wait by spinning, 300,000 times by default,
# which on two cores keeps the second one from the thread drawing next week's new people
# and from Python. Read when OpenMP starts, at the first parallel loop; an explicit setting
# stands. (Full scale, ten years: median 3.10 s against 3.53 s, four paired runs each.)
os.environ.setdefault("GOMP_SPINCOUNT", "20000")


def every_core(function: Callable) -> Callable:
    """``function`` compiled to run on every core for large populations and serially for
    small ones; its first argument is an array with a row per person (which says how large
    the population is)."""
    serial_function = types.FunctionType(
        function.__code__, function.__globals__, f"{function.__name__}_serial", function.__defaults__, function.__closure__
    )
    serial_function.__qualname__ = f"{function.__qualname__}_serial"  # its own entry in Numba's cache
    serial = numba.njit(cache=True)(serial_function)
    parallel = numba.njit(cache=True, parallel=True)(function)

    def either(*args):  # pragma: no cover - compiled
        if args[0].size >= PARALLEL_ROWS:
            return parallel(*args)
        return serial(*args)

    either.__qualname__ = f"{function.__qualname__}_either"
    either.__doc__ = function.__doc__
    return numba.njit(cache=True)(either)
