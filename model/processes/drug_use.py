"""Process 6: drug use - transitions between non-problematic and problematic use.

Problematic use remits (becomes non-problematic) at a low rate out of treatment and a
higher rate in treatment, raised for four weeks after a drug test (deterrence); non-
problematic use relapses or escalates. Offending is rescheduled for everyone who changes.
"""

from __future__ import annotations

import numba
import numpy as np

from .offending import reschedule_rows
from ..passes import every_core
from ..people import ACTIVE, DRUG_USE, IN_CUSTODY, IN_TREATMENT, LAST_TEST, NO_USE, NONPROBLEMATIC, PROBLEMATIC, UID, rows_where
from ..process import Process
from ..streams import draw

DETERRENCE_WEEKS = 4


class DrugUse(Process):
    name = "drug_use"

@numba.njit(cache=True)
def transitions(people, salt, schedule_salt, week, P):  # pragma: no cover - compiled
    """Remission of problematic use and relapse of non-problematic use among people in the
    community, one draw each (candidates below the larger chance first); offending is
    rescheduled for everyone who changes. Returns how many changed and how many remitted."""
    p = P[0]
    active, in_custody, drug_use, uid = people[ACTIVE], people[IN_CUSTODY], people[DRUG_USE], people[UID]
    in_treatment, last_test = people[IN_TREATMENT], people[LAST_TEST]
    boost = 1 + p.testing_deterrence
    bound = max(max(p.remission_in_treatment_per_week, p.remission_untreated_per_week) * boost, p.relapse_per_week)
    candidates = np.empty(active.size, dtype=np.bool_)
    _users_in_community(candidates, active, in_custody, drug_use, uid, salt, bound)
    rows = rows_where(candidates)
    changed = np.empty(rows.size, dtype=np.int64)
    n_changed, remissions = 0, 0
    for i in rows:
        u = draw(uid[i], salt)
        if drug_use[i] == PROBLEMATIC:
            chance = p.remission_in_treatment_per_week if in_treatment[i] else p.remission_untreated_per_week
            chance *= boost if week - last_test[i] < DETERRENCE_WEEKS else 1.0
            if u < chance:
                drug_use[i] = NONPROBLEMATIC
                remissions += 1
                changed[n_changed] = i
                n_changed += 1
        elif u < p.relapse_per_week:
            drug_use[i] = PROBLEMATIC
            changed[n_changed] = i
            n_changed += 1
    reschedule_rows(people, changed[:n_changed], week, schedule_salt, P)
    return n_changed, remissions


@every_core
def _users_in_community(candidates, active, in_custody, drug_use, uid, salt, bound):  # pragma: no cover - compiled
    """Candidates for a change of drug use: users in the community whose draw falls below
    ``bound`` (one pass over everyone: see :mod:`model.passes`)."""
    for i in numba.prange(active.size):
        candidates[i] = active[i] & ~in_custody[i] & (drug_use[i] != NO_USE) & (draw(uid[i], salt) < bound)
