"""Process 6: drug use - transitions between non-problematic and problematic use.

Problematic use remits (becomes non-problematic) at a low rate out of treatment and a
higher rate in treatment, raised for four weeks after a drug test (deterrence); non-
problematic use relapses or escalates. Offending is rescheduled for everyone who changes.
"""

from __future__ import annotations

import numpy as np

from .people import NONPROBLEMATIC, PROBLEMATIC
from .process import Process

DETERRENCE_WEEKS = 4


class DrugUse(Process):
    name = "drug_use"

    def step(self) -> None:
        m, p, people, t = self.model, self.model.p, self.people, self.model.week
        community = people.active & ~people.in_custody
        problematic = community & (people.drug_use == PROBLEMATIC)

        def remission(i: np.ndarray) -> np.ndarray:
            base = np.where(people.in_treatment[i], p.remission_in_treatment_per_week, p.remission_untreated_per_week)
            return base * np.where(t - people.last_test[i] < DETERRENCE_WEEKS, 1 + p.testing_deterrence, 1.0)

        upper = max(p.remission_in_treatment_per_week, p.remission_untreated_per_week) * (1 + p.testing_deterrence)
        remitted = self.chance.events_each(problematic, remission, upper)
        nonproblematic = community & (people.drug_use == NONPROBLEMATIC)
        relapsed = self.chance.events(nonproblematic, p.relapse_per_week)
        people.drug_use[remitted] = NONPROBLEMATIC
        people.drug_use[relapsed] = PROBLEMATIC
        m.count("remissions", remitted.size)
        m.count("relapses", relapsed.size)
        m.offending.reschedule(np.concatenate([remitted, relapsed]))
