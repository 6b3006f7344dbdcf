"""What the project's commands share: one-line errors with exit status 2 for bad input."""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
from collections.abc import Callable

from ..parameters import ParameterError
from .ensemble import INTERRUPTED
from .outputs import OutputError
from .posterior import PosteriorError
from .scenarios import ScenarioError


class UsageError(ValueError):
    """Bad command-line input."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2, like any bad input."""

    def error(self, message: str):
        raise UsageError(message)


BAD_INPUT = (UsageError, ScenarioError, ParameterError, PosteriorError, OutputError)
MAX_SCALE = 10.0  # ten times England and Wales: beyond any use, and the memory of this machine
MAX_YEARS = 100.0
MAX_SEED = 2**63 - 1


def check_options(args: argparse.Namespace) -> argparse.Namespace:
    """The options every command shares, checked alike (each only where the command has it):
    a scale above 0 and at most :data:`MAX_SCALE`; years giving at least one week and at most
    :data:`MAX_YEARS`; whole numbers of workers (>= 0), replicates (>= 1) and a seed
    (0 to 2**63 - 1). Raises :class:`UsageError` naming the option."""
    def number(option: str, low: float, high: float, allowed: str, above: bool = False) -> None:
        value = getattr(args, option.replace("-", "_"), None)
        if value is None:
            return
        if not math.isfinite(value) or value > high or (value <= low if above else value < low):
            raise UsageError(f"--{option} = {value}: must be {allowed}")

    number("scale", 0.0, MAX_SCALE, f"above 0 and at most {MAX_SCALE:g} (1.0 is England and Wales)", above=True)
    number("years", 1 / 52, MAX_YEARS, f"at least one week (1/52) and at most {MAX_YEARS:g}")
    number("workers", 0, 1024, "a whole number from 0 (serial) to 1024")
    number("reps", 1, 100_000, "a whole number from 1 to 100,000")
    number("seed", 0, MAX_SEED, "a whole number from 0 to 2**63 - 1")
    return args


def run_command(main: Callable[[], int]) -> int:
    """Run a command's ``main``: bad input, or a file that cannot be read or written (a
    read-only or full disk), is one line on stderr and exit status 2; Ctrl-C is one line and
    exit status 130 (what was finished is kept by each command's cache)."""
    def interrupt(signum, frame) -> None:
        INTERRUPTED.set()  # remembered, should Dask catch the KeyboardInterrupt below
        raise KeyboardInterrupt

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, interrupt) if in_main_thread else None
    try:
        return main()
    except BAD_INPUT as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished work is saved; run the same command again to resume", file=sys.stderr)
        return 130
    except OSError as err:  # a read-only or full disk, a folder where a file should be, ...
        where = f"{err.filename}: " if err.filename else ""
        print(f"error: {where}{err.strerror or err}", file=sys.stderr)
        return 2
    finally:
        if in_main_thread:
            signal.signal(signal.SIGINT, previous)
        INTERRUPTED.clear()
