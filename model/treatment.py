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

import numba
import numpy as np

from .agents import TreatmentService
from .people import NEVER, PROBLEMATIC, NONPROBLEMATIC
from .process import Process
from .streams import draw, salt_of

PICKUP_WINDOW_WEEKS = 3  # OHID continuity-of-care measure: treatment starts within 3 weeks of release
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
        _join_all(idx, priority, self.model.week, people.in_treatment, people.waiting, people.wait_since, people.priority)

    def places(self) -> np.ndarray:
        """Funded places in each region this week."""
        m, p = self.model, self.model.p
        places = np.rint(p.treatment_places * m.scale * m.region_shares).astype(int)
        for service, n in zip(self.services, places):
            service.places = int(n)
        return places

    def step(self) -> None:
        m, p, people, chance = self.model, self.model.p, self.people, self.chance
        quality = (p.definition("treatment_places").value / max(p.treatment_places, 1.0)) ** p.funding_quality_elasticity
        leavers, admitted, dropouts, completions, drr_starts, pickups, retained = _treatment_week(
            self.places(), people.waiting, people.priority, people.wait_since, people.in_treatment, people.treatment_start,
            people.ocu, people.ost, people.ost_arranged, people.drr, people.drug_use, people.region, people.uid,
            people.identified, people.released_in_treatment, people.release_week, people.pickup_week, m.week,
            chance.origin, chance.take(3), quality, p.record,
        )
        m.offending.reschedule(leavers)
        m.offending.reschedule(admitted)
        m.count("treatment_dropouts", dropouts)
        m.count("treatment_completions", completions)
        m.count("treatment_starts", admitted.size)
        m.count("drr_treatment_starts", drr_starts)
        m.count("release_pickups", pickups)
        m.count("release_retained_12w", retained)


@numba.njit(cache=True)
def join_waiting_list(i, is_priority, week, in_treatment, waiting, wait_since, priority):  # pragma: no cover - compiled
    """Person ``i`` joins their service's waiting list, unless in treatment or waiting already."""
    if not in_treatment[i] and not waiting[i]:
        waiting[i] = True
        wait_since[i] = week
        priority[i] = is_priority


@numba.njit(cache=True)
def _join_all(idx, is_priority, week, in_treatment, waiting, wait_since, priority):  # pragma: no cover - compiled
    for i in idx:
        join_waiting_list(i, is_priority, week, in_treatment, waiting, wait_since, priority)


@numba.njit(cache=True)
def _treatment_week(
    places, waiting, priority, wait_since, in_treatment, treatment_start, ocu, ost, ost_arranged, drr, drug_use, region,
    uid, identified, released_in_treatment, release_week, pickup_week, week, origin, calls, quality, P,
):  # pragma: no cover - compiled
    """One week of every service: people give up waiting (not prison leavers or DRRs); people
    in treatment drop out or complete (one draw decides both); free places are filled from
    the waiting list, priority first, then longest waiting (ties by uid). Calls ``calls + 1``
    to ``+ 3`` of the stream key the three draws. Returns the rows of leavers and of
    admissions (admission order), and the week's counts."""
    p = P[0]
    give_up_salt, leave_salt, ost_salt = salt_of(origin, calls + 1), salt_of(origin, calls + 2), salt_of(origin, calls + 3)
    treated, queue = np.flatnonzero(in_treatment), np.flatnonzero(waiting)
    n_waiting = 0
    for i in queue:
        if not priority[i] and draw(uid[i], give_up_salt) < p.wait_dropout_per_week:
            waiting[i] = False
        else:
            queue[n_waiting] = i
            n_waiting += 1
    queue = queue[:n_waiting]

    occupied = np.zeros(places.size, dtype=np.int64)
    leavers = np.empty(treated.size, dtype=np.int64)
    n_leavers, dropouts, completions, retained = 0, 0, 0, 0
    for i in treated:
        weeks_in = week - treatment_start[i]
        early = weeks_in < EARLY_WEEKS
        dropout = (p.dropout_early_per_week if early else p.dropout_late_per_week) * quality
        dropout *= p.dropout_no_ost_multiplier if early and ocu[i] and not ost[i] else 1.0
        dropout *= p.court_review_retention if drr[i] else 1.0
        complete = p.completion_per_week if weeks_in >= p.completion_min_weeks else 0.0
        u = draw(uid[i], leave_salt)
        if u < dropout or u < min(dropout + complete, 1.0):
            dropouts += u < dropout
            completions += u >= dropout
            if u >= dropout and drug_use[i] == PROBLEMATIC:
                drug_use[i] = NONPROBLEMATIC
            in_treatment[i] = False
            ost[i] = False
            leavers[n_leavers] = i
            n_leavers += 1
        else:
            occupied[region[i]] += 1
            retained += pickup_week[i] == week - EARLY_WEEKS

    key = np.empty(queue.size, dtype=np.int64)
    for k in range(queue.size):
        i = queue[k]
        key[k] = (((np.int64(region[i]) * 2 + (not priority[i])) << 22) + (wait_since[i] + (1 << 21))) << 32 | uid[i]
    queue = queue[np.argsort(key)]
    free = np.maximum(places - occupied, 0)
    admitted = np.empty(queue.size, dtype=np.int64)
    n_admitted, drr_starts, pickups = 0, 0, 0
    for i in queue:
        r = region[i]
        if free[r] == 0:
            continue
        free[r] -= 1
        waiting[i] = False
        in_treatment[i] = True
        treatment_start[i] = week
        ost[i] = ocu[i] and (ost_arranged[i] or draw(uid[i], ost_salt) < p.ost_in_treatment)
        identified[i] = True
        drr_starts += drr[i]
        if released_in_treatment[i] and pickup_week[i] == NEVER and week - release_week[i] <= PICKUP_WINDOW_WEEKS:
            pickup_week[i] = week
            pickups += 1
        retained += pickup_week[i] == week - EARLY_WEEKS
        admitted[n_admitted] = i
        n_admitted += 1
    return leavers[:n_leavers], admitted[:n_admitted], dropouts, completions, drr_starts, pickups, retained
