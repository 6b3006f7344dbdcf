"""Prison releases: treatment in custody and its continuity in the community.

For each person released onto licence: were they in treatment in custody, is a community
appointment and an opioid-substitution prescription arranged, does the same provider serve
prison and community (the South Wales arrangement), do they carry naloxone. A person picked
up by community treatment (OHID's measure: a treatment start within three weeks of release)
continues their treatment from the week of release, without queueing behind community
referrals (:func:`model.processes.treatment.start_treatment`).
"""

from __future__ import annotations

import numba

from ..people import (
    DRUG_USE, IDENTIFIED, NALOXONE, NO_USE, NONPROBLEMATIC, OCU, OST_ARRANGED, PICKUP_WEEK, PROBLEMATIC, REGION,
    RELEASED_IN_TREATMENT, APPOINTMENT, HANDOVER, NO_HANDOVER, SAME_PROVIDER, UID,
)
from ..process import Process
from ..streams import draw, salt_of
from .treatment import start_treatment



RELEASE_CALLS = 8  # calls of the release stream that :func:`arrange` keys its draws with


class PrisonRelease(Process):
    """The stream of random numbers for continuity at release; :func:`arrange` does the work
    inside intake (process 1)."""

    name = "release"


@numba.njit(cache=True)
def arrange(people, rows, origin, first_call, same_provider_region, week, P):  # pragma: no cover - compiled
    """Continuity for each person released: treated in custody; if so recorded as a user,
    an opioid-substitution prescription arranged, the same provider or an appointment, and
    pick-up by community treatment (treatment continues from this week); naloxone for
    users. An opioid-substitution prescription arranged for release raises the odds of
    pick-up (``pickup_ost_odds_ratio``). Calls ``first_call + 1`` to ``+ RELEASE_CALLS`` of
    the release stream key the draws. Returns how many were in treatment at release and how
    many were picked up."""
    p = P[0]
    uid, drug_use, ocu, region, identified = people[UID], people[DRUG_USE], people[OCU], people[REGION], people[IDENTIFIED]
    released_in_treatment, ost_arranged, naloxone = people[RELEASED_IN_TREATMENT], people[OST_ARRANGED], people[NALOXONE]
    salts = [salt_of(origin, first_call + k) for k in range(1, RELEASE_CALLS + 1)]
    naloxone_chance = (
        p.approved_premises_share * p.naloxone_ap_coverage + (1 - p.approved_premises_share) * p.naloxone_other_release
    )
    treated, pickups = 0, 0
    for i in rows:
        use = drug_use[i]
        treated_chance = (
            p.in_treatment_at_release_problematic if use == PROBLEMATIC
            else (p.in_treatment_at_release_nonproblematic if use == NONPROBLEMATIC else 0.0)
        )
        if use != NO_USE:
            naloxone[i] = draw(uid[i], salts[6]) < naloxone_chance
        if not draw(uid[i], salts[0]) < treated_chance:
            continue
        treated += 1
        released_in_treatment[i] = True
        identified[i] = draw(uid[i], salts[1]) < p.identify_at_release_in_treatment
        ost_arranged[i] = ocu[i] and draw(uid[i], salts[2]) < p.ost_prescription_at_release
        same_provider = same_provider_region[region[i]] or draw(uid[i], salts[3]) < p.same_provider_extra_share
        appointment = draw(uid[i], salts[4]) < p.release_appointment
        people[HANDOVER][i] = SAME_PROVIDER if same_provider else (APPOINTMENT if appointment else NO_HANDOVER)
        pickup = (
            p.pickup_same_provider if same_provider
            else (p.pickup_with_appointment if appointment else p.pickup_without_appointment)
        )
        if ost_arranged[i]:
            odds = p.pickup_ost_odds_ratio * pickup / max(1.0 - pickup, 1e-12)
            pickup = odds / (1.0 + odds)
        if draw(uid[i], salts[5]) < pickup:
            start_treatment(people, i, draw(uid[i], salts[7]), week, P)
            people[PICKUP_WEEK][i] = week
            pickups += 1
    return treated, pickups
