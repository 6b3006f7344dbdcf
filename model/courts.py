"""Courts: pre-sentence reports, drug assessment, DRRs issued, and DRRs completed or revoked.

Sentencing runs inside intake (process 1) for each new court order. The weekly review of
DRRs runs after treatment: a DRR is completed when its term ends with the person still on
their order; a person on a DRR who is not in treatment may have it revoked for breach.
"""

from __future__ import annotations

import numpy as np

from .people import BREACHED, PROBLEMATIC, STAYS
from .process import Process


class Courts(Process):
    name = "courts"

    def sentence(self, idx: np.ndarray) -> None:
        """Pre-sentence report, drug assessment and DRR decision for new court orders."""
        m, p, people, u = self.model, self.model.p, self.people, self.chance.uniform
        report = u(idx) < p.psr_share
        problematic = people.drug_use[idx] == PROBLEMATIC
        assessed = report & problematic & (u(idx) < p.psr_drug_assessment)
        people.identified[idx[assessed]] = True
        drr_chance = np.where(assessed, p.drr_given_assessment, np.where(problematic, p.drr_without_assessment, 0.0))
        drr = idx[u(idx) < drr_chance]
        people.drr[drr] = True
        people.identified[drr] = True
        people.drr_end[drr] = np.minimum(people.start_week[drr] + int(p.drr_weeks), people.end_week[drr])
        engaged = self.chance.events(drr, p.drr_engagement)
        m.treatment.join_waiting_list(engaged, priority=True)
        m.count("pre_sentence_reports", int(report.sum()))
        m.count("drug_assessments", int(assessed.sum()))
        m.count("drrs_issued", drr.size)

    def step(self) -> None:
        """Weekly review of DRRs: completions, and revocation of disengaged DRRs."""
        m, p, people = self.model, self.model.p, self.people
        on_drr = people.where(people.drr & people.supervised & (people.leaving == STAYS))
        finished = on_drr[people.drr_end[on_drr] <= m.week]
        people.drr[finished] = False
        m.count("drr_completions", finished.size)
        still = on_drr[people.drr_end[on_drr] > m.week]
        disengaged = still[~people.in_treatment[still] & ~people.waiting[still]]
        revoked = self.chance.events(disengaged, p.drr_breach_per_week_disengaged)
        people.drr[revoked] = False
        people.leaving[revoked] = BREACHED
        m.count("drr_revocations", revoked.size)
