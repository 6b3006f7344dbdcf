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

from ..agents import TreatmentService
from .offending import reschedule_rows
from ..passes import every_core
from ..people import (
    DRR, DRUG_USE, IDENTIFIED, IN_TREATMENT, NEVER, NONPROBLEMATIC, OCU, OST, OST_ARRANGED, PICKUP_WEEK, PRIORITY,
    PROBLEMATIC, REGION, RELEASE_WEEK, RELEASED_IN_TREATMENT, TREATMENT_START, UID, WAIT_SINCE, WAITING, rows_where,
)
from ..process import Process
from ..streams import draw, salt_of

PICKUP_WINDOW_WEEKS = 3  # OHID continuity-of-care measure: treatment starts within 3 weeks of release
EARLY_WEEKS = 12  # weeks of the early, high drop-out period; also the continuity follow-up
STAYS_IN, DROPS_OUT, COMPLETES = 0, 1, 2  # a week's outcome for someone in treatment


class Treatment(Process):
    name = "treatment"

    def __init__(self, model):
        super().__init__(model)
        self.services = [
            TreatmentService(model, r, region.name, region.same_provider) for r, region in enumerate(model.regions)
        ]
        self._places_for = None  # the parameter set self._places was worked out for

    def places(self) -> np.ndarray:
        """Funded places in each region this week (worked out again when the parameters change)."""
        m, p = self.model, self.model.p
        if self._places_for is not p:
            self._places = np.rint(p.treatment_places * m.scale * m.region_shares).astype(np.int64)
            for service, n in zip(self.services, self._places):
                service.places = int(n)
            self._places_for = p
        return self._places

    def quality(self) -> float:
        """How much drop-out falls because funded places are above the baseline's
        (``funding_quality_elasticity``): sustained money buys quality as well as places."""
        p = self.model.p
        return (p.definition("treatment_places").value / max(p.treatment_places, 1.0)) ** p.funding_quality_elasticity

@numba.njit(cache=True)
def join_waiting_list(people, i, is_priority, week):  # pragma: no cover - compiled
    """Person ``i`` joins their service's waiting list, unless in treatment or waiting already."""
    waiting = people[WAITING]
    if not people[IN_TREATMENT][i] and not waiting[i]:
        waiting[i] = True
        people[WAIT_SINCE][i] = week
        people[PRIORITY][i] = is_priority


@numba.njit(cache=True)
def treat(people, places, origin, first_call, schedule_salt, quality, week, P):  # pragma: no cover - compiled
    """One week of every service: people give up waiting (not prison leavers or DRRs); people
    in treatment drop out or complete (one draw decides both); free places are filled from
    the waiting list, priority first, then longest waiting (ties by uid); offending is
    rescheduled for everyone who left or started. Calls ``first_call + 1`` to ``+ 3`` of the
    stream key the three draws. Returns the week's counts of admissions, drop-outs,
    completions, DRR starts, pick-ups of prison leavers and prison leavers still in
    treatment 12 weeks after pick-up."""
    p = P[0]
    waiting, priority, wait_since, in_treatment = people[WAITING], people[PRIORITY], people[WAIT_SINCE], people[IN_TREATMENT]
    treatment_start, ocu, ost, drr, drug_use = people[TREATMENT_START], people[OCU], people[OST], people[DRR], people[DRUG_USE]
    region, uid, pickup_week = people[REGION], people[UID], people[PICKUP_WEEK]
    give_up_salt, leave_salt = salt_of(origin, first_call + 1), salt_of(origin, first_call + 2)
    ost_salt = salt_of(origin, first_call + 3)
    treated, queue = rows_where(in_treatment), rows_where(waiting)
    n_waiting = 0
    for i in queue:
        if not priority[i] and draw(uid[i], give_up_salt) < p.wait_dropout_per_week:
            waiting[i] = False
        else:
            queue[n_waiting] = i
            n_waiting += 1
    queue = queue[:n_waiting]

    outcome, service, retained_now = _outcomes(
        uid, treated, treatment_start, ocu, ost, drr, region, pickup_week, leave_salt, week, quality,
        p.dropout_early_per_week, p.dropout_late_per_week, p.dropout_no_ost_multiplier, p.court_review_retention,
        p.completion_per_week, p.completion_min_weeks,
    )
    occupied = np.zeros(places.size, dtype=np.int64)
    changed = np.empty(treated.size + queue.size, dtype=np.int64)
    n_changed, dropouts, completions, retained = 0, 0, 0, 0
    for j in range(treated.size):
        if outcome[j] == STAYS_IN:
            occupied[service[j]] += 1
            retained += retained_now[j]
            continue
        i = treated[j]
        dropouts += outcome[j] == DROPS_OUT
        completions += outcome[j] == COMPLETES
        if outcome[j] == COMPLETES and drug_use[i] == PROBLEMATIC:
            drug_use[i] = NONPROBLEMATIC
        in_treatment[i] = False
        ost[i] = False
        changed[n_changed] = i
        n_changed += 1

    key = np.empty(queue.size, dtype=np.int64)
    for k in range(queue.size):
        i = queue[k]
        key[k] = (((np.int64(region[i]) * 2 + (not priority[i])) << 22) + (wait_since[i] + (1 << 21))) << 32 | uid[i]
    queue = queue[np.argsort(key)]
    free = np.maximum(places - occupied, 0)
    admitted, drr_starts, pickups = 0, 0, 0
    released_in_treatment, release_week = people[RELEASED_IN_TREATMENT], people[RELEASE_WEEK]
    for i in queue:
        r = region[i]
        if free[r] == 0:
            continue
        free[r] -= 1
        waiting[i] = False
        in_treatment[i] = True
        treatment_start[i] = week
        ost[i] = ocu[i] and (people[OST_ARRANGED][i] or draw(uid[i], ost_salt) < p.ost_in_treatment)
        people[IDENTIFIED][i] = True
        drr_starts += drr[i]
        if released_in_treatment[i] and pickup_week[i] == NEVER and week - release_week[i] <= PICKUP_WINDOW_WEEKS:
            pickup_week[i] = week
            pickups += 1
        retained += pickup_week[i] == week - EARLY_WEEKS
        admitted += 1
        changed[n_changed] = i
        n_changed += 1
    reschedule_rows(people, changed[:n_changed], week, schedule_salt, P)
    return admitted, dropouts, completions, drr_starts, pickups, retained


@every_core
def _outcomes(
    uid, treated, treatment_start, ocu, ost, drr, region, pickup_week, salt, week, quality, dropout_early, dropout_late,
    no_ost_multiplier, court_review_retention, completion_per_week, completion_min_weeks,
):  # pragma: no cover - compiled
    """For each person in treatment (rows ``treated``): drops out, completes or stays (one
    draw decides), their service, and whether they are a prison leaver picked up
    :data:`EARLY_WEEKS` ago. The rows are scattered in memory, so at full scale two cores
    read them side by side (see :mod:`model.passes`)."""
    outcome = np.empty(treated.size, dtype=np.int8)
    service = np.empty(treated.size, dtype=np.int64)
    retained = np.empty(treated.size, dtype=np.bool_)
    for j in numba.prange(treated.size):
        i = treated[j]
        weeks_in = week - treatment_start[i]
        early = weeks_in < EARLY_WEEKS
        dropout = (dropout_early if early else dropout_late) * quality
        dropout *= no_ost_multiplier if early and ocu[i] and not ost[i] else 1.0
        dropout *= court_review_retention if drr[i] else 1.0
        complete = completion_per_week if weeks_in >= completion_min_weeks else 0.0
        u = draw(uid[i], salt)
        outcome[j] = DROPS_OUT if u < dropout else (COMPLETES if u < min(dropout + complete, 1.0) else STAYS_IN)
        service[j] = region[i]
        retained[j] = pickup_week[i] == week - EARLY_WEEKS
    return outcome, service, retained
