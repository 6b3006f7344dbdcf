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


class Intake(Process):
    name = "intake"

    def step(self) -> None:
        m, p = self.model, self.model.p
        n_court = self.rng.poisson(p.court_order_starts_per_year * m.scale / 52)
        n_release = self.rng.poisson(p.prison_releases_per_year * m.scale / 52)
        court = self.new_people(n_court, from_prison=False)
        m.courts.sentence(court)
        released = self.new_people(n_release, from_prison=True)
        m.release.arrange(released)
        m.count("entries", n_court + n_release)
        m.count("court_starts", n_court)
        m.count("prison_releases", n_release)
        m.record_cohort_starts(np.concatenate([court, released]))

    def new_people(self, n: int, from_prison: bool, elapsed: np.ndarray | None = None) -> np.ndarray:
        """Add ``n`` people starting supervision this week (or ``elapsed`` weeks ago)."""
        m, p, rng, people = self.model, self.model.p, self.rng, self.people
        idx = people.add(n)
        people.supervised[idx] = True
        people.region[idx] = rng.choice(len(m.regions), n, p=m.region_shares)
        people.female[idx] = rng.random(n) < p.female_share
        if from_prison:
            people.route[idx] = LICENCE
            length = p.licence_minimum_weeks + self._gamma_weeks(n, p.licence_extra_mean_weeks, elapsed is not None)
            problematic_share = p.problematic_use_release
        else:
            sso = rng.random(n) < p.sso_share_of_court_orders
            people.route[idx] = np.where(sso, SUSPENDED_SENTENCE, COMMUNITY_ORDER)
            length = self._gamma_weeks(n, p.court_order_mean_weeks, elapsed is not None)
            problematic_share = p.problematic_use_court
        length = np.maximum(np.rint(length), 1).astype(np.int32)
        done = np.zeros(n, dtype=np.int32) if elapsed is None else np.minimum(elapsed(length), length - 1)
        people.start_week[idx] = m.week - done
        people.end_week[idx] = people.start_week[idx] + length
        if from_prison:
            people.release_week[idx] = people.start_week[idx]

        u = rng.random(n)
        nonproblematic_share = min(p.nonproblematic_use_share, 1 - problematic_share)
        people.drug_use[idx] = np.where(
            u < problematic_share, PROBLEMATIC, np.where(u < problematic_share + nonproblematic_share, NONPROBLEMATIC, 0)
        )
        people.ocu[idx] = (people.drug_use[idx] == PROBLEMATIC) & (rng.random(n) < p.ocu_share_of_problematic)
        people.severity[idx] = 0.5 + rng.beta(2.0, 2.0, n)
        k = p.risk_gamma_shape
        people.risk[idx] = rng.gamma(k, 1.0 / k, n)
        m.offending.reschedule(idx)
        return idx

    def _gamma_weeks(self, n: int, mean: float, length_biased: bool) -> np.ndarray:
        """Order lengths; a stock observed at one moment holds the longer orders more often."""
        k = self.model.p.duration_gamma_shape
        return self.rng.gamma(k + 1 if length_biased else k, mean / k, n)

    def initial_population(self, n: int) -> None:
        """The caseload at the start of the warm-up: people part-way through their orders."""
        p = self.model.p
        court_weeks = p.court_order_starts_per_year * p.court_order_mean_weeks
        licence_weeks = p.prison_releases_per_year * (p.licence_minimum_weeks + p.licence_extra_mean_weeks)
        n_court = self.rng.binomial(n, court_weeks / (court_weeks + licence_weeks))
        elapsed = lambda length: np.floor(self.rng.random(length.size) * length).astype(np.int32)  # noqa: E731
        court = self.new_people(n_court, from_prison=False, elapsed=elapsed)
        self.model.courts.sentence(court)
        released = self.new_people(n - n_court, from_prison=True, elapsed=elapsed)
        self.model.release.arrange(released)
