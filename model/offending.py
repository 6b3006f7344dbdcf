"""Process 7: offending, proven reoffending, and breach or recall.

Each person offends at a rate (offences a week) made of two parts: acquisitive offending,
raised for problematic users (more for opiate and crack users, in proportion to dependency
severity), the drug-driven part cut by treatment; and other offending. Rates vary between
people by a gamma-distributed risk (mean 1).

Rather than a weekly coin flip per person, each person carries the time of their next
offence, drawn from the exponential distribution at their current rate and drawn again
whenever their rate changes (``reschedule``): memorylessness makes this exact. Each week
only the people whose next offence falls in the week are touched.

An offence is proven with a probability that depends on its type. A proven reoffence on
licence may lead to recall (on a court order, the new sentence is left to the courts and the
order goes on). Separately, non-
compliance leads to recall or breach at a weekly rate, higher for problematic users out of
treatment.
"""

from __future__ import annotations

import numpy as np

from .people import LICENCE, PROBLEMATIC, RECALLED, BREACHED, STAYS
from .process import Process
from .streams import happen, happen_each

FOLLOW_UP_WEEKS = 52  # Ministry of Justice one-year proven reoffending window


class Offending(Process):
    name = "offending"

    def rates(self, idx: np.ndarray, without_drugs: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Weekly acquisitive and other offending rates of the people in ``idx``.

        ``without_drugs`` gives the rates they would have with no drug problem: the
        difference is the drug-driven part."""
        p, people = self.model.p, self.people
        problematic = (people.drug_use[idx] == PROBLEMATIC) & (not without_drugs)
        drug_driven = (
            p.acquisitive_multiplier_problematic
            * people.severity[idx]
            * np.where(people.ocu[idx], p.acquisitive_multiplier_ocu, 1.0)
            * np.where(people.in_treatment[idx], 1 - p.treatment_offending_reduction, 1.0)
        )
        risk = people.risk[idx] / 52.0
        acquisitive = p.acquisitive_per_year * risk * (1 + np.where(problematic, drug_driven, 0.0))
        other = p.other_per_year * risk * np.where(problematic, p.other_multiplier_problematic, 1.0)
        return acquisitive, other

    def reschedule(self, idx: np.ndarray) -> None:
        """Draw a fresh next-offence time for people whose rate has changed."""
        if idx.size == 0:
            return
        acquisitive, other = self.rates(idx)
        total = acquisitive + other
        wait = self.rng.exponential(1.0, idx.size) / np.maximum(total, 1e-12)
        self.people.next_offence[idx] = np.where(total > 0, self.model.week + wait, np.inf)

    def step(self) -> None:
        m, p, people, rng, t = self.model, self.model.p, self.people, self.rng, self.model.week
        due = people.where(people.next_offence < t + 1)
        counts = {"offences_acquisitive": 0, "offences_other": 0, "proven_reoffences": 0, "offences_acquisitive_drug_driven": 0.0}
        proven_people = []
        while due.size:
            acquisitive, other = self.rates(due)
            total = acquisitive + other
            is_acquisitive = rng.random(due.size) * total < acquisitive
            proven_chance = np.where(is_acquisitive, p.proven_share_acquisitive, p.proven_share_other)
            proven = rng.random(due.size) < proven_chance
            counts["offences_acquisitive"] += int(is_acquisitive.sum())
            drug_driven = 1 - self.rates(due, without_drugs=True)[0] / np.maximum(acquisitive, 1e-12)
            counts["offences_acquisitive_drug_driven"] += float(drug_driven[is_acquisitive].sum())
            counts["offences_other"] += int((~is_acquisitive).sum())
            counts["proven_reoffences"] += int(proven.sum())
            proven_people.append(due[proven])
            people.next_offence[due] += rng.exponential(1.0, due.size) / total
            due = due[people.next_offence[due] < t + 1]
        for name, n in counts.items():
            m.count(name, n)

        proven = np.unique(np.concatenate(proven_people)) if proven_people else np.empty(0, dtype=np.int64)
        first = proven[~people.reoffended[proven] & (t - people.start_week[proven] < FOLLOW_UP_WEEKS)]
        people.reoffended[first] = True
        m.record_cohort_reoffenders(first)

        on_licence = proven[people.supervised[proven] & (people.route[proven] == LICENCE) & (people.leaving[proven] == STAYS)]
        people.leaving[happen(rng, on_licence, p.recall_on_proven)] = RECALLED
        self._noncompliance()

    def _noncompliance(self) -> None:
        p, people = self.model.p, self.people
        supervised = people.where(people.supervised & (people.leaving == STAYS))

        def chance(i: np.ndarray) -> np.ndarray:
            base = np.where(people.route[i] == LICENCE, p.recall_noncompliance_per_week, p.breach_noncompliance_per_week)
            struggling = (people.drug_use[i] == PROBLEMATIC) & ~people.in_treatment[i]
            return base * np.where(struggling, p.noncompliance_multiplier_problematic, 1.0)

        upper = max(p.recall_noncompliance_per_week, p.breach_noncompliance_per_week) * max(p.noncompliance_multiplier_problematic, 1.0)
        self._enforce(happen_each(self.rng, supervised, chance, upper))

    def _enforce(self, idx: np.ndarray) -> None:
        people = self.people
        people.leaving[idx] = np.where(people.route[idx] == LICENCE, RECALLED, BREACHED)
