"""ProbationModel: people on probation, practitioners and treatment services, week by week."""

from __future__ import annotations

import copy
import math
import numbers
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from typing import NamedTuple, Protocol

import mesa
import numba
import numpy as np
import pandas as pd

from .parameters import ParameterError, ParameterSet
from .passes import every_core
from .people import (
    ACTIVE, DRR, DRUG_USE, EVER_TESTED, IDENTIFIED, IN_CUSTODY, IN_TREATMENT, N_FREE, NEXT_UID, PRACTITIONER, PROBLEMATIC,
    RATE_TOTALS, REGION, SUPERVISED, UID, WAITING, Population, _take, _vacate, rows_where,
)
from .processes.after_supervision import (
    IN_TREATMENT_AFTER, PROBLEMATIC_AFTER, PROBLEMATIC_IN_TREATMENT_AFTER, SCHEDULE_PARAMETERS, AfterSupervision, live, move_in,
)
from .processes.allocation import Allocation, allocate_rows, factors
from .processes.courts import Courts, review
from .processes.deaths import Deaths, die
from .processes.drug_use import DrugUse, transitions
from .processes.exits import Exits, leave
from .processes.intake import Intake, arrivals, expected_arrivals
from .processes.offending import (
    FOLLOW_UP_WEEKS, RATE_PARAMETERS, TREATMENT_OUTCOME_ROWS, TREATMENT_WINDOW_WEEKS, Offending, foregone_in_custody, offend,
)
from .processes.release import PrisonRelease
from .processes.supervision import Supervision, identify_and_refer
from .processes.testing import Testing, test
from .processes.treatment import Treatment, treat
from .regions import Region, default_regions
from .streams import origin_of, salt_of


class Lever(Protocol):
    """A policy lever as the simulation sees it: active in some weeks, and then changing
    the parameters (:class:`model.experiments.levers.Lever` is one)."""

    def active(self, week: int) -> bool: ...

    def apply(self, params: ParameterSet) -> ParameterSet: ...

# What the data collector records each week: flows (counted during the week) and stocks
# (counted at the end of it).
FLOWS = (
    "entries", "court_starts", "prison_releases", "exits", "orders_ended",
    "identifications", "referrals", "drr_referrals", "tests", "positive_tests",
    "treatment_starts", "treatment_completions", "treatment_dropouts", "treatment_ended_by_exit",
    "waiting_give_ups", "waiting_ended_by_exit",
    "pre_sentence_reports", "drug_assessments", "drrs_issued", "drr_treatment_starts", "drr_completions", "drr_revocations", "drr_ended_early",
    "releases_in_treatment", "release_pickups", "release_retained_12w",
    "offences_acquisitive", "offences_acquisitive_drug_driven", "offences_other", "proven_reoffences",
    "offences_foregone_in_custody_acquisitive", "offences_foregone_in_custody_other",
    "moved_after_supervision", "returns_on_new_order", "offences_acquisitive_after_supervision",
    "offences_acquisitive_drug_driven_after_supervision", "offences_other_after_supervision",
    "proven_reoffences_after_supervision", "treatment_completions_after_supervision",
    "treatment_dropouts_after_supervision", "remissions_after_supervision", "relapses_after_supervision", "desistances",
    "deaths_followed", "recalls", "breaches", "resentenced", "custody_receptions", "returns_from_custody",
    "deaths", "drug_deaths", "deaths_after_supervision", "drug_deaths_after_supervision",
    "remissions", "relapses", "practitioners_hired", "practitioners_trained",
)
# Stocks by region, each week: columns "<stock>_region_<k>" (k the region's position in the region table).
REGION_STOCKS = ("in_treatment", "waiting_list", "caseload_mean")


def region_columns(n_regions: int) -> tuple[str, ...]:
    """The weekly frame's columns of :data:`REGION_STOCKS` for ``n_regions`` regions, stock by stock."""
    return tuple(f"{stock}_region_{k:02d}" for stock in REGION_STOCKS for k in range(n_regions))


STOCKS = (
    "supervised", "drug_need", "identified", "known_users", "known_users_ever_tested", "in_treatment",
    "waiting_list", "on_drr", "followed_up", "after_supervision", "in_treatment_after_supervision",
    "problematic_after_supervision", "problematic_users", "problematic_users_in_treatment", "in_custody", "practitioners", "caseload_mean", "caseload_max",
    "caseload_over_cap", "caseload_over_70", "treatment_places",
)


class SimulatedWeek(NamedTuple):
    """A week simulated, as recording it needs it: what the compiled week returned
    (:func:`_week`), and the week, the model's time, the parameters in force, what Python
    counted (workforce changes) and the funded treatment places."""

    counts: np.ndarray
    values: np.ndarray
    rates: np.ndarray
    regional: np.ndarray
    week: int
    time: float
    params: ParameterSet
    tally: dict[str, int]
    treatment_places: int


class ProbationModel(mesa.Model):
    """Drug-related offending and treatment for people on probation in England and Wales.

    One step is one week. ``step`` runs, in order, the nine weekly processes of the brief:

    1. intake from court (reports, drug assessment, DRR) and from prison (continuity),
       and return to supervision of people released after recall;
    2. allocation of each new person to a practitioner;
    3. supervision: identifying drug need and referring to treatment;
    4. treatment: admission to funded places, drop-out and completion (then DRR review);
    5. drug testing and its consequences;
    6. drug use transitions;
    7. offending, proven reoffending, breach and recall;
    8. deaths;
    9. exits: orders end, recall, breach, death;
    10. after supervision: the lives of people whose supervision and follow-up have ended
        (treatment under way, drug use, offending, desistance, death), some of whom come
        back on new court orders (run first, so that they join the week's court starts);

    then records the week (what it costs is priced from the record by the appraisal:
    :mod:`model.appraisal.costs`). The nine run as one compiled call (:func:`_week`,
    which lists them in this order, each a function in the process's own module, and then
    frees the rows of people who left and counts the stocks); around it, Python applies
    levers, matches the workforce to changed parameters, draws the week's new people (ahead,
    on another thread, at full scale: :meth:`model.processes.intake.Intake.draw_ahead`), and
    records the week, adding the offences never proven
    (:meth:`model.processes.offending.Offending.add_offences_from_rates`): at once after ``step``, and
    once all the weeks are done within ``run``.

    Args:
        scale: the population as a share of England and Wales (1.0 is about 156,000 people).
        seed: an integer seed (as ``rng`` but named as ``mesa.batch_run`` passes it).
        rng: a seed or ``numpy.random.Generator``, as ``mesa.Model`` takes it.
        params: a :class:`ParameterSet`, or a mapping of parameter overrides.
        levers: policy levers (:class:`model.experiments.levers.Lever`) active in this run.
        regions: the region table (defaults to ``model/data/regions.yaml``).
    """

    def __init__(
        self,
        scale: float = 1.0,
        seed: int | None = None,
        rng: int | np.random.Generator | None = None,
        params: ParameterSet | Mapping[str, float] | None = None,
        levers: Iterable[Lever] = (),
        regions: tuple[Region, ...] | None = None,
    ):
        if seed is not None and rng is not None:
            raise ValueError("give either seed or rng, not both")
        if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, numbers.Real) or not 0 < scale < math.inf:
            raise ParameterError(f"scale = {scale!r} must be a finite number > 0 (1.0 is England and Wales)")
        base_seed = seed if seed is not None else rng
        super().__init__(rng=base_seed)
        if isinstance(base_seed, (int, np.integer)):
            self.seed_sequence = np.random.SeedSequence(int(base_seed))
        else:
            self.seed_sequence = np.random.SeedSequence(int(self.rng.integers(2**63)))

        self.scale = float(scale)
        if isinstance(params, ParameterSet):
            self.base_params = params
        else:
            self.base_params = ParameterSet.load().with_overrides(params or {})
        self.levers = tuple(levers)
        self.active_levers: tuple[Lever, ...] = ()
        self.p = self.base_params
        self.regions = regions or default_regions()
        self.region_shares = np.array([r.caseload_share for r in self.regions])
        self.staffing_ratios = np.array([r.staffing_ratio for r in self.regions])
        self.same_provider = np.array([r.same_provider for r in self.regions])

        self.week = -int(self.p.warmup_weeks)
        self.tally: defaultdict[str, int] = defaultdict(int)  # what Python counts in the week: see PYTHON_FLOWS
        self._cohort_starts = np.zeros(0, dtype=np.int64)
        self._cohort_reoffenders = np.zeros(0, dtype=np.int64)
        self._treatment_outcomes = np.zeros((TREATMENT_OUTCOME_ROWS, 0), dtype=np.int64)  # by week treatment started
        self.people = Population(capacity=int(self.p.supervised_initial * self.scale * CAPACITY_HEADROOM) + 64)

        self.intake = Intake(self)
        self.courts = Courts(self)
        self.release = PrisonRelease(self)
        self.allocation = Allocation(self)
        self.supervision = Supervision(self)
        self.treatment = Treatment(self)
        self.testing = Testing(self)
        self.drug_use = DrugUse(self)
        self.offending = Offending(self)
        self.deaths = Deaths(self)
        self.exits = Exits(self)
        self.after = AfterSupervision(self)
        self.processes = (
            self.intake, self.courts, self.release, self.allocation, self.supervision, self.treatment,
            self.testing, self.drug_use, self.offending, self.deaths, self.exits, self.after,
        )
        streams = (
            self.intake.chance, self.courts.chance, self.release.chance, self.allocation.chance, self.supervision.chance,
            self.treatment.chance, self.testing.chance, self.drug_use.chance, self.offending.chance,
            self.offending.schedule, self.offending.compliance, self.deaths.chance, self.exits.chance, self.after.chance,
        )
        self._stream_bases = np.array([chance.base for chance in streams], dtype=np.uint64)  # at the *_STREAM positions

        self.region_columns = region_columns(len(self.regions))
        self._record_names = (*PYTHON_FLOWS, *WEEK_COUNTS, *WEEK_VALUES, *self.region_columns)  # as _week_record fills them
        self.datacollector = WeeklyCollector(
            model_reporters={name: (lambda m, name=name: m.record[name]) for name in FLOWS + STOCKS + self.region_columns}
        )
        self.record: dict[str, float] = {}
        self._unrecorded: deque[SimulatedWeek] = deque()  # weeks simulated, to record (see run)
        self._running = False
        self._followed_up: int | None = None  # the stock followed_up at the end of the last week (None: none yet)
        self._apply_levers()
        self._new_week_of_random_numbers()
        self.allocation.sync_workforce()
        self.intake.initial_population(int(round(self.p.supervised_initial * self.scale)))
        while self.week < 0:
            self._simulate_week()

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """Simulate one week and record it (within :meth:`run`, once the run's weeks are done)."""
        self._unrecorded.append(self._simulate_week())
        if not self._running:
            self._record_weeks()

    def _simulate_week(self) -> SimulatedWeek:
        """The week: what the compiled week returns (see :func:`_week`), with what
        recording it needs of the week."""
        self.tally.clear()
        self._new_week_of_random_numbers()
        self._apply_levers()
        self.allocation.prepare_week()
        people, allocation, treatment, after = self.people, self.allocation, self.treatment, self.after
        people.reserve(_rows_to_spare(sum(expected_arrivals(self.scale, self.p))))
        after.make_room(self._followed_up)
        followed = after.followed
        draws = self.intake.week_draws()
        while True:
            short, counts, values, rates, regional = _week(
                people.arrays, people.free_rows, people.counters, people._resets, people.row_of_uid, *draws,
                self.intake.region_cumulative, self.same_provider, self.caseload, allocation.employed,
                allocation.staff_by_region(), allocation.region_of, allocation.trained, treatment.places(), treatment.quality(),
                self._cohort_array("_cohort_starts"), self._cohort_array("_cohort_reoffenders"), self._outcome_cohorts(),
                after.state, tuple(zip(people.blocks, followed.blocks)),
                tuple(zip(followed.blocks, people.blocks)), after.tallies, self._stream_bases, self.week, self.p.record,
            )
            if not short:
                break
            people.reserve(short)  # more new people than free rows: nothing was changed, so begin the week again
        self._followed_up = int(counts[FOLLOWED_UP])  # who could join the people followed next week
        week = SimulatedWeek(
            counts, values, rates, regional, self.week, self.time, self.p, dict(self.tally), int(treatment.places().sum()),
        )
        self.week += 1
        self.intake.draw_ahead(self.week + 1)
        return week

    def _new_week_of_random_numbers(self) -> None:
        for process in self.processes:
            for chance in process.chances:
                chance.new_week(self.week)

    def with_levers(self, levers: Iterable[Lever]) -> ProbationModel:
        """A copy of this model as it stands, to go on with ``levers``: a scenario and its
        baseline can share the weeks before the levers start (the warm-up) and simulate
        them once, and then the new people of each week (:class:`model.processes.intake.SharedDraws`)."""
        twin = copy.deepcopy(self)
        twin.levers = tuple(levers)
        twin.intake.share_draws_with(self.intake)
        return twin

    def run(self, weeks: int) -> None:
        """Run ``weeks`` more weeks, recording them once they are all done: the same
        records, with each week's own random numbers, but Python's work on them then runs
        while its data is in the cache rather than after each compiled week (with the room
        made from a stock the week already counts, a sensitivity evaluation 5% quicker in
        paired runs)."""
        self._running = True
        try:
            for _ in range(int(weeks)):
                self.step()
        finally:
            self._running = False
            self._record_weeks()

    def count(self, name: str, n: int) -> None:
        """Add ``n`` to this week's tally of ``name``."""
        self.tally[name] += n

    # ------------------------------------------------------------------ levers
    def levers_active_in(self, week: int) -> tuple[Lever, ...]:
        """The levers in force in ``week``."""
        return tuple(lever for lever in self.levers if lever.active(week))

    def _apply_levers(self) -> None:
        active = self.levers_active_in(self.week)
        if active == self.active_levers:
            return
        params = self.base_params
        for lever in active:
            params = lever.apply(params)
        rates_change = any(params[name] != self.p[name] for name in RATE_PARAMETERS)
        after_changes = rates_change or any(params[name] != self.p[name] for name in SCHEDULE_PARAMETERS)
        before, quality_before = self.p, self.treatment.quality()
        self.p = params
        self.active_levers = active
        if rates_change:
            self.offending.reschedule(np.flatnonzero(self.people.active))
        if after_changes:
            self.after.reschedule(before, quality_before)

    # ------------------------------------------------------------------ records
    def _record_weeks(self) -> None:
        """Record the weeks simulated and not yet recorded, in order, each taken off the
        list once recorded (should recording fail, none is recorded twice); ``record`` is
        then the last."""
        while self._unrecorded:
            week = self._unrecorded[0]
            self.record = self._week_record(week)
            self.datacollector.collect(self, week.time)
            self._unrecorded.popleft()

    def _week_record(self, week: SimulatedWeek) -> dict[str, float]:
        """A week simulated: its flows and the stocks at its end (also by region)."""
        record = dict(zip(
            self._record_names, [*_PYTHON_ZEROS, *week.counts.tolist(), *week.values.tolist(), *week.regional.ravel().tolist()],
        ))
        self.offending.add_offences_from_rates(record, week.rates, week.week, week.params)
        for name, n in week.tally.items():  # counted in Python that week (workforce changes)
            record[name] += n
        record["treatment_places"] = week.treatment_places
        return record

    def _cohort_array(self, name: str) -> np.ndarray:
        """Counts by start week for the one-year proven reoffending measure (``_cohort_starts``
        or ``_cohort_reoffenders``), long enough for everyone who starts up to this week."""
        array = _grown(getattr(self, name), max(self.week, 0) + 1)
        setattr(self, name, array)
        return array

    def _outcome_cohorts(self) -> np.ndarray:
        """Treatments that ended, and those with a reoffence within two years, by the week
        they started (see :data:`model.processes.offending.TREATMENT_OUTCOME_ROWS`), long
        enough for treatments started up to this week."""
        weeks = max(self.week, 0) + 1
        held = self._treatment_outcomes.shape[1]
        if held < weeks:
            grown = np.zeros((TREATMENT_OUTCOME_ROWS, max(weeks, 2 * held)), dtype=np.int64)
            grown[:, :held] = self._treatment_outcomes
            self._treatment_outcomes = grown
        return self._treatment_outcomes

    def cohort_reoffending(self) -> pd.DataFrame:
        """One-year proven reoffending rate of each yearly cohort of starts (MoJ definition).

        A cohort is everyone starting an order or licence in a model year; the rate is the
        share with a proven reoffence committed within 52 weeks of their start. ``complete``
        is False while some of the cohort's year is still to run.

        Beside it, the treatments started in each year (by anyone the model follows) that
        ended in drop-out or completion, and of those the ones whose person had a proven
        reoffence within two years of the start (MoJ and PHE 2017's comparison:
        :data:`TREATMENT_COHORT_COLUMNS`); ``treatment_complete`` once two years have passed
        since the year's last start.
        """
        n = max(self.week, 0)
        years = np.arange(n) // 52
        n_years = -(-n // 52)
        starts = np.bincount(years, weights=_grown(self._cohort_starts, n)[:n], minlength=n_years).astype(np.int64)
        reoffenders = np.bincount(years, weights=_grown(self._cohort_reoffenders, n)[:n], minlength=n_years).astype(np.int64)
        year = np.arange(n_years)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(starts > 0, reoffenders / np.maximum(starts, 1), np.nan)
        complete = (year + 1) * 52 + FOLLOW_UP_WEEKS <= self.week
        treated = {
            name: np.bincount(years, weights=self._outcome_cohorts()[row, :n], minlength=n_years).astype(np.int64)
            for row, name in enumerate(TREATMENT_COHORT_COLUMNS)
        }
        return pd.DataFrame({
            "year": year, "starts": starts, "reoffenders": reoffenders, "rate": rate, "complete": complete, **treated,
            "treatment_complete": (year + 1) * 52 + TREATMENT_WINDOW_WEEKS <= self.week,
        })


# Treatments by how they ended, and with a reoffence within two years of their start (rows of
# ProbationModel._treatment_outcomes: see model.processes.offending.TREATMENT_OUTCOME_ROWS).
TREATMENT_COHORT_COLUMNS = ("treatments_dropped_out", "treatments_completed", "dropped_out_reoffended", "completed_reoffended")

# The random streams the compiled week uses, by position in ProbationModel._stream_bases.
(
    INTAKE_STREAM, COURTS_STREAM, RELEASE_STREAM, ALLOCATION_STREAM, SUPERVISION_STREAM, TREATMENT_STREAM, TESTING_STREAM,
    DRUG_USE_STREAM, OFFENDING_STREAM, SCHEDULE_STREAM, COMPLIANCE_STREAM, DEATHS_STREAM, EXITS_STREAM, AFTER_STREAM,
) = range(14)
KERNEL_CALLS = 2**32  # the compiled week numbers its calls from here, clear of calls made from Python that week
CAPACITY_HEADROOM = 1.3  # rows to start with, per person in the starting caseload (they grow when needed)

PEOPLE_STOCKS = (
    "supervised", "drug_need", "identified", "known_users", "known_users_ever_tested", "in_treatment", "waiting_list",
    "on_drr", "in_custody", "followed_up", "in_treatment_after_supervision",
)


@numba.njit(cache=True)
def _stocks(people):  # pragma: no cover - compiled
    """Counts of :data:`PEOPLE_STOCKS`."""
    return _count_stocks(
        people[ACTIVE], people[SUPERVISED], people[IN_CUSTODY], people[DRUG_USE], people[IDENTIFIED], people[EVER_TESTED],
        people[IN_TREATMENT], people[WAITING], people[DRR],
    )


@every_core
def _count_stocks(
    active, supervised, in_custody, drug_use, identified, ever_tested, in_treatment, waiting, drr,
):  # pragma: no cover - compiled
    """Counts of :data:`PEOPLE_STOCKS` in one pass over everyone (see :mod:`model.passes`),
    then problematic users and problematic users in treatment (of every active person)."""
    n_supervised = need = n_identified = known = known_tested = treated = n_waiting = on_drr = custody = community = 0
    treated_after = users = treated_users = 0
    for i in numba.prange(active.size):
        s = supervised[i]
        problematic = active[i] & (drug_use[i] == PROBLEMATIC)
        users += problematic
        treated_users += problematic & in_treatment[i]
        user = s & problematic
        n_supervised += s
        need += user
        n_identified += s & identified[i]
        known += user & identified[i]
        known_tested += user & identified[i] & ever_tested[i]
        treated += s & in_treatment[i]
        treated_after += ~s & in_treatment[i]
        n_waiting += waiting[i]
        on_drr += s & drr[i]
        custody += in_custody[i]
        community += active[i] & ~in_custody[i]
    return (
        n_supervised, need, n_identified, known, known_tested, treated, n_waiting, on_drr, custody, community - n_supervised,
        treated_after, users, treated_users,
    )


@numba.njit(cache=True)
def _region_stocks(supervised, in_treatment, waiting, region, caseload, employed, region_of, n_regions):  # pragma: no cover - compiled
    """:data:`REGION_STOCKS` by region: people on probation in treatment, people waiting,
    and the mean caseload of the practitioners employed."""
    out = np.zeros((len(REGION_STOCKS), n_regions))
    for i in rows_where(in_treatment):  # few of everyone: found a word of eight flags at a time
        out[0, region[i]] += supervised[i]
    for i in rows_where(waiting):
        out[1, region[i]] += 1
    staff = np.zeros(n_regions)
    for s in range(caseload.size):
        if employed[s]:
            out[2, region_of[s]] += caseload[s]
            staff[region_of[s]] += 1
    for r in range(n_regions):
        out[2, r] = out[2, r] / staff[r] if staff[r] else 0.0
    return out


STAFF_STOCKS = ("practitioners", "caseload_mean", "caseload_max", "caseload_over_cap", "caseload_over_70")


@numba.njit(cache=True)
def _staff_stocks(caseload, employed, cap):  # pragma: no cover - compiled
    """Counts of :data:`STAFF_STOCKS`: practitioners employed, their mean and largest
    caseload, and how many hold more than the cap and more than 70 cases."""
    staff, total, largest, over_cap, over_70 = 0, 0, 0, 0, 0
    for s in range(caseload.size):
        if employed[s]:
            staff += 1
            total += caseload[s]
            largest = max(largest, caseload[s])
            over_cap += caseload[s] > cap
            over_70 += caseload[s] > 70
    return staff, total / staff if staff else 0.0, largest, over_cap, over_70


# What the week of the people followed after supervision counts (model.processes.after_supervision.live).
AFTER_COUNTS = (
    "treatment_completions_after_supervision", "treatment_dropouts_after_supervision", "remissions_after_supervision",
    "relapses_after_supervision", "desistances",
)
# What the compiled week returns: counts (whole numbers) and values, in this order (offences
# so far the proven ones); then what Python adds: offences never proven
# (Offending.add_offences_from_rates) and workforce changes.
WEEK_COUNTS = (
    "court_starts", "prison_releases", "entries", "returns_from_custody", "pre_sentence_reports", "drug_assessments",
    "drrs_issued", "drr_referrals", "releases_in_treatment", "release_pickups", "identifications", "referrals",
    "treatment_starts", "treatment_dropouts", "treatment_completions", "drr_treatment_starts", "release_retained_12w",
    "waiting_give_ups", "drr_completions", "drr_revocations", "tests", "positive_tests", "remissions", "relapses",
    "offences_acquisitive", "offences_other", "proven_reoffences", "deaths", "drug_deaths", "deaths_after_supervision",
    "drug_deaths_after_supervision", "breaches", "resentenced", "exits", "orders_ended", "drr_ended_early", "recalls",
    "custody_receptions", "treatment_ended_by_exit", "waiting_ended_by_exit", *AFTER_COUNTS, "deaths_followed", "returns_on_new_order",
    "moved_after_supervision", *PEOPLE_STOCKS, "after_supervision", "problematic_after_supervision", "problematic_users",
    "problematic_users_in_treatment", STAFF_STOCKS[0],
    *STAFF_STOCKS[2:],
)
FOLLOWED_UP = WEEK_COUNTS.index("followed_up")
WEEK_VALUES = (STAFF_STOCKS[1], "offences_foregone_in_custody_acquisitive", "offences_foregone_in_custody_other")
PYTHON_FLOWS = (
    "practitioners_hired", "practitioners_trained", "offences_acquisitive_after_supervision", "offences_other_after_supervision",
    "proven_reoffences_after_supervision",
)
_PYTHON_ZEROS = (0,) * len(PYTHON_FLOWS)


@numba.njit(cache=True, nogil=True)
def _week(
    people, free_rows, counters, resets, row_of_uid, n_court, n_release, u, length_gamma, risk_gamma, region_cumulative,
    same_provider, caseload, employed, staff, region_of, trained, places, quality, cohort_starts, cohort_reoffenders,
    treatment_outcomes, followed, pairs_out, pairs_back, tallies, stream_bases, week, P,
):  # pragma: no cover - compiled
    """One week of the nine processes, in order, compiled as one call (see
    :meth:`ProbationModel.step`), then the rows of people who left are freed and the stocks
    counted. ``n_court`` to ``risk_gamma`` are the week's new people and their random numbers
    (:meth:`model.processes.intake.Intake.week_draws`); ``followed`` is the population
    followed after supervision (its free rows, counters, columns and calendar:
    :attr:`model.processes.after_supervision.AfterSupervision.state`) and ``pairs_out`` and
    ``pairs_back`` the blocks of the two populations, to copy people from the caseload's and
    back. Returns 0 and the :data:`WEEK_COUNTS` and
    :data:`WEEK_VALUES` (offences counted are the proven ones so far), the summed weekly
    offending rates for the offences never proven and the :data:`REGION_STOCKS` by region;
    or, having changed nothing, the number of
    new people when there are fewer free rows than that (the caller makes room and begins
    the week again)."""
    n = n_court + n_release
    if n > counters[N_FREE] or counters[NEXT_UID] + n > row_of_uid.size:
        return n, np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), np.zeros((0, 0))
    o = np.empty(stream_bases.size, dtype=np.uint64)
    for k in range(stream_bases.size):
        o[k] = origin_of(stream_bases[k], week)
    first = KERNEL_CALLS
    schedule = o[SCHEDULE_STREAM]
    # 10 after supervision (first, so that people brought back on new orders join this week's court starts)
    returning, after = live(followed, row_of_uid, tallies, treatment_outcomes, o[AFTER_STREAM], quality, week, P)
    returning = returning[: min(returning.size, n_court)]
    after_rates = followed[2][RATE_TOTALS].copy()  # for their offences never proven
    # 1 intake from court and prison (courts' stream calls 1-4, release 1-7)
    new = _take(n, free_rows, counters, resets, people[UID], people[ACTIVE], row_of_uid)
    if week >= 0:
        cohort_starts[week] += n
    arrived, returns, sentenced, continuity = arrivals(
        people, new, n_court, False, u, length_gamma, risk_gamma, region_cumulative, same_provider, o[COURTS_STREAM], first,
        o[RELEASE_STREAM], first, salt_of(schedule, first + 1), followed, returning, pairs_back, row_of_uid, tallies, week, P,
    )
    # 2 allocation to practitioners, and their workload and skill factors
    allocate_rows(
        arrived, salt_of(o[ALLOCATION_STREAM], first + 1), people[UID], people[REGION], people[PRACTITIONER], staff, region_of,
        caseload, int(P[0].caseload_cap), places.size,
    )
    workload, skill = factors(caseload, employed, trained, P)
    # 3 identification and referral
    identifications, referrals = identify_and_refer(people, skill, o[SUPERVISION_STREAM], first, week, P)
    # 4 treatment admission, drop-out and completion; then the courts' review of DRRs
    admitted, dropouts, completions, drr_starts, retained, give_ups = treat(
        people, places, treatment_outcomes, o[TREATMENT_STREAM], first, salt_of(schedule, first + 2), quality, week, P,
    )
    drr_completions, drr_revocations = review(people, salt_of(o[COURTS_STREAM], first + 5), week, P)
    # 5 drug testing
    tests, positive, referrals_after_test = test(people, workload, o[TESTING_STREAM], first, week, P)
    # 6 drug use transitions
    changed, remissions = transitions(people, salt_of(o[DRUG_USE_STREAM], first + 1), salt_of(schedule, first + 3), week, P)
    # 7 offending, breach and recall
    rates = people[RATE_TOTALS].copy()  # for the offences never proven (Offending.add_offences_from_rates)
    compliance_salt = salt_of(o[COMPLIANCE_STREAM], first + 1)
    proven_acquisitive, proven, _ = offend(
        people, cohort_reoffenders, treatment_outcomes, o[OFFENDING_STREAM], first, compliance_salt, week, P,
    )
    # 8 deaths (of the people followed after supervision too)
    deaths, drug_deaths, deaths_after, drug_deaths_after = die(people, o[DEATHS_STREAM], first, week, P)
    # 9 exits, and people whose follow-up is over join those followed after supervision
    removed, moving, exited = leave(people, caseload, o[EXITS_STREAM], first, salt_of(schedule, first + 4), week, P)
    move_in(people, moving, followed, pairs_out, tallies, o[AFTER_STREAM], quality, week, P)
    _vacate(people, np.concatenate((removed, moving)), row_of_uid, free_rows, counters)
    staff_stocks = _staff_stocks(caseload, employed, P[0].caseload_cap)
    stocks = _stocks(people)
    regional = _region_stocks(
        people[SUPERVISED], people[IN_TREATMENT], people[WAITING], people[REGION], caseload, employed, region_of, places.size,
    )
    # live's counts: completions, drop-outs, remissions, relapses, desistances, deaths, drug deaths, deaths in treatment
    died = (deaths, drug_deaths, deaths_after + after[5], drug_deaths_after + after[6])
    ended_by_exit = exited[7] + after[7]  # treatments ended by custody or death, in either population
    counts = np.array((
        n_court, n_release, n + returns, returns, *sentenced, *continuity, identifications, referrals + referrals_after_test,
        admitted + continuity[1], dropouts, completions, drr_starts, retained, give_ups, drr_completions, drr_revocations,
        tests, positive, remissions, changed - remissions, proven_acquisitive, proven - proven_acquisitive, proven, *died,
        *exited[:7], ended_by_exit, exited[8], *after[:5], after[5], returning.size, moving.size, *stocks[:10],
        stocks[10] + tallies[IN_TREATMENT_AFTER], followed[0].size - followed[1][N_FREE], tallies[PROBLEMATIC_AFTER],
        stocks[11] + tallies[PROBLEMATIC_AFTER], stocks[12] + tallies[PROBLEMATIC_IN_TREATMENT_AFTER],
        staff_stocks[0], staff_stocks[2], staff_stocks[3], staff_stocks[4],
    ))
    values = np.array((staff_stocks[1], *foregone_in_custody(people, P)))
    return 0, counts, values, np.concatenate((rates, after_rates)), regional


class WeeklyCollector(mesa.DataCollector):
    """Mesa's ``DataCollector`` with the same frames and API, collecting the week's record
    directly: its values are plain numbers, so the reporter call and deep copy per column
    that Mesa makes for arbitrary reporters are not needed."""

    def collect(self, model: ProbationModel, time: float | None = None) -> None:
        """Collect ``model.record``, the week recorded, at ``time`` (the model's time when
        the week was simulated; by default now)."""
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time if time is None else time)
        for name, values in self.model_vars.items():
            values.append(model.record[name])

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """Mesa's frame, each column made an array first (the same types as pandas infers
        from the lists, in a third of the time: an analysis builds thousands of frames)."""
        if not any(self.model_vars.values()):
            return super().get_model_vars_dataframe()
        return pd.DataFrame({name: np.array(values) for name, values in self.model_vars.items()})


def _rows_to_spare(expected: float) -> int:
    """Free rows to have ready for a week of ``expected`` new people: ten standard
    deviations more (more new people than that are all but impossible, and the week then
    begins again with room for them)."""
    return int(expected + 10 * np.sqrt(expected)) + 64


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    if array.size >= size:
        return array
    grown = np.zeros(max(size, 2 * array.size), dtype=array.dtype)
    grown[: array.size] = array
    return grown
