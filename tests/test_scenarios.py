"""Scenarios as data, paired ensembles, resumable and atomic outputs, Green Book arithmetic."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import run_scenarios
from model.experiments import comparison
from model.appraisal.economics import discount_factors, outcome_table, summarise
from model.experiments.ensemble import (
    RunCache, RunSpec, build_specs, dask_client, results_as_completed, run_ensemble, simulate, simulate_alike,
)
from model.experiments.scenarios import ScenarioError, ScenarioLibrary, write_scenario

ROOT = Path(__file__).resolve().parent.parent
LEVERS = (ROOT / "scenarios" / "levers.yaml").read_text()


@pytest.fixture(scope="module")
def library() -> ScenarioLibrary:
    return ScenarioLibrary()


def test_every_shipped_scenario_is_valid_and_the_baseline_has_no_levers(library):
    scenarios = library.all()
    assert scenarios[0].name == "baseline" and scenarios[0].levers == ()
    assert len(scenarios) >= 14
    one_year, sustained = library.get("treatment_funding_one_year"), library.get("treatment_funding_sustained")
    assert one_year.levers[0].weeks == 52 and sustained.levers[0].weeks is None
    assert one_year.levers[0].cost_per_year == sustained.levers[0].cost_per_year


def test_a_scenario_extends_another_and_replaces_its_levers_by_name(library):
    package = library.get("sustained_package")
    parent = library.get("government_response_2021")
    names = [lever.name for lever in package.levers]
    assert set(lever.name for lever in parent.levers) <= set(names)
    assert {"caseload_cap_staff", "same_provider_continuity"} <= set(names)
    treatment = next(lever for lever in package.levers if lever.name == "community_treatment_80m")
    assert treatment.weeks is None and names.count("community_treatment_80m") == 1


def test_a_resolved_scenario_round_trips_through_a_file(library, tmp_path):
    (tmp_path / "levers.yaml").write_text("{}\n")
    original = library.get("sustained_package")
    write_scenario(original, tmp_path / "copy.yaml")
    copy = ScenarioLibrary(tmp_path).get("copy")
    assert copy.levers == original.levers and copy.parameters == original.parameters and copy.title == original.title


def _scenario_dir(tmp_path: Path, body: str, name: str = "broken") -> Path:
    (tmp_path / "levers.yaml").write_text(LEVERS)
    (tmp_path / "baseline.yaml").write_text("title: Baseline\n")
    (tmp_path / f"{name}.yaml").write_text(body)
    return tmp_path


BAD_FILES = {
    "unknown key": ("title: x\nlevers: []\nbudget: 3\n", "broken.yaml: budget: Extra inputs are not permitted"),
    "wrong type": ("title: x\nlevers: [{name: a, start_week: soon}]\n", "broken.yaml: levers.0.start_week"),
    "probability above 1": (
        "title: x\nlevers: [{name: a, changes: {refer_per_week: {set: 1.5}}}]\n",
        "broken.yaml: levers.0: lever 'a': parameter 'refer_per_week' = 1.5 is outside the values the model accepts [0, 1]",
    ),
    "negative budget": ("title: x\nlevers: [{name: a, cost_per_year: -5}]\n", "broken.yaml: levers.0.cost_per_year"),
    "unknown parameter": (
        "title: x\nlevers: [{name: a, changes: {no_such_thing: {set: 1}}}]\n",
        "broken.yaml: levers.0: lever 'a': unknown parameter 'no_such_thing'",
    ),
    "unknown parent": ("title: x\nextends: nowhere\n", "broken.yaml: extends: unknown scenario 'nowhere'"),
    "unknown lever": ("title: x\nlevers: [free_money]\n", "broken.yaml: levers.0.lever: unknown lever 'free_money'"),
    "not YAML": ("title: [unclosed\n", "broken.yaml: not valid YAML"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_scenario_file_is_a_one_line_error_naming_file_and_field(tmp_path, case):
    body, message = BAD_FILES[case]
    folder = _scenario_dir(tmp_path, body)
    with pytest.raises(ScenarioError) as caught:
        ScenarioLibrary(folder).get("broken")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--validate", "--scenarios", "no_such_scenario"], "unknown scenario 'no_such_scenario'"),
        (["--scenarios", "missing/file.yaml"], "missing/file.yaml: file not found"),
        (["--reps", "0"], "--reps = 0"),
        (["--scale", "-1"], "--scale = -1.0"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--posterior", "nowhere.csv"], "nowhere.csv: file not found"),
    ],
)
def test_the_command_line_reports_bad_input_in_one_line_with_exit_status_2(arguments, message):
    done = subprocess.run([sys.executable, "run_scenarios.py", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_broken_scenario_folder_fails_validation_from_the_command_line(tmp_path):
    folder = _scenario_dir(tmp_path, BAD_FILES["unknown key"][0])
    done = subprocess.run(
        [sys.executable, "run_scenarios.py", "--validate", "--scenario-dir", str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2 and "broken.yaml: budget" in done.stderr and "Traceback" not in done.stderr


def test_replicates_share_seeds_across_scenarios_and_a_no_op_lever_changes_nothing(library, tmp_path):
    (tmp_path / "levers.yaml").write_text("{}\n")
    (tmp_path / "baseline.yaml").write_text("title: Baseline\n")
    (tmp_path / "no_op.yaml").write_text("title: No-op\nlevers: [{name: nothing, changes: {caseload_cap: {multiply: 1.0}}}]\n")
    small = ScenarioLibrary(tmp_path)
    specs = build_specs(small.all(), replicates=2, seed=5, scale=0.01, weeks=30)
    by_rep = {}
    for spec in specs:
        by_rep.setdefault(spec.replicate, set()).add(spec.seed)
    assert all(len(seeds) == 1 for seeds in by_rep.values()) and len({s.pop() for s in by_rep.values()}) == 2
    base, no_op = simulate(specs[0]), simulate(specs[2])
    pd.testing.assert_frame_equal(base.weekly, no_op.weekly)


def test_a_lever_in_one_process_leaves_the_draws_of_others_paired(library):
    """Common random numbers: more drug tests change testing, but naloxone coverage
    (a release-process draw) of the same people stays exactly as in the baseline."""
    from model import ProbationModel

    base = ProbationModel(scale=0.02, seed=3)
    tested = ProbationModel(scale=0.02, seed=3, levers=library.get("drug_testing").levers)
    base.run(20)
    tested.run(20)
    common = np.intersect1d(base.people.uid[base.people.active], tested.people.uid[tested.people.active])
    rows_base = base.people.row_of_uid[common]
    rows_tested = tested.people.row_of_uid[common]
    np.testing.assert_array_equal(base.people.naloxone[rows_base], tested.people.naloxone[rows_tested])
    np.testing.assert_array_equal(base.people.risk[rows_base], tested.people.risk[rows_tested])


def test_runs_sharing_their_warm_up_equal_the_same_runs_made_separately(library):
    """Sensitivity analysis simulates a scenario's warm-up once for it and its baseline."""
    scenario = library.get("sustained_package")
    specs = [RunSpec("baseline", 0, 11, 0.01, 20), RunSpec(scenario.name, 0, 11, 0.01, 20, scenario.levers)]
    for shared, alone in zip(simulate_alike(specs), map(simulate, specs)):
        pd.testing.assert_frame_equal(shared.weekly, alone.weekly)
        pd.testing.assert_frame_equal(shared.cohorts, alone.cohorts)


def test_runs_on_a_dask_local_cluster_equal_the_serial_runs(library, tmp_path):
    scenarios = [library.get("baseline"), library.get("drug_testing")]
    specs = build_specs(scenarios, replicates=2, seed=11, scale=0.01, weeks=26)
    serial = run_ensemble(specs, RunCache(tmp_path / "serial"), workers=0, progress=False)
    parallel = run_ensemble(specs, RunCache(tmp_path / "dask"), workers=2, progress=False)
    for a, b in zip(serial, parallel):
        pd.testing.assert_frame_equal(a.weekly, b.weekly)
        pd.testing.assert_frame_equal(a.cohorts, b.cohorts)


def test_runs_on_a_separately_started_cluster_equal_the_serial_runs(library, tmp_path):
    """The --scheduler route: a scheduler and a worker started as a user would, in their own processes."""
    import socket

    from dask.distributed import Client

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    scripts = Path(sys.executable).parent
    processes = [subprocess.Popen([scripts / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        processes.append(subprocess.Popen([scripts / "dask", "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
                                          cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(1, timeout=60)
        scenarios = [library.get("baseline"), library.get("drug_testing")]
        specs = build_specs(scenarios, replicates=2, seed=11, scale=0.01, weeks=26)
        serial = run_ensemble(specs, RunCache(tmp_path / "serial"), workers=0, progress=False)
        clustered = run_ensemble(specs, RunCache(tmp_path / "cluster"), scheduler=address, progress=False)
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)
    for a, b in zip(serial, clustered):
        pd.testing.assert_frame_equal(a.weekly, b.weekly)
        pd.testing.assert_frame_equal(a.cohorts, b.cohorts)


def _worker_settings(_) -> tuple:
    import os

    import dask
    import numba

    return (
        os.environ.get("MALLOC_TRIM_THRESHOLD_"), dask.config.get("distributed.worker.profile.enabled"),
        dask.config.get("distributed.admin.tick.interval"), numba.get_num_threads(),
    )


def test_local_dask_workers_keep_the_adaptive_malloc_threshold_run_no_profiler_tick_slowly_and_one_model_thread():
    with dask_client(workers=1, scheduler=None) as client:
        settings = list(results_as_completed(client, _worker_settings, [0]))  # as the model's tasks see them
    assert settings == [(None, False, "500ms", 1)]


def test_an_interrupted_ensemble_keeps_finished_runs_and_resumes_without_redoing_them(library, tmp_path):
    specs = build_specs([library.get("baseline"), library.get("naloxone")], replicates=2, seed=2, scale=0.01, weeks=10)
    calls = []

    def interrupted(spec):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(spec.key)
        return simulate(spec)

    cache = RunCache(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        run_ensemble(specs, cache, workers=0, progress=False, function=interrupted)
    assert sum(cache.has(s) for s in specs) == 2
    calls.clear()

    def counting(spec):
        calls.append(spec.key)
        return simulate(spec)

    results = run_ensemble(specs, cache, workers=0, progress=False, function=counting)
    assert len(calls) == 2 and len(results) == 4 and not list(tmp_path.glob(".*.tmp"))


def test_discounting_follows_the_green_book():
    factors = discount_factors(105, 0.035)
    assert factors[0] == 1.0 and factors[52] == pytest.approx(1 / 1.035) and factors[104] == pytest.approx(1 / 1.035**2)


def test_benefit_cost_ratio_and_net_present_value_from_paired_runs(library):
    specs = build_specs([library.get("baseline"), library.get("caseload_cap")], replicates=2, seed=1, scale=0.01, weeks=20)
    results = [simulate(s) for s in specs]
    table = outcome_table(results, 0.035, 0.015)
    row = table.loc[("caseload_cap", 0)]
    assert row["npv"] == pytest.approx(row["pv_benefits"] - row["pv_net_cost"])
    assert row["pv_net_cost"] == pytest.approx(
        row["pv_net_cost_probation"] + row["pv_net_cost_custody"] + row["pv_net_cost_drug_treatment"] + row["pv_net_cost_health_care"]
    )
    assert row["pv_net_cost_probation"] > 0  # the extra practitioners are paid for
    assert (table.loc["baseline", ["reoffences_averted", "pv_net_cost", "npv"]] == 0).all().all()
    summary = summarise(table)
    assert {"scenario", "metric", "mean", "lower", "upper", "difference", "difference_lower", "difference_upper"} <= set(summary.columns)


def test_the_command_line_writes_every_output_and_leaves_nothing_half_written(tmp_path, monkeypatch):
    out = tmp_path / "run"
    arguments = ["--scenarios", "treatment_funding_one_year", "--reps", "2", "--years", "1", "--scale", "0.01",
                 "--workers", "0", "--out", str(out), "--cache", str(tmp_path / "cache"), "--no-progress", "--no-posterior"]
    assert run_scenarios.main(arguments) == 0
    names = {p.name for p in out.iterdir()}
    assert {"weekly.parquet", "summary.csv", "metadata.json", "report.md", "costs_and_benefits.png",
            "continuity_cascade.png", "referral_funnel.png", "timeseries_in_treatment.png"} <= names
    weekly = pd.read_parquet(out / "weekly.parquet")
    assert set(weekly["scenario"]) == {"baseline", "treatment_funding_one_year"} and len(weekly) == 2 * 2 * 52
    meta = json.loads((out / "metadata.json").read_text())
    assert {"git_commit", "versions", "parameters", "runs", "command"} <= set(meta)
    assert "Headline results" in (out / "report.md").read_text()
    before = (out / "summary.csv").read_text()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(comparison, "write_report", broken)
    with pytest.raises(RuntimeError):
        run_scenarios.main(arguments)
    assert (out / "summary.csv").read_text() == before  # the earlier results are intact
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left


def test_scenario_yaml_files_are_plain_data():
    for path in (ROOT / "scenarios").glob("*.yaml"):
        assert isinstance(yaml.safe_load(path.read_text()), dict), path


def test_a_scenario_file_kept_anywhere_names_the_project_s_levers_and_sets_their_money(library, tmp_path):
    (tmp_path / "double.yaml").write_text(
        "title: Twice the sustained treatment money\n"
        "levers:\n  - {lever: community_treatment_80m, cost_per_year: 160000000, weeks: null}\n"
    )
    (tmp_path / "half.yaml").write_text(
        "title: Half the co-ordinators on the package\nextends: sustained_package\n"
        "levers:\n  - {lever: health_justice_coordinators, cost_per_year: 4000000}\n"
    )
    chosen = run_scenarios.select_scenarios(library, [str(tmp_path / "double.yaml"), str(tmp_path / "half.yaml")])
    baseline, double, half = chosen
    assert baseline.name == "baseline"
    lever = double.levers[0]
    assert lever.cost_per_year == 160e6 and lever.weeks is None
    base = library.base
    assert lever.apply(base).treatment_places - base.treatment_places == pytest.approx(
        2 * (library.levers["community_treatment_80m"].apply(base).treatment_places - base.treatment_places)
    )
    coordinators = next(lever for lever in half.levers if lever.name == "health_justice_coordinators")
    assert coordinators.reach(base) == pytest.approx(4e6 / base.cost_coordinator_per_year / 150)
    assert {lever.name for lever in library.get("sustained_package").levers} == {lever.name for lever in half.levers}


def test_a_child_scenario_s_override_starts_from_the_parent_s_lever(library, tmp_path):
    """sustained_package makes the £80m lever sustained; a child that changes only its money
    keeps it sustained (the override applies to the parent's lever, not the lever file's)."""
    (tmp_path / "cheaper.yaml").write_text(
        "title: t\nextends: sustained_package\nlevers:\n  - {lever: community_treatment_80m, cost_per_year: 40000000}\n"
    )
    child = ScenarioLibrary(tmp_path, library.base, fallback=library).get("cheaper")
    lever = next(lever for lever in child.levers if lever.name == "community_treatment_80m")
    assert lever.weeks is None and lever.cost_per_year == 40e6


@pytest.mark.parametrize("body, message", [
    ("reaches: {unit_cost: cost_test, units: 0}", "units"),
    ("reaches: {unit_cost: cost_test, units: 10}\n  buys: {parameter: treatment_places, unit_cost: cost_test}", "not both"),
    ("changes: {release_appointment: {set: '0.8'}}", "write a number without quotes"),
])
def test_a_lever_s_dose_must_be_one_thing_and_make_sense(tmp_path, body, message):
    (tmp_path / "levers.yaml").write_text(
        f"odd:\n  cost_per_year: 1000\n  changes: {{test_per_week: {{multiply: 2}}}}\n  {body}\n"
        if "changes" not in body else f"odd:\n  cost_per_year: 1000\n  {body}\n"
    )
    with pytest.raises(ScenarioError, match=message):
        ScenarioLibrary(tmp_path)
