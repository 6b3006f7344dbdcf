"""Projected time of the issue's Sobol job from evaluations measured here.

    python benchmarks/sensitivity_speed.py [--evaluations 160] [--workers 2]

Target (issue 5): Sobol over 20 parameters with N = 256 and second-order indices
(256 x (2 x 20 + 2) = 10,752 evaluations) at 1:10 scale over 5 years in under 30 minutes on
this 2-core machine. One evaluation = the baseline and the scenario, same seed (sharing
their warm-up). This measures the same ``--evaluations`` rows of a Sobol sample (whose
parameters, and so costs, vary: a larger caseload takes longer) serially, after one to load
the compiled kernels, and as the throughput of a running local Dask cluster (start-up and a
first evaluation on each worker excluded; enough evaluations that the last, unpaired task
counts for little, as in the real job), in one run, and prints the projection and its ratio
to the target (compare ratios: these machines are noisy).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model.experiments.scenarios import ScenarioLibrary  # noqa: E402
from model.experiments.ensemble import local_cluster  # noqa: E402
from model.experiments.sensitivity import Evaluator, ScenarioOutcomes, problem_for  # noqa: E402
from model import ParameterSet  # noqa: E402

# The 20 parameters of issue 5's Sobol job (the first 20 uncertain parameters of the file when
# it was set), kept fixed so that measurements compare like with like as parameters are added.
PARAMETERS = (
    "court_order_starts_per_year", "sso_share_of_court_orders", "court_order_mean_weeks", "licence_extra_mean_weeks",
    "duration_gamma_shape", "female_share", "problematic_use_court", "problematic_use_release", "nonproblematic_use_share",
    "ocu_share_of_problematic", "remission_untreated_per_week", "remission_in_treatment_per_week", "relapse_per_week",
    "testing_deterrence", "practitioner_mean_caseload", "workload_elasticity", "training_effect",
    "identify_at_release_in_treatment", "identify_per_week", "refer_per_week",
)
TARGET_EVALUATIONS = 256 * (2 * len(PARAMETERS) + 2)
TARGET_SECONDS = 30 * 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=160, help="evaluations timed, serially and on the Dask workers")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if min(args.evaluations, args.workers) < 1:
        parser.error("--evaluations and --workers must be at least 1")
    base = ParameterSet.load()
    names = list(PARAMETERS)
    problem = problem_for(names, ["bcr", "reoffences_averted", "deaths_averted"], base)
    problem.sample_sobol(8, calc_second_order=True, seed=1)  # 336 rows
    X = problem.samples
    function = ScenarioOutcomes(ScenarioLibrary().get("sustained_package"), scale=0.1, weeks=260)
    outputs = list(function.outputs)

    warm_up, timed = X[: args.workers], X[args.workers : args.workers + args.evaluations]
    Evaluator(function, names, outputs, progress=False)(warm_up[:1])  # load the compiled kernels, as the workers' warm-up below
    start = time.perf_counter()
    Evaluator(function, names, outputs, progress=False)(timed)
    serial = (time.perf_counter() - start) / len(timed)

    with local_cluster(args.workers) as cluster:
        Evaluator(function, names, outputs, scheduler=cluster.scheduler_address, progress=False)(warm_up)
        start = time.perf_counter()
        Evaluator(function, names, outputs, scheduler=cluster.scheduler_address, progress=False)(timed)
        parallel = (time.perf_counter() - start) / len(timed)

    projected = parallel * TARGET_EVALUATIONS
    print(f"one evaluation (baseline + scenario, 5 years at 1:10): {serial:.3f} s serially; "
          f"{parallel:.3f} s each in throughput on {args.workers} running Dask workers ({serial / parallel:.2f}x)")
    print(f"projected Sobol job ({TARGET_EVALUATIONS:,} evaluations): {projected / 60:.1f} minutes on {args.workers} workers "
          f"({serial * TARGET_EVALUATIONS / 60:.0f} minutes serially); target 30 minutes: ratio {projected / TARGET_SECONDS:.2f}x")
    print(f"with W workers: about {serial * TARGET_EVALUATIONS / 60:.0f} / W minutes (evaluations are independent)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
