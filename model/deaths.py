"""Process 8: deaths - drug-related, and from other causes.

The drug-related death hazard of a problematic user (lower for non-problematic use, scaled
by dependency severity) rises sharply in the first weeks after release from prison and
falls on opioid substitution treatment and when carrying naloxone. Deaths are rare, so the
process draws only candidate events at an upper bound and thins them (see
:meth:`model.streams.Chance.events_each`).
"""

from __future__ import annotations

import numpy as np

from .people import DIED, NONPROBLEMATIC, PROBLEMATIC
from .process import Process

MAX_SEVERITY = 1.5


class Deaths(Process):
    name = "deaths"

    def drug_death_chance(self, idx: np.ndarray) -> np.ndarray:
        p, people, t = self.model.p, self.people, self.model.week
        use = people.drug_use[idx]
        base = np.select([use == PROBLEMATIC, use == NONPROBLEMATIC], [1.0, p.drug_death_rr_nonproblematic], 0.0)
        since_release = t - people.release_week[idx]
        after_release = np.select(
            [since_release < 2, since_release < 12], [p.drug_death_rr_weeks_1_2 * p.drug_death_rr_weeks_3_12, p.drug_death_rr_weeks_3_12], 1.0
        )
        return (
            p.drug_death_per_year_problematic / 52.0
            * base
            * people.severity[idx]
            * after_release
            * np.where(people.female[idx], p.drug_death_rr_female, 1.0)
            * np.where(people.ost[idx], p.ost_death_rr, 1.0)
            * np.where(people.naloxone[idx], p.naloxone_death_rr, 1.0)
        )

    def step(self) -> None:
        m, p, people = self.model, self.model.p, self.people
        other = p.other_death_per_year / 52.0
        upper_drug = (
            p.drug_death_per_year_problematic / 52.0 * MAX_SEVERITY * p.drug_death_rr_weeks_1_2
            * p.drug_death_rr_weeks_3_12 * max(p.drug_death_rr_female, 1.0)
        )
        died = self.chance.events_each(people.active & ~people.in_custody, lambda i: self.drug_death_chance(i) + other, upper_drug + other)
        drug_related = self.chance.uniform(died) * (self.drug_death_chance(died) + other) < self.drug_death_chance(died)
        people.leaving[died] = DIED
        supervised = people.supervised[died]
        m.count("deaths", int(supervised.sum()))
        m.count("drug_deaths", int((drug_related & supervised).sum()))
        m.count("deaths_after_supervision", int((~supervised).sum()))
        m.count("drug_deaths_after_supervision", int((drug_related & ~supervised).sum()))
