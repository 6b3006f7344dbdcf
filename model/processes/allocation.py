"""Process 2: the workforce, and allocation of each new person to a practitioner.

Each region employs practitioners in proportion to its caseload share, its staffing ratio
(shortfalls are regional) and any extra practitioners funded by a policy lever. The
allocation rule, explicit because the inspection's finding depends on it: a new case goes
to a practitioner in the person's region who is below the caseload cap, each free place
equally likely; when every practitioner in the region is at or above the cap, the case goes
to any practitioner in the region at random, so caseloads rise above the cap.

This process also sets each practitioner's workload factor, which scales the chance of
identifying need, referring and arranging tests at every caseload (:func:`workload_factor`):
1 at today's mean caseload, higher below it, lower above it, and falling faster past 70
cases.
"""

from __future__ import annotations

import numba
import numpy as np

from ..agents import Practitioner
from ..process import Process
from ..regions import apportion
from ..streams import draw


class Allocation(Process):
    name = "allocation"

    def __init__(self, model):
        super().__init__(model)
        model.caseload = np.zeros(0, dtype=np.int32)
        self.region_of = np.zeros(0, dtype=np.int16)
        self.trained = np.zeros(0, dtype=bool)
        self.employed = np.zeros(0, dtype=bool)
        self.agents: list[Practitioner | None] = []
        self._synced_for = None  # the parameter set the workforce was last matched to
        self._staff: np.ndarray | None = None  # see staff_by_region

    # ------------------------------------------------------------------ workforce
    def staff_targets(self) -> np.ndarray:
        """Practitioners wanted in each region under this week's parameters."""
        m, p = self.model, self.model.p
        cases = p.supervised_initial * m.scale * m.region_shares
        wanted = cases / p.practitioner_mean_caseload * m.staffing_ratios + p.extra_practitioners * m.scale * m.region_shares
        return np.maximum(apportion(wanted), 1)

    def sync_workforce(self) -> None:
        """Hire or release practitioners to meet the targets; train to the trained share.
        Both depend only on the week's parameters, so this runs when they change."""
        targets = self.staff_targets()
        employed_by_region = np.bincount(self.region_of[self.employed], minlength=targets.size)
        for region, (have, want) in enumerate(zip(employed_by_region, targets)):
            if want > have:
                self._hire(region, want - have)
            elif want < have:
                self._release(region, have - want)
        self._train_to_share(self.model.p.trained_share)
        self._synced_for = self.model.p

    def _hire(self, region: int, n: int) -> None:
        start = self.region_of.size
        self.region_of = np.concatenate([self.region_of, np.full(n, region, dtype=np.int16)])
        self.trained = np.concatenate([self.trained, np.zeros(n, dtype=bool)])
        self.employed = np.concatenate([self.employed, np.ones(n, dtype=bool)])
        self._staff = None
        self.model.caseload = np.concatenate([self.model.caseload, np.zeros(n, dtype=np.int32)])
        for index in range(start, start + n):
            self.agents.append(Practitioner(self.model, index, region, trained=False))
        self.model.count("practitioners_hired", n)
        if start > 0:
            self._rebalance(region)

    def _release(self, region: int, n: int) -> None:
        """The most recently hired leave first; their cases are reallocated."""
        people = self.people
        leaving = np.flatnonzero(self.employed & (self.region_of == region))[-n:]
        self.employed[leaving] = False
        self._staff = None
        self.trained[leaving] = False
        for index in leaving:
            self.agents[index].remove()
            self.agents[index] = None
        orphans = np.flatnonzero(people.supervised & np.isin(people.practitioner, leaving))
        people.practitioner[orphans] = -1
        self.model.caseload[leaving] = 0
        self.allocate(orphans)

    def _train_to_share(self, share: float) -> None:
        employed = np.flatnonzero(self.employed)
        wanted = int(round(share * employed.size))
        untrained = employed[~self.trained[employed]]
        shortfall = wanted - (employed.size - untrained.size)
        if shortfall > 0:
            newly = self.rng.choice(untrained, shortfall, replace=False)
            self.trained[newly] = True
            for index in newly:
                self.agents[index].trained = True
            self.model.count("practitioners_trained", shortfall)

    def _rebalance(self, region: int) -> None:
        """Move cases above the cap from overloaded practitioners to those with room."""
        people, cap = self.people, int(self.model.p.caseload_cap)
        caseload = self.model.caseload
        over = np.flatnonzero(self.employed & (self.region_of == region) & (caseload > cap))
        if over.size == 0:
            return
        cases = np.flatnonzero(people.supervised & np.isin(people.practitioner, over))
        cases = cases[self.rng.permutation(cases.size)]
        holder = people.practitioner[cases]
        staff = np.flatnonzero(self.employed & (self.region_of == region))
        room = int(np.maximum(cap - caseload[staff], 0).sum())
        moving = cases[_rank_within_groups(holder) >= cap][:room]
        caseload -= np.bincount(people.practitioner[moving], minlength=caseload.size).astype(np.int32)
        people.practitioner[moving] = -1
        self.allocate(moving)

    # ------------------------------------------------------------------ allocation
    def allocate(self, idx: np.ndarray) -> None:
        """Give each person in ``idx`` a practitioner in their region by the allocation rule."""
        if idx.size == 0:
            return
        people = self.people
        allocate_rows(
            idx, self.chance.salt(), people.uid, people.region, people.practitioner, self.staff_by_region(), self.region_of,
            self.model.caseload, int(self.model.p.caseload_cap), len(self.model.regions),
        )

    def staff_by_region(self) -> np.ndarray:
        """The employed practitioners, region by region (kept until the workforce changes)."""
        if self._staff is None:
            staff = np.flatnonzero(self.employed)
            self._staff = staff[np.argsort(self.region_of[staff], kind="stable")]
        return self._staff

    def prepare_week(self) -> None:
        """Match the workforce to the week's parameters when they have changed."""
        if self.model.p is not self._synced_for:
            self.sync_workforce()

    def release_cases(self, idx: np.ndarray) -> None:
        """People leaving supervision come off their practitioner's caseload."""
        holders = self.people.practitioner[idx]
        holders = holders[holders >= 0]
        self.model.caseload -= np.bincount(holders, minlength=self.model.caseload.size).astype(np.int32)
        self.people.practitioner[idx] = -1

    @property
    def n_employed(self) -> int:
        return int(self.employed.sum())


OVER_70 = 70  # caseloads past which the seeds find all the work damaged (seeds 000-002)


@numba.njit(cache=True)
def workload_factor(cases, reference, elasticity, elasticity_over_70):  # pragma: no cover - compiled
    """``(reference / cases) ** elasticity``, times ``(70 / cases) ** elasticity_over_70``
    past 70 cases; an empty caseload counts as one case."""
    cases = max(cases, 1)
    factor = (reference / cases) ** elasticity
    if cases > OVER_70:
        factor *= (OVER_70 / cases) ** elasticity_over_70
    return factor


@numba.njit(cache=True)
def factors(caseload, employed, trained, P):  # pragma: no cover - compiled
    """Each practitioner's workload factor (:func:`workload_factor` of their caseload against
    today's mean, ``practitioner_mean_caseload``; 0 if not employed), and skill factor
    (workload, times the training effect if trained)."""
    p = P[0]
    workload = np.zeros(caseload.size)
    skill = np.zeros(caseload.size)
    by_caseload = np.full(caseload.max() + 1 if caseload.size else 1, -1.0)  # the factor of each caseload, once
    for s in range(caseload.size):
        if employed[s]:
            cases = caseload[s]
            if by_caseload[cases] < 0:
                by_caseload[cases] = workload_factor(
                    cases, p.practitioner_mean_caseload, p.workload_elasticity, p.workload_elasticity_over_70
                )
            workload[s] = by_caseload[cases]
            skill[s] = workload[s] * (p.training_effect if trained[s] else 1.0)
    return workload, skill


@numba.njit(cache=True)
def allocate_rows(
    idx, salt, uid, region, practitioner, staff, region_of, caseload, cap, n_regions,
):  # pragma: no cover - compiled
    """The allocation rule, region by region: each newcomer takes one of the region's free
    places below the cap, each free place equally likely and none used twice; when none
    is left, a practitioner of the region at random. ``staff`` lists the employed
    practitioners by region. One draw per newcomer, keyed by uid; the free places are
    counted in a Fenwick tree, so each choice takes a few steps however large the region."""
    idx = _by_region(idx, region, n_regions)
    first_staff, first_newcomer = 0, 0
    for r in range(n_regions):
        last_staff = first_staff
        while last_staff < staff.size and region_of[staff[last_staff]] == r:
            last_staff += 1
        n = last_staff - first_staff
        tree = np.zeros(n + 1, dtype=np.int64)  # tree[k] sums the free places of a range of staff ending at k
        free = 0
        for k in range(1, n + 1):
            room = max(cap - caseload[staff[first_staff + k - 1]], 0)
            free += room
            tree[k] += room
            parent = k + (k & -k)
            if parent <= n:
                tree[parent] += tree[k]
        top = 1
        while top * 2 <= n:
            top *= 2
        while first_newcomer < idx.size and region[idx[first_newcomer]] == r:
            i = idx[first_newcomer]
            u = draw(uid[i], salt)
            if free > 0:
                target, position, step = int(u * free), 0, top
                while step > 0:  # the practitioner holding free place number ``target``
                    if position + step <= n and tree[position + step] <= target:
                        position += step
                        target -= tree[position]
                    step //= 2
                chosen = staff[first_staff + position]
                k = position + 1
                while k <= n:
                    tree[k] -= 1
                    k += k & -k
                free -= 1
            else:
                chosen = staff[first_staff + int(u * n)]
            practitioner[i] = chosen
            caseload[chosen] += 1
            first_newcomer += 1
        first_staff = last_staff


@numba.njit(cache=True)
def _by_region(idx, region, n_regions):  # pragma: no cover - compiled
    """``idx`` ordered by region, keeping their order within a region (a counting sort)."""
    starts = np.zeros(n_regions + 1, dtype=np.int64)
    for i in idx:
        starts[region[i] + 1] += 1
    starts = np.cumsum(starts)
    ordered = np.empty_like(idx)
    for i in idx:
        ordered[starts[region[i]]] = i
        starts[region[i]] += 1
    return ordered


def _rank_within_groups(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2 ... counting up within each group, in the given order."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(sorted_groups[1:] != sorted_groups[:-1]) + 1]
    run_lengths = np.diff(np.r_[starts, sorted_groups.size])
    ranks_sorted = np.arange(sorted_groups.size) - np.repeat(starts, run_lengths)
    ranks = np.empty_like(ranks_sorted)
    ranks[order] = ranks_sorted
    return ranks
