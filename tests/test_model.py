"""The core model as a specification: reproducibility, conservation, invariants, known answers."""

import mesa
import numpy as np
import pandas as pd
import pytest

from model import FLOWS, STOCKS, Change, Lever, ProbationModel
from model.model import region_columns
from model.appraisal.costs import weekly_costs
from model.appraisal.outcomes import model_metrics
from model.experiments.check_baseline import compare, load_targets
import model.people
from model.people import FIELDS, PROBLEMATIC, RATE_TOTALS

REQUIRED_COLUMNS = [
    "supervised", "drug_need", "identified", "referrals", "tests", "in_treatment", "treatment_starts",
    "treatment_completions", "waiting_list", "drrs_issued", "drr_completions", "releases_in_treatment",
    "release_pickups", "offences_acquisitive", "offences_other", "recalls", "deaths", "caseload_mean",
    "caseload_max",
]


def test_the_weekly_frame_has_one_row_per_week_and_the_published_columns(small_run):
    frame = small_run.datacollector.get_model_vars_dataframe()
    assert len(frame) == 40
    assert set(REQUIRED_COLUMNS) <= set(frame.columns)
    assert list(frame.columns) == list(FLOWS + STOCKS + region_columns(len(small_run.regions)))
    regions = range(len(small_run.regions))  # the stocks by region add up to the national ones
    for stock in ("in_treatment", "waiting_list"):
        assert (sum(frame[f"{stock}_region_{k:02d}"] for k in regions) == frame[stock]).all()


def test_same_seed_gives_identical_frames_and_different_seeds_differ():
    frames = []
    for seed in (3, 3, 4):
        m = ProbationModel(scale=0.02, seed=seed)
        m.run(20)
        frames.append(m.datacollector.get_model_vars_dataframe())
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert not frames[0].equals(frames[2])


def test_rng_keyword_works_as_in_mesa():
    a = ProbationModel(scale=0.02, rng=11)
    b = ProbationModel(scale=0.02, seed=11)
    a.run(5)
    b.run(5)
    pd.testing.assert_frame_equal(a.datacollector.get_model_vars_dataframe(), b.datacollector.get_model_vars_dataframe())


def test_people_are_conserved_every_week():
    m = ProbationModel(scale=0.05, seed=5)
    before = m.people.n_supervised
    for _ in range(30):
        m.step()
        row = m.record
        assert row["supervised"] - before == row["entries"] - row["exits"] - row["deaths"]
        before = row["supervised"]


# Each stock's change over a week equals its flows: (stock, inflows, outflows).
STOCK_FLOWS = {
    "supervised": (("entries",), ("exits", "deaths")),
    ("in_treatment", "in_treatment_after_supervision"): (
        ("treatment_starts",),
        (
            "treatment_dropouts", "treatment_completions", "treatment_dropouts_after_supervision",
            "treatment_completions_after_supervision", "treatment_ended_by_exit",
        ),
    ),
    "after_supervision": (("moved_after_supervision",), ("returns_on_new_order", "deaths_followed")),
    "waiting_list": (
        ("referrals", "drr_referrals", "release_pickups"),
        ("treatment_starts", "waiting_give_ups", "waiting_ended_by_exit"),
    ),
    "in_custody": (("custody_receptions",), ("returns_from_custody",)),
}


@pytest.mark.parametrize("levers", [(), "sustained_package"], ids=["baseline", "sustained package"])
def test_every_stock_changes_by_its_flows_every_week(levers):
    """Nothing enters or leaves a stock unrecorded: supervision, treatment (prison leavers
    continuing at release count as starts that never waited, hence pick-ups among the
    waiting list's inflows to balance its admissions; treatment under way goes on after
    supervision), the waiting list, custody, and the people followed after supervision."""
    if levers:
        from model.experiments.scenarios import ScenarioLibrary

        levers = ScenarioLibrary().get(levers).levers
    m = ProbationModel(scale=0.05, seed=9, levers=levers)
    level = lambda row, stock: sum(row[s] for s in ((stock,) if isinstance(stock, str) else stock))  # noqa: E731
    m.step()
    before = {stock: level(m.record, stock) for stock in STOCK_FLOWS}
    for _ in range(60):
        m.step()
        row = m.record
        for stock, (inflows, outflows) in STOCK_FLOWS.items():
            change = level(row, stock) - before[stock]
            assert change == sum(row[f] for f in inflows) - sum(row[f] for f in outflows), (stock, m.week)
        before = {stock: level(row, stock) for stock in STOCK_FLOWS}


def test_invariants_hold_every_week():
    m = ProbationModel(scale=0.05, seed=9)
    people = m.people
    for _ in range(30):
        m.step()
        assert not np.any(people.waiting & people.in_treatment)
        assert not np.any(people.supervised & ~people.active)
        assert not np.any(people.supervised & people.in_custody)
        # the room made for next week's joiners of the followed population comes from this stock
        assert m.record["followed_up"] == np.count_nonzero(people.active & ~people.supervised & ~people.in_custody)
        assert np.all(m.caseload >= 0)
        held = np.bincount(people.practitioner[people.supervised], minlength=m.caseload.size)
        np.testing.assert_array_equal(held, m.caseload)
        admitted_from_waiting_list = people.in_treatment & (people.pickup_week != people.treatment_start)
        occupied = np.bincount(people.region[admitted_from_waiting_list], minlength=len(m.regions))
        places = np.array([s.places for s in m.treatment.services])
        assert np.all(occupied <= places)  # only prison leavers continuing treatment go beyond the places
        assert np.all(people.practitioner[people.supervised] >= 0)
        assert m.record["waiting_list"] >= 0 and m.record["in_treatment"] >= 0
        assert m.record["caseload_max"] >= m.record["caseload_mean"] > 0


def test_every_row_the_model_hands_out_is_a_live_person(small_run):
    people = small_run.people
    assert np.unique(people.uid[people.active]).size == np.count_nonzero(people.active)
    assert np.intersect1d(np.flatnonzero(people.active), people.free).size == 0


def test_constant_drop_out_and_unlimited_places_leave_the_geometric_share_in_treatment():
    """Known answer: with weekly drop-out p and nothing else ending treatment, a share
    (1 - p)**k of the people in treatment now are still in treatment k weeks later."""
    p, k = 0.05, 10
    no_exits = {
        "dropout_early_per_week": p, "dropout_late_per_week": p, "completion_per_week": 0.0,
        "dropout_no_ost_multiplier": 1.0, "court_review_retention": 1.0, "funding_quality_elasticity": 0.0,
        "treatment_places": 2e6, "court_order_mean_weeks": 5000, "licence_extra_mean_weeks": 5000,
        "recall_noncompliance_per_week": 0.0, "breach_noncompliance_per_week": 0.0, "recall_on_proven": 0.0,
        "breach_after_positive": 0.0, "drr_breach_per_week_disengaged": 0.0,
        "drug_death_per_year_problematic": 0.0, "other_death_per_year": 0.0, "warmup_weeks": 52,
    }
    m = ProbationModel(scale=0.2, seed=21, params=no_exits)
    cohort = m.people.uid[m.people.in_treatment]
    m.run(k)
    still = np.isin(cohort, m.people.uid[m.people.in_treatment & m.people.active])
    expected = (1 - p) ** k
    standard_error = np.sqrt(expected * (1 - expected) / cohort.size)
    assert cohort.size > 1000
    assert abs(still.mean() - expected) < 4 * standard_error


def test_with_enforcement_and_deaths_switched_off_only_orders_ending_remove_people():
    m = ProbationModel(scale=0.02, seed=2, params={
        "court_order_mean_weeks": 5000, "licence_extra_mean_weeks": 5000, "recall_noncompliance_per_week": 0,
        "breach_noncompliance_per_week": 0, "recall_on_proven": 0, "breach_after_positive": 0,
        "drr_breach_per_week_disengaged": 0, "drug_death_per_year_problematic": 0, "other_death_per_year": 0,
    })
    start = m.people.n_supervised
    m.run(10)
    frame = m.datacollector.get_model_vars_dataframe()
    assert frame[["recalls", "breaches", "deaths", "drr_revocations"]].sum().sum() == 0
    assert (frame["exits"] == frame["orders_ended"]).all()
    assert m.people.n_supervised == start + frame["entries"].sum() - frame["exits"].sum()


def test_allocation_fills_places_below_the_cap_before_any_caseload_rises_above_it():
    m = ProbationModel(scale=0.05, seed=4)
    region = next(r for r, reg in enumerate(m.regions) if reg.name == "Kent Surrey and Sussex")  # understaffed
    people, cap = m.people, int(m.p.caseload_cap)
    cases = np.flatnonzero(people.supervised & (people.region == region))
    staff = np.flatnonzero(m.allocation.employed & (m.allocation.region_of == region))
    assert cases.size > staff.size * cap  # more cases than places below the cap
    m.allocation.release_cases(cases)
    assert np.all(m.caseload[staff] == 0)
    first = cases[: staff.size * cap - 7]
    m.allocation.allocate(first)
    assert m.caseload[staff].max() <= cap
    m.allocation.allocate(cases[first.size :])
    assert m.caseload[staff].min() >= cap and m.caseload[staff].max() > cap
    assert m.caseload[staff].sum() == cases.size


def test_each_free_place_below_the_cap_is_equally_likely():
    """Three practitioners with 1, 3 and 0 free places: a newcomer joins the second three
    times as often as the first, never the third."""
    from model.processes.allocation import allocate_rows

    staff, region_of = np.arange(3), np.zeros(3, dtype=np.int16)
    chosen = np.zeros(3, dtype=int)
    for uid in range(20_000):
        caseload = np.array([4, 2, 5], dtype=np.int32)
        practitioner = np.full(1, -1, dtype=np.int32)
        allocate_rows(
            np.zeros(1, dtype=np.int64), np.uint64(99), np.array([uid], dtype=np.int32), np.zeros(1, dtype=np.int16),
            practitioner, staff, region_of, caseload, 5, 1,
        )
        chosen[practitioner[0]] += 1
    assert chosen[2] == 0
    assert abs(chosen[1] / chosen.sum() - 0.75) < 0.015


def test_mesa_batch_run_works_as_a_mesa_user_expects():
    results = mesa.batch_run(ProbationModel, parameters={"scale": [0.02]}, rng=[1, 2], max_steps=52, display_progress=False)
    frame = pd.DataFrame(results)
    assert len(frame) == 2 and set(REQUIRED_COLUMNS) <= set(frame.columns)
    assert frame["Step"].tolist() == [52, 52]
    assert frame["supervised"].between(2500, 3700).all()


def test_a_lever_changes_parameters_only_while_active():
    lever = Lever(name="testing contract", start_week=5, weeks=10, cost_per_year=1e6,
                  changes={"test_per_week": Change(multiply=4.0)})
    m = ProbationModel(scale=0.02, seed=1, levers=[lever])
    base = m.base_params.test_per_week
    seen = []
    for _ in range(20):
        m.step()
        seen.append(m.p.test_per_week)
    assert seen[:5] == [base] * 5 and seen[5:15] == [4 * base] * 10 and seen[15:] == [base] * 5
    costs = weekly_costs(m.datacollector.get_model_vars_dataframe(), m.base_params, m.levers, m.scale)["cost_programmes"]
    assert costs[5] == pytest.approx(1e6 * 0.02 / 52) and costs[4] == 0


def test_a_lever_on_offending_rates_changes_everyone_s_stored_rate_when_it_starts():
    lever = Lever(name="less acquisitive crime", start_week=3, cost_per_year=0.0,
                  changes={"acquisitive_per_year": Change(multiply=0.5)})
    with_lever = ProbationModel(scale=0.02, seed=2, levers=[lever])
    without = ProbationModel(scale=0.02, seed=2)
    for run in (with_lever, without):
        run.run(4)  # the lever starts in the fourth week
    people = with_lever.people
    sums = [people.rate_acquisitive.sum(), people.rate_drug_driven.sum(), people.rate_other.sum()]
    np.testing.assert_allclose(people.rate_totals, sums, rtol=1e-9)
    ratio = with_lever.people.rate_acquisitive.sum() / without.people.rate_acquisitive.sum()
    assert 0.4 < ratio < 0.6


def test_problematic_users_offend_more_and_treatment_cuts_it(small_run):
    """Stored rates are current for everyone, and treatment cuts the drug-driven part."""
    people, offending = small_run.people, small_run.offending
    idx = np.flatnonzero(people.active & ~people.in_custody)
    drug_driven = people.rate_drug_driven[idx].copy()
    problematic = people.drug_use[idx] == PROBLEMATIC
    assert np.all(drug_driven[problematic] > 0) and np.all(drug_driven[~problematic] == 0)
    assert np.all(people.rate_acquisitive[idx] > drug_driven)
    treated = idx[problematic & people.in_treatment[idx]]
    assert treated.size
    people.in_treatment[treated] = False
    offending.reschedule(treated)
    untreated_drug_driven = people.rate_drug_driven[treated].copy()
    people.in_treatment[treated] = True
    offending.reschedule(treated)
    np.testing.assert_array_equal(people.rate_drug_driven[idx], drug_driven)
    np.testing.assert_allclose(
        people.rate_drug_driven[treated], untreated_drug_driven * (1 - small_run.p.treatment_offending_reduction)
    )


def test_the_kernels_field_positions_match_the_population_columns(small_run):
    arrays = small_run.people.arrays
    for position, name in enumerate(FIELDS):
        assert getattr(model.people, name.upper()) == position
        assert arrays[position] is getattr(small_run.people, name)
    assert RATE_TOTALS == len(FIELDS)


@pytest.mark.parametrize("by_person", [False, True])
def test_rows_a_population_grows_into_hold_every_field_s_default(by_person):
    people = model.people.Population(capacity=100, by_person=by_person)
    for name in FIELDS:  # the people already there keep their fields as they grow
        getattr(people, name)[:] = 1
    held = people.capacity
    people.reserve(3 * held)
    assert people.n_free == people.capacity > 3 * held
    for name, (dtype, default) in FIELDS.items():
        column = getattr(people, name)
        assert (column[:held] == 1).all(), name
        assert (column[held:] == np.array(default, dtype=dtype)).all(), name


def test_the_running_totals_of_offending_rates_equal_their_sums():
    """The offending process reads the summed rates from totals kept as rates change."""
    m = ProbationModel(scale=0.02, seed=3)
    m.run(120)
    people = m.people
    sums = [people.rate_acquisitive.sum(), people.rate_drug_driven.sum(), people.rate_other.sum()]
    np.testing.assert_allclose(people.rate_totals, sums, rtol=1e-9)


def test_a_model_copied_mid_run_goes_on_exactly_as_the_original():
    """What with_levers relies on to share the warm-up between a scenario and its baseline."""
    original = ProbationModel(scale=0.02, seed=5)
    twin = original.with_levers(())
    original.run(30)
    twin.run(30)
    pd.testing.assert_frame_equal(original.datacollector.get_model_vars_dataframe(), twin.datacollector.get_model_vars_dataframe())


def test_a_run_records_the_same_weeks_as_stepping_week_by_week():
    """run() records its weeks once they are all done; each week's record must still be
    made with that week's random numbers, parameters, workforce changes and places (levers
    here change all four from week 6)."""
    levers = [Lever(name="more of everything", start_week=6, weeks=10, cost_per_year=0.0, changes={
        "extra_practitioners": Change(add=40.0), "treatment_places": Change(multiply=1.5),
        "proven_share_acquisitive": Change(multiply=1.5), "acquisitive_per_year": Change(multiply=0.8),
    })]
    stepped, ran = (ProbationModel(scale=0.02, seed=4, levers=levers) for _ in range(2))
    for _ in range(30):
        stepped.step()
    ran.run(12)
    ran.run(18)
    frame = stepped.datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(ran.datacollector.get_model_vars_dataframe(), frame)
    assert ran.record == stepped.record and (ran.steps, ran.time) == (stepped.steps, stepped.time) == (30, 30)
    assert frame["practitioners_hired"][6] > 0 and frame["treatment_places"][6] > frame["treatment_places"][5]


def test_a_run_whose_recording_fails_records_no_week_twice(monkeypatch):
    stepped, ran = ProbationModel(scale=0.02, seed=4), ProbationModel(scale=0.02, seed=4)
    for _ in range(6):
        stepped.step()
    add_offences_from_rates, calls = ran.offending.add_offences_from_rates, []

    def fails_on_the_third_week(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        add_offences_from_rates(*args)

    monkeypatch.setattr(ran.offending, "add_offences_from_rates", fails_on_the_third_week)
    with pytest.raises(KeyboardInterrupt):
        ran.run(5)
    monkeypatch.undo()
    ran.run(1)  # the three weeks left unrecorded, then the sixth
    pd.testing.assert_frame_equal(ran.datacollector.get_model_vars_dataframe(), stepped.datacollector.get_model_vars_dataframe())


def test_copies_share_each_week_s_new_people_while_intake_is_the_same_and_run_as_if_alone():
    """with_levers copies share each week's draws of new people (Intake.shared); a lever on
    intake (here: more court orders from week 5 to 9) makes a copy draw its own."""
    more_orders = Lever(name="more orders", start_week=5, weeks=5, cost_per_year=0.0,
                        changes={"court_order_starts_per_year": Change(multiply=1.5)})
    frames = {}
    for shared in (True, False):
        original = ProbationModel(scale=0.02, seed=5)
        if shared:
            copies = [original.with_levers(()), original.with_levers([more_orders])]
        else:  # the same models, made separately
            copies = [ProbationModel(scale=0.02, seed=5), ProbationModel(scale=0.02, seed=5, levers=[more_orders])]
        for m in (*copies, original):
            m.run(15)
        frames[shared] = [m.datacollector.get_model_vars_dataframe() for m in (*copies, original)]
        if shared:
            assert original.intake.shared.models == 3
            unmatched = sum(  # weeks 5 to 9 of the two copies: drawn for the others, taken by one or none
                int(frame[["court_starts", "prison_releases"]].iloc[5:10].to_numpy().sum()) for frame in frames[True][:2]
            )
            assert original.intake.shared.held_people == unmatched  # every other week was taken by every model
    for with_sharing, alone in zip(frames[True], frames[False]):
        pd.testing.assert_frame_equal(with_sharing, alone)
    assert not frames[True][1]["court_starts"].iloc[5:10].equals(frames[True][0]["court_starts"].iloc[5:10])


def test_shared_draws_stop_being_kept_beyond_their_limit(monkeypatch):
    """A copy that runs far ahead of the others holds at most HELD_PEOPLE new people's
    numbers for them; beyond that the others draw for themselves, with the same results."""
    from model.processes.intake import SharedDraws

    monkeypatch.setattr(SharedDraws, "HELD_PEOPLE", 100)
    original = ProbationModel(scale=0.02, seed=5)
    twin = original.with_levers(())
    twin.run(12)
    assert 0 < original.intake.shared.held_people <= 100
    original.run(12)
    pd.testing.assert_frame_equal(original.datacollector.get_model_vars_dataframe(), twin.datacollector.get_model_vars_dataframe())


def test_new_people_s_numbers_depend_on_the_parameters_intake_says_and_no_others():
    """Intake's key for sharing draws (INTAKE_PARAMETERS) must name every parameter that
    weekly_draws reads."""
    from model import ParameterSet
    from model.processes.intake import INTAKE_PARAMETERS, weekly_draws

    class Recording:
        def __init__(self, params):
            self.params, self.read = params, set()

        def __getattr__(self, name):
            self.read.add(name)
            return getattr(self.params, name)

        def __getitem__(self, name):
            self.read.add(name)
            return self.params[name]

    p = Recording(ParameterSet.load())
    weekly_draws(np.random.default_rng(1), 0.1, p)
    assert p.read == set(INTAKE_PARAMETERS)


@pytest.fixture(scope="module")
def baseline_quarter_scale() -> dict:
    m = ProbationModel(scale=0.25, seed=1)
    m.run(104)
    return model_metrics(m)


def test_baseline_lands_inside_the_interval_of_every_fitted_target(baseline_quarter_scale):
    rows = compare(baseline_quarter_scale, load_targets())
    missed = [r for r in rows if r["use"] == "fitted" and not r["inside_interval"]]
    assert not missed, missed


def test_a_week_short_of_free_rows_begins_again_and_ends_as_if_they_had_been_ready(monkeypatch):
    import model.model as model_module

    monkeypatch.setattr(model_module, "CAPACITY_HEADROOM", 1.0)  # rows run out during the warm-up
    ready = ProbationModel(scale=0.02, seed=5)
    ready.run(30)
    shortfalls = []
    compiled_week = model_module._week

    def week_keeping_count(*args):
        result = compiled_week(*args)
        shortfalls.append(result[0])
        return result

    monkeypatch.setattr(model_module, "_rows_to_spare", lambda expected: 0)
    monkeypatch.setattr(model_module, "_week", week_keeping_count)
    short = ProbationModel(scale=0.02, seed=5)
    short.run(30)
    assert sum(n > 0 for n in shortfalls) >= 1
    pd.testing.assert_frame_equal(
        ready.datacollector.get_model_vars_dataframe(), short.datacollector.get_model_vars_dataframe()
    )


def test_at_full_scale_two_cores_give_the_same_weeks_as_one():
    """Passes over everyone run in parallel at full scale, and each week's new people are
    drawn on another thread weeks ahead (model.passes, Intake.draw_ahead): one thread gives
    the same weeks, with levers starting as the run starts, and so does a copy made mid-run."""
    import numba

    from model.experiments.scenarios import ScenarioLibrary

    scenario = ScenarioLibrary().get("sustained_package")
    frames = []
    threads = numba.get_num_threads()
    try:
        for n in (1, threads):
            numba.set_num_threads(n)
            m = ProbationModel(scale=1.0, seed=2, levers=scenario.levers, params=scenario.parameters)
            m.run(2)
            twin = m.with_levers(m.levers)
            for model in (m, twin):
                model.run(2)
                frames.append(model.datacollector.get_model_vars_dataframe())
    finally:
        numba.set_num_threads(threads)
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], frame)
