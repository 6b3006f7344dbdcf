"""Process 1: intake of new people from the courts and from prison.

Each week a Poisson number of court orders start and of prisoners are released onto
licence. The new people get their characteristics here; the courts
(:mod:`model.processes.courts`) then decide reports and DRRs, and the release process
(:mod:`model.processes.release`) decides treatment continuity.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import numba
import numpy as np

from .after_supervision import bring_back
from .courts import sentence
from .exits import back_on_licence
from .offending import reschedule_rows
from ..parameters import ParameterSet
from ..passes import PARALLEL_ROWS, every_core
from ..people import (
    COMMUNITY_ORDER, DRUG_USE, END_WEEK, FEMALE, LICENCE, NO_USE, NONPROBLEMATIC, OCU, PROBLEMATIC, REGION, RELEASE_WEEK,
    RISK, ROUTE, SEVERITY, START_WEEK, SUPERVISED, SUSPENDED_SENTENCE,
)
from ..process import Process
from .release import RELEASE_CALLS, arrange

# One thread per Python process draws new people weeks ahead while the model runs (large
# populations on more than one core only: see Intake.draw_ahead).
_AHEAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake-draws")


class Intake(Process):
    name = "intake"

    def __init__(self, model):
        super().__init__(model)
        cumulative = np.cumsum(model.region_shares)
        self.region_cumulative = cumulative[:-1] / cumulative[-1]  # region r when a uniform number falls in its band
        self._ahead: dict[int, tuple[ParameterSet, Future]] = {}  # draws under way: week -> (parameters, future)
        self.shared = SharedDraws()  # with the copies of this model (ProbationModel.with_levers)
        self._key_for: tuple[ParameterSet | None, tuple] = (None, ())  # the parameters of the last key, and the key

    def week_draws(self) -> tuple:
        """This week's numbers of court orders and licences starting, and the random numbers
        of their new people (:func:`weekly_draws`: they depend on the week and the parameters
        only): already drawn by a copy of this model (:class:`SharedDraws`), or drawn ahead
        on another thread (:meth:`draw_ahead`) if they could be, else now."""
        m = self.model
        key = self._key(m.week, m.p)
        draws = self.shared.take(key)
        if draws is None:
            job = self._ahead.pop(m.week, None)
            if job is not None and job[0] is m.p:
                draws = job[1].result()
            else:
                self._finish_ahead()  # the generator is free again
                draws = weekly_draws(self.rng, m.scale, m.p)
            self.shared.offer(key, draws)
        self.draw_ahead(m.week + 1)
        return draws

    def _key(self, week: int, p: ParameterSet) -> tuple:
        """What a week's draws depend on: the week, the scale and :data:`INTAKE_PARAMETERS`
        (the run's seed is the same for a model and its copies)."""
        if self._key_for[0] is not p:
            self._key_for = (p, (self.model.scale, *(p[name] for name in INTAKE_PARAMETERS)))
        return (week, *self._key_for[1])

    def draw_ahead(self, week: int) -> None:
        """Start drawing ``week``'s new people on another thread, for a large population on
        more than one core, if the levers then are those in force now (a copy of the model,
        or a week whose levers change, draws its own). The model asks two weeks ahead, as
        each week ends, so that the drawing is done before the next week's first parallel
        loop needs the second core (1.02 to 1.05 times faster than one week ahead, in paired
        runs at full scale)."""
        m = self.model
        if self.people.capacity < PARALLEL_ROWS or week in self._ahead or numba.get_num_threads() < 2:
            return
        if m.levers_active_in(week) != m.active_levers or self.shared.holds(self._key(week, m.p)):
            return
        apart, scale, p = self.chance.apart, m.scale, m.p
        self._ahead[week] = (p, _AHEAD.submit(lambda: weekly_draws(apart(week), scale, p)))

    def _finish_ahead(self) -> None:
        """Wait for the draws under way and forget them."""
        for _, future in self._ahead.values():
            future.result()
        self._ahead = {}

    def share_draws_with(self, original: Intake) -> None:
        """Take the weeks ``original``'s model (of which this model is a copy) draws, and
        give it this model's: they draw the same new people in every week in which the
        parameters that intake uses are the same."""
        self.shared = original.shared
        self.shared.models += 1

    def __getstate__(self) -> dict:
        """Copies and pickles draw their own weeks (a thread's future cannot be copied)."""
        self._finish_ahead()
        return {**self.__dict__, "_ahead": {}, "shared": SharedDraws(), "_key_for": (None, ())}

    def initial_population(self, n: int) -> None:
        """The caseload at the start of the warm-up: people part-way through their orders,
        each allocated a practitioner."""
        m, p = self.model, self.model.p
        court_weeks = p.court_order_starts_per_year * max(p.court_order_mean_weeks, 1.0)  # an order lasts a week at least
        licence_weeks = p.prison_releases_per_year * max(p.licence_minimum_weeks + p.licence_extra_mean_weeks, 1.0)
        rng = self.rng
        n_court = rng.binomial(n, court_weeks / (court_weeks + licence_weeks))
        courts, release = m.courts.chance, m.release.chance
        new = self.people.add(n)  # before the columns are read: adding may grow them
        followed = m.after.followed  # no one yet
        arrived, *_ = arrivals(
            self.people.arrays, new, n_court, True, *characteristics_draws(rng, n, True, p),
            self.region_cumulative, m.same_provider, courts.origin, courts.take(4), release.origin, release.take(RELEASE_CALLS),
            m.offending.schedule.salt(), m.after.state, np.zeros(0, np.int64),
            tuple(zip(followed.blocks, self.people.blocks)), self.people.row_of_uid, m.after.tallies, m.week, p.record,
        )
        m.allocation.allocate(arrived)


class SharedDraws:
    """The weeks of new people a model has drawn, kept for its copies that share its seed
    (:meth:`ProbationModel.with_levers`): a scenario and its baseline then draw each week's
    new people once (about 2.5% of a sensitivity-analysis evaluation, measured), with the
    same numbers as drawing them again. A week is kept until every copy has taken it (a
    week drawn while a copy's levers change what intake uses is taken by no other, and
    stays), up to :data:`HELD_PEOPLE` new people in all; beyond that the copies draw for
    themselves."""

    HELD_PEOPLE = 400_000  # about 35 MB of random numbers: the weeks of 1:10 scale for 20 years, of full scale for 2

    def __init__(self) -> None:
        self.models = 1  # the model and its copies taking draws from here
        self._weeks: dict[tuple, list] = {}  # key (Intake._key) -> [draws, copies still to take them]
        self._people = 0

    def offer(self, key: tuple, draws: tuple) -> None:
        """Keep a week the offering model has just drawn for the other models."""
        n = draws[0] + draws[1]
        if self.models > 1 and key not in self._weeks and self._people + n <= self.HELD_PEOPLE:
            self._weeks[key] = [draws, self.models - 1]
            self._people += n

    def take(self, key: tuple) -> tuple | None:
        """A week another model has drawn, or None."""
        held = self._weeks.get(key)
        if held is None:
            return None
        held[1] -= 1
        if held[1] == 0:
            del self._weeks[key]
            self._people -= held[0][0] + held[0][1]
        return held[0]

    def holds(self, key: tuple) -> bool:
        return key in self._weeks

    @property
    def held_people(self) -> int:
        """New people whose numbers are kept for copies that have not yet taken them."""
        return self._people


# The parameters new people's random numbers depend on (besides the week and the scale).
INTAKE_PARAMETERS = ("court_order_starts_per_year", "prison_releases_per_year", "duration_gamma_shape", "risk_gamma_shape")


def weekly_draws(rng: np.random.Generator, scale: float, p: ParameterSet) -> tuple:
    """A week's numbers of court orders starting and of prisoners released onto licence
    (Poisson), and the random numbers of their people (:func:`characteristics_draws`), from
    the intake process's generator for the week. (NumPy fills the arrays without holding
    Python's lock, so another thread can draw while the model runs.)"""
    court, release = expected_arrivals(scale, p)
    n_court, n_release = int(rng.poisson(court)), int(rng.poisson(release))
    return (n_court, n_release, *characteristics_draws(rng, n_court + n_release, False, p))


def expected_arrivals(scale: float, p: ParameterSet) -> tuple[float, float]:
    """The mean numbers of court orders starting and of prisoners released onto licence in
    a week, at the model's scale."""
    return p.court_order_starts_per_year * scale / 52, p.prison_releases_per_year * scale / 52


def characteristics_draws(rng: np.random.Generator, n: int, in_progress: bool, p: ParameterSet) -> tuple:
    """The random numbers of ``n`` new people's characteristics (see :func:`_characteristics`):
    nine uniform numbers each, and gamma numbers for order length and individual risk.
    ``in_progress`` people are part-way through their orders (the starting caseload), so
    their lengths are length-biased (shape one more)."""
    return (
        rng.random((n, 9)), rng.gamma(p.duration_gamma_shape + in_progress, 1.0, n),
        rng.gamma(p.risk_gamma_shape, 1.0 / p.risk_gamma_shape, n),
    )


@numba.njit(cache=True)
def arrivals(
    people, new, n_court, in_progress, u, length_gamma, risk_gamma, region_cumulative, same_provider_region, courts_origin,
    courts_first_call, release_origin, release_first_call, schedule_salt, followed, returning, pairs_back, row_of_uid,
    tallies, week, P,
):  # pragma: no cover - compiled
    """Everyone arriving this week: people whose custody ends come back on licence; new
    people (rows ``new``: the first ``n_court`` on court orders, then licences) get their
    characteristics, the first of the court orders going to people followed after
    supervision who come back (rows ``returning`` of ``followed``:
    :func:`model.processes.after_supervision.bring_back`), then sentencing (:func:`model.processes.courts.sentence`) or continuity at
    release (:func:`model.processes.release.arrange`); everyone's offending is scheduled. Returns the
    rows of everyone arriving, how many came back, the counts of pre-sentence reports,
    drug assessments, DRRs and DRRs referred to treatment, and of releases in treatment and
    prison leavers picked up by community treatment."""
    back = back_on_licence(people, week, P)
    _characteristics(
        people[SUPERVISED], people[REGION], people[FEMALE], people[ROUTE], people[START_WEEK], people[END_WEEK],
        people[RELEASE_WEEK], people[DRUG_USE], people[OCU], people[SEVERITY], people[RISK],
        new, n_court, in_progress, u, length_gamma, risk_gamma, region_cumulative, week, P,
    )
    bring_back(people, new[: returning.size], followed, returning, pairs_back, row_of_uid, tallies)
    sentenced = sentence(people, new[:n_court], courts_origin, courts_first_call, week, P)
    continuity = arrange(people, new[n_court:], release_origin, release_first_call, same_provider_region, week, P)
    arrived = np.concatenate((back, new))
    reschedule_rows(people, arrived, week, schedule_salt, P)
    return arrived, back.size, sentenced, continuity


@every_core
def _characteristics(
    supervised, region, female, route, start_week, end_week, release_week, drug_use, ocu, severity, risk,
    idx, n_court, in_progress, u, length_gamma, risk_gamma, region_cumulative, week, P,
):  # pragma: no cover - compiled
    """Characteristics of new people (rows ``idx``): the first ``n_court`` start court
    orders, the rest licences. Order lengths are gamma distributed (a licence has a
    minimum); ``u`` holds nine uniform numbers per person (region, sex, suspended sentence,
    weeks served, drug use, opiate or crack use, and three whose median, Beta(2, 2), sets
    severity). Each person's rows are scattered in memory, so at full scale two cores
    fill them side by side (see :mod:`model.passes`)."""
    p = P[0]  # the parameters the loop uses, read first (a record cannot pass into a parallel loop)
    female_share, sso_share, ocu_share = p.female_share, p.sso_share_of_court_orders, p.ocu_share_of_problematic
    licence_extra, court_order, shape = p.licence_extra_mean_weeks, p.court_order_mean_weeks, p.duration_gamma_shape
    licence_minimum, nonproblematic_share = p.licence_minimum_weeks, p.nonproblematic_use_share
    problematic_release, problematic_court = p.problematic_use_release, p.problematic_use_court
    for j in numba.prange(idx.size):
        i = idx[j]
        from_prison = j >= n_court
        supervised[i] = True
        region[i] = np.searchsorted(region_cumulative, u[j, 0], side="right")
        female[i] = u[j, 1] < female_share
        route[i] = LICENCE if from_prison else (SUSPENDED_SENTENCE if u[j, 2] < sso_share else COMMUNITY_ORDER)
        mean = licence_extra if from_prison else court_order
        length = length_gamma[j] * mean / shape + (licence_minimum if from_prison else 0.0)
        weeks = max(int(np.rint(length)), 1)
        served = int(np.floor(u[j, 3] * weeks)) if in_progress else 0
        start_week[i] = week - served
        end_week[i] = week - served + weeks
        if from_prison:
            release_week[i] = week - served
        problematic = problematic_release if from_prison else problematic_court
        use = u[j, 4]
        drug_use[i] = PROBLEMATIC if use < problematic else (
            NONPROBLEMATIC if use < problematic + min(nonproblematic_share, 1 - problematic) else NO_USE
        )
        ocu[i] = drug_use[i] == PROBLEMATIC and u[j, 5] < ocu_share
        a, b, c = u[j, 6], u[j, 7], u[j, 8]
        severity[i] = 0.5 + max(min(a, b), min(max(a, b), c))  # the median of three uniforms is Beta(2, 2)
        risk[i] = risk_gamma[j]
