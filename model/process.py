"""The lifecycle every weekly process shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from .streams import Chance

if TYPE_CHECKING:
    from .model import ProbationModel


class Process:
    """A weekly process: its own random stream, and whatever it keeps between weeks.

    Subclasses set ``name``, which keys the random stream. The weekly rules themselves are
    a compiled function in the process's module (taking the population's columns, the
    week and the parameter record), which :meth:`ProbationModel.step` runs in order with
    the others as one call. Person-level draws are counter-based (see :mod:`model.streams`);
    other draws (how many orders start this week) go through ``self.rng``.
    """

    name: ClassVar[str]

    def __init__(self, model: ProbationModel):
        self.model = model
        self.people = model.people
        self.chance = Chance(model.seed_sequence, self.name)
        self.chances = [self.chance]

    @property
    def rng(self) -> np.random.Generator:
        """This week's generator for draws that are not about particular people."""
        return self.chance.rng
