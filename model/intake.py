"""Process 1: intake of new people from the courts and from prison.

Each week a Poisson number of court orders start and of prisoners are released onto
licence. The new people get their characteristics here; the courts
(:mod:`model.courts`) then decide reports and DRRs, and the release process
(:mod:`model.release`) decides treatment continuity.
"""

from __future__ import annotations

import numpy as np

from .people import COMMUNITY_ORDER, LICENCE, NONPROBLEMATIC, PROBLEMATIC, SUSPENDED_SENTENCE
from .process import Process


# fields that new_people sets for every new person (Population.add need not reset them)
ASSIGNED = frozenset({
    "supervised", "region", "female", "route", "start_week", "end_week", "drug_use", "ocu", "severity", "risk",
    "rate_acquisitive", "rate_drug_driven", "rate_other", "next_proven_offence",
})


class Intake(Process):
    name = "intake"

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
        idx = people.add(n, assigned=ASSIGNED)
        court, released = idx[:n_court], idx[n_court:]
        from_prison = np.arange(n) >= n_court
        people.supervised[idx] = True
        people.region[idx] = rng.choice(len(m.regions), n, p=m.region_shares)
        people.female[idx] = rng.random(n) < p.female_share
        sso = rng.random(n) < p.sso_share_of_court_orders
        people.route[idx] = np.where(from_prison, LICENCE, np.where(sso, SUSPENDED_SENTENCE, COMMUNITY_ORDER))

        k = p.duration_gamma_shape + (1 if in_progress else 0)
        mean = np.where(from_prison, p.licence_extra_mean_weeks, p.court_order_mean_weeks)
        length = rng.gamma(k, 1.0, n) * mean / p.duration_gamma_shape + np.where(from_prison, p.licence_minimum_weeks, 0)
        length = np.maximum(np.rint(length), 1).astype(np.int32)
        served = np.floor(rng.random(n) * length).astype(np.int32) if in_progress else 0
        people.start_week[idx] = m.week - served
        people.end_week[idx] = people.start_week[idx] + length
        people.release_week[released] = people.start_week[released]

        problematic_share = np.where(from_prison, p.problematic_use_release, p.problematic_use_court)
        nonproblematic_share = np.minimum(p.nonproblematic_use_share, 1 - problematic_share)
        u = rng.random(n)
        people.drug_use[idx] = np.where(u < problematic_share, PROBLEMATIC, np.where(u < problematic_share + nonproblematic_share, NONPROBLEMATIC, 0))
        people.ocu[idx] = (people.drug_use[idx] == PROBLEMATIC) & (rng.random(n) < p.ocu_share_of_problematic)
        people.severity[idx] = 0.5 + rng.beta(2.0, 2.0, n)
        people.risk[idx] = rng.gamma(p.risk_gamma_shape, 1.0 / p.risk_gamma_shape, n)
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
