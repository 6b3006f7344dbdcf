"""Passes over everyone, on every core when the population is large.

A weekly rule's candidates, who leaves this week and the week's stocks are each one
branch-free pass over every row. Such a pass is written once, as a function whose loop
is ``numba.prange``, and :func:`every_core` compiles it twice: in parallel, used from
:data:`PARALLEL_ROWS` rows up (at full scale it runs the week about 10% faster on two
cores), and serially below that (at 1:10 scale waking the threads for each pass cost
more than it saved: 16% slower, measured). Either way the result is the same.
"""

from __future__ import annotations

import types
from collections.abc import Callable

import numba

PARALLEL_ROWS = 100_000  # rows from which a pass runs on every core


def every_core(function: Callable) -> Callable:
    """``function`` compiled to run on every core for large populations and serially for
    small ones; its first argument is an array with a row per person."""
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
