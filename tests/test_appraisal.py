"""The social cost-benefit analysis: discounting, QALYs and their value, and that the lines add up."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from model import ParameterSet
from model.appraisal.costs import priced, weekly_costs
from model.appraisal.economics import COST_CENTRES, PAYERS, discount_factors, outcome_table
from model.appraisal.health import annuity, qalys_per_death
from model.experiments.ensemble import build_specs, simulate
from model.experiments.scenarios import ScenarioLibrary


@pytest.mark.parametrize("rate", [0.035, 0.015])
def test_a_constant_stream_discounts_as_the_annuity_formula(rate):
    years, v = 10, 1 / (1 + rate)
    assert annuity(years, rate) == pytest.approx((1 - v**years) / (1 - v))  # one a year, paid at the start of each
    weekly = v ** (1 / 52)
    assert discount_factors(52 * years, rate).sum() == pytest.approx((1 - v**years) / (1 - weekly))  # one a week
    assert annuity(2.5, rate) == pytest.approx(1 + v + 0.5 * v**2)  # the last year in part


@dataclass(frozen=True)
class _Spec:
    scenario: str
    replicate: int = 0
    scale: float = 1.0


@dataclass(frozen=True)
class _Run:
    spec: _Spec
    weekly: pd.DataFrame
    cohorts: pd.DataFrame


@pytest.fixture(scope="module")
def quiet_weeks() -> pd.DataFrame:
    """A year of a model's weekly frame with nothing happening: no deaths, drug use or treatment."""
    library = ScenarioLibrary()
    (spec,) = build_specs([library.get("baseline")], replicates=1, seed=1, scale=0.01, weeks=52)
    frame = simulate(spec).weekly
    counts = [c for c in frame.columns if frame[c].dtype.kind in "iuf"]
    return frame[counts] * 0


def _table(baseline: pd.DataFrame, scenario: pd.DataFrame, params: ParameterSet) -> pd.Series:
    cohorts = pd.DataFrame({"year": np.zeros(0, int), "rate": np.zeros(0), "complete": np.zeros(0, bool)})
    runs = [_Run(_Spec(name), priced(frame, params, (), 1.0), cohorts) for name, frame in (("baseline", baseline), ("s", scenario))]
    return outcome_table(runs, params.discount_rate, params.discount_rate_health).loc[("s", 0)]


def test_pricing_adds_each_line_of_costs_once_after_the_counts_and_pricing_again_changes_nothing():
    library = ScenarioLibrary()
    (spec,) = build_specs([library.get("sustained_package")], replicates=1, seed=2, scale=0.01, weeks=60)
    weekly = simulate(spec).weekly  # priced once
    params = ParameterSet.load().with_overrides(spec.parameters)
    lines = weekly_costs(weekly, params, spec.levers, spec.scale)
    assert list(weekly.columns[-len(lines):]) == list(lines)
    for name, values in lines.items():
        np.testing.assert_array_equal(weekly[name].to_numpy(), values, err_msg=name)
    again = priced(weekly, params, spec.levers, spec.scale)
    assert list(again.columns) == list(weekly.columns)
    pd.testing.assert_frame_equal(again, weekly)


def test_a_death_averted_gains_the_discounted_quality_adjusted_rest_of_a_life(quiet_weeks):
    params = ParameterSet.load()
    baseline, scenario = quiet_weeks.copy(), quiet_weeks.copy()
    baseline.loc[0, ["deaths", "drug_deaths"]] = 1  # one drug-related death in the first week, averted by the scenario
    per_death = params.utility_not_problematic * annuity(params.life_years_lost_per_death, params.discount_rate_health)
    assert qalys_per_death(params) == pytest.approx(per_death)
    row = _table(baseline, scenario, params)
    assert row["qalys_gained"] == pytest.approx(per_death)
    assert row["qalys_gained_drug_deaths"] == pytest.approx(per_death)
    assert row["pv_health_value"] == pytest.approx(per_death * params.value_of_qaly)
    assert row["npv"] == pytest.approx(per_death * params.value_of_qaly)  # nothing else changed


def test_a_year_free_of_problematic_use_gains_the_utility_difference_discounted_as_health(quiet_weeks):
    params = ParameterSet.load()
    baseline, scenario = quiet_weeks.copy(), quiet_weeks.copy()
    baseline["problematic_users"] = 1  # one problematic user out of treatment all year, not in the scenario
    row = _table(baseline, scenario, params)
    factors = discount_factors(52, params.discount_rate_health)
    gain = (params.utility_not_problematic - params.utility_problematic_use) * factors.sum() / 52
    assert row["qalys_gained_problematic_use"] == pytest.approx(gain) and row["qalys_gained"] == pytest.approx(gain)
    care = params.cost_health_care_problematic_per_year * discount_factors(52, params.discount_rate).sum() / 52
    assert row["pv_net_cost_dhsc_nhs"] == pytest.approx(-care)  # NHS care saved
    assert row["npv"] == pytest.approx(gain * params.value_of_qaly + care)


@pytest.fixture(scope="module")
def treatment_money() -> pd.Series:
    library = ScenarioLibrary()
    specs = build_specs(
        [library.get("baseline"), library.get("treatment_funding_sustained")], replicates=1, seed=1, scale=0.05, weeks=104
    )
    return outcome_table([simulate(s) for s in specs], 0.035, 0.015).loc[("treatment_funding_sustained", 0)]


def test_every_line_of_costs_and_benefits_sums_to_the_social_npv(treatment_money):
    row = treatment_money
    centres = sum(row[f"pv_net_cost_{c}"] for c in COST_CENTRES)
    assert row["pv_net_cost"] == pytest.approx(centres)
    assert row["pv_net_cost"] == pytest.approx(sum(row[f"pv_net_cost_{p}"] for p in PAYERS))
    assert row["pv_crime_averted"] == pytest.approx(row["pv_crime_averted_acquisitive"] + row["pv_crime_averted_other"])
    assert row["pv_crime_averted"] == pytest.approx(row["pv_crime_averted_custody"] + row["pv_crime_averted_treatment_recovery"])
    for name in ("qalys_gained", "pv_health_value"):
        assert row[name] == pytest.approx(row[f"{name}_deaths"] + row[f"{name}_problematic_use"] + row[f"{name}_treatment"])
    assert row["npv"] == pytest.approx(row["pv_crime_averted"] + row["pv_health_value"] - centres)
    assert row["bcr"] == pytest.approx((row["pv_crime_averted"] + row["pv_health_value"]) / row["pv_net_cost"])
    crime_only_cost = row["pv_net_cost_moj_hmpps"] + row["pv_net_cost_local_authorities"]
    assert row["bcr_crime_only"] == pytest.approx(row["pv_crime_averted"] / crime_only_cost)


def test_treatment_money_buys_time_in_treatment_and_its_health_gain(treatment_money):
    assert treatment_money["qalys_gained_treatment"] > 0
    assert treatment_money["pv_net_cost_local_authorities"] > 0  # treatment delivered is paid for
    assert np.isfinite(treatment_money["bcr"])


def test_the_value_of_perfect_information_of_a_two_option_choice():
    """Fund or not, with net monetary benefit +10 or -6, equally likely: deciding now gains
    max(mean 2, 0) = 2; knowing first gains (10 + 0) / 2 = 5; so EVPI = 3. For a normal NMB
    with mean m and sd s, EVPI = s phi(m/s) + m Phi(m/s) - max(m, 0)."""
    from scipy.stats import norm

    from model.appraisal.decision import evpi, evppi, probability_best

    assert evpi(pd.DataFrame({"option": [10.0, -6.0]})) == pytest.approx(3.0)
    m, s, n = 1.0, 2.0, 200_000
    normal = pd.DataFrame({"option": m + s * norm.ppf((np.arange(n) + 0.5) / n)})
    assert evpi(normal) == pytest.approx(s * norm.pdf(m / s) + m * norm.cdf(m / s) - m, abs=1e-3)
    # knowing a parameter that decides the NMB is worth all of it; one unrelated to it, nothing
    parameter = pd.Series(np.linspace(-1, 1, 101))
    nmb = pd.DataFrame({"option": 3 * parameter})
    assert evppi(nmb, parameter) == pytest.approx(evpi(nmb))
    alternating = pd.DataFrame({"option": np.where(np.arange(101) % 2 == 0, 10.0, -6.0)})
    assert evpi(alternating) > 2.9 and evppi(alternating, parameter) == pytest.approx(0.0, abs=0.05)
    # the best of the baseline (0) and two options; a tie shares the replicate
    best = probability_best(pd.DataFrame({"a": [1.0, -1.0, 2.0, -1.0], "b": [0.5, 2.0, 2.0, -2.0]}))
    assert best.to_dict() == pytest.approx({"baseline": 0.25, "a": 0.25 + 0.125, "b": 0.25 + 0.125})


def test_the_return_on_today_s_treatment_is_what_removing_it_loses_per_pound_saved():
    from model.experiments.existing_treatment import WITHOUT, returns

    index = pd.MultiIndex.from_tuples([("baseline", 0), (WITHOUT, 0)], names=["scenario", "replicate"])
    table = pd.DataFrame({  # paired differences of the run without treatment: £10m saved, more crime and care, QALYs lost
        "pv_net_cost_drug_treatment": [0.0, -10e6], "pv_crime_averted": [0.0, -25e6],
        "pv_net_cost_dhsc_nhs": [0.0, 5e6], "pv_health_value": [0.0, -20e6],
    }, index=index)
    row = returns(table).loc[0]
    assert row["treatment_cost"] == 10e6
    assert row["return_crime_and_nhs_care"] == pytest.approx(3.0) and row["return_social"] == pytest.approx(5.0)
