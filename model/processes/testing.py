"""Process 5: drug testing - who is tested, what a test finds, and what follows.

Practitioners arrange tests for identified drug users (more often the lighter their
caseload: :func:`model.processes.allocation.workload_factor`); people on a DRR are tested at the DRR rate. A test detects current use with the
test's sensitivity. A positive test may lead to a referral (for someone not in treatment)
or to breach or recall. Being tested also deters use (see :mod:`model.processes.drug_use`).
"""

from __future__ import annotations

import numba
import numpy as np

from ..passes import every_core
from ..people import (
    BREACHED, DRR, DRUG_USE, EVER_TESTED, IDENTIFIED, IN_TREATMENT, LAST_TEST, LEAVING, LICENCE, NO_USE, PRACTITIONER,
    PROBLEMATIC, RECALLED, ROUTE, STAYS, SUPERVISED, UID, WAITING, rows_where,
)
from ..process import Process
from ..streams import draw, salt_of
from .treatment import join_waiting_list


class Testing(Process):
    name = "testing"

@numba.njit(cache=True)
def test(people, workload, origin, first_call, week, P):  # pragma: no cover - compiled
    """Tests of people on a DRR at the DRR rate and of other known users at a rate lowered
    by the practitioner's workload (candidates first, as in supervision); which tests are
    positive; referral of untreated problematic users and breach or recall after a positive
    test. Returns the counts of tests, positives and referrals."""
    p = P[0]
    supervised, leaving, identified, drr, uid = people[SUPERVISED], people[LEAVING], people[IDENTIFIED], people[DRR], people[UID]
    practitioner, drug_use, route = people[PRACTITIONER], people[DRUG_USE], people[ROUTE]
    in_treatment, waiting = people[IN_TREATMENT], people[WAITING]
    test_salt, positive_salt = salt_of(origin, first_call + 1), salt_of(origin, first_call + 2)
    refer_salt, enforce_salt = salt_of(origin, first_call + 3), salt_of(origin, first_call + 4)
    bound = max(p.test_per_week * (workload.max() if workload.size else 0.0), p.test_per_week_drr)
    candidates = np.empty(supervised.size, dtype=np.bool_)
    _testable(candidates, supervised, leaving, identified, drr, uid, test_salt, bound)
    tests, positive, referrals = 0, 0, 0
    for i in rows_where(candidates):
        chance = p.test_per_week_drr if drr[i] else p.test_per_week * workload[practitioner[i]]
        if not draw(uid[i], test_salt) < chance:
            continue
        tests += 1
        people[EVER_TESTED][i] = True
        people[LAST_TEST][i] = week
        if drug_use[i] == NO_USE or not draw(uid[i], positive_salt) < p.test_sensitivity:
            continue
        positive += 1
        untreated = drug_use[i] == PROBLEMATIC and not in_treatment[i] and not waiting[i]
        if untreated and draw(uid[i], refer_salt) < p.refer_after_positive:
            referrals += join_waiting_list(people, i, False, week)
        if draw(uid[i], enforce_salt) < p.breach_after_positive:
            leaving[i] = RECALLED if route[i] == LICENCE else BREACHED
    return tests, positive, referrals


@every_core
def _testable(candidates, supervised, leaving, identified, drr, uid, salt, bound):  # pragma: no cover - compiled
    """Candidates for a test: supervised known users and people on a DRR, not leaving, whose
    draw falls below ``bound`` (one pass over everyone: see :mod:`model.passes`)."""
    for i in numba.prange(supervised.size):
        eligible = supervised[i] & (leaving[i] == STAYS) & (identified[i] | drr[i])
        candidates[i] = eligible & (draw(uid[i], salt) < bound)
