"""Process 5: drug testing - who is tested, what a test finds, and what follows.

Practitioners arrange tests for identified drug users (less often when over the caseload
cap); people on a DRR are tested at the DRR rate. A test detects current use with the
test's sensitivity. A positive test may lead to a referral (for someone not in treatment)
or to breach or recall. Being tested also deters use (see :mod:`model.drug_use`).
"""

from __future__ import annotations

import numba
import numpy as np

from .people import BREACHED, LICENCE, NO_USE, PROBLEMATIC, RECALLED, STAYS
from .process import Process
from .streams import draw, salt_of
from .treatment import join_waiting_list


class Testing(Process):
    name = "testing"

    def step(self) -> None:
        m, people, chance = self.model, self.people, self.chance
        tests, positive, referrals = _testing_week(
            people.supervised, people.leaving, people.identified, people.drr, people.practitioner, people.uid,
            people.ever_tested, people.last_test, people.drug_use, people.in_treatment, people.waiting, people.wait_since,
            people.priority, people.route, m.allocation.workload, chance.origin, chance.take(4), m.week, m.p.record,
        )
        m.count("tests", tests)
        m.count("positive_tests", positive)
        m.count("referrals", referrals)


@numba.njit(cache=True)
def _testing_week(
    supervised, leaving, identified, drr, practitioner, uid, ever_tested, last_test, drug_use, in_treatment, waiting,
    wait_since, priority, route, workload, origin, calls, week, P,
):  # pragma: no cover - compiled
    """Tests of people on a DRR at the DRR rate and of other known users at a rate lowered
    by the practitioner's workload (candidates first, as in supervision); which tests are
    positive; referral of untreated problematic users and breach or recall after a positive
    test. Returns the counts of tests, positives and referrals."""
    p = P[0]
    test_salt, positive_salt = salt_of(origin, calls + 1), salt_of(origin, calls + 2)
    refer_salt, enforce_salt = salt_of(origin, calls + 3), salt_of(origin, calls + 4)
    bound = max(p.test_per_week, p.test_per_week_drr)
    candidates = np.empty(supervised.size, dtype=np.bool_)
    for i in range(supervised.size):
        eligible = supervised[i] & (leaving[i] == STAYS) & (identified[i] | drr[i])
        candidates[i] = eligible & (draw(uid[i], test_salt) < bound)
    tests, positive, referrals = 0, 0, 0
    for i in np.flatnonzero(candidates):
        chance = p.test_per_week_drr if drr[i] else p.test_per_week * workload[practitioner[i]]
        if not draw(uid[i], test_salt) < chance:
            continue
        tests += 1
        ever_tested[i] = True
        last_test[i] = week
        if drug_use[i] == NO_USE or not draw(uid[i], positive_salt) < p.test_sensitivity:
            continue
        positive += 1
        if drug_use[i] == PROBLEMATIC and not in_treatment[i] and not waiting[i] and draw(uid[i], refer_salt) < p.refer_after_positive:
            join_waiting_list(i, False, week, in_treatment, waiting, wait_since, priority)
            referrals += 1
        if draw(uid[i], enforce_salt) < p.breach_after_positive:
            leaving[i] = RECALLED if route[i] == LICENCE else BREACHED
    return tests, positive, referrals
