"""Process 9: exits - orders and licences end, recalls and breaches, deaths.

People whose order or licence ends less than 52 weeks after it started stay in the model,
unsupervised, until the one-year reoffending window closes; everyone else who leaves frees
their row. Recalls and breaches that end in custody are costed here.
"""

from __future__ import annotations

import numpy as np

from .offending import FOLLOW_UP_WEEKS
from .people import BREACHED, DIED, FOLLOW_UP_ENDS, ORDER_ENDS, RECALLED, STAYS
from .process import Process


class Exits(Process):
    name = "exits"

    def step(self) -> None:
        m, p, people, t = self.model, self.model.p, self.people, self.model.week
        stays = people.leaving == STAYS
        ending = people.supervised & stays & (people.end_week <= t)
        follow_up_done = people.active & ~people.supervised & stays & (people.start_week <= t - (FOLLOW_UP_WEEKS - 1))
        leaving = people.where((people.active & ~stays) | ending | follow_up_done)
        people.leaving[leaving[ending[leaving]]] = ORDER_ENDS
        people.leaving[leaving[follow_up_done[leaving]]] = FOLLOW_UP_ENDS
        reason = people.leaving[leaving]
        supervised = people.supervised[leaving]
        recalled = leaving[reason == RECALLED]
        breached = leaving[reason == BREACHED]
        m.count("exits", int((supervised & (reason != DIED)).sum()))
        m.count("orders_ended", int((reason == ORDER_ENDS).sum()))
        m.count("recalls", recalled.size)
        m.count("breaches", breached.size)
        custody_after_breach = int((self.rng.random(breached.size) < p.custody_after_breach).sum())
        custody_weeks = recalled.size * p.custody_weeks_recall + custody_after_breach * p.custody_weeks_breach
        m.count("custody_weeks", custody_weeks)
        m.count("drr_ended_early", int(people.drr[leaving].sum()))

        m.allocation.release_cases(leaving[supervised])
        people.supervised[leaving] = False
        people.drr[leaving] = False
        people.waiting[leaving] = False
        follow_up = leaving[(reason == ORDER_ENDS) & (t - people.start_week[leaving] < FOLLOW_UP_WEEKS - 1)]
        people.leaving[follow_up] = STAYS
        gone = np.setdiff1d(leaving, follow_up, assume_unique=True)
        people.remove(gone)
