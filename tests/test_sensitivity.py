"""Sensitivity analysis: known Sobol indices of the Ishigami function, Morris screening,
SALib ProblemSpec compatibility, resumable evaluation, and the model as a function."""

import numpy as np
import pytest
from SALib import ProblemSpec
from SALib.test_functions import Ishigami

from model.experiments.scenarios import ScenarioLibrary
from model.experiments.sensitivity import Evaluator, ScenarioOutcomes, morris, problem_for, sobol


def ishigami(parameters: dict[str, float]) -> dict[str, float]:
    x = np.array([[parameters["x1"], parameters["x2"], parameters["x3"]]])
    return {"y": float(Ishigami.evaluate(x)[0])}


def ishigami_problem() -> ProblemSpec:
    return ProblemSpec({"names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3, "outputs": ["y"]})


def test_sobol_pipeline_recovers_the_analytic_ishigami_indices():
    evaluator = Evaluator(ishigami, ["x1", "x2", "x3"], ["y"], progress=False)
    table = sobol(evaluator, ishigami_problem(), n=2048).set_index("parameter")
    np.testing.assert_allclose(table.loc[["x1", "x2", "x3"], "S1"], [0.314, 0.442, 0.000], atol=0.05)
    np.testing.assert_allclose(table.loc[["x1", "x2", "x3"], "ST"], [0.558, 0.442, 0.244], atol=0.05)


def test_morris_screening_ranks_the_ishigami_inputs():
    evaluator = Evaluator(ishigami, ["x1", "x2", "x3"], ["y"], progress=False)
    table = morris(evaluator, ishigami_problem(), trajectories=40, levels=4).set_index("parameter")
    assert table.loc["x3", "mu_star"] > 0.5  # no first-order effect, but a strong interaction
    assert table.loc["x3", "sigma"] > table.loc["x3", "mu_star"] * 0.8
    assert set(table.columns) >= {"mu_star", "mu_star_conf", "sigma"}


def test_the_evaluator_plugs_into_salib_problemspec_evaluate():
    problem = ishigami_problem()
    problem.sample_sobol(64, calc_second_order=False)
    problem.evaluate(Evaluator(ishigami, problem["names"], ["y"], progress=False))
    np.testing.assert_allclose(problem.results.ravel(), Ishigami.evaluate(problem.samples), rtol=1e-12)


def test_an_interrupted_analysis_resumes_from_its_cache(tmp_path):
    calls = []

    def flaky(parameters):
        if len(calls) == 5:
            raise KeyboardInterrupt
        calls.append(parameters)
        return ishigami(parameters)

    X = np.random.default_rng(1).uniform(-np.pi, np.pi, (9, 3))
    cache = tmp_path / "evaluations.jsonl"
    with pytest.raises(KeyboardInterrupt):
        Evaluator(flaky, ["x1", "x2", "x3"], ["y"], cache=cache, progress=False, identity="ishigami")(X)
    assert len(cache.read_text().splitlines()) == 5
    calls.clear()
    counted = lambda p: calls.append(p) or ishigami(p)  # noqa: E731
    Y = Evaluator(counted, ["x1", "x2", "x3"], ["y"], cache=cache, progress=False, identity="ishigami")(X)
    assert len(calls) == 4
    np.testing.assert_allclose(Y.ravel(), Ishigami.evaluate(X))


def test_parameter_ranges_come_from_the_parameter_file():
    problem = problem_for(["refer_per_week", "treatment_offending_reduction"], ["bcr"])
    assert problem["bounds"] == [[0.0002, 0.003], [0.15, 0.6]]


def test_the_model_is_a_function_of_named_parameters_with_common_random_numbers():
    scenario = ScenarioLibrary().get("drug_testing")
    outcomes = ScenarioOutcomes(scenario, scale=0.01, weeks=26)
    first = outcomes({"test_per_week": 0.005, "warmup_weeks": 26})
    again = outcomes({"test_per_week": 0.005, "warmup_weeks": 26})
    assert first == again and set(first) == {"bcr", "reoffences_averted", "deaths_averted"}


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["run_sensitivity.py", "--scenario", "nope"], "unknown scenario 'nope'"),
        (["run_sensitivity.py", "--method", "sobol", "--parameters", "bogus"], "--parameters: unknown parameter 'bogus'"),
        (["run_sensitivity.py", "--n", "0"], "--n >= 2"),
        (["run_sensitivity.py", "--method", "sobol", "--parameters", "refer_per_week"], "needs at least two parameters"),
        (["-m", "calibration", "--population", "3"], "population >= 10"),
    ],
)
def test_the_analysis_commands_report_bad_input_in_one_line_with_exit_status_2(command, message):
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, *command], cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
