"""Which assumptions matter most for a scenario's benefit-cost ratio, reoffences and deaths averted?

    python run_sensitivity.py                                  # Morris over every uncertain parameter
    python run_sensitivity.py --method sobol --parameters refer_per_week treatment_offending_reduction ...
    python run_sensitivity.py --method both --sobol-top 8      # Morris, then Sobol on the 8 most influential
    python run_sensitivity.py --scheduler tcp://127.0.0.1:8786 --method sobol --n 256 --second-order

Uncertain parameters are those flagged ``assumption`` in model/data/parameters.yaml with a
range of some width; ranges come from the parameter file, narrowed to the calibration
posterior's 95% interval for calibrated parameters (``--ranges prior`` to keep the file's).
Every evaluation runs the baseline and the scenario with the same seed (common random
numbers across evaluations). Finished evaluations are cached in outputs/.cache/sensitivity/:
an interrupted analysis, run again, resumes. Results go to outputs/<out>/.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from model.experiments.cli import Parser, UsageError, check_options, run_command  # noqa: E402
from model.experiments.outputs import OUTPUTS, git_commit, output_dir, published, versions  # noqa: E402
from model.parameters import ParameterError, ParameterSet  # noqa: E402
from model.experiments.posterior import default_posterior_path, load_parameter_sample  # noqa: E402
from model.experiments.scenarios import ScenarioLibrary  # noqa: E402
from model.experiments.sensitivity import Evaluator, ScenarioOutcomes, morris, problem_for, sobol  # noqa: E402

LABELS = {"bcr": "benefit-cost ratio", "reoffences_averted": "proven reoffences averted", "deaths_averted": "drug-related deaths averted"}


def uncertain_parameters(base: ParameterSet) -> list[str]:
    return [n for n in base.assumptions() if base.definition(n).range[1] > base.definition(n).range[0]]


def narrowed_to_posterior(base: ParameterSet) -> tuple[ParameterSet, list[str]]:
    """Parameter definitions whose ranges are the posterior 95% intervals where calibrated."""
    path = default_posterior_path()
    if path is None:
        return base, []
    sample = pd.DataFrame(load_parameter_sample(path, base))
    narrowed = []
    definitions = []
    for d in base.definitions:
        if d.name in sample:
            low, high = sample[d.name].quantile([0.025, 0.975])
            if high > low:
                d = d.model_copy(update={"range": (float(low), float(high)), "value": float(min(max(d.value, low), high))})
                narrowed.append(d.name)
        definitions.append(d)
    return ParameterSet(tuple(definitions)), narrowed


def plot_morris(table: pd.DataFrame, output: str, path) -> None:
    rows = table[table["output"] == output]
    fig, ax = plt.subplots(figsize=(8, 6))
    ax.scatter(rows["mu_star"], rows["sigma"], color="tab:blue")
    ax.errorbar(rows["mu_star"], rows["sigma"], xerr=rows["mu_star_conf"], fmt="none", ecolor="tab:blue", alpha=0.4)
    for _, r in rows.head(10).iterrows():
        ax.annotate(r["parameter"], (r["mu_star"], r["sigma"]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel(f"mu* (mean absolute elementary effect on {LABELS.get(output, output)})")
    ax.set_ylabel("sigma (spread of elementary effects: non-linearity, interactions)")
    ax.set_title(f"Morris screening: {LABELS.get(output, output)}\n(bars: 95% interval of mu*; the ten largest are named)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_sobol(table: pd.DataFrame, output: str, path) -> None:
    rows = table[table["output"] == output]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(rows) + 2))
    y = range(len(rows))
    ax.barh([i - 0.2 for i in y], rows["S1"], height=0.4, xerr=rows["S1_conf"], label="first order S1", capsize=2)
    ax.barh([i + 0.2 for i in y], rows["ST"], height=0.4, xerr=rows["ST_conf"], label="total ST", capsize=2)
    ax.set_yticks(list(y), rows["parameter"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("share of output variance (index, with 95% interval)")
    ax.set_title(f"Sobol indices: {LABELS.get(output, output)}")
    ax.legend()
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    started = datetime.now(timezone.utc)
    parser = Parser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="sustained_package", help="scenario compared with the baseline")
    parser.add_argument("--method", choices=("morris", "sobol", "both"), default="morris")
    parser.add_argument("--parameters", nargs="+", help="parameters for Sobol (default: the Morris top, or all uncertain)")
    parser.add_argument("--sobol-top", type=int, default=8, help="with --method both: Sobol on this many most influential")
    parser.add_argument("--trajectories", type=int, default=10, help="Morris trajectories (default 10)")
    parser.add_argument("--levels", type=int, default=4, help="Morris grid levels (default 4)")
    parser.add_argument("--n", type=int, default=64, help="Sobol base sample size, a power of 2 (default 64)")
    parser.add_argument("--second-order", action="store_true", help="also second-order Sobol indices")
    parser.add_argument("--ranges", choices=("posterior", "prior"), default="posterior")
    parser.add_argument("--scale", type=float, default=0.05, help="share of the national caseload (default 0.05)")
    parser.add_argument("--years", type=float, default=3, help="years per evaluation (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="sensitivity", help="output folder name under outputs/")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--scheduler")
    parser.add_argument("--batch", type=int, default=4, help="evaluations per Dask task (default 4)")
    parser.add_argument("--no-progress", action="store_true")
    args = check_options(parser.parse_args(argv))
    if args.trajectories < 2 or args.n < 2 or args.batch < 1 or args.levels < 2 or args.sobol_top < 1:
        raise UsageError("need --trajectories >= 2, --levels >= 2, --n >= 2, --batch >= 1 and --sobol-top >= 1")

    final = output_dir(args.out)  # refused now, before any evaluation, if it cannot be written
    base = ParameterSet.load()
    scenario = ScenarioLibrary(base=base).get(args.scenario)
    ranges, narrowed = narrowed_to_posterior(base) if args.ranges == "posterior" else (base, [])
    every = uncertain_parameters(base)
    for name in args.parameters or []:
        if name not in base:
            raise ParameterError(f"--parameters: unknown parameter '{name}'")
    function = ScenarioOutcomes(scenario, args.scale, int(round(args.years * 52)), args.seed, base.discount_rate, base.discount_rate_health)
    outputs = list(function.outputs)
    cache = OUTPUTS / ".cache" / "sensitivity" / "evaluations.jsonl"
    evaluator = lambda names: Evaluator(  # noqa: E731
        function, names, outputs, cache, args.workers, args.scheduler, not args.no_progress, args.batch
    )
    clock = time.perf_counter()
    morris_table = sobol_table = None
    if args.method in ("morris", "both"):
        names = every
        problem = problem_for(names, outputs, ranges)
        print(f"Morris: {len(names)} parameters x {args.trajectories} trajectories = "
              f"{(len(names) + 1) * args.trajectories} evaluations", file=sys.stderr)
        morris_table = morris(evaluator(names), problem, args.trajectories, args.levels, args.seed)
    if args.method in ("sobol", "both"):
        if args.parameters:
            names = args.parameters
        elif morris_table is not None:
            ranked = morris_table[morris_table["output"] == "reoffences_averted"]["parameter"]
            names = list(ranked.head(args.sobol_top))
        else:
            names = every
        problem = problem_for(names, outputs, ranges)
        runs = args.n * (2 * len(names) + 2 if args.second_order else len(names) + 2)
        print(f"Sobol: {len(names)} parameters, N = {args.n}: {runs} evaluations", file=sys.stderr)
        sobol_table = sobol(evaluator(names), problem, args.n, args.second_order, args.seed)
    elapsed = time.perf_counter() - clock

    with published(final) as staging:
        lines = [f"# Sensitivity analysis: {scenario.title} against the baseline", "",
                 f"Each evaluation: baseline and scenario, {args.years:g} years at {args.scale:g} of the national caseload, "
                 f"same seed ({args.seed}) throughout (common random numbers). Ranges: the parameter file"
                 + (f", narrowed to the calibration posterior for {len(narrowed)} calibrated parameters." if narrowed else ".")
                 + f" Run time {elapsed / 60:.1f} minutes.", ""]
        for table, kind in ((morris_table, "morris"), (sobol_table, "sobol")):
            if table is None:
                continue
            table.to_csv(staging / f"{kind}.csv", index=False)
            measure = "mu_star" if kind == "morris" else "ST"
            lines += [f"## {'Morris screening (mu*)' if kind == 'morris' else 'Sobol total indices (ST)'}", ""]
            if kind == "sobol" and args.n < 64:
                lines += [f"With N = {args.n} the Sobol indices are rough (totals can exceed 1); read them with their "
                          "intervals in `sobol.csv`, and use N = 256 or more for figures to quote.", ""]
            for output in outputs:
                (plot_morris if kind == "morris" else plot_sobol)(table, output, staging / f"{kind}_{output}.png")
                top = table[table["output"] == output].head(5)
                named = ", ".join(f"`{r['parameter']}` ({r[measure]:.3g})" for _, r in top.iterrows())
                lines += [f"- **{LABELS[output]}**: most influential {named}.", "", f"![{kind} {output}]({kind}_{output}.png)", ""]
        (staging / "report.md").write_text("\n".join(lines))
        meta = {"started": started.isoformat(timespec="seconds"), "seconds": round(elapsed, 1), "arguments": vars(args),
                "narrowed_to_posterior": narrowed, "git_commit": git_commit(), "versions": versions()}
        (staging / "metadata.json").write_text(json.dumps(meta, indent=2, default=str))
    print(f"results in {final}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_command(main))
