"""Run the funding scenarios against the baseline and write tables, plots and a report.

    python run_scenarios.py                      # every scenario, the default settings
    python run_scenarios.py --list               # what scenarios there are
    python run_scenarios.py --validate           # check every scenario file, run nothing
    python run_scenarios.py --scenarios treatment_funding_one_year treatment_funding_sustained --reps 20
    python run_scenarios.py --scheduler tcp://127.0.0.1:8786   # on an existing Dask cluster

Results go to ``outputs/<out>/`` (``--out``, default ``scenarios``), written in a temporary
folder and moved into place only when complete. Finished runs are cached in
``outputs/.cache/``: an interrupted command, run again, resumes without recomputing them.
Bad input (an unknown scenario, a scenario file with an unknown key or an out-of-range
value, a missing file) stops with a one-line error and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from model.appraisal.decision import ENOUGH_REPLICATES
from model.appraisal.economics import headline_table
from model.experiments.cli import Parser, UsageError, check_options, run_command
from model.experiments.comparison import Plan, Settings, conduct
from model.experiments.ensemble import RunCache
from model.experiments.outputs import OUTPUTS, output_dir
from model.experiments.posterior import default_posterior_path, load_parameter_sample
from model.experiments.scenarios import SCENARIO_DIR, ScenarioError, ScenarioLibrary
from model.parameters import ParameterSet

ROOT = Path(__file__).resolve().parent


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = Parser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", nargs="+", metavar="NAME", help="scenario names or scenario files (default: all)")
    parser.add_argument("--reps", type=int, default=48, help="replicates per scenario (default 48: 41 or more keep "
                        "the 95%% intervals' ends off the sample's extremes)")
    parser.add_argument("--years", type=float, default=5, help="years to simulate (default 5)")
    parser.add_argument("--scale", type=float, default=0.1, help="share of the national caseload simulated (default 0.1)")
    parser.add_argument("--seed", type=int, default=1, help="base seed; replicate r gets the same seed in every scenario")
    parser.add_argument("--out", default="scenarios", help="output folder name under outputs/ (default scenarios)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local Dask workers; 0 runs serially (default: one per core)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="use an existing Dask scheduler, e.g. tcp://127.0.0.1:8786")
    parser.add_argument("--posterior", metavar="FILE", help="parameter sample to draw replicates from (default: calibration/posterior.csv if present)")
    parser.add_argument("--no-posterior", action="store_true", help="use the hand-set baseline parameters for every replicate")
    parser.add_argument("--scenario-dir", default=str(SCENARIO_DIR), help="folder of scenario files (default scenarios/)")
    parser.add_argument("--cache", default=str(OUTPUTS / ".cache" / "runs"), help="folder of finished runs, for resuming (default outputs/.cache/runs)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--validate", action="store_true", help="validate the scenario files and exit")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return check_options(parser.parse_args(argv))


def select_scenarios(library: ScenarioLibrary, requested: list[str] | None):
    """The scenarios asked for (names or files), with the baseline always first."""
    if not requested:
        return library.all()
    chosen = []
    for item in requested:
        if item.endswith((".yaml", ".yml")):
            path = Path(item)
            if not path.exists():
                raise ScenarioError(f"{path}: file not found")
            chosen.append(ScenarioLibrary(path.parent, library.base, fallback=library).get(path.stem))
        else:
            chosen.append(library.get(item))
    names = [s.name for s in chosen]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ScenarioError(f"--scenarios: more than one scenario named {duplicated} (a scenario's name is its file's stem)")
    if all(s.name != "baseline" for s in chosen):
        chosen.insert(0, library.get("baseline"))
    return sorted(chosen, key=lambda s: s.name != "baseline")


def main(argv: list[str] | None = None) -> int:
    started = datetime.now(timezone.utc)
    args = parse_args(argv)
    base = ParameterSet.load()
    library = ScenarioLibrary(args.scenario_dir, base)
    if args.list:
        for s in library.all():
            print(f"{s.name:30} £{s.yearly_cost / 1e6:7.1f}m a year  {s.title}")
        return 0
    scenarios = library.all() if args.validate and not args.scenarios else select_scenarios(library, args.scenarios)
    posterior_path = None if args.no_posterior else (Path(args.posterior) if args.posterior else default_posterior_path())
    sample = load_parameter_sample(posterior_path, base) if posterior_path else None
    if args.validate:  # the checks a run makes before running, then stop
        drawn = f" and {len(sample)} parameter sets" if sample else ""
        print(f"ok: {len(scenarios)} scenarios, {len(library.levers)} levers{drawn} are valid")
        return 0
    final = output_dir(args.out)  # refused now, before any run, if it cannot be written
    if Path(args.cache).exists() and not Path(args.cache).is_dir():
        raise UsageError(f"--cache {args.cache}: a file, not a folder of cached runs")

    settings = Settings(args.reps, args.years, args.scale, args.seed, sample, posterior_path if sample else None)
    plan = Plan(scenarios, settings, library.levers)
    cache = RunCache(args.cache)
    done_before = sum(cache.has(s) for s in plan.all_specs)
    print(f"{len(scenarios)} scenarios x {args.reps} replicates = {len(plan.specs)} runs, and {len(plan.check_specs)} without "
          f"today's treatment for the like-for-like check ({done_before} already done), {args.years:g} years at scale "
          f"{args.scale:g}", file=sys.stderr)
    appraisal, elapsed = conduct(plan, base, cache, final, {
        "started": started.isoformat(timespec="seconds"),
        "command": " ".join(["python", "run_scenarios.py", *(argv if argv is not None else sys.argv[1:])]),
        "workers": args.workers, "scheduler": args.scheduler,
    }, say=lambda message: print(message, file=sys.stderr), progress=not args.no_progress)
    if args.reps < ENOUGH_REPLICATES:
        print(f"warning: {args.reps} replicates: intervals reach the sample's extremes below {ENOUGH_REPLICATES} "
              "(see the report's warning)", file=sys.stderr)
    summary = appraisal.summary

    with pd.option_context("display.width", 250, "display.max_columns", 10, "display.max_colwidth", 40):
        headline = headline_table(summary)
        print(headline[[
            "Proven reoffences averted", "Drug-related deaths averted", "QALYs gained (discounted)", "Net public cost (PV)",
            "Social benefit-cost ratio", "Benefit-cost ratio, crime only",
        ]])
    runs = len(plan.all_specs)
    print(f"\n{runs} runs ({runs - done_before} new) in {elapsed:.0f} s; results in {final}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_command(main))
