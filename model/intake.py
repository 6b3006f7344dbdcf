"""Process 1: intake of new people from the courts and from prison.

Each week a Poisson number of court orders start and of prisoners are released onto
licence. The new people get their characteristics here; the courts
(:mod:`model.courts`) then decide reports and DRRs, and the release process
(:mod:`model.release`) decides treatment continuity.
"""

from __future__ import annotations

import numba
import numpy as np

from .people import COMMUNITY_ORDER, LICENCE, NO_USE, NONPROBLEMATIC, PROBLEMATIC, SUSPENDED_SENTENCE
from .process import Process


class Intake(Process):
    name = "intake"

    def __init__(self, model):
        super().__init__(model)
        cumulative = np.cumsum(model.region_shares)
        self.region_cumulative = cumulative[:-1] / cumulative[-1]  # region r when a uniform number falls in its band

    def step(self) -> None:
        m, p = self.model, self.model.p
        m.exits.release_from_custody()
        n_court = self.rng.poisson(p.court_order_starts_per_year * m.scale / 52)
        n_release = self.rng.poisson(p.prison_releases_per_year * m.scale / 52)
        court, released = self.new_people(n_court, n_release)
        m.count("entries", n_court + n_release)
        m.count("court_starts", n_court)
        m.count("prison_releases", n_release)
        m.record_cohort_starts(n_court + n_release)

    def new_people(self, n_court: int, n_release: int, in_progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Add people starting court orders and licences; returns the rows of each group.

        ``in_progress`` makes people part-way through their orders (the starting caseload):
        lengths are then length-biased and the weeks already served uniform within them.
        """
        m, p, rng, people = self.model, self.model.p, self.rng, self.people
        n = n_court + n_release
        idx = people.add(n)
        shape = p.duration_gamma_shape
        _characteristics(
            idx, n_court, in_progress, rng.random((n, 9)), rng.gamma(shape + (1 if in_progress else 0), 1.0, n),
            rng.gamma(p.risk_gamma_shape, 1.0 / p.risk_gamma_shape, n), self.region_cumulative, people.supervised,
            people.region, people.female, people.route, people.start_week, people.end_week, people.release_week,
            people.drug_use, people.ocu, people.severity, people.risk, m.week, p.female_share, p.sso_share_of_court_orders,
            shape, p.court_order_mean_weeks, p.licence_extra_mean_weeks, p.licence_minimum_weeks, p.problematic_use_court,
            p.problematic_use_release, p.nonproblematic_use_share, p.ocu_share_of_problematic,
        )
        court, released = idx[:n_court], idx[n_court:]
        m.courts.sentence(court)
        m.release.arrange(released)
        m.offending.reschedule(idx)
        return court, released

    def initial_population(self, n: int) -> None:
        """The caseload at the start of the warm-up: people part-way through their orders."""
        p = self.model.p
        court_weeks = p.court_order_starts_per_year * p.court_order_mean_weeks
        licence_weeks = p.prison_releases_per_year * (p.licence_minimum_weeks + p.licence_extra_mean_weeks)
        n_court = self.rng.binomial(n, court_weeks / (court_weeks + licence_weeks))
        self.new_people(n_court, n - n_court, in_progress=True)


@numba.njit(cache=True)
def _characteristics(
    idx, n_court, in_progress, u, length_gamma, risk_gamma, region_cumulative, supervised, region, female, route,
    start_week, end_week, release_week, drug_use, ocu, severity, risk, week, female_share, sso_share, duration_shape,
    court_order_mean_weeks, licence_extra_mean_weeks, licence_minimum_weeks, problematic_court, problematic_release,
    nonproblematic_share, ocu_share,
):  # pragma: no cover - compiled
    """Characteristics of new people: the first ``n_court`` start court orders, the rest
    licences. Order lengths are gamma distributed (a licence has a minimum); ``u`` holds
    nine uniform numbers per person (region, sex, suspended sentence, weeks served, drug
    use, opiate or crack use, and three whose median, Beta(2, 2), sets severity)."""
    for j in range(idx.size):
        i = idx[j]
        from_prison = j >= n_court
        supervised[i] = True
        region[i] = np.searchsorted(region_cumulative, u[j, 0], side="right")
        female[i] = u[j, 1] < female_share
        route[i] = LICENCE if from_prison else (SUSPENDED_SENTENCE if u[j, 2] < sso_share else COMMUNITY_ORDER)
        mean = licence_extra_mean_weeks if from_prison else court_order_mean_weeks
        length = length_gamma[j] * mean / duration_shape + (licence_minimum_weeks if from_prison else 0.0)
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
