"""Process 4: community drug treatment - admission, drop-out and completion.

Each region's service has funded places. People referred (by practitioners, after a
positive test, by a DRR, or on release from prison) join its waiting list; each week the
service admits from the list as places free up, prison leavers and DRRs first, then in
order of waiting time. People in treatment may drop out (more often in the first 12 weeks,
and for an opiate user without a substitution prescription) or, after a minimum time,
complete. Drop-out falls when funded places rise above the baseline, by
``funding_quality_elasticity``: sustained money buys quality as well as places.
"""

from __future__ import annotations

import numpy as np

from .agents import TreatmentService
from .people import NEVER, PROBLEMATIC, NONPROBLEMATIC
from .process import Process
from .release import PICKUP_WINDOW_WEEKS

EARLY_WEEKS = 12  # weeks of the early, high drop-out period; also the continuity follow-up


class Treatment(Process):
    name = "treatment"

    def __init__(self, model):
        super().__init__(model)
        self.services = [
            TreatmentService(model, r, region.name, region.same_provider) for r, region in enumerate(model.regions)
        ]

    def join_waiting_list(self, idx: np.ndarray, priority: bool) -> None:
        people = self.people
        idx = idx[~people.in_treatment[idx] & ~people.waiting[idx]]
        people.waiting[idx] = True
        people.wait_since[idx] = self.model.week
        people.priority[idx] = priority

    def places(self) -> np.ndarray:
        """Funded places in each region this week."""
        m, p = self.model, self.model.p
        places = np.rint(p.treatment_places * m.scale * m.region_shares).astype(int)
        for service, n in zip(self.services, places):
            service.places = int(n)
        return places

    def step(self) -> None:
        m, p, people, t = self.model, self.model.p, self.people, self.model.week
        places = self.places()

        waiting = people.where(people.waiting)
        gave_up = self.chance.events(waiting[~people.priority[waiting]], p.wait_dropout_per_week)
        people.waiting[gave_up] = False

        treated = people.where(people.in_treatment)
        weeks_in = t - people.treatment_start[treated]
        early = weeks_in < EARLY_WEEKS
        quality = (p.definition("treatment_places").value / max(p.treatment_places, 1.0)) ** p.funding_quality_elasticity
        dropout = np.where(early, p.dropout_early_per_week, p.dropout_late_per_week) * quality
        dropout = dropout * np.where(early & people.ocu[treated] & ~people.ost[treated], p.dropout_no_ost_multiplier, 1.0)
        dropout = dropout * np.where(people.drr[treated], p.court_review_retention, 1.0)
        complete = np.where(weeks_in >= p.completion_min_weeks, p.completion_per_week, 0.0)
        u = self.chance.uniform(treated)
        dropped = u < dropout
        completed = ~dropped & (u < np.minimum(dropout + complete, 1.0))
        leavers = treated[dropped | completed]
        people.in_treatment[leavers] = False
        people.ost[leavers] = False
        recovered = treated[completed][people.drug_use[treated[completed]] == PROBLEMATIC]
        people.drug_use[recovered] = NONPROBLEMATIC
        m.offending.reschedule(leavers)
        m.count("treatment_dropouts", int(np.count_nonzero(dropped)))
        m.count("treatment_completions", int(np.count_nonzero(completed)))

        staying = treated[~(dropped | completed)]
        admitted = self.admit(places, staying, waiting[people.waiting[waiting]])
        in_treatment = np.concatenate([staying, admitted])
        m.count("release_retained_12w", int(np.count_nonzero(people.pickup_week[in_treatment] == t - EARLY_WEEKS)))

    def admit(self, places: np.ndarray, treated: np.ndarray, waiting: np.ndarray) -> np.ndarray:
        """Fill free places from the waiting lists: priority first, then longest waiting."""
        m, p, people, t = self.model, self.model.p, self.people, self.model.week
        occupied = np.bincount(people.region[treated], minlength=places.size)
        free = np.maximum(places - occupied, 0)
        order = np.lexsort((people.uid[waiting], people.wait_since[waiting], ~people.priority[waiting], people.region[waiting]))
        waiting = waiting[order]
        regions = people.region[waiting]
        rank = np.arange(waiting.size) - np.searchsorted(regions, regions, side="left")
        admitted = waiting[rank < free[regions]]

        people.waiting[admitted] = False
        people.in_treatment[admitted] = True
        people.treatment_start[admitted] = t
        opiate = people.ocu[admitted]
        people.ost[admitted] = opiate & (people.ost_arranged[admitted] | (self.chance.uniform(admitted) < p.ost_in_treatment))
        people.identified[admitted] = True
        pickups = admitted[
            people.released_in_treatment[admitted]
            & (people.pickup_week[admitted] == NEVER)
            & (t - people.release_week[admitted] <= PICKUP_WINDOW_WEEKS)
        ]
        people.pickup_week[pickups] = t
        m.offending.reschedule(admitted)
        m.count("treatment_starts", admitted.size)
        m.count("drr_treatment_starts", int(np.count_nonzero(people.drr[admitted])))
        m.count("release_pickups", pickups.size)
        return admitted
