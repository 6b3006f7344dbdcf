"""Process 8: deaths - drug-related, and from other causes.

The drug-related death hazard of a problematic user (lower for non-problematic use, scaled
by dependency severity) rises sharply in the first weeks after release from prison and
falls on opioid substitution treatment and when carrying naloxone.
"""

from __future__ import annotations

import numba
import numpy as np

from ..passes import every_core
from ..people import (
    ACTIVE, DIED, DRUG_USE, FEMALE, IN_CUSTODY, LEAVING, NALOXONE, NONPROBLEMATIC, OST, PROBLEMATIC, RELEASE_WEEK,
    SEVERITY, SUPERVISED, UID, rows_where,
)
from ..process import Process
from ..streams import draw, salt_of, within_upper

MAX_SEVERITY = 1.5  # dependency severity is 0.5 + Beta(2, 2): the bound of the death hazard


class Deaths(Process):
    name = "deaths"

@numba.njit(cache=True)
def die(people, origin, first_call, week, P):  # pragma: no cover - compiled
    """Deaths among people in the community (candidates below the largest possible hazard
    first), and whether each was drug-related (a second draw, in proportion to the
    hazards). Returns deaths and drug-related deaths, of people supervised and of people
    followed up."""
    p = P[0]
    active, in_custody, supervised, leaving = people[ACTIVE], people[IN_CUSTODY], people[SUPERVISED], people[LEAVING]
    uid = people[UID]
    drug_use, release_week, severity = people[DRUG_USE], people[RELEASE_WEEK], people[SEVERITY]
    female, ost, naloxone = people[FEMALE], people[OST], people[NALOXONE]
    death_salt, cause_salt = salt_of(origin, first_call + 1), salt_of(origin, first_call + 2)
    other = p.other_death_per_year / 52.0
    upper = (  # the largest drug-related hazard anyone can have, whichever way each relative risk goes
        p.drug_death_per_year_problematic / 52.0 * MAX_SEVERITY * max(p.drug_death_rr_nonproblematic, 1.0)
        * max(p.drug_death_rr_weeks_1_2 * p.drug_death_rr_weeks_3_12, p.drug_death_rr_weeks_3_12, 1.0)
        * max(p.drug_death_rr_female, 1.0) * max(p.ost_death_rr, 1.0) * max(p.naloxone_death_rr, 1.0) + other
    )
    candidates = np.empty(active.size, dtype=np.bool_)
    _in_community(candidates, active, in_custody, uid, death_salt, upper)
    deaths, drug_deaths, deaths_after, drug_deaths_after = 0, 0, 0, 0
    for i in rows_where(candidates):
        use = drug_use[i]
        base = 1.0 if use == PROBLEMATIC else (p.drug_death_rr_nonproblematic if use == NONPROBLEMATIC else 0.0)
        since_release = week - release_week[i]
        after_release = (
            p.drug_death_rr_weeks_1_2 * p.drug_death_rr_weeks_3_12 if since_release < 2
            else (p.drug_death_rr_weeks_3_12 if since_release < 12 else 1.0)
        )
        drug = p.drug_death_per_year_problematic / 52.0 * base * severity[i] * after_release
        drug *= p.drug_death_rr_female if female[i] else 1.0
        drug *= p.ost_death_rr if ost[i] else 1.0
        drug *= p.naloxone_death_rr if naloxone[i] else 1.0
        if not draw(uid[i], death_salt) < within_upper(drug + other, upper):
            continue
        leaving[i] = DIED
        drug_related = draw(uid[i], cause_salt) * (drug + other) < drug
        if supervised[i]:
            deaths += 1
            drug_deaths += drug_related
        else:
            deaths_after += 1
            drug_deaths_after += drug_related
    return deaths, drug_deaths, deaths_after, drug_deaths_after


@every_core
def _in_community(candidates, active, in_custody, uid, salt, bound):  # pragma: no cover - compiled
    """Candidates for death: people in the community whose draw falls below ``bound`` (one pass
    over everyone: see :mod:`model.passes`)."""
    for i in numba.prange(active.size):
        candidates[i] = active[i] & ~in_custody[i] & (draw(uid[i], salt) < bound)
