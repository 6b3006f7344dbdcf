"""Courts: pre-sentence reports, drug assessment, DRRs issued, and DRRs completed or revoked.

Sentencing runs inside intake (process 1) for each new court order. The weekly review of
DRRs runs after treatment: a DRR is completed when its term ends with the person still on
their order; a person on a DRR who is not in treatment may have it revoked for breach.
"""

from __future__ import annotations

import numba
import numpy as np

from .people import BREACHED, PROBLEMATIC, STAYS
from .process import Process
from .streams import draw, salt_of
from .treatment import join_waiting_list


class Courts(Process):
    name = "courts"

    def sentence(self, idx: np.ndarray) -> None:
        """Pre-sentence report, drug assessment and DRR decision for new court orders."""
        m, p, people, chance = self.model, self.model.p, self.people, self.chance
        reports, assessments, drrs = _sentence(
            idx, chance.origin, chance.take(4), people.uid, people.drug_use, people.identified, people.drr, people.drr_end,
            people.start_week, people.end_week, people.in_treatment, people.waiting, people.wait_since, people.priority,
            m.week, p.record,
        )
        m.count("pre_sentence_reports", reports)
        m.count("drug_assessments", assessments)
        m.count("drrs_issued", drrs)

    def step(self) -> None:
        """Weekly review of DRRs: completions, and revocation of disengaged DRRs."""
        m, p, people = self.model, self.model.p, self.people
        completions, revocations = _review(
            people.supervised, people.leaving, self.chance.salt(), people.uid, people.drr, people.drr_end, people.in_treatment,
            people.waiting, m.week, p.drr_breach_per_week_disengaged,
        )
        m.count("drr_completions", completions)
        m.count("drr_revocations", revocations)


@numba.njit(cache=True)
def _sentence(
    idx, origin, calls, uid, drug_use, identified, drr, drr_end, start_week, end_week, in_treatment, waiting, wait_since,
    priority, week, P,
):  # pragma: no cover - compiled
    """A report for some; a drug assessment of problematic users with a report; a DRR,
    more likely after an assessment; engagement of a DRR with treatment (waiting list,
    with priority). Returns the counts of reports, assessments and DRRs."""
    p = P[0]
    report_salt, assess_salt = salt_of(origin, calls + 1), salt_of(origin, calls + 2)
    drr_salt, engage_salt = salt_of(origin, calls + 3), salt_of(origin, calls + 4)
    reports, assessments, drrs = 0, 0, 0
    for i in idx:
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
                join_waiting_list(i, True, week, in_treatment, waiting, wait_since, priority)
    return reports, assessments, drrs


@numba.njit(cache=True)
def _review(supervised, leaving, salt, uid, drr, drr_end, in_treatment, waiting, week, breach_per_week):  # pragma: no cover - compiled
    """DRRs whose term has ended are completed; a DRR of someone neither in treatment nor
    waiting for it may be revoked (breach). Returns completions and revocations."""
    completions, revocations = 0, 0
    for i in range(drr.size):
        if not (drr[i] and supervised[i] and leaving[i] == STAYS):
            continue
        if drr_end[i] <= week:
            drr[i] = False
            completions += 1
        elif not in_treatment[i] and not waiting[i] and draw(uid[i], salt) < breach_per_week:
            drr[i] = False
            leaving[i] = BREACHED
            revocations += 1
    return completions, revocations
