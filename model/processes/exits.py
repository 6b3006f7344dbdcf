"""Process 9: exits - orders and licences end, recalls and breaches, deaths.

A recalled person goes to custody, and so does a person whose breached court order ends in
custody; both come back to supervision on release (:func:`back_on_licence`, run
with intake), so enforcement removes offending only while people are inside. A person whose
breached order does not end in custody is resentenced to a new community order and stays
(with the same practitioner). People whose order ends stay, unsupervised, with any
treatment under way, until the one-year reoffending window closes (and the weeks of raised
risk after a release and of deterrence after a drug test are over); then they join the
people followed after supervision (:mod:`model.processes.after_supervision`). The rows of
people who die, or move to those followed, are freed.
"""

from __future__ import annotations

import numba
import numpy as np

from .drug_use import DETERRENCE_WEEKS
from .offending import FOLLOW_UP_WEEKS, reschedule_rows
from .treatment import EARLY_WEEKS
from ..passes import every_core
from ..people import (
    ACTIVE, BREACHED, COMMUNITY_ORDER, CUSTODY_UNTIL, DIED, DRR, END_WEEK, FOLLOW_UP_ENDS, IN_CUSTODY, IN_TREATMENT,
    LAST_TEST, LEAVING, LICENCE, ORDER_ENDS, OST, PRACTITIONER, RECALLED, RELEASE_WEEK, ROUTE, START_WEEK, STAYS,
    SUPERVISED, UID, WAITING, rows_where,
)
from ..process import Process
from ..streams import draw, salt_of


class Exits(Process):
    name = "exits"

@numba.njit(cache=True)
def back_on_licence(people, week, P):  # pragma: no cover - compiled
    """Everyone whose custody ends this week comes back to supervision on licence: after
    recall to the end of their licence, after a breached court order to a minimum licence.
    Runs with intake (process 1); returns their rows."""
    in_custody, custody_until, supervised = people[IN_CUSTODY], people[CUSTODY_UNTIL], people[SUPERVISED]
    route, release_week, end_week = people[ROUTE], people[RELEASE_WEEK], people[END_WEEK]
    minimum_licence = int(P[0].licence_minimum_weeks)
    back = rows_where(_custody_ends(in_custody, custody_until, week))
    for i in back:
        licence_end = week + minimum_licence if route[i] != LICENCE else end_week[i]
        in_custody[i] = False
        supervised[i] = True
        route[i] = LICENCE
        release_week[i] = week
        end_week[i] = max(licence_end, week + 1)
    return back


@every_core
def _custody_ends(in_custody, custody_until, week):  # pragma: no cover - compiled
    """Who is released from custody this week (one pass over everyone, reading both columns
    in order rather than the release weeks of everyone inside one by one: see
    :mod:`model.passes`)."""
    out = np.empty(in_custody.size, dtype=np.bool_)
    for i in numba.prange(in_custody.size):
        out[i] = in_custody[i] & (custody_until[i] <= week)
    return out


@every_core
def _leaving(active, in_custody, leaving, end_week, week):  # pragma: no cover - compiled
    """Who leaves supervision or the caseload's population this week: those a process
    marked as leaving, and those in the community whose order, or follow-up after it,
    ends (``end_week``: see :func:`_departures`); one pass over everyone: see
    :mod:`model.passes`."""
    out = np.empty(active.size, dtype=np.bool_)
    for i in numba.prange(active.size):
        out[i] = active[i] & ((leaving[i] != STAYS) | (~in_custody[i] & (end_week[i] <= week)))
    return out


@numba.njit(cache=True)
def leave(people, caseload, origin, first_call, schedule_salt, week, P):  # pragma: no cover - compiled
    """Who leaves supervision or the model this week, and where they go.

    A breached order ends in custody with ``custody_after_breach`` (call ``first_call + 1``),
    otherwise the person is resentenced to a new community order and stays. Recalled and
    breached people go to custody for a geometric number of weeks (calls ``+ 2`` and
    ``+ 3``), where they do not offend; people whose order ends stay to be followed up.
    Returns the rows of people who died and of people whose follow-up is over (to be
    followed after supervision), and the counts of breaches, resentences, exits, orders
    ended, DRRs ended early, recalls, custody receptions, and of treatments ended by
    custody or death and places on the waiting list ended by leaving supervision.
    """
    p = P[0]
    supervised, in_custody, leaving, uid = people[SUPERVISED], people[IN_CUSTODY], people[LEAVING], people[UID]
    drr, route, start_week, end_week = people[DRR], people[ROUTE], people[START_WEEK], people[END_WEEK]
    practitioner, custody_until = people[PRACTITIONER], people[CUSTODY_UNTIL]
    breach_salt, recall_weeks_salt, breach_weeks_salt = (
        salt_of(origin, first_call + 1), salt_of(origin, first_call + 2), salt_of(origin, first_call + 3)
    )
    log_stay_recall = np.log1p(-1.0 / max(p.custody_weeks_recall, 1.0))
    log_stay_breach = np.log1p(-1.0 / max(p.custody_weeks_breach, 1.0))
    rows = rows_where(_leaving(people[ACTIVE], in_custody, leaving, end_week, week))
    path, freed, breached, exited, ended, drr_early, recalled, left_treatment, left_waiting = _departures(
        uid, rows, supervised, in_custody, leaving, drr, route, start_week, end_week, practitioner, custody_until,
        people[WAITING], people[IN_TREATMENT], people[OST], people[RELEASE_WEEK], people[LAST_TEST], breach_salt,
        recall_weeks_salt, breach_weeks_salt, log_stay_recall, log_stay_breach, p.custody_after_breach,
        int(p.court_order_mean_weeks), max(EARLY_WEEKS, int(p.dropout_after_release_weeks)), week,
    )
    to_custody = np.empty(rows.size, dtype=np.int64)
    removed = np.empty(rows.size, dtype=np.int64)
    moving = np.empty(rows.size, dtype=np.int64)
    n_to_custody, n_removed, n_moving = 0, 0, 0
    for k in range(rows.size):
        if freed[k] >= 0:
            caseload[freed[k]] -= 1
        if path[k] == TO_CUSTODY:
            to_custody[n_to_custody] = rows[k]
            n_to_custody += 1
        elif path[k] == OUT_OF_MODEL:
            removed[n_removed] = rows[k]
            n_removed += 1
        elif path[k] == AFTER_SUPERVISION:
            moving[n_moving] = rows[k]
            n_moving += 1
    resentenced = int(np.sum(path == RESENTENCED))
    counts = (
        breached.sum(), resentenced, exited.sum(), ended.sum(), drr_early.sum(), recalled.sum(), n_to_custody,
        left_treatment.sum(), left_waiting.sum(),
    )
    reschedule_rows(people, to_custody[:n_to_custody], week, schedule_salt, P)  # no offending inside
    return removed[:n_removed], moving[:n_moving], counts


RESENTENCED, TO_CUSTODY, OUT_OF_MODEL, FOLLOWED_UP, AFTER_SUPERVISION = 0, 1, 2, 3, 4  # where each person leaving goes


@every_core
def _departures(
    uid, rows, supervised, in_custody, leaving, drr, route, start_week, end_week, practitioner, custody_until, waiting,
    in_treatment, ost, release_week, last_test, breach_salt, recall_weeks_salt, breach_weeks_salt, log_stay_recall,
    log_stay_breach, custody_after_breach, resentence_weeks, settled, week,
):  # pragma: no cover - compiled
    """The work of :func:`leave` for each person in ``rows``: where they go (see the constants
    above) and their fields set accordingly; returns that, the practitioner each frees (or
    -1), and whether each was breached, exited supervision, ended their order, ended a DRR
    early, was recalled, and left treatment or the waiting list. A person whose order ends
    is followed up until ``end_week``: the end of the one-year reoffending window, and at
    least ``settled`` weeks after any release and :data:`DETERRENCE_WEEKS` after any drug
    test (when the raised risks they bring are over). On every core at full scale: the rows
    are scattered (see :mod:`model.passes`)."""
    n = rows.size
    path = np.empty(n, dtype=np.int8)
    freed = np.full(n, -1, dtype=np.int64)
    breached, exited, ended = np.zeros(n, np.bool_), np.zeros(n, np.bool_), np.zeros(n, np.bool_)
    drr_early, recalled = np.zeros(n, np.bool_), np.zeros(n, np.bool_)
    left_treatment, left_waiting = np.zeros(n, np.bool_), np.zeros(n, np.bool_)
    for k in numba.prange(n):
        i = rows[k]
        reason = leaving[i]
        if reason == STAYS:
            reason = ORDER_ENDS if supervised[i] else FOLLOW_UP_ENDS
        breached_to_custody = False
        if reason == BREACHED:
            breached[k] = True
            breached_to_custody = draw(uid[i], breach_salt) < custody_after_breach
            if not breached_to_custody:
                drr_early[k] = drr[i]
                drr[i] = False
                route[i] = COMMUNITY_ORDER
                end_week[i] = week + resentence_weeks
                leaving[i] = STAYS
                path[k] = RESENTENCED
                continue
        exited[k] = supervised[i] and reason != DIED
        ended[k] = reason == ORDER_ENDS
        drr_early[k] = drr[i]
        if supervised[i]:
            freed[k] = practitioner[i]
            practitioner[i] = -1
        left_waiting[k] = waiting[i]
        supervised[i] = False
        drr[i] = False
        waiting[i] = False
        leaving[i] = STAYS
        if reason == ORDER_ENDS:
            end_week[i] = max(
                start_week[i] + FOLLOW_UP_WEEKS - 1, release_week[i] + settled, last_test[i] + DETERRENCE_WEEKS, week + 1,
            )
            path[k] = FOLLOWED_UP  # treatment under way goes on
            continue
        if reason == FOLLOW_UP_ENDS:
            path[k] = AFTER_SUPERVISION
            continue
        left_treatment[k] = in_treatment[i]
        in_treatment[i] = False
        ost[i] = False
        if reason == RECALLED or breached_to_custody:
            recalled[k] = reason == RECALLED
            salt, log_stay = (recall_weeks_salt, log_stay_recall) if reason == RECALLED else (breach_weeks_salt, log_stay_breach)
            in_custody[i] = True
            weeks = max(np.ceil(np.log1p(-draw(uid[i], salt)) / log_stay), 1.0)  # geometric, mean 1 / (1 - exp(log_stay))
            custody_until[i] = week + int(weeks)
            path[k] = TO_CUSTODY
        else:
            leaving[i] = reason
            path[k] = OUT_OF_MODEL
    return path, freed, breached, exited, ended, drr_early, recalled, left_treatment, left_waiting
