"""The parameter file: every value sourced or flagged, in range, and checked on override."""

import re
from pathlib import Path

import pytest
import yaml

from model import ParameterError, ParameterSet, ProbationModel
from model.parameters import DATA_DIR
from model.regions import load_regions


@pytest.fixture(scope="module")
def params() -> ParameterSet:
    return ParameterSet.load()


def test_every_parameter_has_unit_source_and_a_range_containing_its_value(params):
    for p in params.definitions:
        assert p.unit.strip() and p.source.strip(), p.name
        assert p.range[0] <= p.value <= p.range[1], p.name


def test_assumptions_are_flagged_and_have_a_range_to_explore(params):
    assumptions = params.assumptions()
    assert len(assumptions) >= 30
    for name in assumptions:
        low, high = params.definition(name).range
        assert low < high, f"assumption {name} needs a range with some width for sensitivity analysis"


def test_probabilities_and_shares_lie_in_the_unit_interval(params):
    for p in params.definitions:
        if p.kind in ("probability", "share"):
            assert 0 <= p.value <= 1 and 0 <= p.range[0] <= p.range[1] <= 1, p.name


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"no_such_parameter": 1.0}, "unknown parameter 'no_such_parameter'"),
        ({"refer_per_week": 1.5}, "parameter 'refer_per_week' = 1.5 is outside the values the model accepts [0, 1]"),
        ({"cost_test": -3}, "parameter 'cost_test' = -3.0 is outside the values the model accepts (0, 1200]"),
        ({"acquisitive_per_year": -1}, "parameter 'acquisitive_per_year' = -1.0 is outside the values the model accepts [0, "),
        ({"practitioner_mean_caseload": 0}, "parameter 'practitioner_mean_caseload' = 0.0 is outside the values the model accepts [1, 550]"),
        ({"risk_gamma_shape": 0}, "parameter 'risk_gamma_shape' = 0.0 is outside the values the model accepts [0.05, 10]"),
        ({"court_order_starts_per_year": 1e308}, "= 1e+308 is outside the values the model accepts [0, 1.25e+06]"),
        ({"unit_cost_other": 1e12}, "parameter 'unit_cost_other' = 1000000000000.0 is outside the values the model accepts"),
        ({"cost_test": float("inf")}, "parameter 'cost_test' = inf must be a finite number"),
        ({"unit_cost_other": 1e308 * 10}, "must be a finite number"),
        ({"refer_per_week": True}, "must be a number, got True"),
        ({"treatment_places": -1}, "parameter 'treatment_places' = -1"),
        ({"caseload_cap": "fifty"}, "parameter 'caseload_cap' must be a number"),
        ({"court_order_starts_per_year": 0, "prison_releases_per_year": 0}, "both 0: no one would ever start supervision"),
    ],
)
def test_bad_overrides_are_refused_with_the_name_value_and_allowed_range(params, overrides, message):
    with pytest.raises(ParameterError, match=re.escape(message)):
        params.with_overrides(overrides)
    with pytest.raises(ParameterError):
        ProbationModel(scale=0.01, seed=1, params=overrides)


@pytest.mark.parametrize("scale", [0, -0.5, "big"])
def test_scale_must_be_positive(scale):
    with pytest.raises(ParameterError, match="scale"):
        ProbationModel(scale=scale, seed=1)


def test_every_value_a_scenario_or_posterior_can_give_lies_within_the_limits_and_the_limits_contain_the_range(params):
    for p in params.definitions:
        low, high = p.accepted
        assert low <= p.range[0] <= p.range[1] <= high, p.name
        assert high < float("inf"), p.name


def test_a_lever_that_pushes_a_parameter_past_its_limits_is_refused_naming_the_lever():
    from model.experiments.levers import Lever

    lever = Lever(name="stretch", changes={"treatment_places": {"multiply": 1000}})
    with pytest.raises(ParameterError, match="stretch.*treatment_places.*outside the values the model accepts"):
        lever.apply(ParameterSet.load())


def test_a_parameter_file_with_a_baseline_outside_its_range_is_refused_naming_it(tmp_path):
    bad = tmp_path / "parameters.yaml"
    bad.write_text("- {name: x, value: 2.0, unit: u, kind: rate, range: [0.0, 1.0], source: assumption}\n")
    with pytest.raises(ParameterError, match=r"parameters.yaml: parameter 'x'.*baseline 2.0 lies outside its range"):
        ParameterSet.load(bad)


def test_a_missing_parameter_file_is_named(tmp_path):
    with pytest.raises(ParameterError, match="parameter file not found"):
        ParameterSet.load(tmp_path / "nothing.yaml")


def test_unit_costs_of_crime_match_their_derivation(params):
    table = yaml.safe_load((DATA_DIR / "crime_costs.yaml").read_text())
    for kind, parameter in (("acquisitive", "unit_cost_acquisitive"), ("other", "unit_cost_other")):
        rows = table[kind]
        assert sum(r["mix"] for r in rows) == pytest.approx(1.0)
        derived = sum(r["mix"] * r["cost"] * table["price_uplift"][r["price_year"]] for r in rows)
        assert params[parameter] == pytest.approx(derived, rel=0.02)


def test_regions_table_is_consistent():
    regions = load_regions()
    assert sum(r.caseload_share for r in regions) == pytest.approx(1.0)
    assert [r.name for r in regions if r.same_provider] == ["Wales"]


def test_region_table_errors_name_the_file(tmp_path: Path):
    bad = tmp_path / "regions.yaml"
    bad.write_text("regions:\n  - {name: A, caseload_share: 0.7, staffing_ratio: 1, same_provider: false}\n")
    with pytest.raises(ParameterError, match="caseload_share sums to 0.7000"):
        load_regions(bad)
