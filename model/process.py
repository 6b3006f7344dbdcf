"""The lifecycle every weekly process shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from .streams import Chance

if TYPE_CHECKING:
    from .model import ProbationModel


class Process:
    """A weekly process: its own random stream, and a ``step`` run once a week.

    Subclasses set ``name`` (which keys the random stream) and implement ``step``. They
    read the week's effective parameters from ``model.p``, change ``model.people`` and
    add to the week's tallies with ``model.count(name, n)``. Person-level draws go
    through ``self.chance`` (see :mod:`model.streams`); other draws through ``self.rng``.
    """

    name: ClassVar[str]

    def __init__(self, model: ProbationModel):
        self.model = model
        self.people = model.people
        self.chance = Chance(model.seed_sequence, self.name, model.people)
        self.chances = [self.chance]

    @property
    def rng(self) -> np.random.Generator:
        """This week's generator for draws that are not about particular people."""
        return self.chance.rng

    def step(self) -> None:
        raise NotImplementedError
