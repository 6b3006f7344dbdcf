"""Process 7: offending, proven reoffending, and breach or recall.

Each person offends at a rate (offences a week) made of two parts: acquisitive offending,
raised for problematic users (more for opiate and crack users, in proportion to dependency
severity), the drug-driven part cut by treatment; and other offending. Rates vary between
people by a gamma-distributed risk (mean 1). Each offence is proven with a probability
that depends on its type.

Rates are stored per person and recomputed only when a person's state changes
(``reschedule``). Proven offences are events in a person's history (they count towards the
one-year reoffending measure and can lead to recall), so each person carries the time of
their next proven offence, drawn from the exponential distribution at their proven-offence
rate and drawn again whenever the rate changes: memorylessness makes this exact, and each
week only the people whose next proven offence falls in the week are touched. Offences
never proven matter only as counts (and costs): the week's number of them is one Poisson
draw at the summed rate, which is the same in distribution as one draw per person.

A proven reoffence on licence may lead to recall (on a court order, the new sentence is
left to the courts and the order goes on). Separately, non-compliance leads to recall or
breach at a weekly rate, higher for problematic users out of treatment.
"""

from __future__ import annotations

import numba
import numpy as np

from .people import LICENCE, PROBLEMATIC, RECALLED, BREACHED, STAYS
from .process import Process
from .streams import Chance, draw, draw_exponential, salt_of

FOLLOW_UP_WEEKS = 52  # Ministry of Justice one-year proven reoffending window


class Offending(Process):
    name = "offending"

    def __init__(self, model):
        super().__init__(model)
        self.schedule = Chance(model.seed_sequence, "offending.schedule", model.people)
        self.compliance = Chance(model.seed_sequence, "offending.compliance", model.people)
        self.chances = [self.chance, self.schedule, self.compliance]

    def reschedule(self, idx: np.ndarray) -> None:
        """Store new rates for people whose state has changed; draw their next proven offence."""
        people = self.people
        _reschedule(
            idx, people.drug_use, people.severity, people.ocu, people.in_treatment, people.in_custody, people.risk,
            people.uid, people.rate_acquisitive, people.rate_drug_driven, people.rate_other, people.next_proven_offence,
            self.model.week, self.schedule.salt(), self.model.p.record,
        )

    def step(self) -> None:
        m, p, people, chance = self.model, self.model.p, self.people, self.chance
        proven_acquisitive, proven, first, chance.calls, acquisitive_rate, drug_driven_rate, other_rate = _proven_offences(
            people.next_proven_offence, people.rate_acquisitive, people.rate_drug_driven, people.rate_other, people.uid,
            people.reoffended, people.start_week, people.supervised, people.route, people.leaving, m.week, chance.origin,
            chance.calls, p.record,
        )
        m.record_cohort_reoffenders(first)
        acquisitive = proven_acquisitive + self.rng.poisson(acquisitive_rate * (1 - p.proven_share_acquisitive))
        other = proven - proven_acquisitive + self.rng.poisson(other_rate * (1 - p.proven_share_other))
        m.count("offences_acquisitive", acquisitive)
        m.count("offences_other", other)
        m.count("offences_acquisitive_drug_driven", acquisitive * drug_driven_rate / acquisitive_rate if acquisitive_rate > 0 else 0.0)
        m.count("proven_reoffences", proven)
        _noncompliance(
            people.supervised, people.leaving, people.route, people.drug_use, people.in_treatment, people.uid,
            self.compliance.salt(), p.record,
        )


@numba.njit(cache=True)
def _proven_offences(
    next_proven_offence, rate_acquisitive, rate_drug_driven, rate_other, uid, reoffended, start_week, supervised, route,
    leaving, week, origin, calls, P,
):  # pragma: no cover - compiled
    """This week's proven offences of everyone whose next one falls in the week.

    Each offence is acquisitive with its share of the person's proven rate; the next one is
    drawn at the same rate until one falls after the week. Marks first reoffences within the
    follow-up window and recalls on licence. Returns the proven acquisitive and all proven
    offences, the rows of first reoffenders, the stream's call count afterwards (call
    ``calls + 2j + 1`` and ``+ 2`` key a person's j-th offence of the week, then one call
    for recall), and everyone's summed acquisitive, drug-driven and other offending rates.
    """
    p = P[0]
    proven_share_acquisitive, proven_share_other = p.proven_share_acquisitive, p.proven_share_other
    acquisitive_rate, drug_driven_rate, other_rate = 0.0, 0.0, 0.0
    due_this_week = np.empty(next_proven_offence.size, dtype=np.bool_)
    for i in range(next_proven_offence.size):
        acquisitive_rate += rate_acquisitive[i]
        drug_driven_rate += rate_drug_driven[i]
        other_rate += rate_other[i]
        due_this_week[i] = next_proven_offence[i] < week + 1
    due = np.flatnonzero(due_this_week)
    first = np.empty(due.size, dtype=np.int64)
    n_first, proven, proven_acquisitive, rounds = 0, 0, 0, 0
    for i in due:
        rate = rate_acquisitive[i] * proven_share_acquisitive + rate_other[i] * proven_share_other
        acquisitive_share = rate_acquisitive[i] * proven_share_acquisitive / rate
        when = next_proven_offence[i]
        j = 0
        while True:
            proven_acquisitive += draw(uid[i], salt_of(origin, calls + 2 * j + 1)) < acquisitive_share
            when += draw_exponential(uid[i], salt_of(origin, calls + 2 * j + 2)) / rate
            j += 1
            if when >= week + 1:
                break
        next_proven_offence[i] = when
        proven += j
        rounds = max(rounds, j)
        if not reoffended[i] and week - start_week[i] < FOLLOW_UP_WEEKS:
            reoffended[i] = True
            first[n_first] = i
            n_first += 1
    calls += 2 * rounds + 1
    recall_salt = salt_of(origin, calls)
    for i in due:
        if supervised[i] and route[i] == LICENCE and leaving[i] == STAYS and draw(uid[i], recall_salt) < p.recall_on_proven:
            leaving[i] = RECALLED
    return proven_acquisitive, proven, first[:n_first], calls, acquisitive_rate, drug_driven_rate, other_rate


@numba.njit(cache=True)
def _noncompliance(supervised, leaving, route, drug_use, in_treatment, uid, salt, P):  # pragma: no cover - compiled
    """Recall (licence) or breach (court order) for non-compliance, more often for
    problematic users out of treatment (candidates below the largest chance first)."""
    p = P[0]
    bound = max(p.recall_noncompliance_per_week, p.breach_noncompliance_per_week) * max(p.noncompliance_multiplier_problematic, 1.0)
    candidates = np.empty(supervised.size, dtype=np.bool_)
    for i in range(supervised.size):
        candidates[i] = supervised[i] & (leaving[i] == STAYS) & (draw(uid[i], salt) < bound)
    for i in np.flatnonzero(candidates):
        chance = p.recall_noncompliance_per_week if route[i] == LICENCE else p.breach_noncompliance_per_week
        if drug_use[i] == PROBLEMATIC and not in_treatment[i]:
            chance *= p.noncompliance_multiplier_problematic
        if draw(uid[i], salt) < chance:
            leaving[i] = RECALLED if route[i] == LICENCE else BREACHED


@numba.njit(cache=True)
def _reschedule(
    idx, drug_use, severity, ocu, in_treatment, in_custody, risk, uid, rate_acquisitive, rate_drug_driven, rate_other,
    next_proven_offence, week, salt, P,
):  # pragma: no cover - compiled
    """Weekly offending rates of each person in ``idx`` and the time of their next proven
    offence. Risk and severity are float32, so the products that involve them are taken in
    float32 first, as NumPy would."""
    p = P[0]
    multiplier_problematic, multiplier_ocu = p.acquisitive_multiplier_problematic, p.acquisitive_multiplier_ocu
    treatment_reduction, acquisitive_per_year = p.treatment_offending_reduction, p.acquisitive_per_year
    other_per_year, other_multiplier_problematic = p.other_per_year, p.other_multiplier_problematic
    proven_share_acquisitive, proven_share_other = p.proven_share_acquisitive, p.proven_share_other
    for i in idx:
        problematic = drug_use[i] == PROBLEMATIC
        drug_multiplier = 0.0
        if problematic:
            drug_multiplier = float(np.float32(multiplier_problematic) * severity[i])
            drug_multiplier *= multiplier_ocu if ocu[i] else 1.0
            drug_multiplier *= (1 - treatment_reduction) if in_treatment[i] else 1.0
        weekly_risk = np.float32(0.0) if in_custody[i] else risk[i] / np.float32(52.0)
        base = float(np.float32(acquisitive_per_year) * weekly_risk)
        other = float(np.float32(other_per_year) * weekly_risk) * (other_multiplier_problematic if problematic else 1.0)
        rate_acquisitive[i] = base * (1 + drug_multiplier)
        rate_drug_driven[i] = base * drug_multiplier
        rate_other[i] = other
        rate = rate_acquisitive[i] * proven_share_acquisitive + other * proven_share_other
        wait = draw_exponential(uid[i], salt) / max(rate, 1e-300)
        next_proven_offence[i] = week + wait if rate > 0 else np.inf
