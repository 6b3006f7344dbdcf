"""Process 7: offending, proven reoffending, and breach or recall.

Each person offends at a rate (offences a week) made of two parts: acquisitive offending,
raised for problematic users (more for opiate and crack users, in proportion to dependency
severity), the drug-driven part cut by treatment; and other offending. Rates vary between
people by a gamma-distributed risk (mean 1). Each offence is proven with a probability
that depends on its type.

Rates are stored per person and recomputed only when a person's state changes
(``reschedule``). Proven offences are events in a person's history (they count towards the
one-year reoffending measure and can lead to recall), so each person carries the time of
their next proven offence, drawn from the exponential distribution at their proven-offence
rate and drawn again whenever the rate changes: memorylessness makes this exact, and each
week only the people whose next proven offence falls in the week are touched. Offences
never proven matter only as counts (and costs): the week's number of them is one Poisson
draw at the summed rate, which is the same in distribution as one draw per person.

A proven reoffence on licence may lead to recall (on a court order, the new sentence is
left to the courts and the order goes on). Separately, non-compliance leads to recall or
breach at a weekly rate, higher for problematic users out of treatment.
"""

from __future__ import annotations

import numpy as np

from .people import LICENCE, PROBLEMATIC, RECALLED, BREACHED, STAYS
from .process import Process
from .streams import Chance

FOLLOW_UP_WEEKS = 52  # Ministry of Justice one-year proven reoffending window


class Offending(Process):
    name = "offending"

    def __init__(self, model):
        super().__init__(model)
        self.schedule = Chance(model.seed_sequence, "offending.schedule", model.people)
        self.compliance = Chance(model.seed_sequence, "offending.compliance", model.people)
        self.chances = [self.chance, self.schedule, self.compliance]

    def rates(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weekly acquisitive, drug-driven acquisitive and other offending rates."""
        p, people = self.model.p, self.people
        problematic = people.drug_use[idx] == PROBLEMATIC
        drug_multiplier = np.where(
            problematic,
            p.acquisitive_multiplier_problematic
            * people.severity[idx]
            * np.where(people.ocu[idx], p.acquisitive_multiplier_ocu, 1.0)
            * np.where(people.in_treatment[idx], 1 - p.treatment_offending_reduction, 1.0),
            0.0,
        )
        risk = np.where(people.in_custody[idx], 0.0, people.risk[idx] / 52.0)
        base = p.acquisitive_per_year * risk
        other = p.other_per_year * risk * np.where(problematic, p.other_multiplier_problematic, 1.0)
        return base * (1 + drug_multiplier), base * drug_multiplier, other

    def proven_rate(self, idx: np.ndarray) -> np.ndarray:
        p, people = self.model.p, self.people
        return people.rate_acquisitive[idx] * p.proven_share_acquisitive + people.rate_other[idx] * p.proven_share_other

    def reschedule(self, idx: np.ndarray) -> None:
        """Store new rates for people whose state has changed; draw their next proven offence."""
        people = self.people
        people.rate_acquisitive[idx], people.rate_drug_driven[idx], people.rate_other[idx] = self.rates(idx)
        rate = self.proven_rate(idx)
        wait = self.schedule.exponential(idx) / np.maximum(rate, 1e-300)
        people.next_proven_offence[idx] = np.where(rate > 0, self.model.week + wait, np.inf)

    def step(self) -> None:
        m, p, people, chance, t = self.model, self.model.p, self.people, self.chance, self.model.week
        acquisitive_rate = people.rate_acquisitive.sum()
        unproven_acquisitive = self.rng.poisson(acquisitive_rate * (1 - p.proven_share_acquisitive))
        unproven_other = self.rng.poisson(people.rate_other.sum() * (1 - p.proven_share_other))
        due = people.where(people.next_proven_offence < t + 1)
        rate = self.proven_rate(due)
        acquisitive_share = people.rate_acquisitive[due] * p.proven_share_acquisitive / rate
        proven_acquisitive = np.zeros(due.size, dtype=np.int64)
        proven_count = np.zeros(due.size, dtype=np.int64)
        when = people.next_proven_offence[due]
        offending = np.arange(due.size)
        while offending.size:  # rates are constant within the week; repeat for offences still due
            proven_acquisitive[offending] += chance.uniform(due[offending]) < acquisitive_share[offending]
            proven_count[offending] += 1
            when[offending] += chance.exponential(due[offending]) / rate[offending]
            offending = offending[when[offending] < t + 1]
        people.next_proven_offence[due] = when

        acquisitive = int(proven_acquisitive.sum()) + unproven_acquisitive
        drug_driven_share = people.rate_drug_driven.sum() / acquisitive_rate if acquisitive_rate > 0 else 0.0
        m.count("offences_acquisitive", acquisitive)
        m.count("offences_other", int((proven_count - proven_acquisitive).sum()) + unproven_other)
        m.count("offences_acquisitive_drug_driven", acquisitive * drug_driven_share)
        m.count("proven_reoffences", int(proven_count.sum()))

        first = due[~people.reoffended[due] & (t - people.start_week[due] < FOLLOW_UP_WEEKS)]
        people.reoffended[first] = True
        m.record_cohort_reoffenders(first)

        on_licence = due[people.supervised[due] & (people.route[due] == LICENCE) & (people.leaving[due] == STAYS)]
        people.leaving[chance.events(on_licence, p.recall_on_proven)] = RECALLED
        self._noncompliance()

    def _noncompliance(self) -> None:
        p, people = self.model.p, self.people
        supervised = people.supervised & (people.leaving == STAYS)

        def chance(i: np.ndarray) -> np.ndarray:
            base = np.where(people.route[i] == LICENCE, p.recall_noncompliance_per_week, p.breach_noncompliance_per_week)
            struggling = (people.drug_use[i] == PROBLEMATIC) & ~people.in_treatment[i]
            return base * np.where(struggling, p.noncompliance_multiplier_problematic, 1.0)

        upper = max(p.recall_noncompliance_per_week, p.breach_noncompliance_per_week) * max(p.noncompliance_multiplier_problematic, 1.0)
        enforced = self.compliance.events_each(supervised, chance, upper)
        people.leaving[enforced] = np.where(people.route[enforced] == LICENCE, RECALLED, BREACHED)
