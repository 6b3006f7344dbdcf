"""Courts: pre-sentence reports, drug assessment, DRRs issued, and DRRs completed or revoked.

Sentencing (:func:`sentence`) runs inside intake (process 1) for each new court order. The weekly review of
DRRs runs after treatment: a DRR is completed when its term ends with the person still on
their order; a person on a DRR who is not in treatment may have it revoked for breach.
"""

from __future__ import annotations

import numba

from ..people import (
    BREACHED, DRR, DRR_END, DRUG_USE, END_WEEK, IDENTIFIED, IN_TREATMENT, LEAVING, PROBLEMATIC, START_WEEK, STAYS,
    SUPERVISED, UID, WAITING, rows_where,
)
from ..process import Process
from ..streams import draw, salt_of
from .treatment import join_waiting_list


class Courts(Process):
    name = "courts"

@numba.njit(cache=True)
def sentence(people, rows, origin, first_call, week, P):  # pragma: no cover - compiled
    """New court orders: a pre-sentence report for some; a drug assessment of problematic
    users with a report; a DRR, more likely after an assessment; engagement of a DRR with
    treatment (waiting list, with priority). Calls ``first_call + 1`` to ``+ 4`` of the
    courts' stream key the draws. Returns the counts of reports, assessments, DRRs and
    DRRs referred to treatment."""
    p = P[0]
    uid, drug_use, identified, drr, drr_end = people[UID], people[DRUG_USE], people[IDENTIFIED], people[DRR], people[DRR_END]
    start_week, end_week = people[START_WEEK], people[END_WEEK]
    report_salt, assess_salt = salt_of(origin, first_call + 1), salt_of(origin, first_call + 2)
    drr_salt, engage_salt = salt_of(origin, first_call + 3), salt_of(origin, first_call + 4)
    reports, assessments, drrs, referred = 0, 0, 0, 0
    for i in rows:
        report = draw(uid[i], report_salt) < p.psr_share
        problematic = drug_use[i] == PROBLEMATIC
        assessed = report and problematic and draw(uid[i], assess_salt) < p.psr_drug_assessment
        reports += report
        assessments += assessed
        identified[i] |= assessed
        drr_chance = p.drr_given_assessment if assessed else (p.drr_without_assessment if problematic else 0.0)
        if draw(uid[i], drr_salt) < drr_chance:
            drrs += 1
            drr[i] = True
            identified[i] = True
            drr_end[i] = min(start_week[i] + int(p.drr_weeks), end_week[i])
            if draw(uid[i], engage_salt) < p.drr_engagement:
                referred += join_waiting_list(people, i, True, week)
    return reports, assessments, drrs, referred


@numba.njit(cache=True)
def review(people, salt, week, P):  # pragma: no cover - compiled
    """DRRs whose term has ended are completed; a DRR of someone neither in treatment nor
    waiting for it may be revoked (breach). Returns completions and revocations."""
    drr, supervised, leaving, drr_end = people[DRR], people[SUPERVISED], people[LEAVING], people[DRR_END]
    in_treatment, waiting, uid = people[IN_TREATMENT], people[WAITING], people[UID]
    breach_per_week = P[0].drr_breach_per_week_disengaged
    completions, revocations = 0, 0
    for i in rows_where(drr):
        if not supervised[i] or leaving[i] != STAYS:
            continue
        if drr_end[i] <= week:
            drr[i] = False
            completions += 1
        elif not in_treatment[i] and not waiting[i] and draw(uid[i], salt) < breach_per_week:
            drr[i] = False
            leaving[i] = BREACHED
            revocations += 1
    return completions, revocations
