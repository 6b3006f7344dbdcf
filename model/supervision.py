"""Process 3: supervision - identifying drug need and referring to treatment.

Each week a practitioner may identify unrecorded problematic drug use, and may refer an
identified user who is not in treatment or waiting for it. Both chances scale with the
practitioner's workload factor (below 1 above the caseload cap) and training.
"""

from __future__ import annotations

from .people import PROBLEMATIC
from .process import Process


class Supervision(Process):
    name = "supervision"

    def step(self) -> None:
        m, p, people = self.model, self.model.p, self.people
        skill = m.allocation.skill
        best = max(p.training_effect, 1.0)
        problematic = people.supervised & (people.drug_use == PROBLEMATIC)

        unknown = people.where(problematic & ~people.identified)
        found = self.chance.events_each(unknown, lambda i: p.identify_per_week * skill[people.practitioner[i]], p.identify_per_week * best)
        people.identified[found] = True
        m.count("identifications", found.size)

        candidates = problematic & people.identified & ~people.in_treatment & ~people.waiting
        referred = self.chance.events_each(candidates, lambda i: p.refer_per_week * skill[people.practitioner[i]], p.refer_per_week * best)
        m.treatment.join_waiting_list(referred, priority=False)
        m.count("referrals", referred.size)
