"""Calibration: targets are sourced and usable; ABC-SMC recovers known parameters."""

import numpy as np
import pandas as pd
import pytest

from calibration.fit import Calibration, Distance, Simulator, Target, load_targets, resample
from model import ParameterSet, ProbationModel
from model.appraisal.outcomes import model_metrics
from model.experiments.posterior import PosteriorError, load_parameter_sample


def test_every_target_has_a_source_an_interval_around_its_value_and_a_model_metric():
    targets = load_targets()
    m = ProbationModel(scale=0.01, seed=1)
    m.run(60)
    metrics = model_metrics(m)
    for t in targets:
        assert t.source and t.low <= t.value <= t.high and t.use in ("fitted", "held_out", "context"), t.name
        assert t.metric in metrics, t.metric
    held_out = {t.metric for t in targets if t.use == "held_out"}
    assert "continuity_retained_12w_rate" in held_out


def test_the_distance_is_zero_at_the_targets_and_grows_in_standard_errors():
    distance = Distance((("a", 2.0), ("b", 0.5)))
    assert distance({"a": 10, "b": 1}, {"a": 10, "b": 1}) == 0
    assert distance({"a": 12, "b": 1}, {"a": 10, "b": 1}) == pytest.approx(np.sqrt(0.5))
    assert distance({"a": float("nan"), "b": 1}, {"a": 10, "b": 1}) > 100


def test_calibration_recovers_known_parameters_from_synthetic_targets(tmp_path):
    truth = {"refer_per_week": 0.0012, "proven_share_other": 0.2}
    fixed = {"warmup_weeks": 26}
    metrics = ("referrals_per_year", "proven_reoffences_per_year")
    observed = Simulator(0.02, 40, metrics, tuple(fixed.items()))(truth)
    targets = [Target(m, m, v, 0.9 * v, 1.1 * v, "fitted", "synthetic: the model at known parameters") for m, v in observed.items()]
    calibration = Calibration(
        parameters=list(truth), targets=targets, scale=0.02, weeks=40, population_size=60, generations=6,
        max_minutes=5, database=tmp_path / "abc.db", fixed=fixed,
    )
    particles = calibration.run(workers=0, progress=False)
    sample = resample(particles, 400, seed=1)
    base = ParameterSet.load()
    for name, value in truth.items():
        low, high = sample[name].quantile([0.025, 0.975])
        prior_low, prior_high = base.definition(name).range
        assert low <= value <= high, (name, low, high)
        assert high - low < 0.5 * (prior_high - prior_low), (name, low, high)


def test_resampling_follows_the_weights():
    particles = pd.DataFrame({"x": [0.0, 1.0], "_weight": [0.25, 0.75]})
    sample = resample(particles, 1000, seed=3)
    assert sample["x"].mean() == pytest.approx(0.75, abs=0.01)


def test_a_parameter_sample_with_an_impossible_value_is_refused_naming_row_and_parameter(tmp_path):
    bad = tmp_path / "posterior.csv"
    bad.write_text("refer_per_week,_weight\n0.001,0.5\n1.7,0.5\n")
    with pytest.raises(PosteriorError, match=r"posterior.csv: row 3: parameter 'refer_per_week' = 1.7"):
        load_parameter_sample(bad, ParameterSet.load())
    bad.write_text("made_up,\n1,\n")
    with pytest.raises(PosteriorError, match="unknown parameter 'made_up'"):
        load_parameter_sample(bad, ParameterSet.load())


def test_a_hit_is_the_model_s_value_inside_the_target_s_interval_and_context_is_not_counted():
    from model.experiments.check_baseline import verdict

    assert verdict("fitted", 0.5, (0.33, 0.6)) == "hit"
    assert verdict("fitted", 0.672, (0.33, 0.6)) == "miss"  # an overlapping predictive interval is no longer enough
    assert verdict("held_out", 0.449, (0.28, 0.40)) == "miss"
    assert verdict("context", 1.0e9, (5e8, 9e9)) == "context"
    context = [t for t in load_targets() if t.use == "context"]
    assert {t.metric for t in context} == {
        "drr_engagement_rate", "deaths_per_year", "reoffending_completers_2y", "reoffending_dropouts_2y",
        "drug_related_crime_cost_per_year",
    }
    assert all(t.note for t in context)  # each says why it is not counted


def _small_calibration(database, **changes) -> Calibration:
    metrics = ("referrals_per_year",)
    targets = [Target(m, m, 3000.0, 2500.0, 3500.0, "fitted", "synthetic") for m in metrics]
    settings = dict(parameters=["refer_per_week"], targets=targets, scale=0.01, weeks=12, population_size=10, generations=1,
                    max_minutes=5, database=database, fixed={"warmup_weeks": 4})
    return Calibration(**{**settings, **changes})


@pytest.mark.parametrize("fault", ["none", "altered particles", "another problem", "not a database", "manifest removed"])
def test_saved_generations_are_resumed_only_when_they_are_this_problem_s_and_unaltered(tmp_path, capsys, fault):
    import sqlite3

    database = tmp_path / "abc.db"
    first = _small_calibration(database).run(workers=0, progress=False)
    capsys.readouterr()
    changes = {}
    if fault == "altered particles":
        with sqlite3.connect(database) as connection:
            connection.execute("UPDATE particles SET w = w * 2 WHERE id = (SELECT MAX(id) FROM particles)")
    elif fault == "another problem":
        changes = {"scale": 0.012}
    elif fault == "not a database":
        database.write_bytes(b"not sqlite at all")
    elif fault == "manifest removed":
        database.with_name(database.name + ".manifest.json").unlink()
    again = _small_calibration(database, generations=2, **changes)
    particles = again.run(workers=0, progress=False)
    err = capsys.readouterr().err
    import pyabc

    generations = pyabc.History(f"sqlite:///{database}").max_t + 1
    if fault == "none":
        assert "warning" not in err and generations == 2  # resumed: one generation more
    else:
        assert err.count("warning: the saved generations") == 1 and generations == 2 == again.generations
        assert "starting again" in err
    assert len(particles) == 10 and len(first) == 10
