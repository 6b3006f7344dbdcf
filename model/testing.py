"""Process 5: drug testing - who is tested, what a test finds, and what follows.

Practitioners arrange tests for identified drug users (less often when over the caseload
cap); people on a DRR are tested at the DRR rate. A test detects current use with the
test's sensitivity. A positive test may lead to a referral (for someone not in treatment)
or to breach or recall. Being tested also deters use (see :mod:`model.drug_use`).
"""

from __future__ import annotations

import numpy as np

from .people import LICENCE, NO_USE, PROBLEMATIC, RECALLED, BREACHED, STAYS
from .process import Process


class Testing(Process):
    name = "testing"

    def step(self) -> None:
        m, p, people, chance = self.model, self.model.p, self.people, self.chance
        workload = m.allocation.workload
        known = people.supervised & people.identified & (people.leaving == STAYS)
        routine = known & ~people.drr
        tested = chance.events_each(routine, lambda i: p.test_per_week * workload[people.practitioner[i]], p.test_per_week)
        on_drr = people.where(people.supervised & people.drr & (people.leaving == STAYS))
        tested = np.concatenate([tested, chance.events(on_drr, p.test_per_week_drr)])
        people.ever_tested[tested] = True
        people.last_test[tested] = m.week
        m.count("tests", tested.size)

        using = tested[people.drug_use[tested] != NO_USE]
        positive = using[chance.uniform(using) < p.test_sensitivity]
        m.count("positive_tests", positive.size)

        untreated = positive[(people.drug_use[positive] == PROBLEMATIC) & ~people.in_treatment[positive] & ~people.waiting[positive]]
        referred = chance.events(untreated, p.refer_after_positive)
        m.treatment.join_waiting_list(referred, priority=False)
        m.count("referrals", referred.size)

        enforced = chance.events(positive, p.breach_after_positive)
        people.leaving[enforced] = np.where(people.route[enforced] == LICENCE, RECALLED, BREACHED)
