"""Process 10: life after supervision.

People whose order or licence has ended, and whose one-year follow-up is over, are followed
for the rest of the run in a population of their own, with the same columns. They are not
supervised (no practitioner, tests, breach or recall), but their lives go on: treatment
under way continues until they complete it or drop out (in the community's services,
outside the places funded for people on probation), problematic use remits and relapses,
they offend (proven offences and all offences, costed as any), they may desist, and they
die, of drug-related or other causes. A proven reoffence leads to a new court order with
probability ``new_order_per_proven_reoffence``: the person comes back to probation as one of
the week's court order starts, not a stranger (:func:`bring_back`, run with intake).

The people followed soon outnumber the caseload several times over, and each one's chances
change only when their state does. So their lives are simulated as events: each person
carries the week of their next death, change of drug use, end of treatment and desistance,
each the waiting time of the weekly chance the supervised population is given (geometric),
and the time of their next proven offence that matters to their story (exponential, as in
:mod:`model.processes.offending`: one that brings a new order, or the first within two
years of starting treatment; all their offences are counted from their summed rates);
each week only the people with an event due are touched, found from a calendar of the weeks
ahead (:class:`Calendar`) rather than by reading everyone's next event. The population is stored person
by person (:class:`model.people.Population` ``by_person``), since the work goes from person
to person. The waiting time of a weekly draw is geometric and memoryless, so this has the
distribution of a draw per person per week, with times drawn again whenever a chance
changes (tested against a week-by-week simulation in ``tests/test_after_supervision.py``).
Events of one person in the same week happen in the order of the weekly processes:
treatment, drug use, offending, desistance, death.
"""

from __future__ import annotations

import numba
import numpy as np

from .offending import _weekly_rates, awaits_reoffence, count_reoffence, count_treatment_end
from ..passes import every_core
from ..people import (
    ACTIVE, COMPLETED, DEATH_WEEK, DESIST_WEEK, DROPPED_OUT, DRUG_USE, END_WEEK, FEMALE, IN_TREATMENT, NALOXONE, NEXT_EVENT,
    NEXT_PROVEN_OFFENCE, NONPROBLEMATIC, N_FREE, OCU, OST, PRACTITIONER, PROBLEMATIC, RATE_ACQUISITIVE, RATE_DRUG_DRIVEN, RATE_OTHER,
    RATE_TOTALS, REOFFENDED, REOFFENDED_SINCE_TREATMENT_START, RISK, ROUTE, SEVERITY, START_WEEK, SUPERVISED, TREATMENT_OUTCOME,
    TREATMENT_START, TREATMENT_WEEK, UID, USE_WEEK, WATCHED, Population, _vacate, copy_rows, take_rows,
)
from ..parameters import ParameterSet
from ..process import Process
from ..streams import draw, draw_exponential, salt_of
from .treatment import EARLY_WEEKS

LATER = 2**30 - 1  # the week of an event that will not happen (the default of next_event)
# Positions in AfterSupervision.tallies: people in treatment, problematic users, and both.
IN_TREATMENT_AFTER, PROBLEMATIC_AFTER, PROBLEMATIC_IN_TREATMENT_AFTER = 0, 1, 2
# Calls of the process's stream in a week: scheduling, then the events.
DEATH_CALL, USE_CALL, TREATMENT_CALL, DESIST_CALL, OFFENCE_CALL = 1, 2, 3, 6, 7  # treatment: 3 to 5, one per period
CAUSE_CALL, ENDING_CALL, RETURN_CALL, RESCHEDULE_CALL = 11, 12, 13, 99
# The parameters the scheduled times depend on: when a lever changes one, the times of everyone
# followed whose chances it changes are drawn again (AfterSupervision.reschedule).
SCHEDULE_PARAMETERS = (
    "new_order_per_proven_reoffence", "drug_death_per_year_problematic", "drug_death_rr_nonproblematic", "drug_death_rr_female", "ost_death_rr",
    "naloxone_death_rr", "other_death_per_year", "remission_in_treatment_per_week", "remission_untreated_per_week",
    "relapse_per_week", "dropout_early_per_week", "dropout_late_per_week", "dropout_no_ost_multiplier",
    "completion_min_weeks", "completion_per_week", "desistance_per_year", "funding_quality_elasticity", "treatment_places",
)


class AfterSupervision(Process):
    """The people followed after supervision (``followed``, a :class:`Population` of its own)
    and counts of them kept up to date as they change (``tallies``: in treatment,
    problematic users, problematic users in treatment)."""

    name = "after_supervision"
    GROWTH = 1.25  # the followed population grows steadily: room in smaller steps than the caseload's

    def __init__(self, model):
        super().__init__(model)
        self.followed = Population(capacity=1024, growth=self.GROWTH, by_person=True)
        self.calendar = Calendar(self.followed.capacity)
        self.tallies = np.zeros(3, dtype=np.int64)

    @property
    def state(self) -> tuple:
        """What the compiled kernels take of the people followed: their free rows, counters,
        columns and calendar."""
        followed = self.followed
        return followed.free_rows, followed.counters, followed.arrays, self.calendar.arrays

    def make_room(self, could_join: int | None) -> None:
        """Rows for everyone who could join this week: people out of supervision in the
        community, whose follow-up may end (``could_join``, the stock ``followed_up`` the
        compiled week counted at the end of the last week; counted here if None)."""
        if could_join is None:
            people = self.people
            could_join = int(np.count_nonzero(people.active & ~people.supervised & ~people.in_custody))
        self.followed.reserve(could_join)
        if self.calendar.capacity < self.followed.capacity:
            self.calendar = Calendar(self.followed.capacity)

    def reschedule(self, before: ParameterSet, quality_before: float) -> None:
        """Draw again, from this week on, the times of everyone followed whose chances a lever
        has just changed (the parameters were ``before``; this runs before the week's
        events). Only the times whose chances changed are drawn again, so the people a
        lever does not touch keep their times, as in the run without it (common random
        numbers: a lever that changes a few people's chances does not make the rest a new
        sample)."""
        m = self.model
        rows = np.flatnonzero(self.followed.active)
        quality = m.treatment.quality()
        redraw = changed_chances(self.followed.arrays, rows, quality_before, quality, before.record, m.p.record)
        changed = redraw > 0
        origin = np.uint64(salt_of(self.chance.origin, RESCHEDULE_CALL))  # apart from the week's own draws
        schedule(self.followed.arrays, rows[changed], redraw[changed], origin, quality, m.week - 1, m.p.record)
        self.calendar.arrays[0][STALE] = 1


CALENDAR_WEEKS = 16  # weeks the calendar holds: everyone's next event is read once in this many weeks
START, END, N_ADDED, STALE = range(4)  # positions in Calendar.arrays[0]


class Calendar:
    """Who has an event in each of the next :data:`CALENDAR_WEEKS` weeks, so that a week
    touches only the people due, not everyone followed (a million people by the end of a
    ten-year run at full scale).

    Every so often (:func:`_fill`) one pass over everyone's ``next_event`` sorts the people
    whose event falls within the weeks held into them, each week's in row order. People
    whose next event is drawn again within those weeks are added to a list of their own
    (:func:`note`). A week's people due are those sorted into that week and those of the
    list (:func:`due_rows`), each checked against their ``next_event`` now, since their
    event may since have been drawn again: they are exactly the people whose ``next_event``
    is the week, in row order, as one pass over everyone would find them.

    ``arrays``: the state (:data:`START`, the first week held; :data:`END`, the week after
    the last; :data:`N_ADDED`, people added; :data:`STALE`, 1 to fill again before the next
    week); where each week's people start in ``slots``; ``slots``, the rows sorted by week;
    then the rows and weeks of the people added. ``capacity`` is the followed population's:
    anyone can be due.
    """

    def __init__(self, capacity: int):
        self.capacity = capacity
        state = np.array([0, 0, 0, 1], dtype=np.int64)
        self.arrays = (
            state, np.zeros(CALENDAR_WEEKS + 1, dtype=np.int64), np.empty(capacity, dtype=np.int32),
            np.empty(capacity, dtype=np.int32), np.empty(capacity, dtype=np.int32),
        )


@numba.njit(cache=True)
def _fill(calendar, next_event, week):  # pragma: no cover - compiled
    """The calendar from ``week`` on: everyone whose next event falls before the end of the
    weeks held, by week (a counting sort, so each week's rows stay in row order)."""
    state, starts, slots = calendar[0], calendar[1], calendar[2]
    end = week + CALENDAR_WEEKS
    starts[:] = 0
    for i in range(next_event.size):
        if next_event[i] < end:
            starts[max(next_event[i] - week, 0) + 1] += 1
    for k in range(CALENDAR_WEEKS):
        starts[k + 1] += starts[k]
    filled = starts[:-1].copy()
    for i in range(next_event.size):
        if next_event[i] < end:
            k = max(next_event[i] - week, 0)
            slots[filled[k]] = i
            filled[k] += 1
    state[START], state[END], state[N_ADDED], state[STALE] = week, end, 0, 0


@numba.njit(cache=True)
def note(calendar, next_event, rows):  # pragma: no cover - compiled
    """Add to the calendar the people in ``rows`` whose next event has just been drawn
    within the weeks it holds (when the list is full, the calendar is filled again before
    the next week)."""
    state, added, added_week = calendar[0], calendar[3], calendar[4]
    for i in rows:
        if next_event[i] < state[END]:
            if state[N_ADDED] == added.size:
                state[STALE] = 1
                return
            added[state[N_ADDED]], added_week[state[N_ADDED]] = i, next_event[i]
            state[N_ADDED] += 1


@numba.njit(cache=True)
def due_rows(calendar, next_event, week):  # pragma: no cover - compiled
    """The rows of everyone whose next event is ``week`` (or earlier), in row order."""
    state, starts, slots, added, added_week = calendar
    if state[STALE] or not state[START] <= week < state[END]:
        _fill(calendar, next_event, week)
    k = week - state[START]
    held = slots[starts[k] : starts[k + 1]]
    n_added = state[N_ADDED]
    extra = np.sort(added[:n_added][added_week[:n_added] == week])
    # both lists are in row order: merge them, each row once, keeping those still due
    rows = np.empty(held.size + extra.size, dtype=np.int64)
    n = a = b = 0
    last = -1
    while a < held.size or b < extra.size:
        if b == extra.size or (a < held.size and held[a] <= extra[b]):
            i = held[a]
            a += 1
        else:
            i = extra[b]
            b += 1
        if i != last and next_event[i] <= week:
            rows[n] = i
            n += 1
        last = i
    return rows[:n]


@numba.njit(cache=True)
def changed_chances(people, rows, quality_before, quality, P_before, P):  # pragma: no cover - compiled
    """For each person in ``rows``: which of their times (flags, see :data:`EVERYTHING`) have
    chances that differ between the parameters ``P_before`` and ``P``."""
    p0, p1 = P_before[0], P[0]
    use, severity, ocu, in_treatment, ost = people[DRUG_USE], people[SEVERITY], people[OCU], people[IN_TREATMENT], people[OST]
    female, naloxone, risk = people[FEMALE], people[NALOXONE], people[RISK]
    flags = np.zeros(rows.size, dtype=np.int8)
    same_treatment_rules = p0.completion_min_weeks == p1.completion_min_weeks
    for k in range(rows.size):
        i = rows[k]
        rates = [
            _weekly_rates(
                use[i] == PROBLEMATIC, severity[i], ocu[i], in_treatment[i], risk[i] / 52.0, p.acquisitive_multiplier_problematic,
                p.acquisitive_multiplier_ocu, 1 - p.treatment_offending_reduction, p.acquisitive_per_year, p.other_per_year,
                p.other_multiplier_problematic,
            )
            for p in (p0, p1)
        ]
        if rates[0] != rates[1]:
            flags[k] |= RATES
        if (p0.proven_share_acquisitive, p0.proven_share_other, p0.new_order_per_proven_reoffence) != (
            p1.proven_share_acquisitive, p1.proven_share_other, p1.new_order_per_proven_reoffence
        ):
            flags[k] |= OFFENCE
        if death_chances(use[i], severity[i], female[i], ost[i], naloxone[i], p0) != death_chances(
            use[i], severity[i], female[i], ost[i], naloxone[i], p1
        ):
            flags[k] |= DEATH
        if use_chance(use[i], in_treatment[i], p0) != use_chance(use[i], in_treatment[i], p1):
            flags[k] |= USE
        if in_treatment[i]:
            for weeks_in in (0, EARLY_WEEKS, int(p1.completion_min_weeks)):
                if not same_treatment_rules or ending_chances(weeks_in, ocu[i], ost[i], quality_before, p0) != ending_chances(
                    weeks_in, ocu[i], ost[i], quality, p1
                ):
                    flags[k] |= TREATMENT
        if risk[i] > 0 and p0.desistance_per_year != p1.desistance_per_year:
            flags[k] |= DESIST
    return flags


@numba.njit(cache=True)
def _weeks_until(u, chance):  # pragma: no cover - compiled
    """The week (1, 2, ...) of the first success of weekly trials of ``chance``, from the
    uniform number ``u`` (geometric); :data:`LATER` if it cannot happen."""
    if chance <= 0.0:
        return LATER
    if chance >= 1.0:
        return 1
    return int(min(max(np.ceil(np.log1p(-u) / np.log1p(-chance)), 1.0), LATER))


@numba.njit(cache=True)
def _later(week, weeks):  # pragma: no cover - compiled
    return LATER if weeks >= LATER - week else week + weeks


@numba.njit(cache=True)
def death_chances(use, severity, female, ost, naloxone, p):  # pragma: no cover - compiled
    """Weekly chances of a drug-related death and of death from other causes in the
    community, long after release (as :func:`model.processes.deaths.die`)."""
    base = 1.0 if use == PROBLEMATIC else (p.drug_death_rr_nonproblematic if use == NONPROBLEMATIC else 0.0)
    drug = p.drug_death_per_year_problematic / 52.0 * base * severity
    drug *= p.drug_death_rr_female if female else 1.0
    drug *= p.ost_death_rr if ost else 1.0
    drug *= p.naloxone_death_rr if naloxone else 1.0
    return drug, p.other_death_per_year / 52.0


@numba.njit(cache=True)
def use_chance(use, in_treatment, p):  # pragma: no cover - compiled
    """Weekly chance of a change of drug use (as :func:`model.processes.drug_use.transitions`,
    with no drug tests)."""
    if use == PROBLEMATIC:
        return p.remission_in_treatment_per_week if in_treatment else p.remission_untreated_per_week
    return p.relapse_per_week if use == NONPROBLEMATIC else 0.0


@numba.njit(cache=True)
def ending_chances(weeks_in, ocu, ost, quality, p):  # pragma: no cover - compiled
    """Weekly chances of dropping out and of completing treatment ``weeks_in`` weeks after it
    started (as :func:`model.processes.treatment._outcomes`, long after release and with no
    DRR)."""
    early = weeks_in < EARLY_WEEKS
    dropout = (p.dropout_early_per_week if early else p.dropout_late_per_week) * quality
    dropout *= p.dropout_no_ost_multiplier if early and ocu and not ost else 1.0
    complete = p.completion_per_week if weeks_in >= p.completion_min_weeks else 0.0
    return dropout, complete


@numba.njit(cache=True)
def _treatment_ends(uid, start, ocu, ost, salt_origin, quality, week, p):  # pragma: no cover - compiled
    """The week treatment that started in ``start`` ends, counting from ``week + 1``: the
    chances are constant between the end of the early period and the first week a
    completion is possible, so the waiting time is drawn period by period."""
    first = week + 1
    for period in range(3):
        weeks_in = first - start
        dropout, complete = ending_chances(weeks_in, ocu, ost, quality, p)
        boundary = LATER
        for edge in (start + EARLY_WEEKS, start + int(p.completion_min_weeks)):
            if edge > first:
                boundary = min(boundary, edge)
        weeks = _weeks_until(draw(uid, salt_of(salt_origin, TREATMENT_CALL + period)), min(dropout + complete, 1.0))
        if weeks < LATER and first + weeks - 1 < boundary:
            return first + weeks - 1
        if boundary == LATER:
            return LATER
        first = boundary
    return LATER


# What an event changes, and so which of a person's times are drawn again (flags to combine).
OFFENCE, RATES, DEATH, USE, TREATMENT, DESIST = 1, 2, 4, 8, 16, 32
EVERYTHING = OFFENCE | RATES | DEATH | USE | TREATMENT | DESIST


@numba.njit(cache=True)
def schedule(people, rows, redraw, origin, quality, week, P):  # pragma: no cover - compiled
    """Draw again, from ``week + 1``, what has changed for each person in ``rows``
    (``redraw``: flags, see :data:`EVERYTHING`): their offending rates (and the summed
    rates), and the times of their next noted proven offence, death, change of drug use,
    end of treatment and desistance; then the week of their next event. A proven offence is
    noted (an event) only when it matters to the person's story: within two years of
    starting treatment, until the first (the reoffending measure after treatment), and
    otherwise when it brings a new court order (each with chance
    ``new_order_per_proven_reoffence``, so noted at that share of the proven rate); all
    proven offences are counted from the summed rates (:meth:`model.processes.offending.Offending.add_offences_from_rates`).
    Each person is drawn on any core; the changes of their rates are added to the sums in
    the order of ``rows``."""
    changes = _redraw(people[UID], people, rows, redraw, origin, quality, week, P)
    totals = people[RATE_TOTALS]
    for k in range(rows.size):
        for j in range(3):
            totals[j] += changes[k, j]


@every_core
def _redraw(everyone, people, rows, redraw, origin, quality, week, P):  # pragma: no cover - compiled
    """The work of :func:`schedule` for each person (``everyone``: a column, for the
    population's size, see :mod:`model.passes`); returns the changes of their rates."""
    uid, use, severity, ocu = people[UID], people[DRUG_USE], people[SEVERITY], people[OCU]
    in_treatment, ost, risk, watched = people[IN_TREATMENT], people[OST], people[RISK], people[WATCHED]
    acquisitive, drug_driven, other = people[RATE_ACQUISITIVE], people[RATE_DRUG_DRIVEN], people[RATE_OTHER]
    offence_time, next_event = people[NEXT_PROVEN_OFFENCE], people[NEXT_EVENT]
    death_week, use_week, treatment_week, desist_week = people[DEATH_WEEK], people[USE_WEEK], people[TREATMENT_WEEK], people[DESIST_WEEK]
    treatment_start, since_treatment = people[TREATMENT_START], people[REOFFENDED_SINCE_TREATMENT_START]
    female, naloxone = people[FEMALE], people[NALOXONE]
    desist_chance = -np.expm1(-P[0].desistance_per_year / 52.0)
    changes = np.zeros((rows.size, 3))
    for k in numba.prange(rows.size):
        i, what, p = rows[k], redraw[k], P[0]
        if what & RATES:
            a, d, o = _weekly_rates(
                use[i] == PROBLEMATIC, severity[i], ocu[i], in_treatment[i], risk[i] / 52.0,
                p.acquisitive_multiplier_problematic, p.acquisitive_multiplier_ocu, 1 - p.treatment_offending_reduction,
                p.acquisitive_per_year, p.other_per_year, p.other_multiplier_problematic,
            )
            changes[k, 0], changes[k, 1], changes[k, 2] = a - acquisitive[i], d - drug_driven[i], o - other[i]
            acquisitive[i], drug_driven[i], other[i] = a, d, o
        if what & (OFFENCE | RATES):
            watched[i] = awaits_reoffence(treatment_start[i], since_treatment[i], week + 1)
            rate = acquisitive[i] * p.proven_share_acquisitive + other[i] * p.proven_share_other
            rate *= 1.0 if watched[i] else p.new_order_per_proven_reoffence
            offence_time[i] = week + 1 + draw_exponential(uid[i], salt_of(origin, OFFENCE_CALL)) / rate if rate > 0 else np.inf
        if what & DEATH:
            drug, other_causes = death_chances(use[i], severity[i], female[i], ost[i], naloxone[i], p)
            death_week[i] = _later(week, _weeks_until(draw(uid[i], salt_of(origin, DEATH_CALL)), drug + other_causes))
        if what & USE:
            chance = use_chance(use[i], in_treatment[i], p)
            use_week[i] = _later(week, _weeks_until(draw(uid[i], salt_of(origin, USE_CALL)), chance))
        if what & TREATMENT:
            treatment_week[i] = (
                _treatment_ends(uid[i], treatment_start[i], ocu[i], ost[i], origin, quality, week, p)
                if in_treatment[i] else LATER
            )
        if what & DESIST:
            chance = desist_chance if risk[i] > 0 else 0.0
            desist_week[i] = _later(week, _weeks_until(draw(uid[i], salt_of(origin, DESIST_CALL)), chance))
        next_event[i] = min(
            death_week[i], use_week[i], treatment_week[i], desist_week[i], int(min(np.floor(offence_time[i]), LATER)),
        )
    return changes


@numba.njit(cache=True)
def tally(tallies, in_treatment, problematic, sign):  # pragma: no cover - compiled
    """Add (``sign`` 1) or take away (-1) a person in ``tallies`` (see :data:`IN_TREATMENT_AFTER`)."""
    tallies[IN_TREATMENT_AFTER] += sign * in_treatment
    tallies[PROBLEMATIC_AFTER] += sign * problematic
    tallies[PROBLEMATIC_IN_TREATMENT_AFTER] += sign * (in_treatment and problematic)


@numba.njit(cache=True)
def move_in(people, rows, followed, pairs, tallies, origin, quality, week, P):  # pragma: no cover - compiled
    """The people in ``rows`` of the caseload's population, whose follow-up has ended, join
    the people followed (``pairs``: the blocks of the two populations, caseload first; the
    caller has made room); their times are drawn from next week. The caller then frees
    their rows in the caseload's population."""
    free_rows, counters, after, calendar = followed
    if rows.size > counters[N_FREE]:
        raise ValueError("more people join the followed population than the room made for them")
    new = take_rows(rows.size, free_rows, counters)
    copy_rows(pairs, rows, new)
    for i in new:
        after[RATE_ACQUISITIVE][i] = after[RATE_DRUG_DRIVEN][i] = after[RATE_OTHER][i] = 0.0  # not yet in the summed rates
        tally(tallies, after[IN_TREATMENT][i], after[DRUG_USE][i] == PROBLEMATIC, 1)
    schedule(after, new, np.full(new.size, EVERYTHING, dtype=np.int8), origin, quality, week, P)
    note(calendar, after[NEXT_EVENT], new)


# What happened to a person in their week (columns of what _events returns).
(
    WAS_TREATED, WAS_PROBLEMATIC, ENDED, ENDED_REOFFENDED, USE_CHANGE, REOFFENCE_COUNTED, COMES_BACK, DESISTED, DIED,
    DIED_IN_TREATMENT, REDRAW,
) = range(11)
OTHER_DEATH, DRUG_DEATH = 1, 2  # values of DIED


@numba.njit(cache=True)
def live(followed, main_row_of_uid, tallies, outcomes, origin, quality, week, P):  # pragma: no cover - compiled
    """One week of the lives of everyone followed whose event falls due, in the order of the
    weekly processes: treatment ends (completed or dropped out), drug use changes, a noted
    proven offence (the first within two years of starting treatment is counted for that
    treatment; it may bring a new court order), desistance, death. The dead leave
    the population; what changed is drawn again. Returns the rows of people coming back on
    a new order (still in the population: :func:`bring_back` takes them) and the week's
    counts: completions, drop-outs, remissions, relapses, desistances, deaths, drug-related
    deaths and deaths of people in treatment. Each person's week is worked out on any core
    (:func:`_events`); what they add to shared counts is added here, in the order of rows."""
    people, calendar = followed[2], followed[3]
    in_treatment, use = people[IN_TREATMENT], people[DRUG_USE]
    rows = due_rows(calendar, people[NEXT_EVENT], week)
    happened = _events(people[UID], people, rows, origin, quality, week, P)
    returning = np.empty(rows.size, dtype=np.int64)
    dead = np.empty(rows.size, dtype=np.int64)
    n_returning = n_dead = 0
    completions = dropouts = remissions = relapses = desisted = deaths = drug_deaths = treated_deaths = 0
    for k in range(rows.size):
        i, h = rows[k], happened[k]
        start = people[TREATMENT_START][i]
        tally(tallies, h[WAS_TREATED], h[WAS_PROBLEMATIC], -1)  # as they were, then as they are (the dead leave below)
        tally(tallies, in_treatment[i], use[i] == PROBLEMATIC, 1)
        if h[ENDED]:
            completions += h[ENDED] == COMPLETED
            dropouts += h[ENDED] == DROPPED_OUT
            count_treatment_end(outcomes, h[ENDED], start, h[ENDED_REOFFENDED])
        remissions += h[USE_CHANGE] < 0
        relapses += h[USE_CHANGE] > 0
        if h[REOFFENCE_COUNTED]:
            count_reoffence(outcomes, h[REOFFENCE_COUNTED], start)
        desisted += h[DESISTED]
        if h[DIED]:
            deaths += 1
            drug_deaths += h[DIED] == DRUG_DEATH
            treated_deaths += h[DIED_IN_TREATMENT]
            dead[n_dead] = i
            n_dead += 1
        elif h[COMES_BACK]:
            returning[n_returning] = i
            n_returning += 1
    alive = happened[:, REDRAW] > 0
    schedule(people, rows[alive], happened[:, REDRAW][alive], origin, quality, week, P)
    note(calendar, people[NEXT_EVENT], rows[alive])
    leave(followed, dead[:n_dead], main_row_of_uid, tallies)
    return returning[:n_returning], (completions, dropouts, remissions, relapses, desisted, deaths, drug_deaths, treated_deaths)


@every_core
def _events(everyone, people, rows, origin, quality, week, P):  # pragma: no cover - compiled
    """The work of :func:`live` for each person in ``rows`` (``everyone``: a column, for the
    population's size, see :mod:`model.passes`): their record changed, and what happened
    (a row of int8 per person, columns :data:`WAS_TREATED` to :data:`REDRAW`: what
    :func:`schedule` draws again, none for the dead)."""
    uid, use, in_treatment, ost = people[UID], people[DRUG_USE], people[IN_TREATMENT], people[OST]
    since_treatment = people[REOFFENDED_SINCE_TREATMENT_START]
    happened = np.zeros((rows.size, REDRAW + 1), dtype=np.int8)
    for k in numba.prange(rows.size):
        i, h, p = rows[k], happened[k], P[0]
        h[WAS_TREATED], h[WAS_PROBLEMATIC] = in_treatment[i], use[i] == PROBLEMATIC
        if people[TREATMENT_WEEK][i] <= week:
            dropout, complete = ending_chances(week - people[TREATMENT_START][i], people[OCU][i], ost[i], quality, p)
            completed = draw(uid[i], salt_of(origin, ENDING_CALL)) * min(dropout + complete, 1.0) >= dropout
            h[ENDED] = COMPLETED if completed else DROPPED_OUT
            h[ENDED_REOFFENDED] = since_treatment[i]
            people[TREATMENT_OUTCOME][i] = h[ENDED]
            in_treatment[i] = ost[i] = False
            if completed and use[i] == PROBLEMATIC:
                use[i] = NONPROBLEMATIC
            h[REDRAW] |= RATES | DEATH | USE | TREATMENT
        if people[USE_WEEK][i] <= week:
            if use[i] == PROBLEMATIC:
                use[i] = NONPROBLEMATIC
                h[USE_CHANGE] = -1
            elif use[i] == NONPROBLEMATIC:
                use[i] = PROBLEMATIC
                h[USE_CHANGE] = 1
            h[REDRAW] |= RATES | DEATH | USE
        if people[NEXT_PROVEN_OFFENCE][i] < week + 1:
            h[COMES_BACK] = 1
            if people[WATCHED][i]:
                if awaits_reoffence(people[TREATMENT_START][i], since_treatment[i], week):
                    since_treatment[i] = True
                    h[REOFFENCE_COUNTED] = people[TREATMENT_OUTCOME][i]  # counted if the treatment has ended
                h[COMES_BACK] = draw(uid[i], salt_of(origin, RETURN_CALL)) < p.new_order_per_proven_reoffence
            h[REDRAW] |= OFFENCE
        if people[DESIST_WEEK][i] <= week and not h[COMES_BACK]:  # a proven reoffence this week ends no career
            people[RISK][i] = 0.0
            h[DESISTED] = 1
            h[REDRAW] |= RATES | DESIST
        if people[DEATH_WEEK][i] <= week:
            drug, other = death_chances(use[i], people[SEVERITY][i], people[FEMALE][i], ost[i], people[NALOXONE][i], p)
            h[DIED] = DRUG_DEATH if draw(uid[i], salt_of(origin, CAUSE_CALL)) * (drug + other) < drug else OTHER_DEATH
            h[DIED_IN_TREATMENT] = in_treatment[i]
            h[REDRAW] = 0
    return happened


@numba.njit(cache=True)
def leave(followed, rows, row_of_uid, tallies):  # pragma: no cover - compiled
    """The people in ``rows`` are no longer followed (they died or came back): out of the
    tallies, their rows freed, with no event."""
    free_rows, counters, people = followed[0], followed[1], followed[2]
    for i in rows:
        tally(tallies, people[IN_TREATMENT][i], people[DRUG_USE][i] == PROBLEMATIC, -1)
    _vacate(people, rows, row_of_uid, free_rows, counters)
    for i in rows:
        people[NEXT_EVENT][i] = LATER


@numba.njit(cache=True)
def bring_back(people, new_rows, followed, returning, pairs, row_of_uid, tallies):  # pragma: no cover - compiled
    """The people followed in rows ``returning`` come back on new court orders, into the
    caseload's rows ``new_rows`` (rows intake has just given court order starts): their own
    record (uid, region, drug use, risk, treatment under way, what probation knew of them)
    replaces the characteristics drawn for a stranger, except what the new order sets
    (route, start and end weeks). ``pairs``: the blocks of the two populations, the
    followed first. The followed population frees their rows."""
    route, start_week, end_week = people[ROUTE][new_rows], people[START_WEEK][new_rows], people[END_WEEK][new_rows]
    strangers = people[UID][new_rows]
    copy_rows(pairs, returning, new_rows)
    for k in range(returning.size):
        row_of_uid[strangers[k]] = -1  # the uid drawn for a stranger is not used
    leave(followed, returning, row_of_uid, tallies)
    for k in range(new_rows.size):
        i = new_rows[k]
        row_of_uid[people[UID][i]] = i
        people[ROUTE][i], people[START_WEEK][i], people[END_WEEK][i] = route[k], start_week[k], end_week[k]
        people[SUPERVISED][i] = people[ACTIVE][i] = True
        people[PRACTITIONER][i] = -1
        people[REOFFENDED][i] = False  # a new start for the one-year reoffending measure
        people[RATE_ACQUISITIVE][i] = people[RATE_DRUG_DRIVEN][i] = people[RATE_OTHER][i] = 0.0  # intake adds them
        people[NEXT_EVENT][i] = LATER
