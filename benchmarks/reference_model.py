"""A per-agent reference implementation of the model's weekly rules, for the speed benchmark.

Every person on probation is a ``mesa.Agent`` stepped by ``model.agents.shuffle_do``, with
scalar Python draws: the way a Mesa model is usually written. It follows the same
parameters and the same nine processes as :class:`model.ProbationModel` (without the
policy levers, regional staffing detail and reporting), so the two do comparable work.
It is not used for results.
"""

from __future__ import annotations

import math

import mesa

from model import ParameterSet
from model.regions import load_regions

NO_USE, NONPROBLEMATIC, PROBLEMATIC = 0, 1, 2


class Person(mesa.Agent):
    def __init__(self, model: ReferenceModel, from_prison: bool, served: int = 0):
        super().__init__(model)
        p, r = model.p, model.random
        self.region = r.choices(range(len(model.shares)), weights=model.shares)[0]
        self.from_prison = from_prison
        mean = p.licence_extra_mean_weeks if from_prison else p.court_order_mean_weeks
        k = p.duration_gamma_shape
        length = max(1, round(r.gammavariate(k, mean / k) + (p.licence_minimum_weeks if from_prison else 0)))
        self.weeks_left = max(1, length - served)
        self.weeks_since_release = served if from_prison else 10**6
        share = p.problematic_use_release if from_prison else p.problematic_use_court
        u = r.random()
        self.use = PROBLEMATIC if u < share else NONPROBLEMATIC if u < share + p.nonproblematic_use_share else NO_USE
        self.ocu = self.use == PROBLEMATIC and r.random() < p.ocu_share_of_problematic
        self.severity = 0.5 + r.betavariate(2, 2)
        self.risk = r.gammavariate(p.risk_gamma_shape, 1 / p.risk_gamma_shape)
        self.identified = self.waiting = self.in_treatment = self.ost = False
        self.weeks_in_treatment = 0
        self.weeks_since_test = 10**6
        self.practitioner = None
        if from_prison and self.use != NO_USE and r.random() < p.in_treatment_at_release_problematic:
            self.identified = True
            if r.random() < p.pickup_with_appointment * p.release_appointment + p.pickup_without_appointment * (1 - p.release_appointment):
                self.waiting = True
        elif self.use == PROBLEMATIC and r.random() < p.psr_share * p.psr_drug_assessment:
            self.identified = True

    def step(self) -> None:
        m, p, r = self.model, self.model.p, self.model.random
        if self.practitioner is None:
            m.allocate(self)
        skill = m.skill(self)
        # supervision
        if self.use == PROBLEMATIC and not self.identified and r.random() < p.identify_per_week * skill:
            self.identified = True
        if self.use == PROBLEMATIC and self.identified and not (self.in_treatment or self.waiting):
            if r.random() < p.refer_per_week * skill:
                self.waiting = True
        # treatment
        if self.in_treatment:
            self.weeks_in_treatment += 1
            early = self.weeks_in_treatment < 12
            dropout = p.dropout_early_per_week if early else p.dropout_late_per_week
            u = r.random()
            if u < dropout:
                self.leave_treatment()
            elif self.weeks_in_treatment >= p.completion_min_weeks and u < dropout + p.completion_per_week:
                self.leave_treatment()
                self.use = NONPROBLEMATIC
        # testing
        self.weeks_since_test += 1
        if self.identified and r.random() < p.test_per_week * min(1.0, skill):
            self.weeks_since_test = 0
            if self.use != NO_USE and r.random() < p.test_sensitivity and not self.in_treatment and r.random() < p.refer_after_positive:
                self.waiting = True
        # drug use
        if self.use == PROBLEMATIC:
            remit = p.remission_in_treatment_per_week if self.in_treatment else p.remission_untreated_per_week
            if self.weeks_since_test < 4:
                remit *= 1 + p.testing_deterrence
            if r.random() < remit:
                self.use = NONPROBLEMATIC
        elif self.use == NONPROBLEMATIC and r.random() < p.relapse_per_week:
            self.use = PROBLEMATIC
        # offending
        drug = 0.0
        if self.use == PROBLEMATIC:
            drug = p.acquisitive_multiplier_problematic * self.severity * (p.acquisitive_multiplier_ocu if self.ocu else 1.0)
            drug *= (1 - p.treatment_offending_reduction) if self.in_treatment else 1.0
        acquisitive = p.acquisitive_per_year * self.risk / 52 * (1 + drug)
        other = p.other_per_year * self.risk / 52 * (p.other_multiplier_problematic if self.use == PROBLEMATIC else 1.0)
        offences = _poisson(r, acquisitive + other)
        m.offences += offences
        proven = any(r.random() < p.proven_share_other for _ in range(offences))
        recalled = proven and self.from_prison and r.random() < p.recall_on_proven
        base = p.recall_noncompliance_per_week if self.from_prison else p.breach_noncompliance_per_week
        if self.use == PROBLEMATIC and not self.in_treatment:
            base *= p.noncompliance_multiplier_problematic
        recalled = recalled or r.random() < base
        # deaths
        self.weeks_since_release += 1
        hazard = p.other_death_per_year / 52
        if self.use == PROBLEMATIC:
            rr = p.drug_death_rr_weeks_1_2 * p.drug_death_rr_weeks_3_12 if self.weeks_since_release < 2 else 1.0
            hazard += p.drug_death_per_year_problematic / 52 * self.severity * rr * (p.ost_death_rr if self.ost else 1.0)
        died = r.random() < hazard
        # exits
        self.weeks_left -= 1
        if died or recalled or self.weeks_left <= 0:
            m.exit(self)

    def leave_treatment(self) -> None:
        self.in_treatment = self.ost = False
        self.weeks_in_treatment = 0
        self.model.occupied[self.region] -= 1


def _poisson(r, mean: float) -> int:
    """Knuth's method: fine for the small weekly means here."""
    limit, k, product = math.exp(-mean), 0, r.random()
    while product > limit:
        k += 1
        product *= r.random()
    return k


class ReferenceModel(mesa.Model):
    """One Mesa agent per person; the same weekly rules in scalar Python."""

    def __init__(self, scale: float = 1.0, seed: int = 1):
        super().__init__(rng=seed)
        self.p = p = ParameterSet.load()
        self.scale = scale
        regions = load_regions()
        self.shares = [r.caseload_share for r in regions]
        n_staff = [max(1, round(p.supervised_initial * scale * s / p.practitioner_mean_caseload)) for s in self.shares]
        self.caseloads = [[0] * n for n in n_staff]
        self.places = [round(p.treatment_places * scale * s) for s in self.shares]
        self.occupied = [0] * len(regions)
        self.offences = 0
        court_share = p.court_order_starts_per_year * p.court_order_mean_weeks / (
            p.court_order_starts_per_year * p.court_order_mean_weeks
            + p.prison_releases_per_year * (p.licence_minimum_weeks + p.licence_extra_mean_weeks)
        )
        for _ in range(round(p.supervised_initial * scale)):
            from_prison = self.random.random() > court_share
            Person(self, from_prison, served=self.random.randrange(52))

    def allocate(self, person: Person) -> None:
        loads = self.caseloads[person.region]
        open_ = [i for i, load in enumerate(loads) if load < self.p.caseload_cap]
        person.practitioner = self.random.choice(open_) if open_ else self.random.randrange(len(loads))
        loads[person.practitioner] += 1

    def skill(self, person: Person) -> float:
        load = self.caseloads[person.region][person.practitioner]
        return min(1.0, self.p.caseload_cap / max(load, 1)) ** self.p.workload_elasticity

    def exit(self, person: Person) -> None:
        self.caseloads[person.region][person.practitioner] -= 1
        if person.in_treatment:
            person.leave_treatment()
        person.remove()

    def step(self) -> None:
        p, rng = self.p, self.rng
        for _ in range(rng.poisson(p.court_order_starts_per_year * self.scale / 52)):
            Person(self, from_prison=False)
        for _ in range(rng.poisson(p.prison_releases_per_year * self.scale / 52)):
            Person(self, from_prison=True)
        self.agents.shuffle_do("step")
        for person in self.agents:
            if person.waiting and self.occupied[person.region] < self.places[person.region]:
                person.waiting, person.in_treatment = False, True
                person.ost = person.ocu and self.random.random() < p.ost_in_treatment
                self.occupied[person.region] += 1

    @property
    def supervised(self) -> int:
        return len(self.agents)
