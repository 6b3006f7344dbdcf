"""Calibrate the model to the 2019/20 targets: python -m calibration (or make calibrate).

    python -m calibration                  # run or resume, then write posterior and report
    python -m calibration --fresh          # start again, discarding earlier generations
    python -m calibration --report-only    # rewrite the report from the saved posterior
    python -m calibration --scheduler tcp://127.0.0.1:8786 --population 500 --generations 12 --scale 0.5

Writes calibration/posterior.csv, calibration/report.md and its figures. Settings (which
parameters, scale, population, generations, time limit) are in calibration/settings.yaml;
the options override them.
"""

from __future__ import annotations

import math
import os
import sys
import time

import pandas as pd
import yaml

from calibration.fit import (
    DATABASE,
    POSTERIOR_FILE,
    SETTINGS_FILE,
    Calibration,
    Simulator,
    load_targets,
    resample,
)
from calibration.report import write_calibration_report
from model import ParameterError, ParameterSet
from model.experiments.cli import Parser, UsageError, check_options, run_command
from model.experiments.ensemble import OnOneThread, dask_client


def predictive(sample: pd.DataFrame, simulator: Simulator, runs: int, workers: int, scheduler: str | None) -> pd.DataFrame:
    """Model values of every target for the first ``runs`` posterior parameter sets."""
    rows = [row for _, row in sample.head(runs).iterrows()]
    parameter_sets = [row.to_dict() for row in rows]
    with dask_client(workers, scheduler) as client:
        if client is None:
            results = [simulator(p) for p in parameter_sets]
        else:
            results = client.gather(client.map(OnOneThread(simulator), parameter_sets, pure=False))
    return pd.DataFrame(results)


def main(argv: list[str] | None = None) -> int:
    parser = Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="discard earlier generations and start again")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from calibration/posterior.csv")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local Dask workers (0: serial)")
    parser.add_argument("--scheduler", help="an existing Dask scheduler address")
    parser.add_argument("--population", type=int, help="particles per generation")
    parser.add_argument("--generations", type=int, help="generations at most")
    parser.add_argument("--max-minutes", type=float, help="stop starting new generations after this long")
    parser.add_argument("--scale", type=float, help="share of the national caseload per evaluation")
    parser.add_argument("--no-progress", action="store_true")
    args = check_options(parser.parse_args(argv))
    if args.max_minutes is not None and not (math.isfinite(args.max_minutes) and args.max_minutes > 0):
        raise UsageError(f"--max-minutes = {args.max_minutes}: must be a finite number > 0")
    settings = yaml.safe_load(SETTINGS_FILE.read_text())
    for option, key in (("population", "population_size"), ("generations", "generations"), ("max_minutes", "max_minutes"), ("scale", "scale")):
        if getattr(args, option) is not None:
            settings[key] = getattr(args, option)
    if settings["scale"] <= 0 or settings["population_size"] < 10 or settings["generations"] < 1:
        raise UsageError("need scale > 0, population >= 10 and generations >= 1")

    base = ParameterSet.load()
    for name in settings["parameters"]:
        if name not in base:
            raise ParameterError(f"{SETTINGS_FILE}: unknown parameter '{name}'")
    targets = load_targets()
    fitted = [t for t in targets if t.use == "fitted"]
    calibration = Calibration(
        parameters=settings["parameters"], targets=fitted, scale=settings["scale"], weeks=int(52 * settings["years"]),
        population_size=settings["population_size"], generations=settings["generations"],
        max_minutes=settings["max_minutes"], min_acceptance_rate=settings["min_acceptance_rate"], seed=settings["seed"],
        base=base,
    )
    clock = time.perf_counter()
    if not args.report_only:
        particles = calibration.run(workers=args.workers, scheduler=args.scheduler, fresh=args.fresh, progress=not args.no_progress)
        sample = resample(particles, settings["posterior_size"], settings["seed"])
        temporary = POSTERIOR_FILE.with_suffix(".csv.tmp")
        sample.to_csv(temporary, index=False)
        temporary.replace(POSTERIOR_FILE)
        print(f"posterior: {len(sample)} parameter sets in {POSTERIOR_FILE}", file=sys.stderr)
    if not POSTERIOR_FILE.exists():
        raise UsageError(f"{POSTERIOR_FILE}: no posterior yet; run python -m calibration first")
    sample = pd.read_csv(POSTERIOR_FILE)
    weeks = int(52 * settings["years"])
    every_target = Simulator(settings["scale"], weeks, tuple(t.metric for t in targets if not t.scenario))
    predicted = predictive(sample, every_target, settings["predictive_runs"], args.workers, args.scheduler)
    for scenario in dict.fromkeys(t.scenario for t in targets if t.scenario):  # held-out targets observed under levers
        under_levers = Simulator(settings["scale"], weeks, tuple(t.metric for t in targets if t.scenario == scenario), scenario=scenario)
        predicted = predicted.join(predictive(sample, under_levers, settings["predictive_runs"], args.workers, args.scheduler))
    path = write_calibration_report(sample, predicted, targets, calibration, f"sqlite:///{DATABASE}", time.perf_counter() - clock)
    print(f"report: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_command(main))
