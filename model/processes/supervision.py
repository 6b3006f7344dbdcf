"""Process 3: supervision - identifying drug need and referring to treatment.

Each week a practitioner may identify unrecorded problematic drug use, and may refer an
identified user who is not in treatment or waiting for it. Both chances scale with the
practitioner's workload factor (above 1 below today's mean caseload, below 1 above it:
:func:`model.processes.allocation.workload_factor`) and training.
"""

from __future__ import annotations

import numba
import numpy as np

from ..passes import every_core
from ..people import DRUG_USE, IDENTIFIED, IN_TREATMENT, PRACTITIONER, PROBLEMATIC, SUPERVISED, UID, WAITING, rows_where
from ..process import Process
from ..streams import draw, salt_of
from .treatment import join_waiting_list


class Supervision(Process):
    name = "supervision"

@numba.njit(cache=True)
def identify_and_refer(people, skill, origin, first_call, week, P):  # pragma: no cover - compiled
    """Identification of unrecorded problematic use, then referral of identified users not
    in treatment or waiting (so people identified this week may be referred this week),
    each at its weekly chance times the practitioner's skill factor. Each rule first keeps
    the candidates whose draw falls below the best skill's chance (a branch-free pass over
    everyone), then decides for them. Returns the counts of identifications and referrals."""
    p = P[0]
    supervised, drug_use, identified, uid = people[SUPERVISED], people[DRUG_USE], people[IDENTIFIED], people[UID]
    in_treatment, waiting, practitioner = people[IN_TREATMENT], people[WAITING], people[PRACTITIONER]
    best = skill.max() if skill.size else 0.0  # the largest chance any practitioner gives, as a multiple
    identify_salt, refer_salt = salt_of(origin, first_call + 1), salt_of(origin, first_call + 2)
    candidates = np.empty(supervised.size, dtype=np.bool_)
    _unrecorded_users(candidates, supervised, drug_use, identified, uid, identify_salt, p.identify_per_week * best)
    identifications = 0
    for i in rows_where(candidates):
        if draw(uid[i], identify_salt) < p.identify_per_week * skill[practitioner[i]]:
            identified[i] = True
            identifications += 1
    refer_bound = p.refer_per_week * best
    _untreated_users(candidates, supervised, drug_use, identified, in_treatment, waiting, uid, refer_salt, refer_bound)
    referrals = 0
    for i in rows_where(candidates):
        if draw(uid[i], refer_salt) < p.refer_per_week * skill[practitioner[i]]:
            referrals += join_waiting_list(people, i, False, week)
    return identifications, referrals


@every_core
def _unrecorded_users(candidates, supervised, drug_use, identified, uid, salt, bound):  # pragma: no cover - compiled
    """Candidates for identification: supervised problematic users not yet identified
    whose draw falls below ``bound`` (one pass over everyone: see :mod:`model.passes`)."""
    for i in numba.prange(supervised.size):
        unknown = supervised[i] & (drug_use[i] == PROBLEMATIC) & ~identified[i]
        candidates[i] = unknown & (draw(uid[i], salt) < bound)


@every_core
def _untreated_users(candidates, supervised, drug_use, identified, in_treatment, waiting, uid, salt, bound):  # pragma: no cover
    """Candidates for referral: identified problematic users neither in treatment nor
    waiting whose draw falls below ``bound`` (one pass over everyone: see :mod:`model.passes`)."""
    for i in numba.prange(supervised.size):
        untreated = supervised[i] & (drug_use[i] == PROBLEMATIC) & identified[i] & ~in_treatment[i] & ~waiting[i]
        candidates[i] = untreated & (draw(uid[i], salt) < bound)
