"""Nothing lost, no stale or corrupt result trusted: the output folder, the run cache and the
sensitivity cache."""

import hashlib
import json
from dataclasses import replace
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.experiments import ensemble
from model.experiments.ensemble import RunCache, RunSpec, model_fingerprint, run_ensemble
from model.experiments.outputs import MARKER, OUTPUTS, ROOT, OutputError, output_dir, published
from model.experiments.sensitivity import Evaluator

SPECS = [RunSpec("baseline", r, 100 + r, 0.01, 20) for r in range(2)]


def _tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


# ------------------------------------------------------------------ the output folder
@pytest.mark.parametrize("out", ["", ".", "..", ".cache", "./scenarios", str(ROOT), str(OUTPUTS), str(OUTPUTS / ".cache")])
def test_an_output_folder_that_holds_the_project_or_is_not_a_name_is_refused(out):
    with pytest.raises(OutputError):
        output_dir(out)


def test_the_command_refuses_to_replace_a_folder_it_did_not_write_and_leaves_it_as_it_was(tmp_path):
    mine = tmp_path / "my work"
    mine.mkdir()
    (mine / "thesis.docx").write_text("three years of it")
    scenarios_before = _tree_hash(ROOT / "scenarios")
    for out in (str(mine), "./scenarios"):
        done = subprocess.run(
            [sys.executable, "run_scenarios.py", "--scenarios", "naloxone", "--reps", "2", "--years", "1", "--scale", "0.01",
             "--workers", "0", "--no-progress", "--out", out, "--cache", str(tmp_path / "cache")],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "was not written by this program" in done.stderr
    assert (mine / "thesis.docx").read_text() == "three years of it" and len(list(mine.iterdir())) == 1
    assert _tree_hash(ROOT / "scenarios") == scenarios_before


def test_a_results_folder_is_replaced_whole_and_stale_staging_of_dead_processes_is_cleaned(tmp_path):
    final = tmp_path / "results"
    with published(final) as staging:
        (staging / "summary.csv").write_text("first")
    assert (final / MARKER).is_file()
    dead = tmp_path / ".results.tmp-999999999-0a1b2c3d"  # no process has this id
    dead.mkdir()
    with published(final) as staging:
        (staging / "summary.csv").write_text("second")
    assert (final / "summary.csv").read_text() == "second"
    assert not dead.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["results"]


# ------------------------------------------------------------------ the run cache
def test_an_edit_to_the_model_s_code_or_data_gives_new_run_keys(tmp_path, monkeypatch):
    copy = tmp_path / "model"
    shutil.copytree(ensemble.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = model_fingerprint(copy)
    assert before == model_fingerprint(ensemble.PACKAGE)
    parameters = copy / "data" / "parameters.yaml"
    text = parameters.read_text()
    assert "name: cost_test\n  value: 24\n" in text
    parameters.write_text(text.replace("name: cost_test\n  value: 24\n", "name: cost_test\n  value: 120\n"))
    model_fingerprint.cache_clear()  # worked out once per process, as the files do not change during a run
    assert model_fingerprint(copy) != before
    key = SPECS[0].key
    monkeypatch.setattr(ensemble, "model_fingerprint", lambda: "edited")
    assert replace(SPECS[0]).key != key  # a new spec: a spec works its key out once


def test_a_run_s_key_covers_every_resolved_parameter_value(monkeypatch):
    from model.parameters import ParameterSet

    key = SPECS[0].key
    edited = ParameterSet.load().with_overrides({"cost_test": 120.0})
    monkeypatch.setattr(ParameterSet, "load", classmethod(lambda cls, path=None: edited))
    assert replace(SPECS[0]).key != key  # the parameter file's value changed, the run's overrides did not


@pytest.mark.parametrize("fault", ["altered values", "another run's files", "truncated", "manifest removed"])
def test_a_cached_run_that_fails_its_checks_is_computed_again(tmp_path, capsys, fault):
    cache = RunCache(tmp_path)
    fresh = run_ensemble(SPECS, cache, progress=False)
    first, second = (cache.directory / spec.key for spec in SPECS)
    weekly = Path(f"{first}.weekly.parquet")
    if fault == "altered values":
        frame = pd.read_parquet(weekly)
        frame["proven_reoffences"] *= 100
        frame.to_parquet(weekly, index=False)
    elif fault == "another run's files":
        for suffix in (".weekly.parquet", ".cohorts.parquet", ".json"):
            shutil.copy(f"{second}{suffix}", f"{first}{suffix}")
    elif fault == "truncated":
        weekly.write_bytes(weekly.read_bytes()[:100])
    else:
        Path(f"{first}.json").unlink()
    again = run_ensemble(SPECS, cache, progress=False)
    for a, b in zip(fresh, again):
        pd.testing.assert_frame_equal(a.weekly, b.weekly)
    if fault != "manifest removed":  # without a manifest the run was never finished: just computed
        assert "computing it again" in capsys.readouterr().err
    assert cache.load(SPECS[0]).weekly["proven_reoffences"].equals(fresh[0].weekly["proven_reoffences"])


def test_a_sensitivity_cache_line_that_fails_its_checks_is_evaluated_again(tmp_path, capsys):
    calls = []

    def square(parameters):
        calls.append(parameters["x"])
        return {"y": parameters["x"] ** 2}

    path = tmp_path / "evaluations.jsonl"
    evaluator = Evaluator(square, ["x"], ["y"], cache=path, progress=False)
    np.testing.assert_array_equal(evaluator(np.array([[2.0], [3.0]])), [4.0, 9.0])
    lines = path.read_text().splitlines()
    forged = json.loads(lines[0])
    forged["y"] = [400.0]  # a valid key with made-up outputs
    path.write_text("\n".join([json.dumps(forged), lines[1], "{not json"]) + "\n")
    calls.clear()
    np.testing.assert_array_equal(evaluator(np.array([[2.0], [3.0]])), [4.0, 9.0])
    assert calls == [2.0]  # only the forged row is evaluated again
    assert "2 line(s) failed their checks" in capsys.readouterr().err


# ------------------------------------------------------------------ bad input, as a corpus
def _scenario_file(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


# Scenario files that --validate must refuse: (text, what the error must say).
BAD_SCENARIO_FILES = [
    ("title: t\nlevers: [no_such_lever]\n", "unknown lever"),
    ("title: [\n", "not valid YAML"),
    ("titel: t\n", "title"),
    ("title: t\nlevers: 5\n", "levers"),
    ("title: t\nparameters: {refer_per_week: high}\n", "refer_per_week"),
    ("title: t\nparameters: {refer_per_week: true}\n", "refer_per_week"),
    ("title: t\nparameters: {refer_per_week: 1.5}\n", "refer_per_week"),
    ("title: t\nparameters: {court_order_starts_per_year: -5}\n", "court_order_starts_per_year"),
    ("title: t\nparameters: {unit_cost_other: .inf}\n", "unit_cost_other"),
    ("title: t\nparameters: {no_such_parameter: 1}\n", "no_such_parameter"),
    ("title: t\nparameters: {practitioner_mean_caseload: 0}\n", "practitioner_mean_caseload"),
    ("title: t\nparameters: {risk_gamma_shape: 0}\n", "risk_gamma_shape"),
    ("title: t\nparameters: {court_order_starts_per_year: 1.0e+308}\n", "outside the values the model accepts"),
    ("title: t\nparameters: {duration_gamma_shape: 0.5}\n", "duration_gamma_shape"),
    ("title: t\nparameters: {court_order_starts_per_year: 0, prison_releases_per_year: 0}\n", "no one would ever start"),
    ("title: t\nlevers:\n  - {lever: drugs_training, changes: {caseload_cap: {multiply: 1000}}}\n", "caseload_cap"),
    ("title: t\nextends: no_such_scenario\n", "extends"),
    ("title: t\nlevers:\n  - {lever: drugs_training, changes: {no_such_parameter: {set: 1}}}\n", "no_such_parameter"),
    ("title: t\nlevers:\n  - {lever: drugs_training, changes: {trained_share: {set: nope}}}\n", "nope"),
    ("title: t\nlevers:\n  - {lever: drugs_training, changes: {trained_share: {multiply: -2}}}\n", "multiply"),
    ("title: t\nlevers:\n  - {lever: drugs_training, changes: {trained_share: {set: 0.5, add: 0.1}}}\n", "exactly one"),
    ("title: t\nlevers:\n  - {lever: drugs_training, changes: {trained_share: {}}}\n", "exactly one"),
    ("title: t\nlevers:\n  - {lever: drugs_training, changes: {trained_share: {set: 1.5}}}\n", "trained_share"),
    ("title: t\nlevers:\n  - {lever: drugs_training, start_week: -1}\n", "start_week"),
    ("title: t\nlevers:\n  - {lever: drugs_training, weeks: 0}\n", "weeks"),
    ("title: t\nlevers:\n  - {lever: drugs_training, payer: custody}\n", "payer"),
    ("title: t\nlevers:\n  - {lever: drugs_training, cost_per_year: true}\n", "cost_per_year"),
    ("title: t\nlevers:\n  - {lever: drugs_training, cost_per_year: .inf}\n", "cost_per_year"),
    ("title: t\nlevers:\n  - {lever: drugs_training, cost_per_year: lots}\n", "cost_per_year"),
    ("title: t\nlevers:\n  - {lever: community_treatment_80m, buys: {parameter: nope, unit_cost: cost_test}}\n", "nope"),
    ("title: t\nlevers:\n  - {lever: community_treatment_80m, buys: {parameter: treatment_places, unit_cost: cost_test, share: 2}}\n",
     "share"),
    ("title: t\nlevers:\n  - {lever: health_justice_coordinators, reaches: {unit_cost: cost_test, units: 0}}\n", "units"),
    ("title: t\nlevers:\n  - {lever: health_justice_coordinators, reaches: {unit_cost: no_such_cost, units: 5}}\n",
     "no_such_cost"),
    ("title: t\nlevers:\n  - {lever: health_justice_coordinators, buys: {parameter: treatment_places, unit_cost: cost_test}}\n",
     "not both"),
    ("title: t\nlevers:\n  - {lever: drugs_training, primary: {total_tests: sideways}}\n", "primary"),
    ("title: t\nlevers:\n  - {lever: drugs_training, dose: 3}\n", "dose"),
    ("title: t\nlevers:\n  - 5\n", "levers"),
    ("title: t\nlevers:\n  - {description: no name}\n", "name"),
    ("", "expected a mapping"),
    ("- a\n- b\n", "expected a mapping"),
    ("description: no title\n", "title"),
    ("title: t\ndescription: [a, b]\n", "description"),
]

# Parameter samples that --posterior must refuse: (CSV text, what the error must say).
BAD_POSTERIORS = [
    ("", "not a readable CSV"),
    ("refer_per_week\n2.0\n", "refer_per_week"),
    ("refer_per_week\ninf\n", "refer_per_week"),
    ("practitioner_mean_caseload\n0.5\n", "practitioner_mean_caseload"),
    ("unit_cost_other\n1e308\n", "unit_cost_other"),
    ("no_such_parameter\n1\n", "no_such_parameter"),
    ("refer_per_week\nhigh\n", "refer_per_week"),
    ("_weight\n1\n", "no parameter sets"),
    ("refer_per_week\n", "no parameter sets"),
]


def _corpus(tmp_path: Path) -> list[tuple[str, list[str], str]]:
    """(command, arguments, what the one-line error must say)."""
    lever_on_parameters = _scenario_file(tmp_path, "on_top.yaml", (
        "title: t\nparameters: {release_appointment: 0.6}\n"
        "levers:\n  - {lever: health_justice_coordinators, changes: {release_appointment: {add: 0.5}}}\n"))
    folder = tmp_path / "same"
    folder.mkdir()
    cycle = tmp_path / "cycle" / "a.yaml"
    cycle.parent.mkdir()
    cycle.write_text("title: a\nextends: b\n")
    (cycle.parent / "b.yaml").write_text("title: b\nextends: a\n")
    twin = _scenario_file(folder, "naloxone.yaml", "title: another naloxone\n")
    return [
        ("scenarios", ["--years", "inf"], "--years"), ("scenarios", ["--years", "0.001"], "--years"),
        ("scenarios", ["--scale", "inf"], "--scale"), ("scenarios", ["--scale", "0"], "--scale"),
        ("scenarios", ["--scale", "nan"], "--scale"), ("scenarios", ["--seed", "-1"], "--seed"),
        ("scenarios", ["--workers", "-1"], "--workers"), ("scenarios", ["--reps", "0"], "--reps"),
        ("scenarios", ["--reps", "two"], "--reps"), ("scenarios", ["--out", ""], "--out"),
        ("scenarios", ["--out", "."], "--out"), ("scenarios", ["--out", "./scenarios"], "--out"),
        ("scenarios", ["--out", str(ROOT)], "--out"),
        ("scenarios", ["--validate", "--scenarios", _scenario_file(tmp_path, "latin.yaml", b"title: caf\xe9\n")], "UTF-8"),
        ("scenarios", ["--validate", "--scenarios", _scenario_file(tmp_path, "deep.yaml", "a: " + "[" * 3000 + "]" * 3000)],
         "deep.yaml"),
        ("scenarios", ["--validate", "--scenarios", _scenario_file(tmp_path, "big.yaml", "title: t\n#" + "x" * 1_100_000)],
         "larger than"),
        ("scenarios", ["--validate", "--scenarios", lever_on_parameters], "on_top.yaml"),
        ("scenarios", ["--validate", "--scenarios", "naloxone", twin], "more than one scenario named"),
        ("scenarios", ["--validate", "--scenarios", _scenario_file(tmp_path, "dose.yaml",
         "title: t\nlevers:\n  - {lever: health_justice_coordinators, cost_per_year: -5}\n")], "cost_per_year"),
        ("scenarios", ["--validate", "--scenarios", _scenario_file(tmp_path, "field.yaml",
         "title: t\nlevers:\n  - {lever: health_justice_coordinators, dose: 2}\n")], "dose"),
        ("levers", ["--levers", "nonexistent"], "nonexistent"), ("levers", ["--reps", "1"], "--reps"),
        ("levers", ["--scale", "0"], "--scale"), ("levers", ["--years", "-1"], "--years"),
        ("sensitivity", ["--workers", "-1"], "--workers"), ("sensitivity", ["--scale", "inf"], "--scale"),
        ("sensitivity", ["--years", "0"], "--years"), ("sensitivity", ["--n", "1"], "--n"),
        ("sensitivity", ["--parameters", "no_such_parameter", "--method", "sobol"], "no_such_parameter"),
        ("calibration", ["--workers", "-2"], "--workers"), ("calibration", ["--max-minutes", "-1"], "--max-minutes"),
        ("calibration", ["--scale", "inf"], "--scale"),
        *[("scenarios", ["--validate", "--scenarios", _scenario_file(tmp_path, f"bad{k}.yaml", text)], expected)
          for k, (text, expected) in enumerate(BAD_SCENARIO_FILES)],
        *[("scenarios", ["--validate", "--posterior", _scenario_file(tmp_path, f"posterior{k}.csv", text)], expected)
          for k, (text, expected) in enumerate(BAD_POSTERIORS)],
        ("scenarios", ["--validate", "--scenarios", str(cycle)], "cycle"),
        ("scenarios", ["--validate", "--scenarios", str(tmp_path / "missing.yaml")], "file not found"),
        ("scenarios", ["--scenarios", "no_such_scenario"], "unknown scenario"),
        ("scenarios", ["--scenario-dir", str(tmp_path / "nowhere")], "scenario folder not found"),
        ("scenarios", ["--scenario-dir", str(cycle)], "scenario folder not found"),
        ("scenarios", ["--cache", str(cycle), "--years", "0.1"], "--cache"),
        ("scenarios", ["--posterior", str(tmp_path / "nowhere.csv")], "file not found"),
        ("scenarios", ["--posterior", str(tmp_path)], "a folder"),
        ("scenarios", ["--reps", "-3"], "--reps"), ("scenarios", ["--years", "-1"], "--years"),
        ("scenarios", ["--scale", "-0.1"], "--scale"), ("scenarios", ["--seed", "1.5"], "--seed"),
        ("scenarios", ["--workers", "1.5"], "--workers"), ("scenarios", ["--out", ".hidden"], "--out"),
        ("scenarios", ["--frobnicate"], "unrecognized arguments"), ("scenarios", ["--years"], "--years"),
        ("sensitivity", ["--method", "guess"], "--method"), ("sensitivity", ["--levels", "1"], "--levels"),
        ("sensitivity", ["--trajectories", "1"], "--trajectories"), ("sensitivity", ["--batch", "0"], "--batch"),
        ("sensitivity", ["--sobol-top", "0"], "--sobol-top"), ("sensitivity", ["--ranges", "wide"], "--ranges"),
        ("sensitivity", ["--scenario", "no_such_scenario"], "unknown scenario"), ("sensitivity", ["--seed", "-1"], "--seed"),
        ("sensitivity", ["--years", "inf"], "--years"), ("sensitivity", ["--out", ""], "--out"),
        ("calibration", ["--population", "5"], "population"), ("calibration", ["--generations", "0"], "generations"),
        ("calibration", ["--scale", "0"], "--scale"), ("calibration", ["--max-minutes", "inf"], "--max-minutes"),
        ("calibration", ["--workers", "1.5"], "--workers"),
        ("levers", ["--seed", "-1"], "--seed"), ("levers", ["--workers", "-1"], "--workers"),
        ("levers", ["--scale", "20"], "--scale"), ("levers", ["--out", ""], "--out"),
        ("levers", ["--out", str(ROOT / "scenarios")], "--out"),
    ]


def _main(command: str):
    if command == "scenarios":
        import run_scenarios

        return run_scenarios.main
    if command == "levers":
        from model.experiments.check_levers import main

        return main
    if command == "sensitivity":
        import run_sensitivity

        return run_sensitivity.main
    from calibration.__main__ import main

    return main


def test_every_bad_input_in_the_corpus_is_one_line_exit_status_2_and_changes_nothing(tmp_path, capsys):
    from model.experiments.cli import run_command

    before = _tree_hash(OUTPUTS) if OUTPUTS.exists() else ""
    corpus = _corpus(tmp_path)
    failures = []
    for command, arguments, expected in corpus:
        status = run_command(lambda: _main(command)([*arguments, "--no-progress"]))
        err = capsys.readouterr().err
        if status != 2 or err.count("\n") != 1 or not err.startswith("error:") or expected not in err or "Traceback" in err:
            failures.append((command, arguments[:3], status, err[:200]))
    assert not failures, failures
    assert (_tree_hash(OUTPUTS) if OUTPUTS.exists() else "") == before
    assert len(corpus) >= 100


def test_a_full_disk_while_writing_results_is_one_line_and_leaves_the_earlier_results(tmp_path, monkeypatch, capsys):
    import run_scenarios
    from model.experiments.cli import run_command

    out = tmp_path / "results"
    arguments = ["--scenarios", "naloxone", "--reps", "2", "--years", "0.2", "--scale", "0.01", "--workers", "0",
                 "--no-posterior", "--no-progress", "--out", str(out), "--cache", str(tmp_path / "cache")]
    assert run_command(lambda: run_scenarios.main(arguments)) == 0
    before = _tree_hash(out)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(out / "summary.csv"))

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    capsys.readouterr()
    assert run_command(lambda: run_scenarios.main(arguments)) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "No space left on device" in errors[0] and "Traceback" not in err
    assert _tree_hash(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "results"]  # no staging folder left


def test_a_read_only_disk_is_one_line_and_leaves_the_earlier_results(tmp_path, monkeypatch, capsys):
    """Run as root, file permissions cannot make a folder read-only, so the file system's
    answer (EROFS) is given to every call that would create, open for writing or rename."""
    import builtins
    import errno
    import os

    import run_scenarios
    from model.experiments.cli import run_command

    out, cache = tmp_path / "results", tmp_path / "cache"
    arguments = ["--scenarios", "naloxone", "--reps", "2", "--years", "0.2", "--scale", "0.01", "--workers", "0",
                 "--no-posterior", "--no-progress", "--out", str(out), "--cache", str(cache)]
    assert run_command(lambda: run_scenarios.main(arguments)) == 0
    before = _tree_hash(tmp_path)

    def read_only(path) -> OSError:
        return OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    real_open = builtins.open

    def open_for_reading_only(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+"):
            raise read_only(file)
        return real_open(file, mode, *args, **kwargs)

    def refuse(path, *args, **kwargs):
        raise read_only(path)

    monkeypatch.setattr(builtins, "open", open_for_reading_only)
    for name in ("mkdir", "rename", "replace"):
        monkeypatch.setattr(os, name, refuse)
    for attempt in (arguments, [*arguments[:-1], str(tmp_path / "new cache")]):  # cached runs, then none
        capsys.readouterr()
        assert run_command(lambda: run_scenarios.main(attempt)) == 2
        err = capsys.readouterr().err
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "Read-only file system" in errors[0] and "Traceback" not in err, err
    monkeypatch.undo()
    assert _tree_hash(tmp_path) == before


def test_two_processes_publishing_one_folder_leave_one_whole_result_and_nothing_else(tmp_path):
    import threading

    final = tmp_path / "results"
    start = threading.Barrier(2)
    errors = []

    def publish(text: str) -> None:
        try:
            with published(final) as staging:
                for k in range(50):
                    (staging / f"part{k}.csv").write_text(text)
                start.wait()
        except Exception as err:  # noqa: BLE001 - the test reports it
            errors.append(err)

    threads = [threading.Thread(target=publish, args=(text,)) for text in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    texts = {p.read_text() for p in final.glob("part*.csv")}
    assert len(texts) == 1 and len(list(final.glob("part*.csv"))) == 50  # one writer's whole result
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_ctrl_c_during_a_dask_run_is_one_line_exit_130_and_keeps_the_finished_runs(tmp_path):
    import signal
    import time

    cache = tmp_path / "cache"
    command = subprocess.Popen(
        [sys.executable, "run_scenarios.py", "--scenarios", "naloxone", "--reps", "40", "--years", "2", "--scale", "0.02",
         "--workers", "2", "--no-posterior", "--no-progress", "--out", str(tmp_path / "results"), "--cache", str(cache)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 240
    while not (cache.is_dir() and any(cache.glob("*.json"))) and time.monotonic() < deadline and command.poll() is None:
        time.sleep(0.2)  # until the first runs are finished and cached
    command.send_signal(signal.SIGINT)
    _, err = command.communicate(timeout=120)
    assert command.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("interrupted:"), err
    assert [line for line in err.splitlines() if "interrupted" in line or "error" in line.lower()] == [err.strip().splitlines()[-1]]
    assert any(cache.glob("*.json")) and not (tmp_path / "results").exists()


def test_an_interrupt_that_dask_swallowed_still_stops_the_ensemble_at_its_next_finished_run(tmp_path):
    """The commands' Ctrl-C handler sets ``INTERRUPTED`` before raising; were that
    KeyboardInterrupt caught inside Dask's client, the ensemble still stops."""
    calls = []

    def interrupted_quietly(spec):
        calls.append(spec)
        ensemble.INTERRUPTED.set()  # as the handler does; the exception itself is lost
        return ensemble.simulate(spec)

    try:
        with pytest.raises(KeyboardInterrupt):
            run_ensemble(SPECS, RunCache(tmp_path), progress=False, function=interrupted_quietly)
    finally:
        ensemble.INTERRUPTED.clear()
    assert len(calls) == 1 and len(list(tmp_path.glob("*.json"))) == 1  # the finished run is kept
