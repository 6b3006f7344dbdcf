"""Levers as specifications: each one's money is its dose, its costs are what it delivers,
and each moves its primary measure the intended way."""

import numpy as np
import pytest

from model import Change, Lever, ParameterSet, Purchase, Reach
from model.appraisal.economics import outcome_table
from model.experiments.check_levers import Change as PairedChange
from model.experiments.check_levers import lever_table, single_lever_scenarios
from model.experiments.ensemble import RunCache, RunSpec, build_specs, run_ensemble, simulate
from model.experiments.scenarios import ScenarioLibrary


@pytest.fixture(scope="module")
def library() -> ScenarioLibrary:
    return ScenarioLibrary()


@pytest.fixture(scope="module")
def base() -> ParameterSet:
    return ParameterSet.load()


def _coordinators(cost: float) -> Lever:
    return Lever(
        name="co-ordinators", cost_per_year=cost, reaches=Reach(unit_cost="cost_coordinator_per_year", units=100),
        changes={"release_appointment": Change(set=0.85), "ost_prescription_at_release": Change(multiply=1.2),
                 "extra_practitioners": Change(add=40)},
    )


def test_money_that_reaches_a_share_of_the_units_gives_that_share_of_each_change(base):
    unit = base.cost_coordinator_per_year
    full, quarter, double = (_coordinators(k * 100 * unit).apply(base) for k in (1.0, 0.25, 2.0))
    assert full.release_appointment == 0.85
    assert quarter.release_appointment == pytest.approx(base.release_appointment + 0.25 * (0.85 - base.release_appointment))
    assert quarter.ost_prescription_at_release == pytest.approx(base.ost_prescription_at_release * 1.05)
    assert quarter.extra_practitioners == pytest.approx(10)
    assert double.as_dict() == full.as_dict()  # more money than the units need buys no more
    assert _coordinators(0.0).apply(base).as_dict() == base.as_dict()


def test_the_reach_follows_the_unit_cost_of_the_run(base):
    lever = _coordinators(100 * 50_000)
    assert lever.reach(base.with_overrides({"cost_coordinator_per_year": 50_000})) == 1.0
    assert lever.reach(base.with_overrides({"cost_coordinator_per_year": 62_500})) == pytest.approx(0.8)


def test_capacity_bought_scales_with_the_money(base):
    def places(cost):
        lever = Lever(name="places", cost_per_year=cost,
                      buys=Purchase(parameter="treatment_places", unit_cost="cost_treatment_place_per_year", share=0.5))
        return lever.apply(base).treatment_places - base.treatment_places

    assert places(2e7) == pytest.approx(2 * places(1e7)) == pytest.approx(2e7 * 0.5 / base.cost_treatment_place_per_year)


def test_a_scenario_sets_a_lever_s_money_and_the_shipped_levers_give_their_stated_changes_at_their_stated_money(library):
    for lever in library.levers.values():
        assert lever.reach(library.base) == 1.0, lever.name
        assert lever.primary, f"{lever.name}: no primary measure"


def test_treatment_costs_are_treatment_delivered_plus_named_programme_costs(library, base):
    """Every shipped scenario: the treatment line is people in treatment at a place-week each;
    funded places nobody on probation used are a memo line, not a cost; health programme
    costs are the named levers' money."""
    place_week = base.cost_treatment_place_per_year / 52
    for scenario in library.all():
        result = simulate(RunSpec(scenario.name, 0, 5, 0.02, 30, scenario.levers, scenario.parameters))
        weekly = result.weekly
        np.testing.assert_allclose(weekly["cost_treatment"], weekly["in_treatment"] * place_week)
        unused = np.maximum(weekly["treatment_places"] - weekly["in_treatment"], 0) * place_week
        np.testing.assert_allclose(weekly["treatment_capacity_other_clients"], unused)
        named = sum(lever.cost_per_year * 0.02 / 52 for lever in scenario.levers if lever.payer == "health" and not lever.buys)
        np.testing.assert_allclose(weekly["cost_programmes_health"], named)
        budget = sum(lever.cost_per_year * 0.02 / 52 for lever in scenario.levers)
        np.testing.assert_allclose(weekly["budget_nominal"], budget)
        others = sum(
            lever.cost_per_year * (1 - lever.buys.share_of(base)) * 0.02 / 52 for lever in scenario.levers if lever.buys
        )
        np.testing.assert_allclose(weekly["budget_other_clients"], others)


def test_a_paired_change_s_verdict_needs_its_interval_on_the_intended_side():
    clear = np.array([1.0, 1.2, 1.4])  # mean 1.2, sd 0.2: 1.2 +- 4.303 * 0.2 / sqrt(3) = 0.70 to 1.70
    assert PairedChange.of(clear).verdict("up") == "right" and PairedChange.of(clear).verdict("down") == "WRONG"
    assert PairedChange.of(np.array([1.0, 2.0, 3.0])).verdict("up") == "unclear"  # 2 +- 2.48
    change = PairedChange.of(np.array([2.0, 4.0]))  # mean 3, sd sqrt(2), t(0.975, 1) = 12.706
    assert change.mean == 3.0 and change.upper - 3.0 == pytest.approx(12.706 * 1.0, rel=1e-4)


def test_every_lever_moves_its_primary_measures_the_intended_way(library, tmp_path):
    """Each shipped lever alone against the baseline, paired, at small scale: every primary
    measure's 95% interval lies on the intended side of zero. (Naloxone acts only on prison
    leavers in approved premises, so it needs the whole country to show.)"""
    levers = list(library.levers.values())
    naloxone = library.levers["naloxone_all_approved_premises"]
    baseline = library.get("baseline")
    cache = RunCache(tmp_path)
    rows = []
    for group, scale in (([lever for lever in levers if lever is not naloxone], 0.05), ([naloxone], 1.0)):
        specs = build_specs([baseline, *single_lever_scenarios(group)], 6, 11, scale, 104)
        rows.append(lever_table(outcome_table(run_ensemble(specs, cache, workers=0, progress=False), 0.035, 0.015), group))
    primary = [r for table in rows for r in table.to_dict("records") if r["role"] == "primary"]
    assert len(primary) >= len(levers)
    wrong = [(r["lever"], r["measure"], r["change"], r["lower"], r["upper"]) for r in primary if r["verdict"] != "right"]
    assert not wrong, wrong


def test_12_week_retention_matches_each_week_s_retentions_to_the_pick_ups_12_weeks_before():
    """Known answer: half of each week's pick-ups are retained; pick-ups double from week 20.
    The cohort-matched rate is exactly 0.5; all retentions over all pick-ups would say less."""
    from model.appraisal.outcomes import retained_12w_rate

    pickups = np.where(np.arange(60) < 20, 10.0, 20.0)
    retained = np.r_[np.full(12, 5.0), 0.5 * pickups[:-12]]
    assert retained_12w_rate(pickups, retained) == 0.5
    assert retained.sum() / pickups.sum() < 0.45
