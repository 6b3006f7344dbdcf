"""Life after supervision: the event-driven simulation of the people followed gives the same
answer as simulating them week by week; people come back as themselves; treatment goes on."""

from __future__ import annotations

import numpy as np
import pytest

from model import ProbationModel
from model.parameters import ParameterSet
from model.people import NONPROBLEMATIC, NO_USE, PROBLEMATIC, Population
from model.processes.after_supervision import (
    DESIST, EVERYTHING, IN_TREATMENT_AFTER, LATER, PROBLEMATIC_AFTER, STALE, TREATMENT, Calendar, changed_chances, due_rows, leave,
    live, note, schedule,
)
from model.processes.treatment import EARLY_WEEKS
from model.streams import origin_of

PEOPLE, WEEKS = 20_000, 104
# Higher chances than the defaults, so that every kind of event happens often enough to compare.
OVERRIDES = {
    "other_death_per_year": 0.05, "drug_death_per_year_problematic": 0.03, "desistance_per_year": 0.3,
    "new_order_per_proven_reoffence": 0.2, "remission_untreated_per_week": 0.004, "relapse_per_week": 0.01,
}


def _cohort(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """People as they might leave their follow-up: drug use, treatment under way, risk."""
    use = rng.choice([PROBLEMATIC, NONPROBLEMATIC, NO_USE], PEOPLE, p=[0.45, 0.25, 0.30]).astype(np.int8)
    ocu = (use == PROBLEMATIC) & (rng.random(PEOPLE) < 0.6)
    in_treatment = (use == PROBLEMATIC) & (rng.random(PEOPLE) < 0.3)
    return {
        "drug_use": use, "ocu": ocu, "in_treatment": in_treatment,
        "treatment_start": np.where(in_treatment, -rng.integers(1, 60, PEOPLE), -(2**30)).astype(np.int32),
        "ost": in_treatment & ocu & (rng.random(PEOPLE) < 0.8),
        "severity": (0.5 + np.median(rng.random((3, PEOPLE)), axis=0)).astype(np.float32),
        "female": rng.random(PEOPLE) < 0.1, "naloxone": rng.random(PEOPLE) < 0.2,
        "risk": rng.gamma(0.35, 1 / 0.35, PEOPLE).astype(np.float32),
    }


def _events_by_kernel(cohort: dict, p: ParameterSet) -> dict[str, int]:
    followed = Population(capacity=PEOPLE, by_person=True)
    rows = followed.add(PEOPLE)
    for name, values in cohort.items():
        getattr(followed, name)[rows] = values
    tallies = np.array([cohort["in_treatment"].sum(), (cohort["drug_use"] == PROBLEMATIC).sum()], dtype=np.int64)
    row_of_uid = np.full(PEOPLE + 1, -1, dtype=np.int64)
    outcomes = np.zeros((4, WEEKS + 1), dtype=np.int64)
    base = np.uint64(987654321)
    schedule(followed.arrays, rows, np.full(rows.size, EVERYTHING, np.int8), np.uint64(origin_of(base, 0)), 1.0, 0, p.record)
    totals = dict.fromkeys(["completions", "dropouts", "remissions", "relapses", "desistances", "deaths", "drug_deaths", "returns"], 0)
    calendar = Calendar(followed.capacity)
    for week in range(1, WEEKS + 1):
        state = (followed.free_rows, followed.counters, followed.arrays, calendar.arrays)
        returning, counts = live(state, row_of_uid, tallies, outcomes, np.uint64(origin_of(base, week)), 1.0, week, p.record)
        for name, n in zip(list(totals)[:7], counts[:7]):
            totals[name] += n
        totals["returns"] += returning.size
        leave(state, returning, row_of_uid, tallies)
    assert tallies[IN_TREATMENT_AFTER] == followed.in_treatment[followed.active].sum()
    assert tallies[PROBLEMATIC_AFTER] == (followed.drug_use[followed.active] == PROBLEMATIC).sum()
    return totals


def _events_week_by_week(cohort: dict, p: ParameterSet, rng: np.random.Generator) -> dict[str, int]:
    """The same people with a draw per person per week, in the order of the weekly
    processes (the rules of model.processes.treatment, drug_use, offending and deaths)."""
    c = {name: values.copy() for name, values in cohort.items()}
    here = np.ones(PEOPLE, dtype=bool)
    totals = dict.fromkeys(["completions", "dropouts", "remissions", "relapses", "desistances", "deaths", "drug_deaths", "returns"], 0)
    for week in range(1, WEEKS + 1):
        treated = here & c["in_treatment"]
        weeks_in = week - c["treatment_start"]
        early = weeks_in < EARLY_WEEKS
        dropout = np.where(early, p.dropout_early_per_week, p.dropout_late_per_week)
        dropout = dropout * np.where(early & c["ocu"] & ~c["ost"], p.dropout_no_ost_multiplier, 1.0)
        complete = np.where(weeks_in >= p.completion_min_weeks, p.completion_per_week, 0.0)
        u = rng.random(PEOPLE)
        drops, completes = treated & (u < dropout), treated & (u >= dropout) & (u < np.minimum(dropout + complete, 1))
        totals["dropouts"] += drops.sum()
        totals["completions"] += completes.sum()
        c["in_treatment"] &= ~(drops | completes)
        c["ost"] &= ~(drops | completes)
        c["drug_use"][completes & (c["drug_use"] == PROBLEMATIC)] = NONPROBLEMATIC

        problematic, nonproblematic = here & (c["drug_use"] == PROBLEMATIC), here & (c["drug_use"] == NONPROBLEMATIC)
        remission = np.where(c["in_treatment"], p.remission_in_treatment_per_week, p.remission_untreated_per_week)
        u = rng.random(PEOPLE)
        remits, relapses = problematic & (u < remission), nonproblematic & (u < p.relapse_per_week)
        totals["remissions"] += remits.sum()
        totals["relapses"] += relapses.sum()
        c["drug_use"][remits] = NONPROBLEMATIC
        c["drug_use"][relapses] = PROBLEMATIC

        problematic = c["drug_use"] == PROBLEMATIC
        drug = p.acquisitive_multiplier_problematic * c["severity"] * np.where(c["ocu"], p.acquisitive_multiplier_ocu, 1.0)
        drug = np.where(problematic, drug * np.where(c["in_treatment"], 1 - p.treatment_offending_reduction, 1.0), 0.0)
        weekly = c["risk"] / 52.0
        acquisitive = p.acquisitive_per_year * weekly * (1 + drug)
        other = p.other_per_year * weekly * np.where(problematic, p.other_multiplier_problematic, 1.0)
        offences = rng.poisson(acquisitive * p.proven_share_acquisitive + other * p.proven_share_other)
        returns = here & (rng.random(PEOPLE) < 1 - (1 - p.new_order_per_proven_reoffence) ** offences)

        desists = here & (c["risk"] > 0) & (rng.random(PEOPLE) < -np.expm1(-p.desistance_per_year / 52))
        totals["desistances"] += desists.sum()
        c["risk"][desists] = 0.0

        base = np.select([c["drug_use"] == PROBLEMATIC, c["drug_use"] == NONPROBLEMATIC], [1.0, p.drug_death_rr_nonproblematic], 0.0)
        drug_death = p.drug_death_per_year_problematic / 52 * base * c["severity"]
        drug_death *= np.where(c["female"], p.drug_death_rr_female, 1.0) * np.where(c["ost"], p.ost_death_rr, 1.0)
        drug_death *= np.where(c["naloxone"], p.naloxone_death_rr, 1.0)
        chance = drug_death + p.other_death_per_year / 52
        u = rng.random(PEOPLE)
        dies = here & (u < chance)
        totals["deaths"] += dies.sum()
        totals["drug_deaths"] += (dies & (u < drug_death)).sum()
        totals["returns"] += (returns & ~dies).sum()
        here &= ~(dies | returns)
    return totals


def test_people_followed_as_events_live_as_if_simulated_week_by_week():
    """Known answer: the events (geometric and exponential waiting times drawn when a
    chance changes) give the totals of a weekly draw per person, within sampling error (five
    standard errors of the difference of two counts)."""
    p = ParameterSet.load().with_overrides(OVERRIDES)
    cohort = _cohort(np.random.default_rng(1))
    events = _events_by_kernel(cohort, p)
    weekly = _events_week_by_week(cohort, p, np.random.default_rng(2))
    for name in events:
        assert events[name] > 100, (name, events[name])  # each kind of event is tested
        assert abs(events[name] - weekly[name]) <= 5 * np.sqrt(events[name] + weekly[name]), (name, events[name], weekly[name])


@pytest.fixture(scope="module")
def run_two_years() -> tuple[ProbationModel, list[dict]]:
    """A model at 1:20 for two years, with who was followed, supervised and in treatment
    at the end of each week."""
    m = ProbationModel(scale=0.05, seed=3)
    weeks = []
    for _ in range(104):
        m.step()
        f, people = m.after.followed, m.people
        weeks.append({
            "record": dict(m.record),
            "followed": set(f.uid[f.active].tolist()),
            "supervised": set(people.uid[people.supervised].tolist()),
            "treated_unsupervised": set(people.uid[people.active & ~people.supervised & people.in_treatment].tolist()),
            "ending_in_treatment": set(people.uid[people.supervised & people.in_treatment & (people.end_week <= m.week)].tolist()),
        })
    return m, weeks


def test_people_come_back_on_new_orders_as_themselves(run_two_years):
    """Every person counted as coming back on a new order was followed after supervision
    the week before and is supervised at the week's end, with the same uid (unless they
    died, went to custody or left supervision in the same week)."""
    _, weeks = run_two_years
    total = 0
    for before, now in zip(weeks, weeks[1:]):
        back, record = before["followed"] & now["supervised"], now["record"]
        gone_again = record["returns_on_new_order"] - len(back)
        assert 0 <= gone_again <= record["deaths"] + record["custody_receptions"] + record["exits"]
        total += len(back)
    assert total > 100


def test_treatment_under_way_goes_on_when_supervision_ends(run_two_years):
    """People whose order ends while in treatment are still in treatment, unsupervised, the
    next week (unless they left treatment that week: a few per cent)."""
    _, weeks = run_two_years
    ending = continuing = 0
    for before, now in zip(weeks, weeks[1:]):
        ended = before["ending_in_treatment"] - now["supervised"]
        ending += len(ended)
        continuing += len(ended & now["treated_unsupervised"])
    assert ending > 30
    assert continuing / ending > 0.9


def test_the_weekly_frame_counts_the_people_followed_and_their_offending(run_two_years):
    """The frame says how many are followed, how many come back, and what they do."""
    m, _ = run_two_years
    frame = m.datacollector.get_model_vars_dataframe()
    assert frame["after_supervision"].is_monotonic_increasing  # two years: far more join than die or come back
    for column in ("moved_after_supervision", "offences_acquisitive_after_supervision", "proven_reoffences_after_supervision",
                   "desistances", "returns_on_new_order"):
        assert frame[column].sum() > 0, column
    assert (frame["proven_reoffences_after_supervision"] <= frame["offences_acquisitive_after_supervision"]
            + frame["offences_other_after_supervision"]).all()


def test_a_lever_redraws_only_the_times_whose_chances_it_changes(run_two_years):
    """Common random numbers for the people followed: a lever that changes nobody's chances
    (more treatment places, with funding_quality_elasticity 0) redraws no one's times; one
    that changes desistance redraws only the desistance of people who have not desisted; one
    that changes drop-out redraws only the treatment endings of people in treatment."""
    m, _ = run_two_years
    f = m.after.followed
    rows = np.flatnonzero(f.active)
    base = ParameterSet.load()
    flags = lambda changes: changed_chances(f.arrays, rows, 1.0, 1.0, base.record, base.with_overrides(changes).record)  # noqa: E731
    assert base.funding_quality_elasticity == 0 and not flags({"treatment_places": 2 * base.treatment_places}).any()
    desisting = flags({"desistance_per_year": 0.3})
    assert set(np.unique(desisting)) == {0, DESIST} and (desisting[f.risk[rows] > 0] == DESIST).all()
    dropout = flags({"dropout_late_per_week": 0.5 * base.dropout_late_per_week})
    assert (dropout[f.in_treatment[rows]] == TREATMENT).all() and not dropout[~f.in_treatment[rows]].any()
    assert f.in_treatment[rows].sum() > 0


@pytest.mark.parametrize("seed", range(3))
def test_the_calendar_finds_exactly_the_people_one_pass_over_everyone_would_find(seed):
    """Whatever is drawn again, early or late, and however full its list, the calendar's
    people due each week are those whose next event is that week, in row order."""
    rng = np.random.default_rng(seed)
    rows = 512
    next_event = np.where(rng.random(rows) < 0.8, rng.integers(1, 60, rows), LATER).astype(np.int64)
    calendar = Calendar(rows)
    for week in range(1, 120):
        due = due_rows(calendar.arrays, next_event, week)
        np.testing.assert_array_equal(due, np.flatnonzero(next_event <= week))
        # the people due draw their next event again; so do others, some soon, some late (enough
        # within the weeks held to fill the list of people added)
        changed = np.concatenate((due, rng.choice(rows, 200, replace=False)))
        next_event[changed] = np.where(rng.random(changed.size) < 0.9, week + rng.integers(1, 30, changed.size), LATER)
        note(calendar.arrays, next_event, changed)
        if rng.random() < 0.05:  # a lever's redraw
            calendar.arrays[0][STALE] = 1
