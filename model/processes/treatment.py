"""Process 4: community drug treatment - admission, drop-out and completion.

Each region's service has funded places. People referred (by practitioners, after a
positive test, or by a DRR) join its waiting list; each week the service admits from the
list as places free up, DRRs first, then in order of waiting time. A prison leaver treated
in custody and picked up on release does not queue: their treatment continues from the
week of release (:func:`start_treatment`, called by :mod:`model.processes.release`), as
continuity of care means, and occupies a place (so community referrals wait while the
service is full). When supervision ends, treatment under way goes on (community treatment
is not tied to probation) but no longer takes one of the places funded for people on
probation. People in treatment may drop out (more often in the first 12 weeks, for
an opiate user without a substitution prescription, and for a prison leaver in the weeks
after release, less so with the same provider in prison and community or an appointment
arranged before release) or, after a minimum
time, complete. Drop-out falls when funded places rise above the run's own baseline, by
``funding_quality_elasticity`` (0 unless set: no published source).
"""

from __future__ import annotations

import numba
import numpy as np

from ..agents import TreatmentService
from .offending import reschedule_rows, treatment_ended
from ..passes import every_core
from ..people import (
    DRR, DRUG_USE, IDENTIFIED, IN_TREATMENT, NONPROBLEMATIC, OCU, OST, OST_ARRANGED, PICKUP_WEEK, PRIORITY, PROBLEMATIC,
    APPOINTMENT, COMPLETED, DROPPED_OUT, HANDOVER, REGION, RELEASE_WEEK, REOFFENDED_SINCE_TREATMENT_START, SAME_PROVIDER,
    SUPERVISED, TREATMENT_OUTCOME, TREATMENT_START, UID, UNDER_WAY, WAIT_SINCE, WAITING, rows_where,
)
from ..process import Process
from ..regions import apportion
from ..streams import draw, salt_of

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
            self._places = apportion(p.treatment_places * m.scale * m.region_shares)
            for service, n in zip(self.services, self._places):
                service.places = int(n)
            self._places_for = p
        return self._places

    def quality(self) -> float:
        """How much drop-out falls because funded places are above the run's own baseline
        (its parameters before any lever): ``funding_quality_elasticity``, 0 by default."""
        p, base = self.model.p, self.model.base_params
        return (max(base.treatment_places, 1.0) / max(p.treatment_places, 1.0)) ** p.funding_quality_elasticity

@numba.njit(cache=True)
def join_waiting_list(people, i, is_priority, week):  # pragma: no cover - compiled
    """Person ``i`` joins their service's waiting list, unless in treatment or waiting
    already; returns whether they joined."""
    waiting = people[WAITING]
    if people[IN_TREATMENT][i] or waiting[i]:
        return False
    waiting[i] = True
    people[WAIT_SINCE][i] = week
    people[PRIORITY][i] = is_priority
    return True


@numba.njit(cache=True)
def start_treatment(people, i, ost_draw, week, P):  # pragma: no cover - compiled
    """Person ``i`` starts treatment this week (off the waiting list, if on it): known to
    probation as a user from now on, and an opiate user on substitution treatment if a
    prescription was arranged at release or at the community rate (``ost_draw``, uniform)."""
    people[WAITING][i] = False
    people[IN_TREATMENT][i] = True
    people[TREATMENT_START][i] = week
    people[TREATMENT_OUTCOME][i] = UNDER_WAY
    people[REOFFENDED_SINCE_TREATMENT_START][i] = False
    people[OST][i] = people[OCU][i] and (people[OST_ARRANGED][i] or ost_draw < P[0].ost_in_treatment)
    people[IDENTIFIED][i] = True


@numba.njit(cache=True)
def treat(people, places, outcomes, origin, first_call, schedule_salt, quality, week, P):  # pragma: no cover - compiled
    """One week of every service: people give up waiting (not DRRs); people in treatment
    who started before this week drop out or complete (one draw decides both); free places
    (funded places less everyone in treatment, prison leavers who continued at release
    included) are filled from the waiting list, priority first, then longest waiting (ties
    by uid); offending is rescheduled for everyone who left or started, and each ending is
    counted by how it ended in ``outcomes`` (:func:`model.processes.offending.treatment_ended`). Calls ``first_call
    + 1`` to ``+ 3`` of the stream key the three draws. Returns the week's counts of
    admissions from the waiting list, drop-outs, completions, DRR starts, prison leavers
    still in the treatment they continued at release 12 weeks on, and people who gave up
    waiting."""
    p = P[0]
    waiting, priority, wait_since, in_treatment = people[WAITING], people[PRIORITY], people[WAIT_SINCE], people[IN_TREATMENT]
    treatment_start, ocu, ost, drr, drug_use = people[TREATMENT_START], people[OCU], people[OST], people[DRR], people[DRUG_USE]
    region, uid, pickup_week = people[REGION], people[UID], people[PICKUP_WEEK]
    give_up_salt, leave_salt = salt_of(origin, first_call + 1), salt_of(origin, first_call + 2)
    ost_salt = salt_of(origin, first_call + 3)
    treated, queue = rows_where(in_treatment), rows_where(waiting)
    n_waiting = 0
    give_ups = 0
    for i in queue:
        if not priority[i] and draw(uid[i], give_up_salt) < p.wait_dropout_per_week:
            waiting[i] = False
            give_ups += 1
        else:
            queue[n_waiting] = i
            n_waiting += 1
    queue = queue[:n_waiting]

    outcome, service, retained_now = _outcomes(
        uid, treated, treatment_start, ocu, ost, drr, region, pickup_week, people[RELEASE_WEEK], people[HANDOVER],
        leave_salt, week, quality, p.dropout_early_per_week, p.dropout_late_per_week, p.dropout_no_ost_multiplier,
        p.court_review_retention, p.completion_per_week, p.completion_min_weeks, p.dropout_after_release_multiplier,
        p.dropout_after_release_weeks, p.same_provider_dropout_rr, p.appointment_dropout_rr,
    )
    occupied = np.zeros(places.size, dtype=np.int64)
    changed = np.empty(treated.size + queue.size, dtype=np.int64)
    n_changed, dropouts, completions, retained = 0, 0, 0, 0
    supervised = people[SUPERVISED]
    for j in range(treated.size):
        i = treated[j]
        if outcome[j] == STAYS_IN:
            occupied[service[j]] += supervised[i]  # after supervision, treatment goes on outside probation's places
            retained += retained_now[j]
            continue
        dropouts += outcome[j] == DROPS_OUT
        completions += outcome[j] == COMPLETES
        if outcome[j] == COMPLETES and drug_use[i] == PROBLEMATIC:
            drug_use[i] = NONPROBLEMATIC
        in_treatment[i] = False
        ost[i] = False
        treatment_ended(people, i, COMPLETED if outcome[j] == COMPLETES else DROPPED_OUT, outcomes)
        changed[n_changed] = i
        n_changed += 1

    key = np.empty(queue.size, dtype=np.int64)
    for k in range(queue.size):
        i = queue[k]
        key[k] = (((np.int64(region[i]) * 2 + (not priority[i])) << 22) + (wait_since[i] + (1 << 21))) << 32 | uid[i]
    queue = queue[np.argsort(key)]
    free = np.maximum(places - occupied, 0)
    admitted, drr_starts = 0, 0
    for i in queue:
        r = region[i]
        if free[r] == 0:
            continue
        free[r] -= 1
        start_treatment(people, i, draw(uid[i], ost_salt), week, P)
        drr_starts += drr[i]
        admitted += 1
        changed[n_changed] = i
        n_changed += 1
    reschedule_rows(people, changed[:n_changed], week, schedule_salt, P)
    return admitted, dropouts, completions, drr_starts, retained, give_ups


@every_core
def _outcomes(
    uid, treated, treatment_start, ocu, ost, drr, region, pickup_week, release_week, handover, salt, week, quality,
    dropout_early, dropout_late, no_ost_multiplier, court_review_retention, completion_per_week, completion_min_weeks,
    after_release_multiplier, after_release_weeks, same_provider_rr, appointment_rr,
):  # pragma: no cover - compiled
    """For each person in treatment (rows ``treated``): drops out, completes or stays (one
    draw decides; no outcome in the week treatment starts), their service, and whether they
    are a prison leaver still in the treatment they continued at release, :data:`EARLY_WEEKS`
    after it. A prison leaver in that treatment is more likely to drop out in the first
    ``after_release_weeks`` after release (``after_release_multiplier``; times
    ``same_provider_rr`` where the same provider treated them in prison, or ``appointment_rr``
    where a community appointment was arranged before release). The rows are
    scattered in memory, so at full scale two cores read them side by side (see
    :mod:`model.passes`)."""
    outcome = np.empty(treated.size, dtype=np.int8)
    service = np.empty(treated.size, dtype=np.int64)
    retained = np.empty(treated.size, dtype=np.bool_)
    for j in numba.prange(treated.size):
        i = treated[j]
        weeks_in = week - treatment_start[i]
        early = weeks_in < EARLY_WEEKS
        continued_from_custody = pickup_week[i] == treatment_start[i]
        dropout = (dropout_early if early else dropout_late) * quality
        dropout *= no_ost_multiplier if early and ocu[i] and not ost[i] else 1.0
        dropout *= court_review_retention if drr[i] else 1.0
        if continued_from_custody and week - release_week[i] < after_release_weeks:
            kind = handover[i]
            dropout *= after_release_multiplier * (
                same_provider_rr if kind == SAME_PROVIDER else (appointment_rr if kind == APPOINTMENT else 1.0)
            )
        complete = completion_per_week if weeks_in >= completion_min_weeks else 0.0
        u = draw(uid[i], salt)
        leaves = DROPS_OUT if u < dropout else (COMPLETES if u < min(dropout + complete, 1.0) else STAYS_IN)
        outcome[j] = STAYS_IN if weeks_in == 0 else leaves
        service[j] = region[i]
        retained[j] = continued_from_custody and weeks_in == EARLY_WEEKS
    return outcome, service, retained
