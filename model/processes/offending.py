"""Process 7: offending, proven reoffending, and breach or recall.

Each person offends at a rate (offences a week) made of two parts: acquisitive offending,
raised for problematic users (more for opiate and crack users, in proportion to dependency
severity), the drug-driven part cut by treatment; and other offending. Rates vary between
people by a gamma-distributed risk (mean 1). Each offence is proven with a probability
that depends on its type.

Rates are stored per person and recomputed only when a person's state changes
(:func:`reschedule_rows`, which also keeps everyone's summed rates up to date) or a lever
changes a rate parameter. Proven offences are events in a person's history (they count
towards the one-year reoffending measure and can lead to recall), so each person carries the time of
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

from ..parameters import ParameterSet
from ..passes import every_core
from ..people import (
    BREACHED, DRUG_USE, IN_CUSTODY, IN_TREATMENT, LEAVING, LICENCE, NEXT_PROVEN_OFFENCE, OCU, PROBLEMATIC,
    RATE_ACQUISITIVE, RATE_DRUG_DRIVEN, RATE_OTHER, RATE_TOTALS, RECALLED, REOFFENDED, REOFFENDED_SINCE_TREATMENT_START,
    RISK, ROUTE, SEVERITY, START_WEEK, STAYS, SUPERVISED, TREATMENT_OUTCOME, TREATMENT_START, UID, UNDER_WAY, rows_where,
)
from ..process import Process
from ..streams import Chance, draw, draw_exponential, salt_of

FOLLOW_UP_WEEKS = 52  # Ministry of Justice one-year proven reoffending window
TREATMENT_WINDOW_WEEKS = 104  # two years from the start of treatment: MoJ and PHE (2017)'s reoffending window
# The parameters the stored rates are made of (see reschedule_rows): when a lever changes one,
# everyone's rates are worked out again.
RATE_PARAMETERS = (
    "acquisitive_multiplier_problematic", "acquisitive_multiplier_ocu", "treatment_offending_reduction",
    "acquisitive_per_year", "other_per_year", "other_multiplier_problematic", "proven_share_acquisitive",
    "proven_share_other",
)


class Offending(Process):
    name = "offending"

    def __init__(self, model):
        super().__init__(model)
        self.schedule = Chance(model.seed_sequence, "offending.schedule")
        self.compliance = Chance(model.seed_sequence, "offending.compliance")
        self.chances = [self.chance, self.schedule, self.compliance]

    def add_offences_from_rates(self, record: dict[str, float], rates: np.ndarray, week: int, p: ParameterSet) -> None:
        """Complete week ``week``'s offence counts in ``record`` with what the compiled week
        does not count person by person, each a Poisson draw from the process's generator
        for that week (so a week recorded later draws the same numbers) at summed weekly
        rates, under the week's parameters ``p``: the never proven offences of everyone on
        the caseload's side (``rates[:3]``: acquisitive, drug-driven acquisitive and other,
        as :func:`offend` found them; their proven ones are counted by :func:`offend`), then
        the proven and never proven offences of the people followed after supervision
        (``rates[3:]``: their proven offences are events only where they matter to a
        person's story, see :func:`model.processes.after_supervision.schedule`); and the
        expected numbers of acquisitive offences that were drug-driven."""
        rng = self.chance.restart(week)
        self._add_offences(record, rates[:3], "", False, p, rng)
        self._add_offences(record, rates[3:], "_after_supervision", True, p, rng)

    @staticmethod
    def _add_offences(
        record: dict[str, float], rates: np.ndarray, suffix: str, proven: bool, p: ParameterSet, rng: np.random.Generator,
    ) -> None:
        acquisitive_rate, drug_driven_rate, other_rate = rates.tolist()
        acquisitive, other = f"offences_acquisitive{suffix}", f"offences_other{suffix}"
        for name, rate, share in ((acquisitive, acquisitive_rate, p.proven_share_acquisitive), (other, other_rate, p.proven_share_other)):
            record[name] += int(rng.poisson(max(rate * (1 - share), 0.0)))
            if proven:
                n = int(rng.poisson(max(rate * share, 0.0)))
                record[name] += n
                record[f"proven_reoffences{suffix}"] += n
        # the summed rates are kept by adding each person's changes: rounding can leave a sum that should be 0 a hair off it
        drug_driven_share = min(max(drug_driven_rate / acquisitive_rate, 0.0), 1.0) if acquisitive_rate > 0 else 0.0
        record[f"offences_acquisitive_drug_driven{suffix}"] = record[acquisitive] * drug_driven_share

    def reschedule(self, idx: np.ndarray) -> None:
        """Store new rates for people whose state has changed; draw their next proven offence."""
        reschedule_rows(self.people.arrays, idx, self.model.week, self.schedule.salt(), self.model.p.record)


@numba.njit(cache=True)
def offend(people, cohort_reoffenders, treatment_outcomes, origin, calls, compliance_salt, week, P):  # pragma: no cover - compiled
    """This week's proven offences of everyone whose next one falls in the week, then
    non-compliance.

    Each proven offence is acquisitive with its share of the person's proven rate; the next
    one is drawn at the same rate until one falls after the week. A first reoffence within
    the follow-up window is counted for the person's cohort (by start week), and a first
    within two years of starting treatment for that treatment (:func:`count_reoffence`);
    a proven reoffence on licence may lead to recall. Non-compliance leads to recall (licence) or
    breach (court order), more often for problematic users out of treatment. Returns the
    proven acquisitive and all proven offences, the stream's call count afterwards (calls
    ``calls + 2j + 1`` and ``+ 2`` key a person's j-th offence of the week, then one for
    recall).
    """
    p = P[0]
    next_proven_offence, uid, reoffended = people[NEXT_PROVEN_OFFENCE], people[UID], people[REOFFENDED]
    rate_acquisitive, rate_other = people[RATE_ACQUISITIVE], people[RATE_OTHER]
    start_week, supervised, route, leaving = people[START_WEEK], people[SUPERVISED], people[ROUTE], people[LEAVING]
    drug_use, in_treatment = people[DRUG_USE], people[IN_TREATMENT]
    due_this_week = np.empty(next_proven_offence.size, dtype=np.bool_)
    _before(due_this_week, next_proven_offence, week + 1)
    due = rows_where(due_this_week)
    offences, acquisitive, first_in_cohort, first_since_treatment = _proven_offences(
        uid, due, rate_acquisitive, rate_other, next_proven_offence, reoffended, start_week, people[TREATMENT_START],
        people[REOFFENDED_SINCE_TREATMENT_START], origin, calls, week, p.proven_share_acquisitive, p.proven_share_other,
    )
    outcome = people[TREATMENT_OUTCOME]
    proven, proven_acquisitive, rounds = 0, 0, 0
    for j in range(due.size):
        proven += offences[j]
        proven_acquisitive += acquisitive[j]
        rounds = max(rounds, offences[j])
        if first_in_cohort[j] >= 0:
            cohort_reoffenders[first_in_cohort[j]] += 1
        if first_since_treatment[j] >= 0:
            count_reoffence(treatment_outcomes, outcome[due[j]], first_since_treatment[j])
    calls += 2 * rounds + 1
    recall_salt = salt_of(origin, calls)
    for i in due:
        if supervised[i] and route[i] == LICENCE and leaving[i] == STAYS and draw(uid[i], recall_salt) < p.recall_on_proven:
            leaving[i] = RECALLED

    bound = max(p.recall_noncompliance_per_week, p.breach_noncompliance_per_week)
    bound *= max(p.noncompliance_multiplier_problematic, 1.0)
    candidates = due_this_week
    _staying(candidates, supervised, leaving, uid, compliance_salt, bound)
    for i in rows_where(candidates):
        chance = p.recall_noncompliance_per_week if route[i] == LICENCE else p.breach_noncompliance_per_week
        if drug_use[i] == PROBLEMATIC and not in_treatment[i]:
            chance *= p.noncompliance_multiplier_problematic
        if draw(uid[i], compliance_salt) < chance:
            leaving[i] = RECALLED if route[i] == LICENCE else BREACHED
    return proven_acquisitive, proven, calls


@every_core
def _proven_offences(
    uid, due, rate_acquisitive, rate_other, next_proven_offence, reoffended, start_week, treatment_start,
    reoffended_since_treatment_start, origin, calls, week, share_acquisitive, share_other,
):  # pragma: no cover - compiled
    """The proven offences in the week of each person in ``due`` (see :func:`offend`): how
    many, how many acquisitive, the start week of their cohort if this is their first
    reoffence within the follow-up window (else -1), and the week their last treatment
    started if this is their first within :data:`TREATMENT_WINDOW_WEEKS` of it (else -1);
    their next proven offence and both flags are updated. On every core at full scale: the
    rows are scattered (see :mod:`model.passes`)."""
    offences = np.empty(due.size, dtype=np.int64)
    acquisitive = np.zeros(due.size, dtype=np.int64)
    first_in_cohort = np.full(due.size, -1, dtype=np.int64)
    first_since_treatment = np.full(due.size, -1, dtype=np.int64)
    for k in numba.prange(due.size):
        i = due[k]
        rate = rate_acquisitive[i] * share_acquisitive + rate_other[i] * share_other
        acquisitive_share = rate_acquisitive[i] * share_acquisitive / rate
        when = next_proven_offence[i]
        j = 0
        while True:
            acquisitive[k] += draw(uid[i], salt_of(origin, calls + 2 * j + 1)) < acquisitive_share
            when += draw_exponential(uid[i], salt_of(origin, calls + 2 * j + 2)) / rate
            j += 1
            if when >= week + 1:
                break
        next_proven_offence[i] = when
        offences[k] = j
        within = week - start_week[i] < FOLLOW_UP_WEEKS
        if not reoffended[i] and 0 <= start_week[i] and within:
            first_in_cohort[k] = start_week[i]
        reoffended[i] |= within
        started = treatment_start[i]
        if awaits_reoffence(started, reoffended_since_treatment_start[i], week):
            first_since_treatment[k] = started
            reoffended_since_treatment_start[i] = True
    return offences, acquisitive, first_in_cohort, first_since_treatment


# Reoffending by how treatment ended (the MoJ and PHE 2017 comparison): counts by the week
# treatment started, in rows DROPPED_OUT - 1 and COMPLETED - 1 (treatments that ended so),
# and DROPPED_OUT + 1 and COMPLETED + 1 (those with a proven reoffence within two years of the start).
TREATMENT_OUTCOME_ROWS = 4


@numba.njit(cache=True)
def treatment_ended(people, i, outcome, outcomes):  # pragma: no cover - compiled
    """Person ``i``'s treatment ended with ``outcome`` (DROPPED_OUT or COMPLETED): counted
    for the week it started, with whether they have reoffended since."""
    people[TREATMENT_OUTCOME][i] = outcome
    count_treatment_end(outcomes, outcome, people[TREATMENT_START][i], people[REOFFENDED_SINCE_TREATMENT_START][i])


@numba.njit(cache=True)
def count_treatment_end(outcomes, outcome, start, reoffended_since_start):  # pragma: no cover - compiled
    """A treatment started in week ``start`` ended with ``outcome``: counted for that week,
    with whether its person has reoffended since (see :data:`TREATMENT_OUTCOME_ROWS`)."""
    if start >= 0:
        outcomes[outcome - 1, start] += 1
        outcomes[outcome + 1, start] += reoffended_since_start


@numba.njit(cache=True)
def awaits_reoffence(start, reoffended_since_start, week):  # pragma: no cover - compiled
    """Whether a proven reoffence in ``week`` would be the first within
    :data:`TREATMENT_WINDOW_WEEKS` of the start (week ``start``) of a person's last treatment."""
    return not reoffended_since_start and 0 <= start and week - start < TREATMENT_WINDOW_WEEKS


@numba.njit(cache=True)
def count_reoffence(outcomes, outcome, start):  # pragma: no cover - compiled
    """A first reoffence since the treatment started in ``start``: counted now if that
    treatment has ended (else when it ends: :func:`treatment_ended`)."""
    if outcome != UNDER_WAY:
        outcomes[outcome + 1, start] += 1


@every_core
def _before(flags, times, end):  # pragma: no cover - compiled
    """Which ``times`` fall before ``end`` (one pass over everyone: see :mod:`model.passes`)."""
    for i in numba.prange(times.size):
        flags[i] = times[i] < end


@every_core
def _staying(candidates, supervised, leaving, uid, salt, bound):  # pragma: no cover - compiled
    """Candidates for non-compliance: supervised people not leaving whose draw falls below
    ``bound`` (one pass over everyone: see :mod:`model.passes`)."""
    for i in numba.prange(supervised.size):
        candidates[i] = supervised[i] & (leaving[i] == STAYS) & (draw(uid[i], salt) < bound)


@numba.njit(cache=True)
def reschedule_rows(people, rows, week, salt, P):  # pragma: no cover - compiled
    """Weekly offending rates of each person in ``rows`` (distinct rows), from their state
    now, and the time of their next proven offence (``salt`` keys the draw); then the summed
    rates, person by person in the order of ``rows`` (so the sums do not depend on how many
    cores worked out the rates)."""
    p = P[0]
    rates = (people[RATE_ACQUISITIVE], people[RATE_DRUG_DRIVEN], people[RATE_OTHER])
    before = np.empty((3, rows.size))
    _rates(
        people[UID], rows, people[DRUG_USE], people[SEVERITY], people[OCU], people[IN_TREATMENT], people[IN_CUSTODY],
        people[RISK], rates[0], rates[1], rates[2], people[NEXT_PROVEN_OFFENCE], before, week, salt,
        p.acquisitive_multiplier_problematic, p.acquisitive_multiplier_ocu, 1 - p.treatment_offending_reduction,
        p.acquisitive_per_year, p.other_per_year, p.other_multiplier_problematic, p.proven_share_acquisitive,
        p.proven_share_other,
    )
    totals = people[RATE_TOTALS]
    for j in range(rows.size):
        for k in range(3):
            totals[k] -= before[k, j]
            totals[k] += rates[k][rows[j]]


@every_core
def _rates(
    uid, rows, drug_use, severity, ocu, in_treatment, in_custody, risk, rate_acquisitive, rate_drug_driven, rate_other,
    next_proven_offence, before, week, salt, multiplier_problematic, multiplier_ocu, treated_share, acquisitive_per_year,
    other_per_year, other_multiplier_problematic, proven_share_acquisitive, proven_share_other,
):  # pragma: no cover - compiled
    """The work of :func:`reschedule_rows` for each row, the rates before the change kept in
    ``before``: each person's fields are scattered in memory, so at full scale two cores
    fetch them side by side (see :mod:`model.passes`)."""
    for j in numba.prange(rows.size):
        i = rows[j]
        before[0, j], before[1, j], before[2, j] = rate_acquisitive[i], rate_drug_driven[i], rate_other[i]
        weekly_risk = 0.0 if in_custody[i] else risk[i] / 52.0
        rate_acquisitive[i], rate_drug_driven[i], rate_other[i] = _weekly_rates(
            drug_use[i] == PROBLEMATIC, severity[i], ocu[i], in_treatment[i], weekly_risk, multiplier_problematic,
            multiplier_ocu, treated_share, acquisitive_per_year, other_per_year, other_multiplier_problematic,
        )
        rate = rate_acquisitive[i] * proven_share_acquisitive + rate_other[i] * proven_share_other
        next_proven_offence[i] = week + draw_exponential(uid[i], salt) / rate if rate > 0 else np.inf


@numba.njit(cache=True)
def _weekly_rates(
    problematic, severity, ocu, in_treatment, weekly_risk, multiplier_problematic, multiplier_ocu, treated_share,
    acquisitive_per_year, other_per_year, other_multiplier_problematic,
):  # pragma: no cover - compiled
    """One person's weekly offending rates in the community: acquisitive, its drug-driven
    part (cut by treatment), and other offending."""
    drug_multiplier = 0.0
    if problematic:
        drug_multiplier = multiplier_problematic * severity
        drug_multiplier *= multiplier_ocu if ocu else 1.0
        drug_multiplier *= treated_share if in_treatment else 1.0
    base = acquisitive_per_year * weekly_risk
    other = other_per_year * weekly_risk * (other_multiplier_problematic if problematic else 1.0)
    return base * (1 + drug_multiplier), base * drug_multiplier, other


@numba.njit(cache=True)
def foregone_in_custody(people, P):  # pragma: no cover - compiled
    """The offences a week that the people in custody at the week's end would commit at
    their rates in the community (out of treatment, which custody ends): acquisitive and
    other, expected numbers. The crime that enforcement averts by incapacitation, kept
    apart from the crime that treatment and recovery avert."""
    p = P[0]
    drug_use, severity, ocu, risk = people[DRUG_USE], people[SEVERITY], people[OCU], people[RISK]
    acquisitive, other = 0.0, 0.0
    for i in rows_where(people[IN_CUSTODY]):
        a, _, o = _weekly_rates(
            drug_use[i] == PROBLEMATIC, severity[i], ocu[i], False, risk[i] / 52.0, p.acquisitive_multiplier_problematic,
            p.acquisitive_multiplier_ocu, 1 - p.treatment_offending_reduction, p.acquisitive_per_year, p.other_per_year,
            p.other_multiplier_problematic,
        )
        acquisitive += a
        other += o
    return acquisitive, other
