"""The Mesa agents: probation practitioners and community treatment services.

People on probation are not Mesa agents (they live in :mod:`model.people` as arrays, for
speed); each holds the index of their practitioner. Practitioners and services are few
(thousands and a dozen), so they are ordinary ``mesa.Agent`` objects whose numbers the
weekly processes read through the model's arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from .model import ProbationModel


class Practitioner(mesa.Agent):
    """A probation officer or probation services officer holding a caseload."""

    def __init__(self, model: ProbationModel, index: int, region: int, trained: bool):
        super().__init__(model)
        self.index = index  # row in the model's practitioner arrays
        self.region = region
        self.trained = trained

    @property
    def caseload(self) -> int:
        """People currently allocated to this practitioner."""
        return int(self.model.caseload[self.index])

    @property
    def capacity(self) -> int:
        """The caseload cap: above it, new cases go here only when everyone in the region is full."""
        return int(self.model.p.caseload_cap)


class TreatmentService(mesa.Agent):
    """The community drug and alcohol service of one probation region."""

    def __init__(self, model: ProbationModel, region: int, name: str, same_provider: bool):
        super().__init__(model)
        self.region = region
        self.name = name
        self.same_provider = same_provider  # same provider as the local prisons (South Wales)
        self.places = 0

    @property
    def occupied(self) -> int:
        people = self.model.people
        return int(np.count_nonzero(people.in_treatment & (people.region == self.region)))

    @property
    def waiting(self) -> int:
        people = self.model.people
        return int(np.count_nonzero(people.waiting & (people.region == self.region)))
