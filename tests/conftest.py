"""Shared fixtures: small models, run once per test session where tests only read them."""

import pytest

from model import ProbationModel


@pytest.fixture(scope="session")
def small_run() -> ProbationModel:
    """A small baseline run, 40 weeks at 1:20 scale, shared by read-only tests."""
    model = ProbationModel(scale=0.05, seed=7)
    model.run(40)
    return model
