"""Process 9: exits - orders and licences end, recalls and breaches, deaths.

A recalled person goes to custody, and so does a person whose breached court order ends in
custody; both come back to supervision on release (:meth:`Exits.release_from_custody`, run
with intake), so enforcement removes offending only while people are inside. A person whose
breached order does not end in custody is resentenced to a new community order and stays
(with the same practitioner). People whose order ends less than 52 weeks after it started
stay in the model, unsupervised, until the one-year reoffending window closes; everyone
else who leaves frees their row.
"""

from __future__ import annotations

import numba
import numpy as np

from .offending import FOLLOW_UP_WEEKS
from .people import BREACHED, COMMUNITY_ORDER, DIED, FOLLOW_UP_ENDS, LICENCE, ORDER_ENDS, RECALLED, STAYS
from .process import Process
from .streams import draw, salt_of


class Exits(Process):
    name = "exits"

    def step(self) -> None:
        m, people, chance = self.model, self.people, self.chance
        recalled, breached_to_custody, removed, counts = _exits_week(
            people.active, people.supervised, people.in_custody, people.leaving, people.end_week, people.start_week,
            people.uid, people.drr, people.route, people.practitioner, people.waiting, people.in_treatment, people.ost,
            people.custody_until, m.caseload, m.week, chance.origin, chance.take(3), m.p.record,
        )
        for name, n in zip(("breaches", "resentenced", "exits", "orders_ended", "drr_ended_early"), counts):
            m.count(name, int(n))
        m.count("recalls", recalled.size)
        for to_custody in (recalled, breached_to_custody):
            m.offending.reschedule(to_custody)  # no offending inside
            m.count("custody_receptions", to_custody.size)
        people.remove(removed)

    def release_from_custody(self) -> None:
        """People whose custody ends come back to supervision on licence: after recall to
        the end of their licence, after a breached court order to a minimum licence."""
        m, people = self.model, self.model.people
        back = _back_on_licence(
            people.in_custody, people.custody_until, people.supervised, people.route, people.release_week, people.end_week,
            m.week, int(m.p.licence_minimum_weeks),
        )
        m.offending.reschedule(back)
        m.count("returns_from_custody", back.size)
        m.count("entries", back.size)


@numba.njit(cache=True)
def _back_on_licence(in_custody, custody_until, supervised, route, release_week, end_week, week, licence_minimum_weeks):  # pragma: no cover - compiled
    """Release everyone whose custody ends this week; returns their rows."""
    back = np.flatnonzero(in_custody & (custody_until <= week))
    for i in back:
        licence_end = week + licence_minimum_weeks if route[i] != LICENCE else end_week[i]
        in_custody[i] = False
        supervised[i] = True
        route[i] = LICENCE
        release_week[i] = week
        end_week[i] = max(licence_end, week + 1)
    return back


@numba.njit(cache=True)
def _leaving(active, supervised, in_custody, leaving, end_week, start_week, week):  # pragma: no cover - compiled
    """Who leaves supervision or the model this week: those a process marked as leaving,
    those whose order ends, and those whose one-year follow-up ends (one branch-free pass)."""
    out = np.empty(active.size, dtype=np.bool_)
    for i in range(active.size):
        stays = leaving[i] == STAYS
        ends = supervised[i] & (end_week[i] <= week)
        followed_up = ~supervised[i] & ~in_custody[i] & (start_week[i] <= week - (FOLLOW_UP_WEEKS - 1))
        out[i] = active[i] & (~stays | ends | followed_up)
    return out


@numba.njit(cache=True)
def _exits_week(
    active, supervised, in_custody, leaving, end_week, start_week, uid, drr, route, practitioner, waiting, in_treatment,
    ost, custody_until, caseload, week, origin, calls, P,
):  # pragma: no cover - compiled
    """Who leaves supervision or the model this week, and where they go.

    A breached order ends in custody with ``custody_after_breach`` (call ``calls + 1``),
    otherwise the person is resentenced to a new community order and stays. Recalled and
    breached people go to custody for a geometric number of weeks (calls ``+ 2`` and
    ``+ 3``); people whose order ends inside the one-year window stay to be followed up.
    Returns the rows sent to custody after recall and after breach, the rows leaving the
    model, and the counts of breaches, resentences, exits, orders ended and DRRs ended
    early.
    """
    p = P[0]
    breach_salt, recall_weeks_salt, breach_weeks_salt = salt_of(origin, calls + 1), salt_of(origin, calls + 2), salt_of(origin, calls + 3)
    log_stay_recall = np.log1p(-1.0 / max(p.custody_weeks_recall, 1.0))
    log_stay_breach = np.log1p(-1.0 / max(p.custody_weeks_breach, 1.0))
    rows = np.flatnonzero(_leaving(active, supervised, in_custody, leaving, end_week, start_week, week))
    n = rows.size
    recalled = np.empty(n, dtype=np.int64)
    to_custody = np.empty(n, dtype=np.int64)
    removed = np.empty(n, dtype=np.int64)
    n_recalled, n_to_custody, n_removed = 0, 0, 0
    breaches, resentenced, exits, orders_ended, drr_ended_early = 0, 0, 0, 0, 0
    for i in rows:
        reason = leaving[i]
        if reason == STAYS:
            reason = ORDER_ENDS if supervised[i] else FOLLOW_UP_ENDS
        breached_to_custody = False
        if reason == BREACHED:
            breaches += 1
            breached_to_custody = draw(uid[i], breach_salt) < p.custody_after_breach
            if not breached_to_custody:
                drr_ended_early += drr[i]
                drr[i] = False
                route[i] = COMMUNITY_ORDER
                end_week[i] = week + int(p.court_order_mean_weeks)
                leaving[i] = STAYS
                resentenced += 1
                continue
        exits += supervised[i] and reason != DIED
        orders_ended += reason == ORDER_ENDS
        drr_ended_early += drr[i]
        if supervised[i] and practitioner[i] >= 0:
            caseload[practitioner[i]] -= 1
        if supervised[i]:
            practitioner[i] = -1
        supervised[i] = False
        drr[i] = False
        waiting[i] = False
        in_treatment[i] = False
        ost[i] = False
        leaving[i] = STAYS
        if reason == RECALLED or breached_to_custody:
            salt, log_stay = (recall_weeks_salt, log_stay_recall) if reason == RECALLED else (breach_weeks_salt, log_stay_breach)
            in_custody[i] = True
            weeks = max(np.ceil(np.log1p(-draw(uid[i], salt)) / log_stay), 1.0)  # geometric, mean 1 / (1 - exp(log_stay))
            custody_until[i] = week + int(weeks)
            if reason == RECALLED:
                recalled[n_recalled] = i
                n_recalled += 1
            else:
                to_custody[n_to_custody] = i
                n_to_custody += 1
        elif not (reason == ORDER_ENDS and week - start_week[i] < FOLLOW_UP_WEEKS - 1):
            leaving[i] = reason
            removed[n_removed] = i
            n_removed += 1
    counts = (breaches, resentenced, exits, orders_ended, drr_ended_early)
    return recalled[:n_recalled], to_custody[:n_to_custody], removed[:n_removed], counts
