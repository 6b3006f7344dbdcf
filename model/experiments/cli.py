"""What the project's commands share: one-line errors with exit status 2 for bad input."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from ..parameters import ParameterError
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


def run_command(main: Callable[[], int]) -> int:
    """Run a command's ``main``: bad input is one line on stderr and exit status 2; Ctrl-C
    is exit status 130 (what was finished is kept by each command's cache)."""
    try:
        return main()
    except BAD_INPUT as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished work is saved; run the same command again to resume", file=sys.stderr)
        return 130
