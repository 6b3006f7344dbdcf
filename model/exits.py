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

import numpy as np

from .offending import FOLLOW_UP_WEEKS
from .people import BREACHED, COMMUNITY_ORDER, DIED, FOLLOW_UP_ENDS, LICENCE, ORDER_ENDS, RECALLED, STAYS
from .process import Process


class Exits(Process):
    name = "exits"

    def step(self) -> None:
        m, p, people, t = self.model, self.model.p, self.people, self.model.week
        stays = people.leaving == STAYS
        ending = people.supervised & stays & (people.end_week <= t)
        follow_up_done = (
            people.active & ~people.supervised & ~people.in_custody & stays & (people.start_week <= t - (FOLLOW_UP_WEEKS - 1))
        )
        leaving = people.where((people.active & ~stays) | ending | follow_up_done)
        people.leaving[leaving[ending[leaving]]] = ORDER_ENDS
        people.leaving[leaving[follow_up_done[leaving]]] = FOLLOW_UP_ENDS
        breached = leaving[people.leaving[leaving] == BREACHED]
        to_custody = self.chance.uniform(breached) < p.custody_after_breach
        self._resentence(breached[~to_custody])
        m.count("breaches", breached.size)
        leaving = leaving[people.leaving[leaving] != STAYS]
        reason = people.leaving[leaving]
        supervised = people.supervised[leaving]
        recalled = leaving[reason == RECALLED]
        breached_to_custody = breached[to_custody]
        m.count("exits", int((supervised & (reason != DIED)).sum()))
        m.count("orders_ended", int((reason == ORDER_ENDS).sum()))
        m.count("recalls", recalled.size)
        m.count("drr_ended_early", int(people.drr[leaving].sum()))

        m.allocation.release_cases(leaving[supervised])
        people.supervised[leaving] = False
        people.drr[leaving] = False
        people.waiting[leaving] = False
        people.in_treatment[leaving] = False
        people.ost[leaving] = False
        follow_up = leaving[(reason == ORDER_ENDS) & (t - people.start_week[leaving] < FOLLOW_UP_WEEKS - 1)]
        self._to_custody(recalled, p.custody_weeks_recall)
        self._to_custody(breached_to_custody, p.custody_weeks_breach)
        staying = np.concatenate([follow_up, recalled, breached_to_custody])
        people.leaving[staying] = STAYS
        people.remove(np.setdiff1d(leaving, staying, assume_unique=True))

    def _resentence(self, idx: np.ndarray) -> None:
        """A breached order replaced by a new community order: the person stays supervised."""
        people, p = self.people, self.model.p
        self.model.count("drr_ended_early", int(people.drr[idx].sum()))
        people.drr[idx] = False
        people.route[idx] = COMMUNITY_ORDER
        people.end_week[idx] = self.model.week + int(p.court_order_mean_weeks)
        people.leaving[idx] = STAYS
        self.model.count("resentenced", idx.size)

    def _to_custody(self, idx: np.ndarray, mean_weeks: float) -> None:
        people = self.people
        people.in_custody[idx] = True
        weeks = np.ceil(np.log1p(-self.chance.uniform(idx)) / np.log1p(-1.0 / max(mean_weeks, 1.0)))  # geometric, mean mean_weeks
        people.custody_until[idx] = self.model.week + np.maximum(weeks, 1).astype(np.int32)
        self.model.offending.reschedule(idx)  # no offending inside
        self.model.count("custody_receptions", idx.size)

    def release_from_custody(self) -> None:
        """People whose custody ends come back to supervision on licence."""
        m, p, people, t = self.model, self.model.p, self.people, self.model.week
        back = people.where(people.in_custody & (people.custody_until <= t))
        from_court_order = people.route[back] != LICENCE  # a breached order ended in custody
        people.in_custody[back] = False
        people.supervised[back] = True
        people.route[back] = LICENCE
        people.release_week[back] = t
        licence_end = np.where(from_court_order, t + int(p.licence_minimum_weeks), people.end_week[back])  # recall: to licence end
        people.end_week[back] = np.maximum(licence_end, t + 1)
        m.offending.reschedule(back)
        m.count("returns_from_custody", back.size)
        m.count("entries", back.size)
